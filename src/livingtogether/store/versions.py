"""Data versions: a change counter per group of tables, bumped by every write.

What a widget shows depends on a few groups of tables (the cities, the
catalogue, a programme, the signatures...). Each group has a counter, a row
``v:<group>`` of ``lt_counters``, incremented by the transaction that writes
one of its tables, in that same transaction: a reader that sees a version sees
the data written with it, whichever process or host wrote it. The web layer
reads every counter in one query (:func:`read`) and derives from them the
ETags and the cache keys of the widgets, so that a revalidation is answered
without rendering and a write anywhere shows on the next request.

Which tables a write touched is read from the SQL each write transaction
sends (:func:`track`), so that no service has to remember to say it. A table
this module does not know counts as a change of everything (:data:`ALL`): a
new table can make caches miss, never make them stale. Bookkeeping tables that
no reader sees (rate limits, the outbox, tokens, the feed's own rows) change
no version at all.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema
from .bulk import upsert

#: The group of everything: bumped by any write of a table not in :data:`GROUPS`
#: (or SQL this module cannot read); part of every key.
ALL = "*"

#: The group of each table whose rows a reader sees.
GROUPS: dict[str, str] = {
    "lt_cities": "cities", "lt_organisations": "cities",
    "lt_themes": "themes",
    "lt_practices": "practices", "lt_practice_themes": "practices",
    "lt_practice_search": "practices", "lt_practice_text": "practices",
    "lt_practice_fts": "practices", "lt_search_counts": "practices",
    "lt_events": "programme", "lt_sessions": "programme",
    "lt_programme_versions": "programme", "lt_event_series": "programme",
    "lt_declarations": "pledges", "lt_pledges": "pledges", "lt_pledge_counts": "pledges",
    "lt_campaigns": "campaigns", "lt_participations": "campaigns",
    "lt_screening_seats": "campaigns", "lt_screening_attendance": "campaigns",
    "lt_network_signatures": "pledges", "lt_network_people": "pledges",
    "lt_network_counts": "pledges", "lt_network_snapshots": "pledges",
    "lt_network_screenings": "campaigns", "lt_network_participations": "campaigns",
}

#: Tables whose writes change nothing a reader sees.
UNSEEN = frozenset({
    "lt_counters", "lt_rate_limits", "lt_outbox", "lt_secrets", "lt_api_tokens",
    "lt_hub_cursors", "lt_hub_records", "lt_pledge_tokens", "lt_changes",
    "lt_practice_revisions", "lt_schema_version", "lt_form_tokens",
    "lt_audit", "lt_revisions", "lt_claims", "lt_notes", "lt_media",
    "lt_network_keys", "lt_count_sent", "lt_campaign_sent",
    "lt_screening_registrations",  # personal data: widgets show the seats' counts only
    "lt_screening_tokens",
})

#: Triggers that a bulk write of the search rows sets aside and puts back within its
#: transaction (``services.search_index``): their DDL changes what their table's group shows.
TRIGGERS: dict[str, str] = {"lt_practice_text_ai": "practices"}

#: Statements that write nothing.
_READS = ("select", "begin", "commit", "rollback", "savepoint", "release", "pragma", "set ",
          "show", "explain")
_TRIGGER_DDL = re.compile(r'\s*(?:create|drop)\s+trigger\s+"?([A-Za-z_][A-Za-z0-9_]*)',
                          re.IGNORECASE)
_WRITE = re.compile(r'\s*(insert\s+(?:or\s+\w+\s+)?into|update(?:\s+or\s+\w+)?|delete\s+from)'
                    r'\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)

_DML = re.compile(r"\b(insert|update|delete)\b", re.IGNORECASE)
#: A write anywhere in a statement (an ``ON CONFLICT DO UPDATE SET`` is none: ``set`` is
#: no table, and a table this module does not know counts as everything).
_WRITE_IN = re.compile(r'\b(insert\s+(?:or\s+\w+\s+)?into|(?<!do )update(?:\s+or\s+\w+)?|'
                       r'delete\s+from)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)

#: ``connection.info`` key of the groups the current write transaction touched.
WRITTEN = "lt_written"

PREFIX = "v:"
_counters = schema.counters


def groups_of(statement: str) -> set[str]:
    """The groups a SQL statement writes (none for a read, :data:`ALL` when unreadable)."""
    head = statement.lstrip()[:12].lower()
    if head.startswith(_READS):
        return set()
    if head.startswith("with"):
        if not _DML.search(statement):
            return set()  # a query with a CTE
        # Data-modifying WITH: every statement it holds writes.
        found = list(_WRITE_IN.finditer(statement))
        if not found:
            return {ALL}
        return set().union(*(_groups_of_write(match) for match in found))
    match = _WRITE.match(statement)
    if match is None:  # DDL, anything else: everything may have changed
        trigger = _TRIGGER_DDL.match(statement)
        group = TRIGGERS.get(trigger.group(1).lower()) if trigger else None
        return {group} if group else {ALL}
    return _groups_of_write(match)


def _groups_of_write(found: re.Match[str]) -> set[str]:
    table = found.group(2).lower()
    if table == "lt_pledges" and found.group(1)[0] in "iI":
        # A new signature is pending until its confirmation (an UPDATE) counts it.
        return set()
    if table in UNSEEN:
        return set()
    return {GROUPS.get(table, ALL)}


def track(engine: sa.Engine) -> None:
    """Record, on the connection of each write transaction, the groups its statements write."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _seen(connection: Connection, _cursor: Any, statement: str, _parameters: Any,
              _context: Any, _executemany: bool) -> None:
        written = connection.info.get(WRITTEN)
        if written is not None:
            written.update(groups_of(statement))


