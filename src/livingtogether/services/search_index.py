"""The search rows of published practices: their text, their index, their counts.

Each published practice has one search row per language it is written in
(``lt_practice_search``) and its text (``lt_practice_text``: title, summary
and the body as plain text, match markers removed), which the full-text index
follows: FTS5 by a trigger on SQLite (filled in one statement for a bulk
write), a generated ``tsvector`` on PostgreSQL. Every write of the rows keeps
``lt_search_counts`` in step, the counts a browse without filters reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from html import unescape
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import Practice
from ..store import bulk, schema
from .guard import upsert
from .search_terms import START, STOP

_MARKERS = str.maketrans({START: " ", STOP: " "})

#: A tag of sanitised HTML (the sanitiser quotes every attribute and escapes every ``<``
#: of the text, and drops comments), quoted attribute values and all.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def html_text(html: str) -> str:
    """The plain text of sanitised HTML, with a space wherever an element starts or ends,
    whitespace collapsed (one regular expression: an HTML parser took 5 times as long,
    on every practice a bulk write indexes)."""
    if "<" in html or "&" in html:
        html = unescape(_TAG.sub(" ", html))
    return " ".join(html.split())


def _plain(text: str) -> str:
    return text.translate(_MARKERS)


def index_rows(practice_id: int, practice: Practice, stamp: datetime,
               ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The search rows of a published practice, one per language it is written in,
    each with its text."""
    themes = f"|{'|'.join(practice.themes)}|" if practice.themes else ""
    return [
        ({"practice_id": practice_id, "language": language, "city_slug": practice.city,
          "kind": practice.kind.value, "themes": themes, "published_at": stamp},
         {"title": _plain(practice.title.values.get(language, "")),
          "summary": _plain(practice.summary.values.get(language, "")),
          "body": _plain(html_text(practice.body.values.get(language, "")))})
        for language in practice.languages
    ]


def insert_rows(connection: Connection,
                rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Store search rows and their text (which the full-text index follows), and count
    them in ``lt_search_counts``."""
    _store_rows(connection, rows)
    add_counts(connection, counts_of([row for row, _ in rows]))


def _store_rows(connection: Connection,
                rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    if not rows:
        return
    ids = bulk.insert_with_ids(connection, schema.practice_search, [row for row, _ in rows])
    texts = [{"id": row_id, **text} for row_id, (_, text) in zip(ids, rows, strict=True)]
    if connection.dialect.name != "sqlite" or len(texts) < BULK_INDEX:
        bulk.insert(connection, schema.practice_text, texts)
        return
    # FTS5 fed row by row by its trigger costs five times what one INSERT ... SELECT of
    # the same rows does (10,000 practices: 1.3 s of a 1.6 s copy).
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # insert_with_ids: consecutive
    with deferred_index(connection, ids[0]):
        bulk.insert(connection, schema.practice_text, texts)


@contextmanager
def deferred_index(connection: Connection, first_row: int) -> Iterator[None]:
    """Within this block, the text rows inserted (ids from ``first_row`` on) are not
    indexed one by one: the full-text index takes them all at the end, at once.

    SQLite: the trigger that indexes each new row is set aside and put back as it
    was, after one ``INSERT ... SELECT`` of the new rows into FTS5. PostgreSQL: the
    GIN index is dropped and built again over the whole table (``maintenance_work_mem``
    raised for it), which is worth it only for a load of many rows into a catalogue
    (a bulk import, the benchmark's million): the index is rebuilt whole, and other
    writers of the text wait for the transaction. All within the caller's
    transaction: no other connection sees the tables without their index, and a
    failure rolls all back."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX {_GIN}")
        yield
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        connection.exec_driver_sql(
            f"CREATE INDEX {_GIN} ON {schema.practice_text.name} USING gin (document)")
        return
    trigger = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (_TRIGGER,)).scalar()
    if trigger is None:  # not the schema this knows: the plain way
        yield
        return
    connection.exec_driver_sql(f"DROP TRIGGER {_TRIGGER}")
    yield
    # What the trigger does for each new row (migration 4), for all of them at once.
    connection.exec_driver_sql(
        "INSERT INTO lt_practice_fts(rowid, title, summary, body) SELECT id, title, "
        "summary, body FROM lt_practice_text WHERE id >= ?", (first_row,))
    connection.exec_driver_sql(trigger)


#: From this many search rows, SQLite's full-text index is filled in one statement.
BULK_INDEX = 50
#: The trigger of migration 4 that indexes each new row of ``lt_practice_text``.
_TRIGGER = "lt_practice_text_ai"
#: The GIN index of the text's ``tsvector`` (PostgreSQL, migration 4).
_GIN = "ix_lt_practice_text_document"


def reindex(connection: Connection, practice_id: int, practice: Practice | None,
            stamp: datetime) -> None:
    """Replace the search rows of one practice (none unless it is published), and their
    counts."""
    reindex_many(connection, [(practice_id, practice)], stamp)


def reindex_many(connection: Connection, practices: Sequence[tuple[int, Practice | None]],
                 stamp: datetime) -> None:
    """Replace the search rows of many practices, ``(id, practice or None)`` each, and
    their counts, with a few statements for all of them."""
    table, text = schema.practice_search, schema.practice_text
    ids = [practice_id for practice_id, _ in practices]
    changes = {key: -count for key, count in counts_of(counted_rows(connection, ids)).items()}
    # The text first, explicitly, so the index's triggers see every deletion.
    connection.execute(text.delete().where(text.c.id.in_(
        sa.select(table.c.id).where(table.c.practice_id.in_(ids)))))
    connection.execute(table.delete().where(table.c.practice_id.in_(ids)))
    rows = [row for practice_id, practice in practices if practice is not None
            for row in index_rows(practice_id, practice, stamp)]
    _store_rows(connection, rows)
    for key, count in counts_of([row for row, _ in rows]).items():
        changes[key] = changes.get(key, 0) + count
    add_counts(connection, changes)


def counted_rows(connection: Connection, practice_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The search rows of the practices ``practice_ids``, with what :func:`counts_of` reads."""
    table = schema.practice_search
    return [dict(row) for row in connection.execute(
        sa.select(table.c.practice_id, table.c.language, table.c.city_slug, table.c.kind,
                  table.c.themes).where(table.c.practice_id.in_(practice_ids))).mappings()]


def counts_of(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """What search rows add to ``lt_search_counts``: each practice once to its city,
    kind, themes and the total, each row to its language."""
    found: dict[tuple[str, str], int] = {}
    practices: dict[int, dict[str, Any]] = {}
    for row in rows:
        key = ("language", row["language"])
        found[key] = found.get(key, 0) + 1
        practices[row["practice_id"]] = row
    for row in practices.values():
        themes = row["themes"][1:-1].split("|") if row["themes"] else []
        for key in (("city", row["city_slug"]), ("kind", row["kind"]),
                    *(("theme", theme) for theme in themes)):
            found[key] = found.get(key, 0) + 1
    if practices:
        found[("total", "")] = len(practices)
    return found


def add_counts(connection: Connection, changes: dict[tuple[str, str], int]) -> None:
    """Add ``changes`` to ``lt_search_counts`` in one statement, in key order (so that
    concurrent writers lock the rows in the same order)."""
    values = [{"facet": facet, "value": value, "count": count}
              for (facet, value), count in sorted(changes.items()) if count]
    if not values:
        return
    table = schema.search_counts
    insert = upsert(connection, table)
    connection.execute(insert.on_conflict_do_update(
        index_elements=[table.c.facet, table.c.value],
        set_={"count": table.c.count + insert.excluded["count"]}), values)


# -- searching
