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


def rows(postgres: bool, filters: Sequence[str], words: bool) -> sa.Select[Any]:
    """The matching rows, with their score (0 without words)."""
    found, table = source(postgres, words)
    scored = score(postgres) if words else sa.cast(sa.literal(0.0), _SCORE)
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


def grouped(postgres: bool, filters: Sequence[str], words: bool) -> sa.CompoundSelect[Any]:
    """The page's practices, the total and the facet counts of the rows that match
    (the words, if any, and ``filters``), as ``_Found`` reads them: one statement
    over the matching rows, matched once."""
    found = rows(postgres, filters, words).cte("found").prefix_with("MATERIALIZED")
    practice_id = found.c.practice_id
    limit = sa.bindparam("page_limit", type_=sa.Integer)
    offset = sa.bindparam("page_offset", type_=sa.Integer)
    if words:
        # Each practice by its best row's score, ties by id; then every row of the
        # page's practices (which of them is shown depends on the reader).
        best = sa.func.max(found.c.score)
        page = (sa.select(practice_id).group_by(practice_id)
                .order_by(best.desc(), practice_id).limit(limit).offset(offset)
                .cte("page"))
        page_rows = tagged("row", practice=practice_id, row=found.c.id,
                           language=found.c.language, score=found.c.score).where(
            practice_id.in_(sa.select(page.c.practice_id)))
    else:
        # Newest first, ties by id, newest id first (a practice's rows share the stamp).
        order = (found.c.published_at.desc(), practice_id.desc())
        latest = (sa.select(practice_id, sa.func.row_number().over(order_by=order)
                            .label("position"))
                  .group_by(found.c.published_at, practice_id).order_by(*order)
                  .limit(limit).offset(offset).cte("page"))
        page_rows = tagged("page", practice=latest.c.practice_id, count=latest.c.position)
    each = sa.func.count(sa.distinct(practice_id))
    cities = schema.cities
    return sa.union_all(
        page_rows,
        tagged("total", count=each).select_from(found),
        *(tagged(name, value=column, count=each).group_by(column)
          for name, column in (("city", found.c.city_slug), ("kind", found.c.kind),
                               ("themes", found.c.themes))),
        tagged("language", value=found.c.language, count=sa.func.count())
        .group_by(found.c.language),
        tagged("country", value=cities.c.country, count=each)
        .select_from(found.join(cities, cities.c.slug == found.c.city_slug))
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


def newest() -> sa.Select[Any]:
    """One page of every practice searchable, newest first, along the index."""
    table = schema.practice_search
    order = (table.c.published_at.desc(), table.c.practice_id.desc())
    return (sa.select(table.c.practice_id).group_by(table.c.published_at, table.c.practice_id)
            .order_by(*order).limit(sa.bindparam("page_limit", type_=sa.Integer))
            .offset(sa.bindparam("page_offset", type_=sa.Integer)))
