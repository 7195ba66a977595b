"""The search's pages, totals and facets, computed by the database, against a reference.

The reference is the straightforward way, written here: read every search row,
filter, group the rows into practices, count the facets, sort and cut the page
in Python; only which rows the words match, and their scores, come from the
full-text index (FTS5 ``bm25`` on SQLite, ``ts_rank`` on PostgreSQL). The
catalogues are generated (hypothesis) and changed by creates, edits,
unpublishing and deletes, so the counts kept for a browse are checked after
every kind of write; on both databases.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingtogether import City, ModerationStatus, Observatory, Practice, PracticeKind, Text
from livingtogether.services.search_sql import _SQLITE_SCORE
from livingtogether.services.search_terms import FACETS, postgres_match, sqlite_match, terms
from livingtogether.store import schema

PUBLISHED = ModerationStatus.PUBLISHED
CITIES = (City(slug="lyon", name=Text({"fr": "Lyon"}), country="FR"),
          City(slug="nice", name=Text({"fr": "Nice"}), country="FR"),
          City(slug="izmir", name=Text({"tr": "İzmir"}), country="TR"))
LANGUAGES = ("en", "fr", "tr")
WORDS = ("dialogue", "garden", "école", "ecole", "kültür", "voisins", "city", "market")
THEMES = ("culture", "resilience", "public-safety", "dialogue-and-solidarity")

texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)


@st.composite
def practices(draw: st.DrawFn, index: int) -> Practice:
    """A practice over a small vocabulary, so that words match often and scores tie."""
    languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True))
    return Practice(
        slug=f"p{index}", city=draw(st.sampled_from([c.slug for c in CITIES])),
        kind=draw(st.sampled_from(PracticeKind)),
        status=draw(st.sampled_from([PUBLISHED, PUBLISHED, PUBLISHED, ModerationStatus.DRAFT])),
        title=Text({lang: draw(texts) for lang in languages}),
        summary=Text({lang: draw(texts) for lang in languages if draw(st.booleans())}),
        body=Text({lang: f"<p>{draw(texts)}</p>" for lang in languages if draw(st.booleans())}),
        themes=tuple(draw(st.lists(st.sampled_from(THEMES), max_size=3, unique=True))))


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[list[Practice], list[tuple[str, int]]]:
    """Practices to create, then changes: ``("edit", i)``, ``("unpublish", i)``,
    ``("delete", i)``."""
    count = draw(st.integers(0, 9))
    created = [draw(practices(index)) for index in range(count)]
    changes = draw(st.lists(st.tuples(st.sampled_from(("edit", "unpublish", "delete")),
                                      st.integers(0, max(count - 1, 0))), max_size=4))
    return created, changes if count else []


def build(obs: Observatory, created: list[Practice], changes: list[tuple[str, int]],
          draw: Any) -> None:
    """Empty the catalogue, then create and change practices, as a site would."""
    for practice in obs.practices.list(status=None, limit=200).items:
        obs.practices.delete(practice.slug)
    if len(created) > 1:
        obs.practices.create_many(created[: len(created) // 2])
    for practice in created[len(created) // 2 if len(created) > 1 else 0:]:
        obs.practices.create(practice)
    gone: set[str] = set()
    for change, index in changes:
        slug = created[index].slug
        if slug in gone:
            continue
        if change == "delete":
            obs.practices.delete(slug)
            gone.add(slug)
        elif change == "unpublish":
            if obs.practices.get(slug).status is PUBLISHED:
                obs.practices.unpublish(slug)
        else:
            # A direct update (as an import does) re-indexes: new city, kind, themes, text.
            obs.practices.update(attrs.evolve(draw(practices(index)), slug=slug))


def reference(obs: Observatory, q: str, filters: dict[str, Any], limit: int, offset: int,
              reader: str | None) -> dict[str, Any]:
    """The results the straightforward way (see the module's docstring)."""
    table, cities = schema.practice_search, schema.cities
    words = terms(q)
    with obs.store.read() as connection:
        rows = [dict(row) for row in connection.execute(sa.select(table)).mappings()]
        country_of = dict(connection.execute(sa.select(cities.c.slug, cities.c.country)).all())
    scores = scores_of(obs, q)
    wanted = []
    for row in rows:
        if words and row["id"] not in scores:
            continue
        if "city" in filters and row["city_slug"] != filters["city"]:
            continue
        if "kind" in filters and row["kind"] != filters["kind"]:
            continue
        if "language" in filters and row["language"] != filters["language"]:
            continue
        if "theme" in filters and f"|{filters['theme']}|" not in row["themes"]:
            continue
        if "country" in filters and country_of.get(row["city_slug"]) != filters["country"]:
            continue
        wanted.append({**row, "score": scores.get(row["id"], 0.0)})
    by_practice: dict[int, list[dict[str, Any]]] = {}
    for row in wanted:
        by_practice.setdefault(row["practice_id"], []).append(row)
    # A practice's best row: the highest score, then the first language.
    best = {pid: min(found, key=lambda r: (-r["score"], r["language"]))
            for pid, found in by_practice.items()}
    if words:
        order = sorted(best, key=lambda pid: (-best[pid]["score"], pid))
    else:
        order = sorted(best, key=lambda pid: (best[pid]["published_at"], pid), reverse=True)
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}

    def add(name: str, value: str) -> None:
        counts[name][value] = counts[name].get(value, 0) + 1

    for row in wanted:
        add("language", row["language"])
    for row in best.values():
        add("city", row["city_slug"])
        add("kind", row["kind"])
        if row["city_slug"] in country_of:
            add("country", country_of[row["city_slug"]])
        for theme in [t for t in row["themes"].split("|") if t]:
            add("theme", theme)
    hits = []
    for pid in order[offset:offset + limit]:
        found = by_practice[pid]
        if words:
            language = next((r["language"] for r in found if r["language"] == reader),
                            best[pid]["language"])
        else:
            languages = [r["language"] for r in rows if r["practice_id"] == pid]
            stored = obs.practices.get(slug_of(obs, pid)).languages
            assert set(languages) == set(stored)
            language = reader if reader in stored else stored[0]
        hits.append((slug_of(obs, pid), best[pid]["score"], language))
    return {"hits": hits, "total": len(best), "facets": {
        name: sorted(values.items(), key=lambda item: (-item[1], item[0]))
        for name, values in counts.items()}}


