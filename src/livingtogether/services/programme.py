"""Events and their sessions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..models import Event, Session
from ..store import Store, schema
from .base import Page, Records


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
