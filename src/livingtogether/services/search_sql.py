"""The statements of a search, on SQLite's FTS5 and PostgreSQL's ``tsvector``.

Both databases match the same words over text folded the same way (case and
accents removed, no stemming): FTS5 ``MATCH`` ranked by ``bm25`` on SQLite,
``@@`` a ``to_tsquery`` ranked by ``ts_rank`` on PostgreSQL. The statements
are built here for either (``postgres`` says which), the same shape with a
clause or two apart, and only built: :class:`~.search.Searcher` compiles them
once per shape and runs them. Filters are applied in SQL; the statements that
count return tagged rows (:func:`tagged`) that ``search._Found`` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..store import schema
from .search_terms import START, STOP

#: bm25 weights of title, summary and body (SQLite); PostgreSQL weighs them A, B, C.
_SQLITE_SCORE = "bm25(lt_practice_fts, 10.0, 4.0, 1.0)"
_FTS = sa.table("lt_practice_fts", sa.column("rowid"))
#: The options of ``ts_headline`` (PostgreSQL), bound as the parameter ``headline``.
HEADLINE = (f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, ShortWord=2, '
            'MaxFragments=2, FragmentDelimiter=" … "')
#: The type of scores: ``ts_rank``'s ``real`` on PostgreSQL, kept as is.
_SCORE: sa.types.TypeEngine[Any] = sa.REAL()
_TAGS: dict[str, sa.types.TypeEngine[Any]] = {
    "practice": sa.Integer(), "row": sa.Integer(), "language": sa.String(), "score": _SCORE,
    "value": sa.String(), "count": sa.Integer()}


def match(postgres: bool) -> sa.ColumnElement[bool] | sa.TextClause:
    """The condition that a text matches the words bound as ``match``."""
    if postgres:
        return sa.literal_column("lt_practice_text.document").op("@@")(tsquery())
    return sa.text("lt_practice_fts MATCH :match")


def tsquery() -> sa.ColumnElement[Any]:
    """PostgreSQL's query of the words bound as ``match``."""
    return sa.func.to_tsquery(sa.literal_column("'lt_search'::regconfig"),
                              sa.bindparam("match", type_=sa.String))


def score(postgres: bool) -> sa.ColumnElement[Any]:
    """Higher is better: ``ts_rank`` on PostgreSQL, ``-bm25`` on SQLite."""
    if postgres:
        return sa.func.ts_rank(sa.literal_column("lt_practice_text.document"), tsquery())
    return -sa.literal_column(_SQLITE_SCORE)


def source(postgres: bool, words: bool) -> tuple[Any, Any]:
    """The search rows, joined to their index when there are words to match, and
    the columns of the search rows in it."""
    table = schema.practice_search
    if words and postgres:
        # Each matching text's search row looked up by its key: OFFSET 0 keeps the
        # subquery apart, a nested loop over the matches, where the planner would
        # hash them with a scan of every search row (60 ms at 100,000 practices, 2
        # to 3 times the whole search, and growing with the catalogue, not the
        # matches).
        text = schema.practice_text
        row = sa.select(table).where(table.c.id == text.c.id).offset(0).lateral("s")
        return text.join(row, sa.true()), row.c
    if words:
        return table.join(_FTS, _FTS.c.rowid == table.c.id), table.c
    return table, table.c


def rows(postgres: bool, filters: Sequence[str], words: bool, *,
         ranked: bool = True) -> sa.Select[Any]:
    """The matching rows, with their score (0 without words, or not ``ranked``: a score
    is worth its cost only to rank, since ``bm25`` and ``ts_rank`` read every match)."""
    found, table = source(postgres, words)
    scored = score(postgres) if words and ranked else sa.cast(sa.literal(0.0), _SCORE)
    select = sa.select(
        table.id, table.practice_id, table.language, table.city_slug,
        table.kind, table.themes, table.published_at, scored.label("score"),
    ).select_from(found)
    if words:
        select = select.where(match(postgres))
    column_of = {"city": table.city_slug, "kind": table.kind,
                 "language": table.language}
    for name in filters:
        value = sa.bindparam(f"f_{name}", type_=sa.String)
        if name == "theme":
            select = select.where(table.themes.like(value))
        elif name == "country":
            select = select.where(table.city_slug.in_(
                sa.select(schema.cities.c.slug).where(schema.cities.c.country == value)))
        else:
            select = select.where(column_of[name] == value)
    return select