def scores_of(obs: Observatory, q: str) -> dict[int, float]:
    """The score of each search row matching the words of ``q``, by row id, from the
    full-text index (none without words)."""
    words = terms(q)
    if not words:
        return {}
    with obs.store.read() as connection:
        if obs.store.dialect == "postgresql":
            return dict(connection.execute(sa.text(
                "SELECT id, ts_rank(document, to_tsquery('lt_search', :q)) FROM "
                "lt_practice_text WHERE document @@ to_tsquery('lt_search', :q)"),
                {"q": postgres_match(words)}).all())
        return dict(connection.execute(sa.text(
            f"SELECT rowid, -{_SQLITE_SCORE} FROM lt_practice_fts "
            "WHERE lt_practice_fts MATCH :q"), {"q": sqlite_match(words)}).all())


def slug_of(obs: Observatory, practice_id: int) -> str:
    with obs.store.read() as connection:
        return str(connection.scalar(sa.select(schema.practices.c.slug)
                                     .where(schema.practices.c.id == practice_id)))


def project(obs: Observatory, q: str, filters: dict[str, Any], limit: int, offset: int,
            reader: str | None) -> dict[str, Any]:
    """The results as the search gives them, in the reference's shape."""
    results = obs.practices.search(q, limit=limit, offset=offset, reader_language=reader,
                                   **filters)
    assert (results.limit, results.offset) == (limit, offset)
    for hit in results.hits:
        if not q:
            assert hit.snippet is None
    return {"hits": [(hit.practice.slug, hit.score, hit.language) for hit in results.hits],
            "total": results.total,
            "facets": {name: [(c.value, c.count) for c in counts]
                       for name, counts in results.facets.items()}}


filters = st.fixed_dictionaries({}, optional={
    "city": st.sampled_from([c.slug for c in CITIES]),
    "kind": st.sampled_from([k.value for k in PracticeKind]),
    "language": st.sampled_from(LANGUAGES),
    "theme": st.sampled_from(THEMES),
    "country": st.sampled_from(["FR", "TR", "CA"]),
})
queries = st.one_of(st.just(""), st.sampled_from(WORDS),
                    st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(" ".join),
                    st.sampled_from(("voi*", "gar* city", "kült*")))


@pytest.fixture
def obs(observatory: Observatory) -> Observatory:
    for city in CITIES:
        observatory.cities.create(city)
    return observatory


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(catalogue=catalogues(), data=st.data())
def test_search_matches_the_reference(obs: Observatory, catalogue: Any, data: Any) -> None:
    created, changes = catalogue
    build(obs, created, changes, data.draw)
    asks = [("", {}, 20, 0, None)]  # the browse without filters, from the maintained counts
    for _ in range(6):
        asks.append((data.draw(queries), data.draw(filters), data.draw(st.integers(1, 4)),
                     data.draw(st.integers(0, 8)), data.draw(st.none() | st.sampled_from(
                         LANGUAGES))))
    for q, chosen, limit, offset, reader in asks:
        assert project(obs, q, chosen, limit, offset, reader) == \
            reference(obs, q, chosen, limit, offset, reader), (q, chosen, limit, offset)


