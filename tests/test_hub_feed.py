"""The hub's change feed: stable cursor, updated_since, tombstones, ETags, commit order."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from livingtogether import Observatory, convert
from livingtogether.errors import BadRequest
from livingtogether.models import City, ModerationStatus, Practice, Text
from livingtogether.models.hub import FeedKind
from livingtogether.wsgi import make_app
from test_web_support import Client, error_of, serving


def _city(slug: str) -> City:
    return City(slug=slug, name=Text({"en": slug.title()}), country="FR")


def _practice(slug: str, *, status: ModerationStatus = ModerationStatus.PUBLISHED,
              title: str = "A practice") -> Practice:
    return Practice(slug=slug, city="lyon", title=Text({"en": title}), status=status)


def _walk(obs: Observatory, kind: FeedKind, limit: int, cursor: str | None = None,
          between: Any = None) -> tuple[list[Any], str]:
    """Every item of a feed, page by page (``between(page_number)`` runs between pages)."""
    items: list[Any] = []
    for number in range(1000):
        page = obs.feed.page(kind, cursor=cursor, limit=limit)
        items.extend(page.items)
        cursor = page.next_cursor
        if between is not None:
            between(number)
        if not page.has_more:
            return items, cursor
    raise AssertionError("the feed did not end")


def _store_before(database_url: str, migration: Any) -> Any:
    """A store of ``database_url`` migrated up to just before ``migration`` (a module of
    ``MIGRATIONS``), as a database made by an older release."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from livingtogether.store import Store, now, schema
    from livingtogether.store.migrations import MIGRATIONS

    store = Store(database_url)
    for version, module in enumerate(MIGRATIONS[:MIGRATIONS.index(migration)], start=1):
        with store.write(versioned=False) as connection:
            schema.schema_version.create(connection, checkfirst=True)
            module.upgrade(Operations(MigrationContext.configure(connection)))
            connection.execute(schema.schema_version.insert().values(
                version=version, name=module.NAME, applied_at=now()))
    return store


def test_the_cursor_is_stable_while_records_change(observatory: Observatory) -> None:
    """Records changed while a client pages come again later: none is missed or lost."""
    obs = observatory
    obs.cities.create(_city("lyon"))
    for number in range(10):
        obs.practices.create(_practice(f"p-{number:02d}"))

    def change(page_number: int) -> None:
        if page_number == 1:
            # one already read, one not yet read, one new, one deleted
            obs.practices.update(_practice("p-00", title="Renamed"))
            obs.practices.update(_practice("p-09", title="Also renamed"))
            obs.practices.create(_practice("p-10"))
            obs.practices.delete("p-05")

    items, cursor = _walk(obs, FeedKind.PRACTICES, 3, between=change)
    latest = {item.slug: item for item in items}
    assert set(latest) == {f"p-{n:02d}" for n in range(11)}
    assert latest["p-00"].record["title"] == {"en": "Renamed"}
    assert latest["p-09"].record["title"] == {"en": "Also renamed"}
    assert latest["p-05"].deleted
    assert latest["p-05"].record is None
    # each record appears once per change it had after the client's cursor
    assert len([i for i in items if i.slug == "p-00"]) == 2
    # from the last cursor, nothing is new
    page = obs.feed.page(FeedKind.PRACTICES, cursor=cursor)
    assert page.items == ()
    assert page.next_cursor == cursor
    assert not page.has_more


def test_tombstones_for_deleted_and_unpublished(observatory: Observatory) -> None:
    """Deleted records and practices no longer published come as tombstones, nothing else."""
    obs = observatory
    obs.cities.create(_city("lyon"))
    obs.cities.create(_city("nice"))
    obs.practices.create(_practice("public"))
    obs.practices.create(_practice("draft", status=ModerationStatus.DRAFT))
    obs.practices.create(_practice("later"))
    start = obs.feed.page(FeedKind.PRACTICES).next_cursor
    obs.practices.update(_practice("later", status=ModerationStatus.SUBMITTED))
    obs.cities.delete("nice")
    page = obs.feed.page(FeedKind.PRACTICES, cursor=start)
    assert [(i.slug, i.deleted, i.record) for i in page.items] == [("later", True, None)]
    first = obs.feed.page(FeedKind.PRACTICES)
    # the draft was never public: the feed does not name it
    assert {i.slug: i.deleted for i in first.items} == {"public": False, "later": True}
    cities = obs.feed.page(FeedKind.CITIES)
    assert {i.slug: i.deleted for i in cities.items} == {"lyon": False, "nice": True}
    # a record made again after its deletion is a record again
    obs.cities.create(_city("nice"))
    assert {i.slug: i.deleted for i in obs.feed.page(FeedKind.CITIES).items} == {
        "lyon": False, "nice": False}