def grouped(postgres: bool, filters: Sequence[str], words: bool, *, counts: bool = True,
            paged: bool = True, sample: bool = False,
            ) -> sa.CompoundSelect[Any] | sa.Select[Any]:
    """The page's practices and, with ``counts``, the total and the facet counts of the
    rows that match (the words, if any, and ``filters``), as ``_Found`` reads them: one
    statement over the matching rows, matched once.

    The rows are reduced to one per practice first (``per``: its best score, its newest
    stamp, its city, kind and themes, which all its rows share), so that the counts are
    plain ``count(*)`` of that set's groups, not ``count(DISTINCT ...)`` of the rows
    (each a sort of its own); only the languages are counted over the rows.

    Without ``paged``, only the counts; with ``sample``, counted over the first rows
    found (as many as bound to ``sample``, in the index's order, unranked): the
    counts of a search with more results than are counted exactly (lower bounds)."""
    matching = rows(postgres, filters, words, ranked=paged)
    if sample:
        matching = matching.limit(sa.bindparam("sample", type_=sa.Integer))
    found = matching.cte("found").prefix_with("MATERIALIZED")
    per = (sa.select(found.c.practice_id, sa.func.max(found.c.score).label("score"),
                     sa.func.max(found.c.published_at).label("published_at"),
                     sa.func.max(found.c.city_slug).label("city_slug"),
                     sa.func.max(found.c.kind).label("kind"),
                     sa.func.max(found.c.themes).label("themes"))
           .group_by(found.c.practice_id).cte("per").prefix_with("MATERIALIZED"))
    limit = sa.bindparam("page_limit", type_=sa.Integer)
    offset = sa.bindparam("page_offset", type_=sa.Integer)
    if words:
        # Each practice by its best row's score, ties by id; then every row of the
        # page's practices (which of them is shown depends on the reader).
        page = (sa.select(per.c.practice_id).order_by(per.c.score.desc(), per.c.practice_id)
                .limit(limit).offset(offset).cte("page"))
        page_rows = tagged("row", practice=found.c.practice_id, row=found.c.id,
                           language=found.c.language, score=found.c.score).where(
            found.c.practice_id.in_(sa.select(page.c.practice_id)))
    else:
        # Newest first, ties by id, newest id first (a practice's rows share the stamp).
        order = (per.c.published_at.desc(), per.c.practice_id.desc())
        latest = (sa.select(per.c.practice_id, sa.func.row_number().over(order_by=order)
                            .label("position"))
                  .order_by(*order).limit(limit).offset(offset).cte("page"))
        page_rows = tagged("page", practice=latest.c.practice_id, count=latest.c.position)
    if not counts:
        return page_rows
    each = sa.func.count()
    cities = schema.cities
    return sa.union_all(
        *((page_rows,) if paged else ()),
        tagged("total", count=each).select_from(per),
        *(tagged(name, value=column, count=each).group_by(column)
          for name, column in (("city", per.c.city_slug), ("kind", per.c.kind),
                               ("themes", per.c.themes))),
        tagged("language", value=found.c.language, count=each).group_by(found.c.language),
        tagged("country", value=cities.c.country, count=each)
        .select_from(per.join(cities, cities.c.slug == per.c.city_slug))
        .group_by(cities.c.country),
    )