@pytest.mark.parametrize("q", ["", "dialogue", "garden city", "voi*"])
def test_every_page_of_a_catalogue_against_the_reference(obs: Observatory, q: str) -> None:
    """Deep pages: a catalogue of 120 practices read 7 at a time to the end and beyond."""
    import random

    rng = random.Random(18)
    created = []
    for index in range(120):
        languages = rng.sample(LANGUAGES, rng.randint(1, 3))
        created.append(Practice(
            slug=f"p{index}", city=rng.choice(CITIES).slug, kind=rng.choice(list(PracticeKind)),
            status=PUBLISHED, title=Text({lang: " ".join(rng.choices(WORDS, k=4))
                                          for lang in languages}),
            summary=Text({lang: " ".join(rng.choices(WORDS, k=8)) for lang in languages}),
            themes=tuple(rng.sample(THEMES, rng.randint(0, 2)))))
    obs.practices.create_many(created[:60])
    for practice in created[60:]:
        obs.practices.create(practice)
    total = reference(obs, q, {}, 1, 0, None)["total"]
    assert total > 20
    for offset in range(0, total + 14, 7):
        assert project(obs, q, {}, 7, offset, "fr") == reference(obs, q, {}, 7, offset, "fr")


def test_the_counts_of_a_browse_survive_an_upgrade(database_url: str) -> None:
    """Migration 9 counts the search rows already stored: a database of the version before with
    practices, upgraded, browses with the same total and facets as the reference."""
    from livingtogether.store import Store
    from livingtogether.store.migrations import (
        MIGRATIONS,
        m0009_search_counts,
    )

    version = MIGRATIONS.index(m0009_search_counts)
    obs = Observatory.open(database_url)
    for city in CITIES:
        obs.cities.create(city)
    obs.practices.create_many([
        Practice(slug=f"p{i}", city=CITIES[i % 3].slug, status=PUBLISHED,
                 kind=list(PracticeKind)[i % 3],
                 title=Text({LANGUAGES[j]: WORDS[i % 8] for j in range(i % 3 + 1)}),
                 themes=THEMES[: i % 4]) for i in range(12)])
    before = obs.practices.search("")
    obs.close()
    # Back to the version before: the migration's table and index gone, as before it existed.
    store = Store(database_url)
    with store.write() as connection:
        connection.execute(sa.text("DROP TABLE lt_search_counts"))
        connection.execute(sa.text("DROP INDEX ix_lt_practice_search_published_at_practice_id"))
        connection.execute(schema.schema_version.delete().where(
            schema.schema_version.c.version == version + 1))  # the later ones stay applied
    assert store.upgrade() == [version + 1]
    store.close()
    obs = Observatory.open(database_url)
    try:
        after = obs.practices.search("")
        assert (after.total, after.facets, after.hits) == (before.total, before.facets,
                                                           before.hits)
        assert after.total == 12
        assert project(obs, "", {}, 20, 0, None) == reference(obs, "", {}, 20, 0, None)
        obs.practices.delete("p0")
        assert obs.practices.search("").total == 11
        assert project(obs, "", {}, 5, 3, "en") == reference(obs, "", {}, 5, 3, "en")
    finally:
        obs.close()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(catalogue=catalogues(), data=st.data())
def test_kept_counts_follow_every_write(obs: Observatory, catalogue: Any, data: Any) -> None:
    """A query's total and facets are kept with the data versions they were counted at:
    the same queries asked again (the second time from the kept counts, each page read
    alone), then after a write of the catalogue or of a city's country, still give the
    reference's results."""
    created, changes = catalogue
    build(obs, created, changes, data.draw)
    asks = [(data.draw(queries), data.draw(filters), data.draw(st.integers(1, 4)),
             data.draw(st.integers(0, 8)), data.draw(st.none() | st.sampled_from(LANGUAGES)))
            for _ in range(4)]

    def check() -> None:
        for q, chosen, limit, offset in ((a[0], a[1], a[2], a[3]) for a in asks):
            for page in (offset, offset + limit, offset):
                assert project(obs, q, chosen, limit, page, asks[0][4]) == \
                    reference(obs, q, chosen, limit, page, asks[0][4]), (q, chosen, page)

    check()
    build(obs, created, [(data.draw(st.sampled_from(("edit", "unpublish", "delete"))), 0)]
          if created else [], data.draw)
    check()
    city = obs.cities.get("nice")
    obs.cities.save(attrs.evolve(city, country="TR" if city.country == "FR" else "FR"))
    check()


def test_the_page_from_the_best_rows_reads_past_ties(obs: Observatory) -> None:
    """On SQLite a query's next pages come from the full-text index's best rows alone,
    more of them until the page is certain: with 300 matching rows in few distinct
    scores (so that the rows read first end in a tie), every page is the reference's."""
    kinds = list(PracticeKind)
    obs.practices.create_many([Practice(
        slug=f"p{i}", city=CITIES[i % 3].slug, status=PUBLISHED, kind=kinds[i % 3],
        title=Text(dict.fromkeys(LANGUAGES[: i % 3 + 1],
                                 "garden city" if i % 4 else "garden market garden")),
        themes=THEMES[: i % 3]) for i in range(150)])
    assert reference(obs, "garden", {}, 1, 0, None)["total"] == 150
    for q in ("garden", "garden market"):
        for limit, offset, reader in ((1, 0, None), (3, 30, "fr"), (5, 140, "tr"),
                                      (2, 149, "en"), (4, 0, "fr")):
            for _ in range(2):  # counted, then from the counts kept
                assert project(obs, q, {}, limit, offset, reader) == \
                    reference(obs, q, {}, limit, offset, reader), (q, limit, offset)
