"""Events and their sessions."""

from __future__ import annotations

import builtins
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import Conflict, NotFound, ValidationError
from ..models import Event, ProgrammeChanges, ProgrammeVersion, PublishedProgramme, Session
from ..store import Store, aware, now, schema
from ..store.feed import note_change
from .base import Page, Records
from .programme_changes import diff

#: How many events, versions and change lists the programme service keeps in memory.
CACHE_SIZE = 64


@attrs.frozen(kw_only=True)
class Published:
    """The programme the public sees: the event, its latest version (``None``: never
    published), and ``key``, which names this exact content (for caches).

    ``cities`` names the state of the cities table, whose names a programme
    shows for people that represent a city: a cache of what is displayed
    keys on both.
    """

    event: Event
    version: ProgrammeVersion | None
    key: str
    cities: str = ""


def _write_sessions(connection: Connection, event_id: int, event: Event) -> None:
    table = schema.sessions
    connection.execute(table.delete().where(table.c.event_id == event_id))
    if event.sessions:
        connection.execute(table.insert(), [
            {
                "event_id": event_id, "key": session.key, "position": position,
                "day": session.day, "starts_at": session.starts_at, "ends_at": session.ends_at,
                "data": convert.unstructure(session),
            }
            for position, session in enumerate(event.sessions)
        ])


