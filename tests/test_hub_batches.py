"""Pulls written in bulk, a batch at a time: a page split across batches, and a failure
in the middle of one, on a member on SQLite and on PostgreSQL (the hub a real server on
127.0.0.1, a real proxy in front of it where the hub's answer must go wrong)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from hub_support import FaultyProxy, snapshot
from livingtogether import Observatory
from livingtogether.errors import LivingTogetherError, ValidationError
from livingtogether.hub import HubClient
from livingtogether.models import City, ModerationStatus, Practice, Text
from livingtogether.models.hub import FeedKind
from livingtogether.store import schema
from livingtogether.wsgi import make_app
from test_web_support import serving

#: Pages of 6 written 2 at a time: every page of practices takes three bulk writes.
FAST = {"timeout": (2.0, 2.0), "retries": 1, "backoff": 0.01, "page_size": 6, "batch": 2}
PRACTICES = 14


def _practice(n: int, word: str = "lantern") -> Practice:
    return Practice(
        slug=f"practice-{n:02d}", city=("paris", "lyon")[n % 2],
        title=Text({"en": f"Practice {word}{n}", "fr": f"Pratique {word}{n}"}),
        summary=Text({"en": "Neighbours meet every month."}),
        body=Text({"en": f"<p>The <b>{word}{n}</b> walks &amp; talks.</p>"}),
        themes=("culture",), status=ModerationStatus.PUBLISHED)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Observatory]:
    """A hub on its own SQLite file: two cities and 14 published practices."""
    with Observatory.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}") as obs:
        for slug in ("paris", "lyon"):
            obs.cities.create(City(slug=slug, name=Text({"en": slug.title()}), country="FR"))
        obs.practices.create_many(_practice(n) for n in range(PRACTICES))
        yield obs


@pytest.fixture
def member(database_url: str) -> Iterator[Observatory]:
    """The member site, on SQLite and on PostgreSQL."""
    with Observatory.open(database_url) as obs:
        yield obs


def _rows(obs: Observatory, table: sa.Table) -> int:
    with obs.store.read() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _found(obs: Observatory, word: str) -> set[str]:
    results = obs.practices.search(word, limit=50)
    return {hit.practice.slug for hit in results.hits}


def _check_index(member: Observatory, hub: Observatory, word: str) -> None:
    """Every practice of the hub is found here by its own word, once, and its search rows
    are one per language: what the bulk writes must leave."""
    expected = snapshot(hub)["practices"]
    for slug in expected:
        n = int(slug.rsplit("-", 1)[1])
        assert _found(member, f"{word}{n}") == {slug}
    assert _rows(member, schema.practice_search) == 2 * len(expected)  # en and fr
    assert _rows(member, schema.practice_text) == 2 * len(expected)
    assert _rows(member, schema.practice_themes) == len(expected)


def test_a_page_split_across_batches_is_written_whole(hub: Observatory,
                                                      member: Observatory) -> None:
    with serving(make_app(hub), threaded=True) as hub_url, HubClient(hub_url, **FAST) as client:
        first = client.pull(member)
        assert first.counts[FeedKind.PRACTICES].added == PRACTICES
        assert snapshot(member) == snapshot(hub)
        _check_index(member, hub, "lantern")

        # Changes that span batches and pages: 5 edits, one deletion, one new practice.
        for n in range(3, 8):
            hub.practices.update(_practice(n, "beacon"))
        hub.practices.delete("practice-10")
        hub.practices.create(_practice(20))
        second = client.pull(member)
        counts = second.counts[FeedKind.PRACTICES]
        assert (counts.added, counts.updated, counts.removed) == (1, 5, 1)
        assert snapshot(member) == snapshot(hub)
        assert _found(member, "lantern5") == set()
        assert _found(member, "beacon5") == {"practice-05"}
        assert _found(member, "lantern10") == set()
        assert _found(member, "lantern20") == {"practice-20"}
        assert _rows(member, schema.practice_search) == 2 * PRACTICES

        third = client.pull(member)
        assert third.total("added") + third.total("updated") + third.total("removed") == 0


def test_a_failure_in_the_middle_of_a_batch_leaves_the_page_for_the_retry(
        hub: Observatory, member: Observatory) -> None:
    with serving(make_app(hub), threaded=True) as hub_url:
        # cities: 1 page; organisations (none): 1; themes (the 9 seeded): 2; practices: the
        # 2nd page is corrupted in its 4th item, in the 2nd of its three batches, after the
        # 1st was written.
        proxy = FaultyProxy(hub_url, ["pass"] * 5 + ["corrupt"])
        with proxy.serving() as proxy_url, HubClient(proxy_url, **FAST) as client:
            with pytest.raises(ValidationError) as caught:
                client.pull(member)
            assert isinstance(caught.value, LivingTogetherError)
            assert caught.value.field == "practices.practice-09.city"
            assert "there is no city 'atlantis'" in caught.value.message
            # Only the first page of practices is here, and the cursor after it.
            assert sorted(snapshot(member)["practices"]) == [f"practice-{n:02d}"
                                                             for n in range(6)]
            assert _rows(member, schema.practice_search) == 2 * 6
            cursor = member.mirror(proxy_url).cursor(FeedKind.PRACTICES)
            assert cursor is not None

            again = client.pull(member)  # the plan is used up: the hub's answers as they are
        assert again.counts[FeedKind.PRACTICES].added == PRACTICES - 6
        assert snapshot(member) == snapshot(hub)
        _check_index(member, hub, "lantern")
        with member.store.read() as connection:
            marks = connection.scalar(sa.select(sa.func.count()).select_from(schema.hub_records)
                                      .where(schema.hub_records.c.kind == "practices"))
        assert marks == PRACTICES


#: What the mirror must hold row for row as the hub does: each table's columns but its
#: own ids and instants, a practice named by its slug.
_COMPARED = {
    schema.cities: ("slug", "country", "status", "data"),
    schema.practices: ("slug", "city_slug", "kind", "status", "data"),
    schema.practice_themes: ("theme",),
    schema.practice_search: ("language", "city_slug", "kind", "themes"),
    schema.search_counts: ("facet", "value", "count"),
}


def _table_rows(obs: Observatory, own: set[str]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of :data:`_COMPARED`'s tables (and the search text), but the site's own
    records'; sorted, comparable across databases."""
    found: dict[str, list[tuple[object, ...]]] = {}
    practices = schema.practices
    with obs.store.read() as connection:
        for table, names in _COMPARED.items():
            columns = [table.c[name] for name in names]
            query = sa.select(*columns)
            if "practice_id" in table.c:
                query = sa.select(practices.c.slug, *columns).join(
                    practices, practices.c.id == table.c.practice_id)
            rows = [tuple(row) for row in connection.execute(query)]
            found[table.name] = sorted((row for row in rows if row[0] not in own), key=repr)
        search, text = schema.practice_search, schema.practice_text
        found[text.name] = sorted(tuple(row) for row in connection.execute(
            sa.select(practices.c.slug, search.c.language, text.c.title, text.c.summary,
                      text.c.body)
            .join(search, search.c.id == text.c.id)
            .join(practices, practices.c.id == search.c.practice_id)))
    return found