def test_practices_written_in_bulk_never_public_stay_out(observatory: Observatory) -> None:
    """The bulk writes (a bundle's import, a pull) keep the rule: a practice stored in
    review or as a draft is not named by the feed, until it is published."""
    obs = observatory
    obs.cities.create(_city("lyon"))
    obs.import_bundle({"practices": [
        convert.unstructure(_practice(slug, status=status)) for slug, status in (
            ("shown", ModerationStatus.PUBLISHED), ("review", ModerationStatus.SUBMITTED),
            ("draft", ModerationStatus.DRAFT))]})
    assert {i.slug: i.deleted for i in obs.feed.page(FeedKind.PRACTICES).items} == {
        "shown": False}
    obs.import_bundle({"practices": [convert.unstructure(_practice("review")),
                                     convert.unstructure(_practice(
                                         "shown", status=ModerationStatus.SUBMITTED))]})
    assert {i.slug: i.deleted for i in obs.feed.page(FeedKind.PRACTICES).items} == {
        "shown": True, "review": False}

def test_updated_since(observatory: Observatory) -> None:
    """Only records changed at or after the instant; a bad instant or cursor is a 400."""
    obs = observatory
    obs.cities.create(_city("lyon"))
    time.sleep(0.05)
    middle = datetime.now(timezone.utc)
    time.sleep(0.05)
    obs.cities.create(_city("nice"))
    page = obs.feed.page(FeedKind.CITIES, updated_since=middle)
    assert [i.slug for i in page.items] == ["nice"]
    future = obs.feed.page(FeedKind.CITIES, updated_since=middle + timedelta(days=1))
    assert future.items == ()
    with pytest.raises(BadRequest):
        obs.feed.page(FeedKind.CITIES, cursor="not-a-cursor")


def test_change_numbers_become_visible_in_commit_order(database_url: str) -> None:
    """A writer holding its change number makes the next writer wait until it commits, so
    a reader never sees a later change before an earlier one (no skipped records)."""
    obs = Observatory.open(database_url)
    try:
        obs.cities.create(_city("lyon"))
        done = threading.Event()

        def second_writer() -> None:
            obs.practices.create(_practice("second"))
            done.set()

        with obs.store.write() as connection:
            obs.practices.create_in(connection, _practice("first"))
            thread = threading.Thread(target=second_writer, daemon=True)
            thread.start()
            assert not done.wait(0.5), "a second writer committed while the first held its number"
            # meanwhile a reader sees neither
            assert [i.slug for i in obs.feed.page(FeedKind.PRACTICES).items] == []
        assert done.wait(10)
        thread.join(5)
        assert [i.slug for i in obs.feed.page(FeedKind.PRACTICES).items] == ["first", "second"]
    finally:
        obs.close()


