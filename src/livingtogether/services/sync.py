"""Syncing with the hub: the change feed a hub serves, and applying it on a member site.

The feed (:class:`Feed`) lists, per kind of record, the latest change of each
record that was ever public in the order of its change number (see
``store.feed``), as the record itself or as a tombstone when it was deleted or
is no longer public. A record never public (a practice in review, rejected
before it was ever published) is not named at all.
Its cursor is the last change number a client has seen, so a page never
shifts when records change between two requests.

A member applies a page with :class:`Mirror`, in one transaction that also
stores the cursor of the next page: a run that stops half-way resumes after
the last page applied, and applying a page twice changes nothing. Records the
member made itself are never touched: only those that came from the hub
(``lt_hub_records``) are updated or removed.
"""

from __future__ import annotations

import builtins
import re
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import BadRequest, ValidationError
from ..models import City, Declaration, Event, EventSeries, Organisation, Practice, Theme
from ..models.hub import FeedItem, FeedKind, FeedPage, NetworkScreening
from ..store import Store, aware, bulk, now, schema
from .base import Records

#: A cursor: the number of the last change a client has seen.
CURSOR_RE = re.compile(r"[0-9]{1,15}")

#: Records a pull writes with one bulk statement (a page of up to 1,000 takes two).
BATCH = 500

#: The model of each feed's records.
MODELS: dict[FeedKind, type] = {FeedKind.CITIES: City, FeedKind.ORGANISATIONS: Organisation,
                                FeedKind.THEMES: Theme, FeedKind.PRACTICES: Practice,
                                FeedKind.SERIES: EventSeries, FeedKind.EVENTS: Event,
                                FeedKind.DECLARATIONS: Declaration,
                                FeedKind.SCREENINGS: NetworkScreening}


def encode_cursor(seq: int) -> str:
    """The cursor after change number ``seq`` (clients keep it as it is, opaque)."""
    return str(seq)


def decode_cursor(cursor: str | None) -> int:
    """The change number a cursor stands after (0 for none); ``BadRequest`` if malformed."""
    if not cursor:
        return 0
    if not CURSOR_RE.fullmatch(cursor):
        raise BadRequest("is not a cursor this server gave; start again without one or with "
                         "the next_cursor of the last page", field="cursor")
    return int(cursor)


class Feed:
    """The change feed of one database, read by kind."""

    def __init__(self, store: Store, repositories: dict[FeedKind, Records[Any]]) -> None:
        self.store = store
        self.repositories = repositories

    def page(self, kind: FeedKind, *, cursor: str | None = None,
             updated_since: datetime | None = None, limit: int = 200) -> FeedPage:
        """The changes of ``kind`` after ``cursor`` (and at or after ``updated_since``)."""
        after = decode_cursor(cursor)
        changes = schema.changes
        query = (sa.select(changes.c.seq, changes.c.slug, changes.c.deleted,
                           changes.c.changed_at)
                 # never public (a practice in review): not named, not even by a tombstone
                 .where(changes.c.kind == kind.value, changes.c.seq > after,
                        changes.c.once_public.is_(True))
                 .order_by(changes.c.seq).limit(limit + 1))
        if updated_since is not None:
            query = query.where(changes.c.changed_at >= updated_since)
        repository = self.repositories[kind]
        table = repository.table
        with self.store.read() as connection:
            rows = connection.execute(query).all()
            more = len(rows) > limit
            rows = rows[:limit]
            remaining = 0
            if more:
                remaining = int(connection.scalar(
                    query.with_only_columns(sa.func.count()).order_by(None).limit(None)
                    .where(changes.c.seq > rows[-1].seq)) or 0)
            live = [row.slug for row in rows if not row.deleted]
            records: dict[str, Any] = {}
            # A record whose data column holds all of it is served as stored: decoding it
            # and encoding it again would give the same data, at the cost of most of a page.
            stored = kind is not FeedKind.EVENTS \
                and type(repository).load_rows is Records.load_rows
            if live:
                found = connection.execute(sa.select(table.c.slug, table.c.id, table.c.data)
                                           .where(table.c.slug.in_(live))).all()
                if stored:
                    records = {r.slug: r.data for r in found
                               if repository.is_public_data(r.data)}
                else:
                    records = {r.slug: r for r in repository.load_rows(
                        connection, [(r.id, r.data) for r in found])}
        if kind is FeedKind.EVENTS:
            # What the public sees: the latest published version, else the stored programme.
            records = {slug: repository.published(slug).event  # type: ignore[attr-defined]
                       for slug in records}
        items = []
        for row in rows:
            record = records.get(row.slug)
            public = record is not None and (stored or repository.is_public(record))
            items.append(FeedItem(
                slug=row.slug, deleted=not public,
                changed_at=aware(row.changed_at),  # type: ignore[arg-type]
                record=(record if stored else convert.unstructure(record)) if public else None))
        last = rows[-1].seq if rows else after
        return FeedPage(kind=kind, items=tuple(items), next_cursor=encode_cursor(last),
                        has_more=more, remaining=remaining)


