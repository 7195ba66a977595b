"""The history of every record staff edit: numbered revisions, drafts and published ones.

Each record (a ``kind`` and a ``key``, e.g. ``practice``/``izmir-dialogue``) has
revisions numbered from 1. A revision holds the whole record as the
converter's JSON, its state (a draft, what was sent for review, what was
published, or a deletion), who saved it, when, and a change summary. A
revision is never changed once written: publishing a draft adds a
``published`` revision, restoring an old one adds a new draft (or a published
revision) with its content.

Optimistic concurrency: each save names the number of the latest revision its
author saw (``base``; 0 for a record with no revision yet). When another save
came first, :class:`~livingtogether.errors.EditConflict` is raised and nothing
is written; the error keeps the refused record. Two saves racing on the same
base are told apart by the unique ``(kind, key, number)``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import EditConflict, NotFound
from ..models import fields as f
from ..services.base import Page, read_page
from ..store import Store, aware, now, schema
from .principals import Principal

_table = schema.revisions


class RevisionState(str, enum.Enum):
    """What a revision is."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # sent for review (a practice): the moderators decide
    PUBLISHED = "published"
    DELETED = "deleted"


@attrs.frozen(kw_only=True)
class Revision:
    """One saved version of a record; ``data`` is the record as the converter's JSON
    (``None`` for a deletion of a record that had no content)."""

    kind: str
    key: str
    number: int
    state: RevisionState
    city: str | None
    data: Any
    author_id: str
    author_name: str
    created_at: datetime
    summary: str | None


def _load(_: Connection, rows: Sequence[Any]) -> list[Revision]:
    return [Revision(kind=row.kind, key=row.key, number=row.number,
                     state=RevisionState(row.state), city=row.city, data=row.data,
                     author_id=row.author_id, author_name=row.author_name,
                     created_at=aware(row.created_at),  # type: ignore[arg-type]
                     summary=row.summary) for row in rows]


def latest_in(connection: Connection, kind: str, key: str) -> Revision | None:
    """The latest revision of a record, if it has any."""
    rows = connection.execute(
        sa.select(_table).where(_table.c.kind == kind, _table.c.key == key)
        .order_by(_table.c.number.desc()).limit(1)).all()
    return _load(connection, rows)[0] if rows else None


def get_in(connection: Connection, kind: str, key: str, number: int) -> Revision:
    """Revision ``number`` of a record; ``NotFound`` if there is none."""
    f.check_number(number, field="revision", minimum=1, maximum=10**9)
    rows = connection.execute(sa.select(_table).where(
        _table.c.kind == kind, _table.c.key == key, _table.c.number == number)).all()
    if not rows:
        raise NotFound(f"the {kind} {key!r} has no revision {number}", field="revision")
    return _load(connection, rows)[0]


def check_base(latest: Revision | None, base: int, *, kind: str, key: str,
               submitted: Any) -> int:
    """The number the next revision takes, if ``base`` is the latest; else the conflict."""
    f.check_number(base, field="base", minimum=0, maximum=10**9)
    number = latest.number if latest is not None else 0
    if base != number:
        who = f" by {latest.author_name}" if latest is not None else ""
        raise EditConflict(
            f"the {kind} {key!r} was saved meanwhile{who} (revision {number}; this edit was "
            f"based on revision {base}); nothing was saved: compare the two, then save "
            f"again based on revision {number}", field="base", submitted=submitted,
            current_number=number, current_author=latest.author_name if latest else None)
    return number + 1


def add_in(connection: Connection, principal: Principal, *, kind: str, key: str, base: int,
           state: RevisionState, city: str | None, data: Any, summary: str | None,
           ) -> Revision:
    """Write the revision after ``base`` within an open transaction (see the module's
    docstring); ``EditConflict`` when ``base`` is not the latest."""
    if summary is not None:
        f.check_text(summary, field="summary", max_length=300, multiline=False)
    number = check_base(latest_in(connection, kind, key), base, kind=kind, key=key,
                        submitted=data)
    stamp = now()
    try:
        with connection.begin_nested():
            connection.execute(_table.insert().values(
                kind=kind, key=key, number=number, state=state.value, city=city, data=data,
                author_id=principal.id, author_name=principal.name, created_at=stamp,
                summary=summary or None))
    except sa.exc.IntegrityError:
        raise EditConflict(f"the {kind} {key!r} was saved by someone else at the same moment; "
                           "nothing was saved: reload it and save again", field="base",
                           submitted=data, current_number=number) from None
    return Revision(kind=kind, key=key, number=number, state=state, city=city, data=data,
                    author_id=principal.id, author_name=principal.name, created_at=stamp,
                    summary=summary or None)


def history(store: Store, kind: str, key: str, *, limit: int, offset: int,
            maximum: int = 200) -> Page[Revision]:
    """The revisions of a record, the newest first."""
    query = (sa.select(_table).where(_table.c.kind == kind, _table.c.key == key)
             .order_by(_table.c.number.desc()))
    return read_page(store, query, limit=limit, offset=offset, maximum=maximum, load=_load)


def latest_drafts(store: Store, kind: str, cities: frozenset[str] | None, *, limit: int,
                  offset: int, maximum: int = 200) -> Page[Revision]:
    """The records of ``kind`` whose latest revision is a draft (of ``cities``; ``None``:
    of any city), by key."""
    newest = (sa.select(_table.c.key, sa.func.max(_table.c.number).label("number"))
              .where(_table.c.kind == kind).group_by(_table.c.key).subquery())
    query = (sa.select(_table).join(newest, sa.and_(_table.c.key == newest.c.key,
                                                   _table.c.number == newest.c.number))
             .where(_table.c.kind == kind, _table.c.state == RevisionState.DRAFT.value)
             .order_by(_table.c.key))
    if cities is not None:
        query = query.where(_table.c.city.in_(sorted(cities)))
    return read_page(store, query, limit=limit, offset=offset, maximum=maximum, load=_load)
