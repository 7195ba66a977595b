"""Pulls written in bulk, a batch at a time: a page split across batches, and a failure
in the middle of one, on a member on SQLite and on PostgreSQL (the hub a real server on
127.0.0.1, a real proxy in front of it where the hub's answer must go wrong)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
        # cities: 1 page; themes (the 9 seeded): 2; practices: the 2nd page is corrupted
        # in its 4th item, in the 2nd of its three batches, after the 1st was written.
        proxy = FaultyProxy(hub_url, ["pass"] * 4 + ["corrupt"])
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
