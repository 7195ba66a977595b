"""Full-text search of published practices: ranked, accent- and case-insensitive, faceted.

The service and what it returns: :class:`Searcher` runs a :class:`SearchQuery`
and gives :class:`SearchResults`. The database finds and ranks the matching
rows (one row per practice and language): FTS5 with ``bm25`` on SQLite, a
``tsvector`` with ``ts_rank`` on PostgreSQL, both over text folded the same
way (case and accents removed, no stemming), so both find the same practices.
Filters are applied in SQL; the grouping of rows into practices, the facet
counts and the page are computed here, in one place for both databases.

The parts: the query and its words in :mod:`.search_terms`, the statements on
each database in :mod:`.search_sql`, the search rows, their text and counts in
:mod:`.search_index`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, cast

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler

from .. import convert
from ..models import Practice
from ..store import Store, schema
from . import search_sql
from .search_terms import (
    COUNT_CAP,
    FACETS,
    START,
    Cursor,
    SearchQuery,
    check_query,
    highlight,
    make_cursor,
    postgres_match,
    read_cursor,
    sqlite_match,
    terms,
)


@attrs.frozen(kw_only=True)
class FacetCount:
    """One value of a facet and how many results have it."""

    value: str
    count: int


@attrs.frozen(kw_only=True)
class Hit:
    """A practice found, its score, and a snippet of where it matched.

    ``snippet`` is HTML: the text escaped, the matched words in ``<mark>``;
    ``language`` is the language of the text that matched best.
    """

    practice: Practice
    score: float
    language: str
    snippet: str | None = None


@attrs.frozen(kw_only=True)
class SearchResults:
    """A page of hits, the total, and the facet counts over all results.

    ``offset`` is the position of the page's first hit (also when the page was
    found by a cursor); ``next`` is the cursor of the page after it (``after``),
    ``None`` on the last page. ``capped``: a search with words that matches more
    than :data:`~.search_terms.COUNT_CAP` practices is not counted whole: its
    ``total`` is that cap ("more than 1,000") and its facet counts are those of
    the first results found, lower bounds.
    """

    hits: tuple[Hit, ...]
    total: int
    limit: int
    offset: int
    facets: dict[str, tuple[FacetCount, ...]]
    next: str | None = None
    capped: bool = False


#: How many search rows make a block, when a search whose words match more practices than
#: it counts is ranked block by block (``Searcher._blocks``): ranking a block's matches
#: costs about 1 ms on SQLite and 5 on PostgreSQL (a common word, a few hundred
#: matches), whatever the size of the catalogue.
BLOCK = 20_000


class Searcher:
    """Runs a :class:`SearchQuery` on one store.

    The database pages, ranks and counts; only the page comes back. With words,
    one statement matches the rows (one per practice and language) once, into a
    materialised CTE, and returns from it the page's rows (the practices by
    their best row's score), the total and the counts of every facet, grouped
    in SQL. A browse without words pages newest first along an index; without
    filters its total and facets are read from ``lt_search_counts``, which
    every write of the search rows keeps in step, and with filters they are
    grouped in SQL like those of words. The total and counts of a query with
    words or filters are kept with the data versions they hold at (:meth:`_found`),
    so that its next page, or the same query before any write, reads only its page.
    A second statement reads the page's practices, and a third their snippets.
    Statements are compiled once per shape (words or not, which filters, how many
    ids) and run on the driver's cursor: building them each time would cost more
    than running them.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200,
                 count_cap: int = COUNT_CAP, block: int = BLOCK) -> None:
        self.store = store
        self.max_page_size = max_page_size
        #: A search with words counts its practices exactly up to this many.
        self.count_cap = count_cap
        #: Past that count, its practices are ranked block by block of this many search
        #: rows, the newest first (:meth:`_blocks`).
        self.block = block
        self.postgres = store.dialect == "postgresql"
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[str, ...] | None,
                                                     dict[str, Any]]] = {}
        #: Practices already decoded, by id, with the stored JSON they came from: a
        #: practice is rebuilt (and its fields checked again) only when that text changes.
        self._decoded: dict[int, tuple[str, Practice]] = {}
        #: The total and facet counts of recent queries, with the versions they hold at.
        self._counted: dict[tuple[Any, ...], tuple[tuple[Any, ...], int,
                                                   dict[str, dict[str, int]], bool]] = {}

    def search(self, query: SearchQuery, *, reader_language: str | None = None,
               ) -> SearchResults:
        """The page of ``query``'s results, best first (newest first without words)."""
        query = check_query(query, max_page_size=self.max_page_size)
        cursor = read_cursor(query.after) if query.after is not None else Cursor(query.offset)
        words = terms(query.q)
        if query.q.strip() and not words:
            return SearchResults(hits=(), total=0, limit=query.limit, offset=cursor.position,
                                 facets=dict.fromkeys(FACETS, ()))
        params: dict[str, Any] = {f"f_{name}": value for name, value in query.filters().items()}
        if "f_theme" in params:
            params["f_theme"] = f"%|{params['f_theme']}|%"
        if words:
            params["match"] = postgres_match(words) if self.postgres else sqlite_match(words)
        params["page_limit"], params["page_offset"] = query.limit, cursor.position
        filters = tuple(sorted(query.filters()))
        with self.store.read() as connection:
            if words or filters:
                found = self._found(connection, words, filters, params, cursor)
            else:
                found = _Found(self._run(connection, ("counts",), search_sql.counted, {}))
                self._newest(connection, found, params, cursor)
            page = found.ordered()
            practices = self._practices(connection, page)
            shown = found.shown(reader_language) if words else {}
            snippets = self._snippets(connection, [row for row, _ in shown.values()],
                                      params) if words else {}
        hits = []
        for pid in page:
            practice = practices[pid]
            if pid in shown:
                row_id, language = shown[pid]
            else:
                row_id, languages = None, practice.languages
                language = reader_language if reader_language in languages else languages[0]
            snippet = snippets.get(row_id) if row_id is not None else None
            hits.append(Hit(practice=practice, score=found.score(pid), language=language,
                            snippet=highlight(snippet) if snippet else None))
        end = cursor.position + len(page)
        more = len(page) == query.limit and (end < found.total or found.capped)
        return SearchResults(
            hits=tuple(hits), total=found.total, limit=query.limit, offset=cursor.position,
            facets=found.facets(), capped=found.capped,
            next=make_cursor(Cursor(end, found.key(page, keyset=self._keyset(words, filters))))
            if more else None)

    def _keyset(self, words: Sequence[str], filters: tuple[str, ...]) -> str | None:
        """How the next page of a search is found: after the last result's key
        (``newest`` for a browse, ``rank`` for words without filters; ``tier`` when
        such a search is ranked block by block, see :meth:`_blocks`),
        else by position (``None``)."""
        if not filters:
            return "rank" if words else "newest"
        return None

    def _newest(self, connection: Connection, found: _Found, params: dict[str, Any],
                cursor: Cursor) -> None:
        """A browse's page, newest first: after the cursor's key, else at its position."""
        key = cursor.key if cursor.key is not None and cursor.key[0] == "newest" else None
        if key is None:
            rows = self._run(connection, ("newest",), search_sql.newest, params)
        else:
            at = datetime.fromisoformat(key[1])
            if at.tzinfo is None:
                at = at.replace(tzinfo=timezone.utc)
            instant = sa.DateTime(timezone=True).dialect_impl(connection.dialect)
            bind = instant.bind_processor(connection.dialect)
            rows = self._run(connection, ("newest", "after"), lambda: search_sql.newest(True),
                             {**params, "at": bind(at) if bind else at, "practice": key[2]})
        found.page = [practice for _, practice in rows]
        found.stamps = {practice: stamp for stamp, practice in rows}

    def forget(self) -> None:
        """Forget the counts kept: the next search of every query counts again."""
        self._counted.clear()

    def _found(self, connection: Connection, words: Sequence[str], filters: tuple[str, ...],
               params: dict[str, Any], cursor: Cursor) -> _Found:
        """The page, total and facet counts of a search with words or filters.

        The total and the counts of a query are kept (:data:`_COUNTED` of them) with the
        data versions they were counted at, read in the same transaction: the next page
        of the same query, or the same query again before any write to the catalogue or
        the cities, reads only its page. Counted otherwise: with words, first up to
        ``count_cap`` practices (:meth:`_capped`); at most that many, exactly, in
        the statement that reads the page; kept only if the versions did not move
        meanwhile."""
        key = (params.get("match"), *((name, params[f"f_{name}"]) for name in filters))
        version = tuple(self._run(connection, ("versions",), lambda: search_sql.VERSIONS, {}))
        known = self._counted.get(key)
        counted: _Counted | None = (known[1], known[2], known[3]) \
            if known is not None and known[0] == version else None
        if counted is None and words:
            counted = self._capped(connection, filters, params)
            if counted is not None:
                self._keep(connection, key, version, counted)
        if counted is not None or cursor.key is not None:
            found = self._page(connection, words, filters, params, cursor,
                               capped=counted[2] if counted is not None else False)
            if counted is None:  # a cursor's page, not counted yet
                counts = _Found(self._run(
                    connection, ("counts", bool(words), filters),
                    lambda: search_sql.grouped(self.postgres, filters, bool(words),
                                               paged=False), params))
                counted = (counts.total, counts.counts, False)
                self._keep(connection, key, version, counted)
            found.total, found.counts, found.capped = counted
            return found
        found = _Found(self._run(
            connection, ("grouped", bool(words), filters),
            lambda: search_sql.grouped(self.postgres, filters, bool(words)), params))
        self._keep(connection, key, version, (found.total, found.counts, False))
        return found

    def _keep(self, connection: Connection, key: tuple[Any, ...], version: tuple[Any, ...],
              counted: _Counted) -> None:
        """Keep a query's counts, if the data versions did not move since ``version``."""
        if tuple(self._run(connection, ("versions",), lambda: search_sql.VERSIONS,
                           {})) == version:
            if len(self._counted) >= _COUNTED:
                self._counted.clear()
            self._counted[key] = (version, *counted)

    def _capped(self, connection: Connection, filters: tuple[str, ...],
                params: dict[str, Any]) -> _Counted | None:
        """The counts of a search with words matching more than ``count_cap``
        practices: that cap as its total, and its facets counted over the first rows
        found (lower bounds); ``None`` when it matches at most that many (counted
        exactly, then, at the cost of a page). The practices are counted until one more
        than the cap is found, no further."""
        cap = self.count_cap
        many = self._run(connection, ("capped", filters),
                         lambda: search_sql.capped_count(self.postgres, filters),
                         {**params, "cap": cap + 1})[0][0]
        if many <= cap:
            return None
        sample = _Found(self._run(
            connection, ("sample", filters),
            lambda: search_sql.grouped(self.postgres, filters, True, paged=False,
                                       sample=True), {**params, "sample": _SAMPLE * cap}))
        return cap, sample.counts, True

    def _page(self, connection: Connection, words: Sequence[str], filters: tuple[str, ...],
              params: dict[str, Any], cursor: Cursor, capped: bool) -> _Found:
        """The page alone: by the full-text index's own ranking (words without filters,
        :meth:`_top`; block by block when ``capped``, :meth:`_blocks`), else from the
        statement that reads every match."""
        if words and not filters:
            if capped:
                key = cursor.key if cursor.key is not None and cursor.key[0] == "tier" \
                    else None
                return self._blocks(connection, params, params["page_limit"],
                                    cursor.position, key)
            key = cursor.key if cursor.key is not None and cursor.key[0] == "rank" else None
            return _Found(self._top(connection, params, params["page_limit"],
                                    cursor.position, key[1:] if key else None)[0])
        return _Found(self._run(
            connection, ("paged", bool(words), filters),
            lambda: search_sql.grouped(self.postgres, filters, bool(words), counts=False),
            params))

    def _blocks(self, connection: Connection, params: dict[str, Any], limit: int,
                position: int, after: tuple[Any, ...] | None) -> _Found:
        """The page of a search whose words match more practices than are counted
        (``capped``): ranked block by block of ``block`` search rows, the newest
        block first, so that a page costs the ranking of a block's matches whatever
        the size of the catalogue. A practice belongs to the block of its newest
        matching row, and ranks there by its best row in that block.

        The page starts at ``position`` (blocks before it skipped by their count of
        practices, which counts a practice whose matching rows straddle two blocks in
        both: offsets are positions, approximate there), or with ``after`` (``("tier",
        the block's last row id, score, id)`` of the result before it) in that block,
        after that result."""
        hi: int
        if after is not None:
            hi, last = after[1], (after[2], after[3])
        else:
            hi, last = self._run(connection, ("newest row",),
                                 lambda: search_sql.NEWEST_ROW, {})[0][0] or 0, None
        rows: list[tuple[Any, ...]] = []
        order: list[int] = []
        tiers: dict[int, int] = {}
        start = 0 if after is not None else position
        while hi > 0 and len(order) < limit:
            bounds = (max(hi - self.block, 0), hi)
            if start and last is None:
                many = self._run(connection, ("block count",),
                                 lambda: search_sql.block_count(self.postgres),
                                 {"match": params["match"], "lo": bounds[0], "hi": hi})[0][0]
                if start >= many:
                    start -= many
                    hi = bounds[0]
                    continue
            found, page = self._top(connection, params, limit - len(order), start, last,
                                    bounds)
            rows += found
            order += page
            tiers.update(dict.fromkeys(page, hi))
            start, last, hi = 0, None, bounds[0]
        result = _Found(rows)
        result.order, result.tiers = order, tiers
        return result

    def _top(self, connection: Connection, params: dict[str, Any], limit: int,
             position: int, after: tuple[Any, ...] | None,
             bounds: tuple[int, int] | None = None,
             ) -> tuple[list[tuple[Any, ...]], list[int]]:
        """Words and no filter: the rows of the page's practices (by their best score,
        ties by id), tagged as ``_Found`` reads them, and the page's practice ids, from
        the best rows of the full-text index alone (a heap of ``top`` rows, grown until
        the practices of the page are certain), then every matching row of the page's
        practices.

        The page starts at ``position``, or with ``after`` (``(score, id)`` of the
        result before it) at the first practice ranked after that one: only the rows
        scoring at most that score are read, and a practice with a row that scores
        higher (so shown before) is left out. Within ``bounds`` (``(lo, hi)``, row ids
        above ``lo``, at most ``hi``), only those rows are read and ranked, and a
        practice with a matching row above ``hi`` (shown in a newer block) is left out."""
        wanted = limit if after is not None else position + limit
        start = 0 if after is not None else position
        last = (-after[0], after[1]) if after is not None else None
        shown_before: set[int] = set()
        top = max(64, 2 * wanted)
        while True:
            values = {"match": params["match"], "top": top}
            if last is not None:
                values["last"] = after[0] if after is not None else 0.0
            if bounds is not None:
                values["lo"], values["hi"] = bounds
            shape = (last is not None, bounds is not None)
            rows = self._run(connection, ("top", *shape),
                             lambda shape=shape: search_sql.top(  # type: ignore[misc]
                                 self.postgres, *shape), values)
            best: dict[int, float] = {}
            for _, practice_id, _, score in rows:
                if practice_id not in best or score > best[practice_id]:
                    best[practice_id] = score
            ordered = sorted((pid for pid in best if pid not in shown_before
                              and (last is None or (-best[pid], pid) > last)),
                             key=lambda pid: (-best[pid], pid))
            # Certain when every matching row was read, or when the last practice
            # wanted scores above the last row read (no row unread can tie with it).
            # (The lowest score read, not the last row's: the join keeps no order.)
            if not (len(rows) < top or (len(ordered) >= wanted and best[ordered[wanted - 1]]
                                        > min(row[3] for row in rows))):
                top *= 4
                continue
            page = ordered[start:wanted]
            if not page:
                return [], []
            found = self._rows_of(connection, params, page)
            seen = set()
            if bounds is not None:
                # A practice with a matching row in a newer block was shown with it; its
                # rows in older blocks are not this block's.
                seen = {pid for _, pid, row, *_ in found if row > bounds[1]}
                found = [row for row in found if bounds[0] < row[2] <= bounds[1]]
            if last is not None:
                # A practice with a row above the cursor's score came before it.
                seen |= {pid for _, pid, _, _, score, *_ in found if (-score, pid) <= last}
            if seen:
                shown_before |= seen
                continue
            return found, page

    def _rows_of(self, connection: Connection, params: dict[str, Any],
                 page: Sequence[int]) -> list[tuple[Any, ...]]:
        """Every matching row of the practices ``page``, with its score, tagged."""
        names = [f"id_{index}" for index in range(len(page))]
        all_rows = self._run(connection, ("rows_of", len(page)),
                             lambda: search_sql.rows_of(names), dict(zip(names, page,
                                                                         strict=True)))
        ids = [row[0] for row in all_rows]
        names = [f"id_{index}" for index in range(len(ids))]
        scores = dict(self._run(connection, ("scores_of", len(ids)),
                                lambda: search_sql.scores_of(self.postgres, names),
                                {"match": params["match"], **dict(zip(names, ids,
                                                                      strict=True))}))
        return [("row", practice_id, row_id, language, scores[row_id], None, None)
                for row_id, practice_id, language in all_rows if row_id in scores]

    def _run(self, connection: Connection, key: tuple[Any, ...],
             build: Callable[[], sa.ClauseElement], params: dict[str, Any]) -> list[Any]:
        """The rows (plain tuples) of the statement ``build`` makes, compiled once per
        ``key``."""
        entry = self._compiled.get(key)
        if entry is None:
            compiled = cast(SQLCompiler, build().compile(dialect=connection.dialect))
            positions = tuple(compiled.positiontup or ()) if compiled.positional else None
            entry = (str(compiled), positions, dict(compiled.params))
            self._compiled[key] = entry
        sql, positions, defaults = entry
        values = {**defaults, **params}
        driver: Any = tuple(values[name] for name in positions) if positions is not None \
            else values
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, driver)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _practices(self, connection: Connection, ids: Sequence[int]) -> dict[int, Practice]:
        if not ids:
            return {}
        table = schema.practices
        names = [f"id_{index}" for index in range(len(ids))]
        rows = self._run(
            connection, ("practices", len(ids)),
            # As text on both databases: the JSON as stored, decoded here.
            lambda: sa.select(table.c.id, sa.cast(table.c.data, sa.Text)).where(
                table.c.id.in_([sa.bindparam(name, type_=sa.Integer) for name in names])),
            dict(zip(names, ids, strict=True)))
        decoded = self._decoded
        found: dict[int, Practice] = {}
        for practice_id, data in rows:
            known = decoded.get(practice_id)
            if known is not None and known[0] == data:
                found[practice_id] = known[1]
                continue
            practice = convert.structure(json.loads(data), Practice)
            if len(decoded) >= _DECODED:
                decoded.clear()
            decoded[practice_id] = (data, practice)
            found[practice_id] = practice
        return found

    def _snippets(self, connection: Connection, row_ids: Sequence[int],
                  params: dict[str, Any]) -> dict[int, str]:
        """A snippet of the summary or body of each of ``row_ids`` that matched there."""
        if not row_ids:
            return {}
        names = [f"id_{index}" for index in range(len(row_ids))]

        def build() -> sa.ClauseElement:
            return search_sql.snippets(self.postgres, names)

        values = {**params, **dict(zip(names, row_ids, strict=True)),
                  "headline": search_sql.HEADLINE}
        found = {}
        for row_id, *snippets in self._run(connection, ("snippets", len(row_ids)), build,
                                           values):
            snippet = next((s for s in snippets if s and START in s), None)
            if snippet:
                found[row_id] = snippet
        return found


