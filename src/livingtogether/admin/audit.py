"""The audit of the staff layer: who changed what, when, in which city.

:func:`record` writes one row within the transaction of the change it
describes, so a change that fails (and rolls back) leaves no row, and a row
never describes a change that did not happen. Exports of personal data write
a row too. :class:`AuditLog` reads them back by record, by person or by city,
the newest first, a page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..services.base import Page, read_page
from ..store import Store, aware, now, schema
from .principals import Permission, Principal

_table = schema.audit

#: The longest summary kept; a longer one is cut (the change itself is in the revisions).
MAX_SUMMARY = 2_000


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One change (or export) made through the staff layer."""

    id: int
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    kind: str
    key: str
    city: str | None
    summary: str


def record(connection: Connection, principal: Principal, action: str, *, kind: str, key: str,
           city: str | None, summary: str = "") -> None:
    """Write the audit row of a change within its own (open, write) transaction."""
    connection.execute(_table.insert().values(
        at=now(), actor_id=principal.id, actor_name=principal.name, action=action[:40],
        kind=kind[:20], key=key[:200], city=city, summary=summary[:MAX_SUMMARY]))


def _load(_: Connection, rows: Sequence[Any]) -> list[AuditEntry]:
    return [AuditEntry(id=row.id, at=aware(row.at), actor_id=row.actor_id,  # type: ignore[arg-type]
                       actor_name=row.actor_name, action=row.action, kind=row.kind,
                       key=row.key, city=row.city, summary=row.summary) for row in rows]


class AuditLog:
    """The audit rows, the newest first; reading them needs ``audit.view`` on the city
    (or the secretariat's, for a person's rows across cities)."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size

    def _page(self, *where: sa.ColumnElement[bool], limit: int, offset: int,
              ) -> Page[AuditEntry]:
        query = sa.select(_table).where(*where).order_by(_table.c.id.desc())
        return read_page(self.store, query, limit=limit, offset=offset,
                         maximum=self.max_page_size, load=_load)

    def for_record(self, principal: Principal, kind: str, key: str, *, city: str | None,
                   limit: int = 50, offset: int = 0) -> Page[AuditEntry]:
        """What was done to the record ``kind``/``key`` (of ``city``)."""
        principal.require(Permission.AUDIT_VIEW, city)
        return self._page(_table.c.kind == kind, _table.c.key == key,
                          limit=limit, offset=offset)

    def by_person(self, principal: Principal, actor_id: str, *, limit: int = 50,
                  offset: int = 0) -> Page[AuditEntry]:
        """What the person ``actor_id`` did: anyone may read their own rows; another
        person's are the secretariat's to read."""
        if actor_id != principal.id:
            principal.require(Permission.AUDIT_VIEW, None)
        return self._page(_table.c.actor_id == actor_id, limit=limit, offset=offset)

    def for_city(self, principal: Principal, city: str, *, limit: int = 50,
                 offset: int = 0) -> Page[AuditEntry]:
        """What was done to the records of ``city``."""
        principal.require(Permission.AUDIT_VIEW, city)
        return self._page(_table.c.city == city, limit=limit, offset=offset)
