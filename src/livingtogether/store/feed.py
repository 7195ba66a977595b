"""The change feed's bookkeeping, written in the transaction of every change it tracks.

Each tracked record has one row in ``lt_changes`` holding the number (``seq``)
of its latest change. Numbers come from a row of ``lt_counters`` updated in the
same transaction: on PostgreSQL that row stays locked until the commit, and on
SQLite writers queue anyway, so numbers become visible in the order they were
given. A reader that has seen change *n* has therefore seen every change
before it, which is what makes the feed's cursor stable.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import now, schema

#: Tracked tables and the name of their feed.
FEEDS: dict[str, str] = {"lt_cities": "cities", "lt_practices": "practices",
                         "lt_events": "events"}


def next_seq(connection: Connection, count: int = 1) -> int:
    """Reserve ``count`` change numbers; return the last (the first is ``last - count + 1``)."""
    counters = schema.counters
    value = connection.scalar(
        counters.update().where(counters.c.name == "changes")
        .values(value=counters.c.value + count).returning(counters.c.value))
    if value is None:  # a database migrated before the counter row existed
        connection.execute(counters.insert().values(name="changes", value=count))
        value = count
    return int(value)


def note_changes(connection: Connection, table: sa.Table, slugs: list[str], *,
                 deleted: bool = False) -> None:
    """Record that the records ``slugs`` of ``table`` changed (or were deleted); untracked
    tables are ignored."""
    kind = FEEDS.get(table.name)
    if kind is None or not slugs:
        return
    last = next_seq(connection, len(slugs))
    changes = schema.changes
    stamp = now()
    connection.execute(changes.delete().where(changes.c.kind == kind,
                                              changes.c.slug.in_(slugs)))
    connection.execute(changes.insert(), [
        {"seq": last - len(slugs) + index + 1, "kind": kind, "slug": slug, "deleted": deleted,
         "changed_at": stamp}
        for index, slug in enumerate(slugs)])


def note_change(connection: Connection, table: sa.Table, slug: str, *,
                deleted: bool = False) -> None:
    """Record that one record of ``table`` changed (or was deleted)."""
    note_changes(connection, table, [slug], deleted=deleted)