class ProgrammeService(Records[Event]):
    """Events with their sessions, stored as UTC instants plus their zone."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(
            store, schema.events, Event, noun="event",
            columns=lambda e: {
                "first_day": e.first_day, "last_day": e.last_day, "host_zone": e.host_zone,
            },
            after_write=_write_sessions, max_page_size=max_page_size,
        )
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        #: The version history as the bundle carries it (``programme_versions``).
        self.history = ProgrammeHistory(self)

    def dump(self, record: Event) -> Any:
        """The event without its sessions, which have their own rows."""
        data = convert.unstructure(record)
        data.pop("sessions")
        return data

    def load_rows(self, connection: Connection, rows: Iterable[Sequence[Any]]) -> list[Event]:
        """Events with their sessions, in one query for all of them."""
        rows = list(rows)
        table = schema.sessions
        by_event: dict[int, list[Session]] = defaultdict(list)
        if rows:
            found = connection.execute(
                sa.select(table.c.event_id, table.c.data)
                .where(table.c.event_id.in_([row_id for row_id, _ in rows]))
                .order_by(table.c.event_id, table.c.position)
            )
            for event_id, data in found:
                by_event[event_id].append(convert.structure(data, Session))
        return [
            attrs.evolve(convert.structure(data, Event), sessions=tuple(by_event[row_id]))
            for row_id, data in rows
        ]

    def list(  # type: ignore[override]
        self, *, limit: int = 50, offset: int = 0
    ) -> Page[Event]:
        """Events, the latest first, each with its sessions."""
        return super().list(order_by=schema.events.c.first_day.desc(), limit=limit, offset=offset)

    def published_list(self, *, limit: int = 50, offset: int = 0) -> Page[Event]:
        """:meth:`list` as the public sees it: each event's latest published version,
        else its stored programme (as :meth:`published`)."""
        page = self.list(limit=limit, offset=offset)
        return attrs.evolve(page, items=tuple(self.published(event.slug).event
                                              for event in page.items))

    # -- published versions

    def publish(self, slug: str, *, note: str | None = None) -> ProgrammeVersion:
        """Publish the event's current programme as its next numbered version.

        ``Conflict`` when nothing changed since the last version, or when
        another publication of the same event won the race (publish again).
        """
        with self.store.write() as connection:
            return self.publish_in(connection, slug, note=note)

    def publish_in(self, connection: Connection, slug: str, *, note: str | None = None,
                   ) -> ProgrammeVersion:
        """:meth:`publish` within an open transaction."""
        event_id, event = self.row_in(connection, slug)
        table = schema.programme_versions
        last = connection.execute(
            sa.select(table.c.number, table.c.data).where(table.c.event_id == event_id)
            .order_by(table.c.number.desc()).limit(1)
        ).first()
        if last is not None and convert.structure(last.data, Event) == event:
            raise Conflict(f"nothing changed since version {last.number}; edit the "
                           "programme before publishing it again", field="slug")
        version = ProgrammeVersion(number=(last.number if last else 0) + 1,
                                   published_at=now(), note=note)
        try:
            with connection.begin_nested():
                connection.execute(table.insert().values(
                    event_id=event_id, number=version.number,
                    published_at=version.published_at, note=version.note,
                    data=convert.unstructure(event)))
        except sa.exc.IntegrityError:
            raise Conflict(f"version {version.number} of {slug!r} was published "
                           "meanwhile; publish again", field="slug") from None
        note_change(connection, self.table, slug)  # the hub's feed serves what is public
        return version

    def versions(self, slug: str) -> tuple[ProgrammeVersion, ...]:
        """The event's published versions, oldest first."""
        with self.store.read() as connection:
            event_id = self._event_id(connection, slug)
            return tuple(self._versions(connection, event_id))

    def version(self, slug: str, number: int) -> Event:
        """The event as published in version ``number``; ``NotFound`` if there is none."""
        with self.store.read() as connection:
            event_id = self._event_id(connection, slug)
            table = schema.programme_versions
            row = connection.execute(
                sa.select(table.c.number, table.c.published_at, table.c.data)
                .where(table.c.event_id == event_id, table.c.number == number)
            ).first()
            if row is None:
                raise NotFound(f"{slug!r} has no published version {number}", field="version")
            return self._snapshot(event_id, row.number, aware(row.published_at), row.data)

    def published(self, slug: str) -> Published:
        """What the public sees: the latest published version, else the stored programme.

        The result is cached per version, so that reading it again costs one query.
        """
        with self.store.read() as connection:
            table, events, cities = schema.programme_versions, schema.events, schema.cities
            row = connection.execute(
                sa.select(events.c.id, events.c.updated_at, table.c.number,
                          table.c.published_at, table.c.note,
                          sa.select(sa.func.count()).select_from(cities)
                          .scalar_subquery().label("city_count"),
                          sa.select(sa.func.max(cities.c.updated_at))
                          .scalar_subquery().label("city_stamp"))
                .select_from(events.outerjoin(table, table.c.event_id == events.c.id))
                .where(events.c.slug == slug)
                .order_by(table.c.number.desc()).limit(1)
            ).first()
            if row is None:
                raise NotFound(f"there is no event {slug!r}", field="slug")
            stamp = aware(row.city_stamp)
            city_key = f"{row.city_count}-{stamp.isoformat() if stamp else ''}"
            return attrs.evolve(self._published(connection, slug, row), cities=city_key)

    def _published(self, connection: Connection, slug: str, row: Any) -> Published:
        table = schema.programme_versions
        if row.number is None:
            stamp = aware(row.updated_at)
            key = f"{row.id}-draft-{stamp.isoformat() if stamp else ''}"
            cached = self._cache.get(key)
            if cached is None:
                cached = Published(event=self.get_in(connection, slug), version=None,
                                   key=key)
                self._remember(key, cached)
            return cached
        published_at = aware(row.published_at)
        assert published_at is not None
        key = f"{row.id}-v{row.number}-{published_at.isoformat()}"
        cached = self._cache.get(key)
        if cached is None:
            data = connection.scalar(sa.select(table.c.data).where(
                table.c.event_id == row.id, table.c.number == row.number))
            version = ProgrammeVersion(number=row.number, published_at=published_at,
                                       note=row.note)
            event = self._snapshot(row.id, row.number, published_at, data)
            cached = Published(event=event, version=version, key=key)
            self._remember(key, cached)
        return cached

    def changes(self, slug: str, *, since: int | None = None) -> ProgrammeChanges:
        """The published versions and what each changed after version ``since``.

        ``since=None`` lists the changes of every version after the first.
        ``ValidationError`` when ``since`` is not a published version (or 0).
        """
        with self.store.read() as connection:
            event_id = self._event_id(connection, slug)
            versions = self._versions(connection, event_id)
            latest = versions[-1].number if versions else 0
            if since is not None and not 0 <= since <= latest:
                raise ValidationError(
                    f"{slug!r} has versions 1 to {latest}; give since from 0 to {latest}"
                    if latest else f"{slug!r} has no published version yet; leave since out",
                    field="since")
            first = max(since or 0, 1)
            key = f"{event_id}-changes-{first}-{latest}-" + (
                versions[-1].published_at.isoformat() if versions else "")
            found = self._cache.get(key)
            if found is None:
                table = schema.programme_versions
                rows = connection.execute(
                    sa.select(table.c.number, table.c.published_at, table.c.data)
                    .where(table.c.event_id == event_id, table.c.number >= first)
                    .order_by(table.c.number)
                ).all()
                snapshots = [self._snapshot(event_id, r.number, aware(r.published_at), r.data)
                             for r in rows]
                found = tuple(change for number, old, new in zip(
                    (r.number for r in rows[1:]), snapshots, snapshots[1:], strict=False)
                    for change in diff(old, new, number))
                self._remember(key, found)
        return ProgrammeChanges(event=slug, versions=tuple(versions), since=since,
                                changes=found)

    # -- helpers of the published versions

    def _event_id(self, connection: Connection, slug: str) -> int:
        found = connection.scalar(sa.select(schema.events.c.id)
                                  .where(schema.events.c.slug == slug))
        if found is None:
            raise NotFound(f"there is no event {slug!r}", field="slug")
        return int(found)

    def _versions(self, connection: Connection, event_id: int,
                  ) -> builtins.list[ProgrammeVersion]:
        table = schema.programme_versions
        return [
            ProgrammeVersion(number=row.number, published_at=aware(row.published_at),
                             note=row.note)
            for row in connection.execute(
                sa.select(table.c.number, table.c.published_at, table.c.note)
                .where(table.c.event_id == event_id).order_by(table.c.number))
        ]

    def _snapshot(self, event_id: int, number: int, published_at: datetime | None,
                  data: Any) -> Event:
        key = f"{event_id}-event-{number}-{published_at.isoformat() if published_at else ''}"
        found = self._cache.get(key)
        if found is None:
            found = convert.structure(data, Event)
            self._remember(key, found)
        assert isinstance(found, Event)
        return found

    def _remember(self, key: str, value: Any) -> None:
        # Versions never change once published, so entries stay true; the bound keeps
        # the memory small when many events are read.
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))