@attrs.define
class PullCounts:
    """What applying the feed did, per kind."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    #: the site's own records, or hub records others still need: left as they are
    kept: int = 0


class Mirror:
    """The records a member site pulled from one hub (``origin``), and where it stopped."""

    def __init__(self, store: Store, repositories: dict[FeedKind, Records[Any]],
                 origin: str) -> None:
        self.store = store
        self.repositories = repositories
        self.origin = origin

    def cursor(self, kind: FeedKind) -> str | None:
        """The cursor to continue ``kind`` from (``None``: from the start)."""
        table = schema.hub_cursors
        with self.store.read() as connection:
            return connection.scalar(sa.select(table.c.cursor).where(
                table.c.origin == self.origin, table.c.kind == kind.value))

    def cursors(self) -> dict[FeedKind, str]:
        """The cursor of every feed pulled before (a feed not named: from the start)."""
        table = schema.hub_cursors
        with self.store.read() as connection:
            rows = connection.execute(sa.select(table.c.kind, table.c.cursor)
                                      .where(table.c.origin == self.origin)).all()
        known = {kind.value: kind for kind in FeedKind}
        return {known[row.kind]: row.cursor for row in rows if row.kind in known}

    def apply(self, page: FeedPage, counts: PullCounts,
              problems: builtins.list[str] | None = None, *, batch: int = BATCH) -> None:
        """Apply one page and store its next cursor, all in one transaction.

        New and changed records are written ``batch`` at a time with bulk statements
        (those of the bundle's import), the tombstones of records stored here removed
        with one (``delete_many_in``; a record others still need is kept and named in
        ``problems``). A record the hub sends that does not fit this
        library's models raises ``ValidationError`` naming it, and nothing of the page
        is applied.
        """
        kind = page.kind
        repository = self.repositories[kind]
        model = MODELS[kind]
        mine = schema.hub_records
        stamp = now()
        with self.store.write() as connection:
            slugs = [item.slug for item in page.items]
            origins = dict(connection.execute(
                sa.select(mine.c.slug, mine.c.origin)
                .where(mine.c.kind == kind.value, mine.c.slug.in_(slugs))).all()) if slugs else {}
            table = repository.table
            # The stored rows as they are: a record whose stored data is what the hub sent
            # is unchanged without being decoded (when the data column holds all of it).
            present = {row.slug: row for row in connection.execute(
                sa.select(table.c.slug, table.c.id, table.c.data)
                .where(table.c.slug.in_(slugs))).all()} if slugs else {}
            whole = type(repository).load_rows is Records.load_rows
            pulled: list[dict[str, Any]] = []
            gone: list[str] = []  # tombstones of records stored here: one bulk delete
            forgotten: list[str] = []  # no longer counted as pulled from a hub
            new: list[Any] = []
            compare: list[tuple[Any, Any]] = []  # (stored row, record from the hub)
            for item in page.items:
                origin = origins.get(item.slug)
                if origin != self.origin and (origin is not None or item.slug in present):
                    counts.kept += 1  # the site's own record, or another hub's
                    continue
                here = present.get(item.slug)
                if item.deleted:
                    if here is not None:
                        gone.append(item.slug)
                    elif origin is not None:  # pulled, then deleted here: forget it too
                        forgotten.append(item.slug)
                    continue
                if here is not None and whole and here.data == item.record:
                    counts.unchanged += 1
                    continue
                try:
                    record: Any = convert.structure(item.record, model)
                except ValidationError as error:
                    raise error.with_prefix(f"{kind.value}.{item.slug}") from None
                if here is not None:
                    compare.append((here, record))
                else:
                    # new here, or pulled before and deleted here since: the hub's again
                    new.append(record)
                    if origin is None:
                        pulled.append({"kind": kind.value, "slug": item.slug,
                                       "origin": self.origin, "pulled_at": stamp})
                    counts.added += 1
            kept = repository.delete_many_in(connection, gone)
            for slug, refusal in kept.items():
                counts.kept += 1
                if problems is not None:
                    problems.append(f"{kind.value} {slug!r} was removed from the hub but is "
                                    f"kept here: {refusal.message}")
            counts.removed += len(gone) - len(kept)
            self._forget(connection, kind, forgotten + [s for s in gone if s not in kept])
            stored = repository.load_rows(connection, [(row.id, row.data)
                                                       for row, _ in compare])
            changed = [record for (_, record), old in zip(compare, stored, strict=True)
                       if old != record]
            counts.unchanged += len(compare) - len(changed)
            counts.updated += len(changed)
            for start in range(0, len(new), batch):
                part = new[start:start + batch]
                repository.create_many_in(connection, part,
                                          names=[f"{kind.value}.{r.slug}" for r in part])
            for start in range(0, len(changed), batch):
                part = changed[start:start + batch]
                repository.update_many_in(connection, part,
                                          names=[f"{kind.value}.{r.slug}" for r in part])
            bulk.insert(connection, mine, pulled)
            self._save_cursor(connection, kind, page.next_cursor, stamp)

    @staticmethod
    def _forget(connection: Connection, kind: FeedKind, slugs: builtins.list[str]) -> None:
        """No longer count ``slugs`` as pulled from a hub (one statement)."""
        if slugs:
            mine = schema.hub_records
            connection.execute(mine.delete().where(mine.c.kind == kind.value,
                                                   mine.c.slug.in_(slugs)))

    def _save_cursor(self, connection: Connection, kind: FeedKind, cursor: str,
                     stamp: datetime) -> None:
        table = schema.hub_cursors
        key = (table.c.origin == self.origin, table.c.kind == kind.value)
        if not connection.execute(table.update().where(*key)
                                  .values(cursor=cursor, updated_at=stamp)).rowcount:
            connection.execute(table.insert().values(origin=self.origin, kind=kind.value,
                                                     cursor=cursor, updated_at=stamp))

    def forget(self) -> None:
        """Forget the cursors, so that the next pull reads every feed from the start."""
        table = schema.hub_cursors
        with self.store.write() as connection:
            connection.execute(table.delete().where(table.c.origin == self.origin))

    def local(self, kind: FeedKind) -> set[str]:
        """The slugs of ``kind`` that came from a hub (of any origin)."""
        mine = schema.hub_records
        with self.store.read() as connection:
            return set(connection.scalars(sa.select(mine.c.slug)
                                          .where(mine.c.kind == kind.value)))


def origin_of(url: str) -> str:
    """The key a hub's records are kept under: its base URL without a trailing slash."""
    return url.rstrip("/")