def test_over_http_with_etags(observatory: Observatory) -> None:
    """The feed over HTTP: pages, 304 on If-None-Match, 400 on a bad cursor, ETags on
    every JSON GET."""
    obs = observatory
    obs.cities.create(_city("lyon"))
    for number in range(3):
        obs.practices.create(_practice(f"p-{number}"))
    with serving(make_app(obs)) as base:
        client = Client(base)
        first = client.get("/api/v1/sync/practices", params={"limit": 2})
        assert first.status_code == 200
        body = first.json()
        assert body["kind"] == "practices"
        assert [i["slug"] for i in body["items"]] == ["p-0", "p-1"]
        assert body["has_more"] is True
        assert body["remaining"] == 1
        etag = first.headers["ETag"]
        again = client.get("/api/v1/sync/practices", params={"limit": 2},
                           headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        rest = client.get("/api/v1/sync/practices",
                          params={"limit": 2, "cursor": body["next_cursor"]}).json()
        assert [i["slug"] for i in rest["items"]] == ["p-2"]
        assert rest["has_more"] is False
        obs.practices.update(_practice("p-0", title="Changed"))
        changed = client.get("/api/v1/sync/practices", params={"limit": 2},
                             headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        for bad in ({"cursor": "abc"}, {"updated_since": "yesterday"}, {"limit": "0"}):
            refused = client.get("/api/v1/sync/practices", params=bad)
            assert refused.status_code == 400
            assert error_of(refused)["field"] == next(iter(bad))
        for path in ("/api/v1/cities", "/api/v1/cities/lyon", "/openapi.json",
                     "/api/v1/sync/cities"):
            answer = client.get(path)
            assert client.get(path, headers={"If-None-Match": answer.headers["ETag"]}
                              ).status_code == 304, path
        # the feed is public data, readable from any site
        assert first.headers["Access-Control-Allow-Origin"] == "*"


def test_records_stored_before_the_hub_migration_enter_the_feed(database_url: str) -> None:
    """Migration 5 numbers the records already there, so a hub upgraded from an older
    version serves them; its first own change continues after them."""
    import sqlalchemy as sa

    from livingtogether.store import now, schema
    from livingtogether.store.migrations import MIGRATIONS, m0005_hub

    hub = MIGRATIONS.index(m0005_hub)  # the migrations before the hub's
    store = _store_before(database_url, m0005_hub)
    try:
        with store.write(versioned=False) as connection:
            for slug in ("lyon", "nice"):
                connection.execute(schema.cities.insert().values(
                    slug=slug, country="FR", status="member", created_at=now(),
                    updated_at=now(), data=convert.unstructure(_city(slug))))
        assert store.upgrade() == list(range(hub + 1, len(MIGRATIONS) + 1))
    finally:
        store.close()
    obs = Observatory.open(database_url)
    try:
        first = obs.feed.page(FeedKind.CITIES)
        assert [(i.slug, i.deleted) for i in first.items] == [("lyon", False), ("nice", False)]
        obs.cities.create(_city("paris"))
        after = obs.feed.page(FeedKind.CITIES, cursor=first.next_cursor)
        assert [i.slug for i in after.items] == ["paris"]
        assert {i.slug for i in obs.feed.page(FeedKind.THEMES).items} >= {"culture"}
        with obs.store.read() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(schema.changes)) \
                == 3 + len(obs.themes.all())
    finally:
        obs.close()


def test_events_go_out_as_published(observatory: Observatory) -> None:
    """The events feed serves the latest published version: an edit waits for publishing,
    and publishing is a change of the feed."""
    from livingtogether.demo import install

    obs = observatory
    install(obs)
    if not obs.programme.versions("izmir-2021"):
        obs.programme.publish("izmir-2021")
    published = obs.programme.get("izmir-2021")
    start = obs.feed.page(FeedKind.EVENTS, limit=1000).next_cursor
    edited = attrs.evolve(published, title=Text({"en": "Renamed, not yet published"}))
    obs.programme.update(edited)
    page = obs.feed.page(FeedKind.EVENTS, cursor=start)
    assert [i.record["title"] for i in page.items] == [convert.unstructure(published.title)]
    obs.programme.publish("izmir-2021")
    page = obs.feed.page(FeedKind.EVENTS, cursor=page.next_cursor)
    assert [i.record["title"] for i in page.items] == [{"en": "Renamed, not yet published"}]


def test_migration_6_hides_practices_not_published_from_the_feed(database_url: str) -> None:
    """A hub upgraded from the version before: a practice in review no longer appears in the feed;
    published ones and the tombstones already served stay."""
    from livingtogether.store import now, schema
    from livingtogether.store.migrations import MIGRATIONS, m0006_feed_public

    six = MIGRATIONS.index(m0006_feed_public) + 1
    store = _store_before(database_url, m0006_feed_public)
    try:
        with store.write(versioned=False) as connection:
            connection.execute(schema.cities.insert().values(
                slug="lyon", country="FR", status="member", created_at=now(),
                updated_at=now(), data=convert.unstructure(_city("lyon"))))
            connection.execute(schema.changes.insert().values(
                seq=10_001, kind="cities", slug="lyon", deleted=False, changed_at=now()))
            for seq, (slug, status) in enumerate((("shown", "published"),
                                                  ("in-review", "submitted")), start=10_002):
                connection.execute(schema.practices.insert().values(
                    slug=slug, city_slug="lyon", kind="practice", status=status,
                    created_at=now(), updated_at=now(), data=convert.unstructure(
                        _practice(slug, status=ModerationStatus(status)))))
                connection.execute(schema.changes.insert().values(
                    seq=seq, kind="practices", slug=slug, deleted=False, changed_at=now()))
            connection.execute(schema.changes.insert().values(
                seq=10_004, kind="practices", slug="gone", deleted=True, changed_at=now()))
        assert store.upgrade() == list(range(six, len(MIGRATIONS) + 1))
    finally:
        store.close()
    obs = Observatory.open(database_url)
    try:
        items = obs.feed.page(FeedKind.PRACTICES).items
        assert [(i.slug, i.deleted) for i in items] == [("shown", False), ("gone", True)]
        assert [i.slug for i in obs.feed.page(FeedKind.CITIES).items] == ["lyon"]
        # published later, the practice in review is a record of the feed again
        obs.practices.publish("in-review")
        assert {(i.slug, i.deleted) for i in obs.feed.page(FeedKind.PRACTICES).items} == {
            ("shown", False), ("gone", True), ("in-review", False)}
    finally:
        obs.close()