class ProgrammeHistory:
    """Every event's published versions, as the import/export bundle carries them.

    A published version never changes: importing one that exists is accepted
    when it is the same, and refused when it differs; one that does not exist
    is added to an event the bundle (or the database) already has.
    """

    def __init__(self, programme: ProgrammeService) -> None:
        self.programme = programme

    def all_in(self, connection: Connection) -> builtins.list[PublishedProgramme]:
        """Every published version, by event slug and number."""
        table, events = schema.programme_versions, schema.events
        return [
            PublishedProgramme(
                version=ProgrammeVersion(number=row.number,
                                         published_at=aware(row.published_at), note=row.note),
                event=convert.structure(row.data, Event))
            for row in connection.execute(
                sa.select(table.c.number, table.c.published_at, table.c.note, table.c.data)
                .join(events, events.c.id == table.c.event_id)
                .order_by(events.c.slug, table.c.number))
        ]

    def save_in(self, connection: Connection, record: PublishedProgramme,
                ) -> tuple[PublishedProgramme, bool]:
        """Add a published version; ``(record, False)`` when the same one is there."""
        slug, version = record.event.slug, record.version
        try:
            event_id = self.programme._event_id(connection, slug)
        except NotFound:
            raise ValidationError(f"there is no event {slug!r}; put it in the bundle's "
                                  "events", field="event.slug") from None
        table = schema.programme_versions
        found = connection.execute(
            sa.select(table.c.published_at, table.c.note, table.c.data)
            .where(table.c.event_id == event_id, table.c.number == version.number)
        ).first()
        if found is not None:
            same = (aware(found.published_at) == version.published_at
                    and found.note == version.note
                    and convert.structure(found.data, Event) == record.event)
            if not same:
                raise ValidationError(
                    f"version {version.number} of {slug!r} is already published with "
                    "other content; a published version never changes", field="version.number")
            return record, False
        connection.execute(table.insert().values(
            event_id=event_id, number=version.number, published_at=version.published_at,
            note=version.note, data=convert.unstructure(record.event)))
        note_change(connection, schema.events, slug)  # the hub's feed serves what is public
        return record, True
