"""Deep pages by cursor, the capped count, and hostile queries, against the reference.

A search's ``next`` is a cursor (keyset: the key of the page's last result), so a
reader who walks the pages gets every result once even while the catalogue
changes; a search with words counts exactly up to a cap and says "more than"
past it; and no query string or cursor reaches SQL or an FTS parser unquoted.
On both databases; the reference is :mod:`test_search_reference`'s.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from conftest import _postgres_schema_url
from livingtogether import Observatory, Practice, PracticeKind, Text
from livingtogether.errors import ValidationError
from livingtogether.services.search import Searcher
from livingtogether.services.search_terms import MAX_OFFSET, SearchQuery, terms
from livingtogether.store import schema
from livingtogether.wsgi import make_app
from test_search_reference import (
    CITIES,
    LANGUAGES,
    PUBLISHED,
    THEMES,
    WORDS,
    reference,
    scores_of,
    slug_of,
)
from test_web_support import Client, error_of, serving


def catalogue(count: int, seed: int = 18) -> list[Practice]:
    """``count`` published practices over the reference's small vocabulary."""
    rng = random.Random(seed)
    created = []
    for index in range(count):
        languages = rng.sample(LANGUAGES, rng.randint(1, 3))
        created.append(Practice(
            slug=f"p{index}", city=rng.choice(CITIES).slug, kind=rng.choice(list(PracticeKind)),
            status=PUBLISHED, title=Text({lang: " ".join(rng.choices(WORDS, k=4))
                                          for lang in languages}),
            summary=Text({lang: " ".join(rng.choices(WORDS, k=8)) for lang in languages}),
            themes=tuple(rng.sample(THEMES, rng.randint(0, 2)))))
    return created


def _filled(obs: Observatory) -> Observatory:
    for city in CITIES:
        obs.cities.create(city)
    obs.practices.create_many(catalogue(90))
    return obs


@pytest.fixture
def obs(observatory: Observatory) -> Observatory:
    """A catalogue of 90 practices of its own, for a test that writes."""
    return _filled(observatory)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observatory]:
    """The same catalogue, built once per module and database, for tests that only read."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('cursor')}/s.db"])
    else:
        urls = _postgres_schema_url()
    for url in urls:
        obs = Observatory.open(url)
        try:
            yield _filled(obs)
        finally:
            obs.close()


def walk(obs: Observatory, q: str, limit: int, **filters: Any) -> list[str]:
    """Every result of ``q``, page after page by each page's ``next``."""
    slugs: list[str] = []
    after = None
    for _ in range(200):
        page = obs.practices.search(q, limit=limit, after=after, **filters)
        assert page.offset == len(slugs)
        slugs += [hit.practice.slug for hit in page.hits]
        after = page.next
        if after is None:
            return slugs
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize(("q", "filters"), [
    ("", {}), ("dialogue", {}), ("garden city", {}), ("voi*", {}), ("", {"city": "lyon"}),
    ("market", {"kind": "practice"}),
])
def test_walking_the_next_cursors_gives_the_reference_order(shared: Observatory, q: str,
                                                            filters: dict[str, Any]) -> None:
    obs = shared
    everything = reference(obs, q, filters, 10_000, 0, None)
    assert everything["total"] > 7
    assert walk(obs, q, 7, **filters) == [slug for slug, _, _ in everything["hits"]]


def test_a_browse_walked_by_cursor_survives_writes_an_offset_walk_does_not(
        obs: Observatory) -> None:
    """New practices published (newest, so first) and one shown deleted between pages:
    the cursor's walk still gives every practice of the start once; offsets repeat."""
    before = [slug for slug, _, _ in reference(obs, "", {}, 10_000, 0, None)["hits"]]
    extra = iter(catalogue(6, seed=7))

    def write(step: int) -> None:
        practice = next(extra)
        obs.practices.create(Practice(slug=f"new-{step}", city=practice.city,
                                      title=practice.title, status=PUBLISHED))

    seen: list[str] = []
    after = None
    for step in range(3):
        page = obs.practices.search("", limit=10, after=after)
        seen += [hit.practice.slug for hit in page.hits]
        after = page.next
        write(step)
    obs.practices.delete(seen[0])  # already shown: changes nothing ahead of the cursor
    while after is not None:
        page = obs.practices.search("", limit=10, after=after)
        seen += [hit.practice.slug for hit in page.hits]
        after = page.next
    assert seen == before  # in order, none twice, none missed, none of the new ones
    # The same walk by offsets shows a practice twice (what the cursor is for).
    by_offset: list[str] = []
    for step in range(2):
        page = obs.practices.search("", limit=10, offset=10 * step)
        by_offset += [hit.practice.slug for hit in page.hits]
        write(3 + step)
    assert len(by_offset) > len(set(by_offset))


