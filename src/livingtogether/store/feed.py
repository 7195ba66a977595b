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

from . import bulk, now, schema

#: Tracked tables and the name of their feed.
FEEDS: dict[str, str] = {"lt_cities": "cities", "lt_organisations": "organisations",
                         "lt_themes": "themes", "lt_practices": "practices",
                         "lt_event_series": "series", "lt_events": "events",
                         "lt_declarations": "declarations",
                         "lt_network_screenings": "screenings"}


#: Change numbers reserved at once by a transaction: the counter row is updated (and,
#: on PostgreSQL, locked) once per block, not once per change. Numbers a transaction
#: reserves but does not use are skipped: the feed needs them increasing, not dense.
BLOCK = 1000

_counters = schema.counters
_changes = schema.changes
_RESERVE = (_counters.update().where(_counters.c.name == "changes")
            .values(value=_counters.c.value + sa.bindparam("count"))
            .returning(_counters.c.value))
# ``once_public`` only ever turns true: a record public once keeps its tombstone.
_UPDATE = (_changes.update()
           .where(_changes.c.kind == sa.bindparam("k"), _changes.c.slug == sa.bindparam("s"))
           .values(seq=sa.bindparam("n"), deleted=sa.bindparam("d"),
                   changed_at=sa.bindparam("t"),
                   once_public=sa.or_(_changes.c.once_public,
                                      sa.bindparam("p", type_=sa.Boolean))))
_INSERT = _changes.insert().values(seq=sa.bindparam("n"), kind=sa.bindparam("k"),
                                   slug=sa.bindparam("s"), deleted=sa.bindparam("d"),
                                   changed_at=sa.bindparam("t"), once_public=sa.bindparam("p"))


def next_seq(connection: Connection, count: int = 1) -> int:
    """Reserve ``count`` change numbers; return the last (the first is ``last - count + 1``).

    Numbers come from a block reserved by the current transaction (or savepoint: a
    savepoint rolled back takes its reservation with it) when it has one.
    """
    transaction = connection.get_nested_transaction() or connection.get_transaction()
    held = connection.info.get("lt_seq")
    if held is not None and held[0] is transaction and held[1] + count <= held[2]:
        last = held[1] + count
        connection.info["lt_seq"] = (transaction, last, held[2])
        return int(last)
    size = max(count, BLOCK)
    value = connection.scalar(_RESERVE, {"count": size})
    if value is None:  # a database migrated before the counter row existed
        connection.execute(_counters.insert().values(name="changes", value=size))
        value = size
    first = int(value) - size + 1
    connection.info["lt_seq"] = (transaction, first + count - 1, int(value))
    return first + count - 1


def note_changes(connection: Connection, table: sa.Table, slugs: list[str], *,
                 deleted: bool = False, public: bool | list[bool] = True) -> None:
    """Record that the records ``slugs`` of ``table`` changed (or were deleted); untracked
    tables are ignored.

    ``public`` (one for all, or one per slug): whether each record is public now. The
    feed serves only records that were public at some point, so that a record never
    public (a practice in review) is not named in it, not even by a tombstone.
    """
    kind = FEEDS.get(table.name)
    if kind is None or not slugs:
        return
    last = next_seq(connection, len(slugs))
    stamp = now()
    shown = public if isinstance(public, list) else [public] * len(slugs)
    rows = [{"n": last - len(slugs) + index + 1, "k": kind, "s": slug, "d": deleted,
             "t": stamp, "p": bool(shown[index]) and not deleted}
            for index, slug in enumerate(slugs)]
    known = set(connection.scalars(sa.select(_changes.c.slug).where(
        _changes.c.kind == kind, _changes.c.slug.in_(slugs)))) if len(slugs) > 1 else None
    if known is None:
        if not connection.execute(_UPDATE, rows[0]).rowcount:
            connection.execute(_INSERT, rows[0])
        return
    updates = [row for row in rows if row["s"] in known]
    if updates:
        connection.execute(_UPDATE, updates)
    bulk.insert(connection, _changes, [
        {"seq": row["n"], "kind": kind, "slug": row["s"], "deleted": deleted, "changed_at": stamp,
         "once_public": row["p"]}
        for row in rows if row["s"] not in known])


def note_change(connection: Connection, table: sa.Table, slug: str, *,
                deleted: bool = False, public: bool = True) -> None:
    """Record that one record of ``table`` changed (or was deleted); ``public``: whether
    it is public now."""
    note_changes(connection, table, [slug], deleted=deleted, public=public)