def test_a_multi_page_pull_of_updates_and_tombstones_leaves_the_hub_s_rows(
        hub: Observatory, member: Observatory) -> None:
    """Updates and tombstones over several pages, written in bulk (the tombstones of a
    page one DELETE): the mirror then holds the hub's rows, row for row, search rows
    and counts included; a tombstone of a city the site's own practice needs is kept,
    and said."""
    hub.cities.create(City(slug="nice", name=Text({"en": "Nice"}), country="FR"))
    with serving(make_app(hub), threaded=True) as hub_url, HubClient(hub_url, **FAST) as client:
        client.pull(member)
        own = attrs.evolve(_practice(50), city="nice", status=ModerationStatus.DRAFT)
        member.practices.create(own)
        assert _table_rows(member, {own.slug}) == _table_rows(hub, set())

        for n in (3, 4, 9, 11, 13):  # edits spread over the pages of the first pull
            hub.practices.update(attrs.evolve(_practice(n, "beacon"), themes=("resilience",)))
        for n in (1, 2, 8, 12):  # tombstones on both pages of this pull
            hub.practices.delete(f"practice-{n:02d}")
        for n in (30, 31):
            hub.practices.create(_practice(n))
        hub.cities.delete("nice")
        second = client.pull(member)
        counts = second.counts[FeedKind.PRACTICES]
        assert (counts.added, counts.updated, counts.removed) == (2, 5, 4)
        assert second.counts[FeedKind.CITIES].kept == 1
        assert any("'nice' was removed from the hub but is kept here" in problem
                   for problem in second.problems)
        hub_rows, member_rows = _table_rows(hub, set()), _table_rows(member, {own.slug})
        nice = [row for row in member_rows[schema.cities.name] if row[0] == "nice"]
        assert len(nice) == 1  # kept: the site's own practice is there
        member_rows[schema.cities.name].remove(nice[0])
        assert member_rows == hub_rows
        assert _found(member, "beacon9") == {"practice-09"}
        assert _found(member, "lantern8") == set()
        with member.store.read() as connection:  # the removed are no longer marked pulled
            marks = set(connection.scalars(sa.select(schema.hub_records.c.slug).where(
                schema.hub_records.c.kind == "practices")))
        assert marks == set(snapshot(hub)["practices"])
        third = client.pull(member)
        assert third.total("added") + third.total("updated") + third.total("removed") == 0
