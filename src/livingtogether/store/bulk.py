"""Bulk inserts: many rows in one statement per table, the way the hub's pull and the
bundle's import write.

SQLite gets one ``executemany`` on the driver (its loop is in C) with the values
already in SQLite's form; PostgreSQL one ``INSERT ... SELECT FROM unnest(...)``
with one array per column, a short statement whatever the number of rows (a
multi-row ``VALUES`` list makes a statement the driver parses anew each time).
The full-text index follows as it follows every write: PostgreSQL computes the
generated ``tsvector`` row by row within the same statement; on SQLite the
search rows' text of a bulk write is indexed by one ``INSERT ... SELECT`` into
the FTS5 table rather than by its trigger per row (``services.search_index``). A
value shared by every row (the write's instant) is made the driver's once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(connection: Connection, table: sa.Table) -> Any:
    """An INSERT of the connection's dialect, which has ``on_conflict_do_*``."""
    return (postgresql.insert if connection.dialect.name == "postgresql"
            else sqlite.insert)(table)


def per_dialect(build: Any) -> dict[str, Any]:
    """``build(insert)`` for each database's INSERT with ON CONFLICT, made once: the
    hot paths execute these with their parameters, so that SQLAlchemy compiles
    and caches one statement instead of building one per call."""
    return {"postgresql": build(postgresql.insert), "sqlite": build(sqlite.insert)}


_Plan = tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]
_plans: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def _plan(connection: Connection, table: sa.Table, names: tuple[str, ...]) -> _Plan:
    """The statement for rows of ``names`` and how to make each value the driver's."""
    dialect = connection.dialect
    key = (dialect.name, table.name, names)
    found = _plans.get(key)
    if found is not None:
        return found
    columns = [table.c[name] for name in names]
    listed = ", ".join(f'"{name}"' for name in names)
    if dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(%(c{index})s AS {_array_type(column, dialect)})"
                           for index, column in enumerate(columns))
        values = ", ".join(f"u.c{index}::json" if isinstance(column.type, sa.JSON)
                           else f"u.c{index}" for index, column in enumerate(columns))
        aliases = ", ".join(f"c{index}" for index in range(len(columns)))
        # Every name is a column of the schema's own table (table.c[name] checked it).
        sql = (f'INSERT INTO "{table.name}" ({listed}) SELECT {values} '  # noqa: S608
               f"FROM unnest({arrays}) AS u({aliases})")
        convert: tuple[Callable[[Any], Any] | None, ...] = tuple(
            _json if isinstance(column.type, sa.JSON) else None for column in columns)
    else:
        marks = ", ".join("?" * len(names))
        sql = f'INSERT INTO "{table.name}" ({listed}) VALUES ({marks})'  # noqa: S608
        convert = tuple(column.type.dialect_impl(dialect).bind_processor(dialect)
                        for column in columns)
    found = (sql, names, convert)
    _plans[key] = found
    return found


def _array_type(column: sa.Column[Any], dialect: sa.Dialect) -> str:
    if isinstance(column.type, sa.JSON):
        return "text[]"
    return f"{column.type.compile(dialect=dialect)}[]"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _converted(change: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``values`` made the driver's, each distinct value once: the rows of a bulk write
    share their instants (one stamp per write), and formatting one costs microseconds."""
    first = values[0]
    if isinstance(first, datetime) and all(value == first for value in values):
        return [change(first)] * len(values)
    return list(map(change, values))


def insert(connection: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns) into ``table`` with one statement."""
    if not rows:
        return
    sql, names, convert = _plan(connection, table, tuple(rows[0]))
    columns = []  # the values column by column, each made the driver's
    for name, change in zip(names, convert, strict=True):
        values = [row[name] for row in rows]
        columns.append(_converted(change, values) if change else values)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(sql, {f"c{index}": values
                                         for index, values in enumerate(columns)})
    else:
        connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def insert_with_ids(connection: Connection, table: sa.Table,
                    rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``table`` (its primary key ``id``) with one statement; return
    their new ids, in order.

    On SQLite the ids are the ones after the largest (what SQLite would give): a
    write transaction holds the database's lock, so no other writer takes them. On
    PostgreSQL they come from the column's sequence first, all in one statement.
    """
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        ids = [int(value) for value in connection.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(rows)}).scalars()]
    else:
        last = int(connection.scalar(sa.select(sa.func.max(table.c.id))) or 0)
        ids = list(range(last + 1, last + 1 + len(rows)))
    insert(connection, table, [{**row, "id": row_id}
                               for row_id, row in zip(ids, rows, strict=True)])
    return ids