def snippets(postgres: bool, names: Sequence[str]) -> sa.Select[Any]:
    """The row id and snippets (marked with ``START`` and ``STOP``) of each text whose id
    is bound as one of ``names``: one of summary and body on PostgreSQL, both on SQLite."""
    text = schema.practice_text
    wanted = [sa.bindparam(name, type_=sa.Integer) for name in names]
    # From the summary and the body: the title is shown beside the snippet anyway.
    if postgres:
        return sa.select(text.c.id, sa.func.ts_headline(
            sa.literal_column("'lt_search'::regconfig"),
            text.c.summary + " " + text.c.body,
            tsquery(), sa.bindparam("headline", type_=sa.String)),
            sa.null()).where(text.c.id.in_(wanted))
    # snippet() needs the MATCH; "+" keeps FTS5 from running it once per row id.
    return (sa.select(_FTS.c.rowid, *(sa.literal_column(
        f"snippet(lt_practice_fts, {column}, '{START}', '{STOP}', '…', 24)")
        for column in (1, 2))).select_from(_FTS)
        .where(match(postgres), sa.literal_column("+lt_practice_fts.rowid").in_(wanted)))


def tagged(tag: str, **columns: Any) -> sa.Select[Any]:
    """A select of the tagged rows ``_Found`` reads: ``(tag, practice, row, language,
    score, value, count)``, the columns not given null (typed, for the UNION)."""
    select: sa.Select[Any] = sa.select(sa.literal(tag, sa.String()).label("tag"), *(
        columns[name].label(name) if name in columns
        else sa.cast(sa.null(), kind).label(name) for name, kind in _TAGS.items()))
    return select


def counted() -> sa.CompoundSelect[Any]:
    """The maintained counts of every facet (the countries' from their cities')."""
    counts, cities = schema.search_counts, schema.cities
    return sa.union_all(
        tagged("counted", value=counts.c.facet, language=counts.c.value,
               count=counts.c.count).where(counts.c.count > 0),
        tagged("country", value=cities.c.country, count=sa.func.sum(counts.c.count))
        .select_from(counts.join(cities, cities.c.slug == counts.c.value))
        .where(counts.c.facet == "city", counts.c.count > 0).group_by(cities.c.country),
    )


def newest(after: bool = False) -> sa.Select[Any]:
    """One page of every practice searchable, newest first, along the index: ``(stamp,
    practice id)`` each. With ``after``, the page after the practice whose stamp and
    id are bound as ``at`` and ``practice`` (keyset: read from there, however deep);
    else the page at ``page_offset``."""
    table = schema.practice_search
    order = (table.c.published_at.desc(), table.c.practice_id.desc())
    select = (sa.select(table.c.published_at, table.c.practice_id)
              .group_by(table.c.published_at, table.c.practice_id)
              .order_by(*order).limit(sa.bindparam("page_limit", type_=sa.Integer)))
    if not after:
        return select.offset(sa.bindparam("page_offset", type_=sa.Integer))
    at = sa.bindparam("at", type_=sa.DateTime(timezone=True))
    # The first condition alone bounds the index's range; the second skips the ties.
    return select.where(table.c.published_at <= at, sa.or_(
        table.c.published_at < at,
        table.c.practice_id < sa.bindparam("practice", type_=sa.Integer)))


def top(postgres: bool, after: bool = False, bounded: bool = False) -> sa.TextClause:
    """The ``top`` best rows matching the words (``match``), with their practice and
    language: ``(row id, practice id, language, score)``. On SQLite by ``bm25`` in the
    full-text index alone (a heap of ``top``, no row read for the others); on
    PostgreSQL by ``ts_rank`` over the texts the GIN index finds. With ``after``, only
    the rows scoring at most ``last`` (the score of the result before the page: keyset
    paging by rank, its ties included); with ``bounded``, only the rows of ids above
    ``lo`` and at most ``hi`` (one block of a search ranked block by block: the cost
    of ranking is that of the block's matches, not the catalogue's)."""
    if postgres:
        query = "to_tsquery('lt_search'::regconfig, :match)"
        scored, table, row = f"ts_rank(document, {query})", "lt_practice_text", "id"
        where, order = f"document @@ {query}", f"ts_rank(document, {query}) DESC"
    else:
        scored, table, row = f"-{_SQLITE_SCORE}", "lt_practice_fts", "rowid"
        where, order = "lt_practice_fts MATCH :match", _SQLITE_SCORE
    if after:
        # As a real on PostgreSQL: the score came back as one (ts_rank's type).
        where += f" AND {scored} <= {'CAST(:last AS real)' if postgres else ':last'}"
    if bounded:
        where += f" AND {row} > :lo AND {row} <= :hi"
    # Constants only (the words and bounds are bound):
    return sa.text(
        f"SELECT t.row_id, s.practice_id, s.language, t.score FROM (SELECT {row} AS "  # noqa: S608
        f"row_id, {scored} AS score FROM {table} WHERE {where} ORDER BY {order} "
        f"LIMIT :top) AS t {_JOIN[postgres]} lt_practice_search AS s ON s.id = t.row_id")