def test_the_count_is_exact_up_to_the_cap_and_more_than_it_past(shared: Observatory) -> None:
    obs = shared
    q = "dialogue"
    exact = reference(obs, q, {}, 20, 0, None)
    total = exact["total"]
    assert total > 10
    at_cap = Searcher(obs.store, count_cap=total).search(SearchQuery(q=q))
    assert (at_cap.total, at_cap.capped) == (total, False)
    assert {name: [(c.value, c.count) for c in counts]
            for name, counts in at_cap.facets.items()} == exact["facets"]
    capped = Searcher(obs.store, count_cap=total - 1).search(SearchQuery(q=q, limit=5))
    assert (capped.total, capped.capped) == (total - 1, True)
    # The page is the same; the facets are counted over the first results: lower bounds.
    assert [h.practice.slug for h in capped.hits] == [s for s, _, _ in exact["hits"][:5]]
    true = {name: dict(values) for name, values in exact["facets"].items()}
    for name, counts in capped.facets.items():
        for count in counts:
            assert 0 < count.count <= true[name][count.value]
    # Walked to its end, a capped search still gives every result.
    searcher = Searcher(obs.store, count_cap=5)
    slugs: list[str] = []
    after = None
    while True:
        page = searcher.search(SearchQuery(q=q, limit=4, after=after))
        assert (page.capped, page.total) == (True, 5)
        slugs += [hit.practice.slug for hit in page.hits]
        if page.next is None:
            break
        after = page.next
    assert slugs == [slug for slug, _, _ in reference(obs, q, {}, 10_000, 0, None)["hits"]]


def by_blocks(obs: Observatory, q: str, block: int) -> list[tuple[str, float]]:
    """The order of a capped search, the straightforward way: each practice in the
    block of its newest matching row (blocks of ``block`` search rows counted from the
    newest), by its best score there; the newest block first, then score, then id."""
    with obs.store.read() as connection:
        practice_of = dict(connection.execute(sa.select(
            schema.practice_search.c.id, schema.practice_search.c.practice_id)).all())
    newest = max(practice_of)
    keys: dict[int, tuple[int, float]] = {}
    for row_id, score in scores_of(obs, q).items():
        tier, practice = (newest - row_id) // block, practice_of[row_id]
        known = keys.get(practice)
        if known is None or tier < known[0] or (tier == known[0] and score > known[1]):
            keys[practice] = (tier, score)
    order = sorted(keys, key=lambda pid: (keys[pid][0], -keys[pid][1], pid))
    return [(slug_of(obs, pid), keys[pid][1]) for pid in order]


@pytest.mark.parametrize(("q", "block"), [("dialogue", 40), ("garden city", 25),
                                          ("voi*", 1_000)])
def test_a_capped_search_ranks_block_by_block_newest_first(shared: Observatory, q: str,
                                                           block: int) -> None:
    """Past the cap, the practices are ranked within blocks of search rows, the newest
    block first (the cost of a page is a block's, not the catalogue's): walked by cursor,
    every result once, in the straightforward order; one block is the plain ranking."""
    obs = shared
    expected = by_blocks(obs, q, block)
    assert len(expected) > 12
    searcher = Searcher(obs.store, count_cap=5, block=block)
    seen: list[tuple[str, float]] = []
    after = None
    for _ in range(100):
        page = searcher.search(SearchQuery(q=q, limit=6, after=after))
        assert (page.capped, page.total, page.offset) == (True, 5, len(seen))
        seen += [(hit.practice.slug, hit.score) for hit in page.hits]
        after = page.next
        if after is None:
            break
    assert seen == expected
    first = searcher.search(SearchQuery(q=q, limit=4, offset=2))
    assert [(hit.practice.slug, hit.score) for hit in first.hits] == expected[2:6]
    if block == 1_000:  # the whole catalogue in one block: the reference's order
        assert [slug for slug, _ in seen] == [
            slug for slug, _, _ in reference(obs, q, {}, 10_000, 0, None)["hits"]]