def bump(connection: Connection, groups: set[str]) -> None:
    """Increment the counters of ``groups``, in one statement."""
    if not groups:
        return
    names = tuple(sorted(f"{PREFIX}{group}" for group in groups))
    key = (connection.dialect.name, names)
    statement = _bumps.get(key)
    if statement is None:
        statement = upsert(connection, _counters).values(
            [{"name": name, "value": 1} for name in names]).on_conflict_do_update(
            index_elements=[_counters.c.name], set_={"value": _counters.c.value + 1})
        if len(_bumps) < 256:  # the groups are few: their sets that writes touch, fewer
            _bumps[key] = statement
    connection.execute(statement)


#: Each bump's statement, made once per database and set of groups: building one
#: costs more than running it, on the path of every write.
_bumps: dict[tuple[str, tuple[str, ...]], Any] = {}


#: Every ``v:`` row: a range of the primary key (``;`` follows ``:``), one index scan.
_READ = "SELECT name, value FROM lt_counters WHERE name >= 'v:' AND name < 'v;'"


class Reader:
    """Reads every group's version (a group never written is absent: version 0).

    The hot path of every widget request, so it keeps connections of its own
    (taken from the pool once and detached from it, so that the pool keeps its
    size; as many as requests read at once) and sends one statement outside any
    transaction, without SQLAlchemy's per-execution work. On SQLite, ``PRAGMA
    data_version`` first says whether any other connection committed since this
    one last looked: if none did, the versions it read then still hold (these
    connections never write). On PostgreSQL it is one round trip in autocommit.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        #: Idle ``[connection, (data_version, versions) | None]``; list.pop and
        #: list.append are atomic, so threads share it without a lock.
        self._idle: list[list[Any]] = []

    def read(self) -> dict[str, int]:
        """The versions now."""
        try:
            return self._read_once()
        except self.engine.dialect.loaded_dbapi.Error:
            self.close()  # the server went away, say: its other connections with it
            return self._read_once()  # once more, on a new connection

    def _read_once(self) -> dict[str, int]:
        try:
            held = self._idle.pop()
        except IndexError:
            held = [self._open(), None]
        try:
            found = self._read(held)
        except BaseException:
            _close(held[0])
            raise
        self._idle.append(held)
        return found

    def _open(self) -> Any:
        pooled = self.engine.raw_connection()  # the engine's connect hooks ran
        connection = pooled.driver_connection
        pooled.detach()
        if connection is None:
            raise RuntimeError("the pool gave a connection without a driver connection")
        if not self.sqlite:
            connection.autocommit = True
        return connection

    def _read(self, held: list[Any]) -> dict[str, int]:
        cursor = held[0].cursor()
        try:
            if self.sqlite:
                cursor.execute("PRAGMA data_version")
                stamp = cursor.fetchone()[0]
                if held[1] is not None and held[1][0] == stamp:
                    return dict(held[1][1])
            cursor.execute(_READ)
            found = {name[len(PREFIX):]: int(value) for name, value in cursor.fetchall()}
        finally:
            cursor.close()
        if self.sqlite:
            held[1] = (stamp, found)
        return dict(found)

    def close(self) -> None:
        """Close the idle connections (one in use closes when its read ends, or later)."""
        while self._idle:
            try:
                held = self._idle.pop()
            except IndexError:
                break
            _close(held[0])


def _close(held: Any) -> None:
    with contextlib.suppress(Exception):  # already gone with its server, say
        held.close()