def block_count(postgres: bool) -> sa.TextClause:
    """How many practices have a text matching the words (``match``) among the rows of
    ids above ``lo`` and at most ``hi`` (one block, :func:`top`)."""
    if postgres:
        found = ("SELECT id AS row_id FROM lt_practice_text WHERE document @@ "
                 "to_tsquery('lt_search'::regconfig, :match) AND id > :lo AND id <= :hi")
    else:
        found = ("SELECT rowid AS row_id FROM lt_practice_fts WHERE lt_practice_fts MATCH "
                 ":match AND rowid > :lo AND rowid <= :hi")
    return sa.text(f"SELECT count(DISTINCT s.practice_id) FROM ({found}) AS t "  # noqa: S608
                   f"{_JOIN[postgres]} lt_practice_search AS s ON s.id = t.row_id")


#: The matches first, then their search rows: SQLite's ``CROSS JOIN`` keeps that order.
_JOIN = {False: "CROSS JOIN", True: "JOIN"}


#: The newest search row's id: where the first block of a search ranked by block ends.
NEWEST_ROW = sa.text("SELECT max(id) FROM lt_practice_search")


def capped_count(postgres: bool, filters: Sequence[str]) -> sa.Select[Any]:
    """How many practices match the words (and ``filters``), counted up to ``cap`` at
    most: the matching rows are read only until ``cap`` practices are found."""
    found = rows(postgres, filters, True, ranked=False)
    practices = (found.with_only_columns(found.selected_columns.practice_id,
                                         maintain_column_froms=True).distinct()
                 .limit(sa.bindparam("cap", type_=sa.Integer)).subquery())
    return sa.select(sa.func.count()).select_from(practices)


def rows_of(names: Sequence[str]) -> sa.Select[Any]:
    """The search rows of the practices whose ids are bound as ``names``: ``(row id,
    practice id, language)``, along the unique index of practice and language."""
    table = schema.practice_search
    return sa.select(table.c.id, table.c.practice_id, table.c.language).where(
        table.c.practice_id.in_([sa.bindparam(name, type_=sa.Integer) for name in names]))


def scores_of(postgres: bool, names: Sequence[str]) -> sa.Select[Any]:
    """The row id and score of each row bound as one of ``names`` that matches the words
    (``match``); on SQLite ``+`` keeps FTS5 from running the match once per row id."""
    if postgres:
        text = schema.practice_text
        return sa.select(text.c.id, score(True)).where(match(True), text.c.id.in_(
            [sa.bindparam(name, type_=sa.Integer) for name in names]))
    return (sa.select(_FTS.c.rowid, score(False)).select_from(_FTS).where(
        match(False), sa.literal_column("+lt_practice_fts.rowid").in_(
            [sa.bindparam(name, type_=sa.Integer) for name in names])))


#: The data versions a search's counts depend on (``lt_counters``, :mod:`..store.versions`).
VERSIONS = sa.text("SELECT name, value FROM lt_counters WHERE name IN "
                   "('v:*', 'v:practices', 'v:cities') ORDER BY name")