#: A query's total, its facet counts, and whether they are capped (lower bounds).
_Counted = tuple[int, dict[str, dict[str, int]], bool]
#: How many decoded practices a searcher keeps (it starts again when full).
_DECODED = 1024
#: How many queries' counts a searcher keeps (it starts again when full).
_COUNTED = 512
#: How many matching rows (times the cap) the facets of a capped search are counted over
#: (each costs a read of its search row: 3,000 cost 20 to 30 ms at 100,000 practices).
_SAMPLE = 1


class _Found:
    """The tagged rows of one search: the page, the total and the facet counts."""

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        #: The rows of the page's practices, ``(row id, practice id, language, score)``.
        self.rows: list[tuple[int, int, str, float]] = []
        #: The page's practice ids, in order, when the database ordered them.
        self.page: list[int] = []
        #: The page's practice ids, in order, when ranked block by block
        #: (``Searcher._blocks``), and the last row id of each one's block.
        self.order: list[int] | None = None
        self.tiers: dict[int, int] = {}
        positions: list[tuple[int, int]] = []
        self.total = 0
        #: Whether the total is a cap and the counts lower bounds (``SearchResults``).
        self.capped = False
        #: A browse's page: each practice's stamp, as the database gave it.
        self.stamps: dict[int, Any] = {}
        self.counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for tag, practice, row, language, score, value, count in rows:
            if tag == "row":
                self.rows.append((row, practice, language, score))
            elif tag == "page":
                positions.append((count, practice))
            elif tag == "total":
                self.total = count
            elif tag == "themes":
                for theme in value[1:-1].split("|") if value else ():
                    themes = self.counts["theme"]
                    themes[theme] = themes.get(theme, 0) + count
            elif tag == "counted":
                if value == "total":
                    self.total = count
                else:
                    self.counts[value][language] = count
            else:
                self.counts[tag][value] = count
        if positions:
            self.page = [practice for _, practice in sorted(positions)]
        #: Each practice's best row: the highest score, then the first language.
        self.best: dict[int, tuple[int, int, str, float]] = {}
        for found in self.rows:
            best = self.best.get(found[1])
            if best is None or ((found[3] or 0.0), best[2]) > ((best[3] or 0.0), found[2]):
                self.best[found[1]] = found

    def score(self, practice_id: int) -> float:
        """The best score of a practice's rows (0 without words)."""
        best = self.best.get(practice_id)
        return float(best[3] or 0.0) if best is not None else 0.0

    def key(self, page: Sequence[int], *, keyset: str | None) -> tuple[Any, ...] | None:
        """The key of the page's last result, for the next page's cursor: ``("newest",
        its stamp, id)``, ``("rank", its score, id)``, or ``None`` (by position)."""
        if not page or keyset is None:
            return None
        last = page[-1]
        if keyset == "rank":
            tier = self.tiers.get(last)
            if tier is not None:
                return ("tier", tier, self.score(last), last)
            return ("rank", self.score(last), last)
        stamp = self.stamps.get(last)
        if stamp is None:
            return None
        text = stamp.isoformat() if isinstance(stamp, datetime) else str(stamp)
        return ("newest", text, last)

    def ordered(self) -> list[int]:
        """The ids of the page's practices: best first, or newest first without words."""
        if self.order is not None:
            return self.order
        if self.best:
            return [found[1] for found in sorted(
                self.best.values(), key=lambda found: (-(found[3] or 0.0), found[1]))]
        return self.page

    def shown(self, language: str | None) -> dict[int, tuple[int, str]]:
        """The row shown for each practice of the page, ``(row id, language)``: the one in
        the reader's ``language`` if it matched, else the best."""
        shown = {found[1]: (found[0], found[2]) for found in self.rows if found[2] == language}
        for practice_id, best in self.best.items():
            if practice_id not in shown:
                shown[practice_id] = (best[0], best[2])
        return shown

    def facets(self) -> dict[str, tuple[FacetCount, ...]]:
        """The facet counts, most frequent first."""
        return {name: tuple(FacetCount(value=value, count=count) for value, count in sorted(
            self.counts[name].items(), key=lambda item: (-item[1], item[0]))) for name in FACETS}