HOSTILE_QUERIES = [
    '"dialogue', "dialogue\" OR \"garden", "title:garden", "NEAR(garden city)", "garden*",
    "* OR 1", "'; DROP TABLE lt_practices; --", "dialogue' OR '1'='1", "(garden", "^city",
    "-garden", "garden AND NOT city", "\\", "%_%", "😀 garden",
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_query_strings_are_searched_as_words(shared: Observatory, q: str) -> None:
    results = shared.practices.search(q)
    # Its words, quoted (none: nothing found, rather than everything).
    expected = reference(shared, q, {}, 20, 0, None)["total"] if terms(q) else 0
    assert results.total == expected
    assert shared.practices.search("").total == 90  # nothing dropped


@pytest.mark.parametrize(("q", "message"), [
    ("garden\x00city", "control"), ("garden " * 2_000, "500"), ("w " * 21, "at most 20"),
])
def test_hostile_query_strings_that_are_refused_say_why(shared: Observatory, q: str,
                                                        message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        shared.practices.search(q)
    assert raised.value.field == "q"
    assert message in raised.value.message


def _text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


BAD_CURSORS = ["", "x", "!!!", "a" * 201, _text(b"not json"), _text(b"{}"), _text(b"[]"),
               _text(b'["1"]'), _text(b"[-1]"), _text(b'[1,"rank",NaN,3]'),
               _text(b'[1,"rank",1.5]'), _text(b'[1,"newest","yesterday",3]'),
               _text(b'[1,"rank",1.5,0]'), _text(b'[1,"other",1,2]'),
               _text(b'[1,"newest","2020-01-01 00:00:00",99999999999999999999]'),
               _text(b'[1,"rank","1; DROP TABLE lt_practices",2]'), _text(b"\xff\xfe")]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_cursor_not_made_by_the_search_is_refused(shared: Observatory, cursor: str) -> None:
    with pytest.raises(ValidationError) as raised:
        shared.practices.search("dialogue", after=cursor)
    assert raised.value.field == "after"


def test_offsets_still_answer_up_to_a_bound(shared: Observatory) -> None:
    obs = shared
    assert obs.practices.search("", offset=MAX_OFFSET).hits == ()
    with pytest.raises(ValidationError, match="next") as raised:
        obs.practices.search("", offset=MAX_OFFSET + 1)
    assert raised.value.field == "offset"
    after = obs.practices.search("", limit=5).next
    with pytest.raises(ValidationError, match="not both"):
        obs.practices.search("", limit=5, offset=5, after=after)


@pytest.fixture
def client(obs: Observatory) -> Any:
    with serving(make_app(obs)) as base:
        yield Client(base)


def test_the_api_and_the_widget_page_by_cursor(client: Client, obs: Observatory) -> None:
    first = client.get("/api/v1/practices?q=dialogue&limit=4").json()
    assert first["capped"] is False
    assert first["offset"] == 0
    second = client.get(f"/api/v1/practices?q=dialogue&limit=4&after={first['next']}").json()
    assert second["offset"] == 4
    expected = [s for s, _, _ in reference(obs, "dialogue", {}, 8, 0, None)["hits"]]
    assert [p["slug"] for p in first["items"] + second["items"]] == expected
    # The old way still answers: an offset.
    assert client.get("/api/v1/practices?q=dialogue&limit=4&offset=4").json()["items"] == \
        second["items"]
    for cursor in ("junk", BAD_CURSORS[9], "%00"):
        for path in ("/api/v1/practices", "/widgets/practices"):
            response = client.get(f"{path}?q=dialogue&after={cursor}")
            assert response.status_code == 400, (path, cursor)
        assert error_of(client.get(f"/api/v1/practices?after={cursor}"))["field"] == "after"
    for q in ("%00", "%22%27%3B--", "%ff%fe", "a" * 10_000):
        assert client.get(f"/api/v1/practices?q={q}").status_code in (200, 400)
        assert client.get(f"/widgets/practices?q={q}").status_code in (200, 400)
    page = client.get("/widgets/practices?q=dialogue&limit=4&lang=fr").text
    assert "after=" in page
    assert "pratiques trouvées" in page
    # Past the cap (the library's own searcher, with a cap of 5 for this catalogue):
    # "more than", in the reader's language, and still a next page.
    obs.practices.searcher = Searcher(obs.store, count_cap=5)
    api = client.get("/api/v1/practices?q=dialogue&limit=3").json()
    assert (api["total"], api["capped"]) == (5, True)
    assert api["next"]
    for lang, text in (("fr", "Plus de 5 pratiques trouvées"), ("en", "More than 5 practices"),
                       ("tr", "5 uygulamadan fazla")):
        # (limit=3: not the answer the widget cache keeps from above)
        page = client.get(f"/widgets/practices?q=dialogue&limit=3&lang={lang}").text
        assert text in page.replace("\u202f", " ").replace("\xa0", " "), lang
