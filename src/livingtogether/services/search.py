"""Full-text search of published practices: ranked, accent- and case-insensitive, faceted.

The database finds and ranks the matching rows (one row per practice and
language): FTS5 with ``bm25`` on SQLite, a ``tsvector`` with ``ts_rank`` on
PostgreSQL, both over text folded the same way (case and accents removed, no
stemming), so both find the same practices. Filters are applied in SQL; the
grouping of rows into practices, the facet counts and the page are computed
here, in one place for both databases.

User input never reaches a query language unquoted: the query is cut into
words (runs of letters, digits and combining marks), each quoted, so no input
can cause an FTS syntax error.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from html import unescape
from typing import Any, cast

import attrs
import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler

from .. import convert
from ..errors import ValidationError
from ..models import Practice, PracticeKind
from ..models import fields as f
from ..store import Store, bulk, schema
from .base import check_page
from .guard import upsert

#: The facets, in the order widgets show them.
FACETS: tuple[str, ...] = ("theme", "city", "country", "kind", "language")
MAX_QUERY = 500
MAX_TERMS = 20
#: ``word*`` matches as a prefix ("montr*" finds "Montréal") from this length.
PREFIX_MIN = 3
#: Private-use characters that mark a match in a snippet; removed from indexed text.
START, STOP = "\ue000", "\ue001"
_MARKERS = str.maketrans({START: " ", STOP: " "})
_SPLIT = re.compile(f"([{START}{STOP}])")
#: bm25 weights of title, summary and body (SQLite); PostgreSQL weighs them A, B, C.
_SQLITE_SCORE = "bm25(lt_practice_fts, 10.0, 4.0, 1.0)"
_FTS = sa.table("lt_practice_fts", sa.column("rowid"))
_HEADLINE = (f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, ShortWord=2, '
             'MaxFragments=2, FragmentDelimiter=" … "')


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
    """A page of hits, the total, and the facet counts over all results."""

    hits: tuple[Hit, ...]
    total: int
    limit: int
    offset: int
    facets: dict[str, tuple[FacetCount, ...]]


@attrs.frozen(kw_only=True)
class SearchQuery:
    """What to search: words and filters (each optional), and which page."""

    q: str = ""
    theme: str | None = None
    city: str | None = None
    country: str | None = None
    kind: PracticeKind | None = None
    language: str | None = None
    limit: int = 20
    offset: int = 0

    def filters(self) -> dict[str, str]:
        """The filters given, by facet name, as text."""
        values = {"theme": self.theme, "city": self.city, "country": self.country,
                  "kind": self.kind.value if self.kind else None, "language": self.language}
        return {name: value for name, value in values.items() if value is not None}


def check_query(query: SearchQuery, *, max_page_size: int) -> SearchQuery:
    """``query`` with its values checked and normalised; ``ValidationError`` naming the field.
    Its words are checked as :func:`terms` cuts them, once, by the search."""
    if not isinstance(query.q, str):
        raise ValidationError("must be text", field="q")
    f.check_text(query.q, field="q", max_length=MAX_QUERY, multiline=True)
    for name in ("theme", "city"):
        value = getattr(query, name)
        if value is not None:
            f.check_slug(value, field=name)
    country = f.upper(query.country) if query.country is not None else None
    if country is not None:
        f.check_country(country, field="country")
    language = f.lower(query.language) if query.language is not None else None
    if language is not None:
        f.check_language(language, field="language")
        _known_language(language)
    kind = query.kind
    if kind is not None:
        try:
            kind = PracticeKind(kind)
        except ValueError:
            raise ValidationError(
                f"{str(kind)[:40]!r} is not one of "
                f"{', '.join(repr(k.value) for k in PracticeKind)}", field="kind") from None
    check_page(query.limit, query.offset, maximum=max_page_size)
    return attrs.evolve(query, country=country, language=language, kind=kind)


def _known_language(language: str) -> None:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language.split("-")[0])
    except (UnknownLocaleError, ValueError):
        raise ValidationError(f"{language!r} is not a language code known to CLDR; use one "
                              "such as 'en', 'fr' or 'tr'", field="language") from None


def terms(text: str) -> list[str]:
    """The words of a query: runs of letters, digits and combining marks, at most 20.

    A word typed with ``*`` right after it (``montr*``, 3 letters or more) keeps
    the ``*``: it matches as a prefix.
    """
    found: list[str] = []
    current: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char)[0] in "LNM":
            current.append(char)
            continue
        if current:
            word = "".join(current)
            found.append(f"{word}*" if char == "*" and len(word) >= PREFIX_MIN else word)
            current = []
    if current:
        found.append("".join(current))
    if len(found) > MAX_TERMS:
        raise ValidationError(f"has {len(found)} words; search with at most {MAX_TERMS}",
                              field="q")
    return found


def sqlite_match(words: Sequence[str]) -> str:
    """An FTS5 query: every word quoted, ``word*`` as a prefix."""
    return " ".join(f'"{word[:-1]}"*' if word.endswith("*") else f'"{word}"' for word in words)


def postgres_match(words: Sequence[str]) -> str:
    """A ``to_tsquery`` text: every word quoted, ``word*`` as a prefix."""
    return " & ".join(f"'{word[:-1]}':*" if word.endswith("*") else f"'{word}'"
                      for word in words)


def highlight(snippet: str) -> str:
    """A snippet with match markers as HTML: text escaped, matches in ``<mark>``."""
    out: list[str] = []
    open_ = False
    for piece in _SPLIT.split(snippet):
        if piece == START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        elif piece:
            out.append(str(escape(piece)))
    if open_:
        out.append("</mark>")
    return "".join(out)


# -- the index rows


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
    # the same rows does (10,000 practices: 1.3 s of a 1.6 s copy). So the trigger is
    # set aside for this insert and put back as it was, within this transaction: no
    # other connection ever sees the table without it, and a failure rolls all back.
    trigger = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (_TRIGGER,)).scalar()
    if trigger is None:  # not the schema this knows: the plain way
        bulk.insert(connection, schema.practice_text, texts)
        return
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # insert_with_ids: consecutive
    connection.exec_driver_sql(f"DROP TRIGGER {_TRIGGER}")
    bulk.insert(connection, schema.practice_text, texts)
    # What the trigger does for each new row (migration 4), for all of them at once.
    connection.exec_driver_sql(
        "INSERT INTO lt_practice_fts(rowid, title, summary, body) SELECT id, title, "
        "summary, body FROM lt_practice_text WHERE id BETWEEN ? AND ?", (ids[0], ids[-1]))
    connection.exec_driver_sql(trigger)


#: From this many search rows, SQLite's full-text index is filled in one statement.
BULK_INDEX = 50
#: The trigger of migration 4 that indexes each new row of ``lt_practice_text``.
_TRIGGER = "lt_practice_text_ai"


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


class Searcher:
    """Runs a :class:`SearchQuery` on one store.

    The database pages, ranks and counts; only the page comes back. With words,
    one statement matches the rows (one per practice and language) once, into a
    materialised CTE, and returns from it the page's rows (the practices by
    their best row's score), the total and the counts of every facet, grouped
    in SQL. A browse without words pages newest first along an index; without
    filters its total and facets are read from ``lt_search_counts``, which
    every write of the search rows keeps in step, and with filters they are
    grouped in SQL like those of words. A second statement reads the page's
    practices, and a third their snippets. Statements are compiled once per
    shape (words or not, which filters, how many ids) and run on the driver's
    cursor: building them each time would cost more than running them.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size
        self.postgres = store.dialect == "postgresql"
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[str, ...] | None,
                                                     dict[str, Any]]] = {}
        #: Practices already decoded, by id, with the stored JSON they came from: a
        #: practice is rebuilt (and its fields checked again) only when that text changes.
        self._decoded: dict[int, tuple[str, Practice]] = {}

    def search(self, query: SearchQuery, *, reader_language: str | None = None,
               ) -> SearchResults:
        """The page of ``query``'s results, best first (newest first without words)."""
        query = check_query(query, max_page_size=self.max_page_size)
        words = terms(query.q)
        if query.q.strip() and not words:
            return SearchResults(hits=(), total=0, limit=query.limit, offset=query.offset,
                                 facets=dict.fromkeys(FACETS, ()))
        params: dict[str, Any] = {f"f_{name}": value for name, value in query.filters().items()}
        if "f_theme" in params:
            params["f_theme"] = f"%|{params['f_theme']}|%"
        if words:
            params["match"] = postgres_match(words) if self.postgres else sqlite_match(words)
        params["page_limit"], params["page_offset"] = query.limit, query.offset
        filters = tuple(sorted(query.filters()))
        with self.store.read() as connection:
            if words or filters:
                found = _Found(self._run(connection, ("grouped", bool(words), filters),
                                         lambda: self._grouped(filters, bool(words)), params))
            else:
                found = _Found(self._run(connection, ("counts",), _counted, {}))
                found.page = [row[0] for row in self._run(
                    connection, ("newest",), _newest, params)]
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
        return SearchResults(hits=tuple(hits), total=found.total, limit=query.limit,
                             offset=query.offset, facets=found.facets())

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

    def _match(self) -> sa.ColumnElement[bool] | sa.TextClause:
        if self.postgres:
            return sa.literal_column("lt_practice_text.document").op("@@")(self._tsquery())
        return sa.text("lt_practice_fts MATCH :match")

    @staticmethod
    def _tsquery() -> sa.ColumnElement[Any]:
        return sa.func.to_tsquery(sa.literal_column("'lt_search'::regconfig"),
                                  sa.bindparam("match", type_=sa.String))

    def _score(self) -> sa.ColumnElement[Any]:
        """Higher is better: ``ts_rank`` on PostgreSQL, ``-bm25`` on SQLite."""
        if self.postgres:
            return sa.func.ts_rank(sa.literal_column("lt_practice_text.document"),
                                   self._tsquery())
        return -sa.literal_column(_SQLITE_SCORE)

    def _source(self, words: bool) -> tuple[Any, Any]:
        """The search rows, joined to their index when there are words to match, and
        the columns of the search rows in it."""
        table = schema.practice_search
        if words and self.postgres:
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

    def _rows(self, filters: Sequence[str], words: bool) -> sa.Select[Any]:
        """The matching rows, with their score (0 without words)."""
        source, table = self._source(words)
        score = self._score() if words else sa.cast(sa.literal(0.0), _SCORE)
        select = sa.select(
            table.id, table.practice_id, table.language, table.city_slug,
            table.kind, table.themes, table.published_at, score.label("score"),
        ).select_from(source)
        if words:
            select = select.where(self._match())
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

    def _grouped(self, filters: Sequence[str], words: bool) -> sa.CompoundSelect[Any]:
        """The page's practices, the total and the facet counts of the rows that match
        (the words, if any, and ``filters``), as ``_Found`` reads them: one statement
        over the matching rows, matched once."""
        found = self._rows(filters, words).cte("found").prefix_with("MATERIALIZED")
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
            page_rows = _tagged("row", practice=practice_id, row=found.c.id,
                                language=found.c.language, score=found.c.score).where(
                practice_id.in_(sa.select(page.c.practice_id)))
        else:
            # Newest first, ties by id, newest id first (a practice's rows share the stamp).
            order = (found.c.published_at.desc(), practice_id.desc())
            newest = (sa.select(practice_id, sa.func.row_number().over(order_by=order)
                                .label("position"))
                      .group_by(found.c.published_at, practice_id).order_by(*order)
                      .limit(limit).offset(offset).cte("page"))
            page_rows = _tagged("page", practice=newest.c.practice_id,
                                count=newest.c.position)
        each = sa.func.count(sa.distinct(practice_id))
        cities = schema.cities
        return sa.union_all(
            page_rows,
            _tagged("total", count=each).select_from(found),
            *(_tagged(name, value=column, count=each).group_by(column)
              for name, column in (("city", found.c.city_slug), ("kind", found.c.kind),
                                   ("themes", found.c.themes))),
            _tagged("language", value=found.c.language, count=sa.func.count())
            .group_by(found.c.language),
            _tagged("country", value=cities.c.country, count=each)
            .select_from(found.join(cities, cities.c.slug == found.c.city_slug))
            .group_by(cities.c.country),
        )

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
            text = schema.practice_text
            wanted = [sa.bindparam(name, type_=sa.Integer) for name in names]
            # From the summary and the body: the title is shown beside the snippet anyway.
            if self.postgres:
                return sa.select(text.c.id, sa.func.ts_headline(
                    sa.literal_column("'lt_search'::regconfig"),
                    text.c.summary + " " + text.c.body,
                    self._tsquery(), sa.bindparam("headline", type_=sa.String)),
                    sa.null()).where(text.c.id.in_(wanted))
            # snippet() needs the MATCH; "+" keeps FTS5 from running it once per row id.
            return (sa.select(_FTS.c.rowid, *(sa.literal_column(
                f"snippet(lt_practice_fts, {column}, '{START}', '{STOP}', '…', 24)")
                for column in (1, 2))).select_from(_FTS)
                .where(self._match(), sa.literal_column("+lt_practice_fts.rowid").in_(wanted)))

        values = {**params, **dict(zip(names, row_ids, strict=True)), "headline": _HEADLINE}
        found = {}
        for row_id, *snippets in self._run(connection, ("snippets", len(row_ids)), build,
                                           values):
            snippet = next((s for s in snippets if s and START in s), None)
            if snippet:
                found[row_id] = snippet
        return found


#: How many decoded practices a searcher keeps (it starts again when full).
_DECODED = 1024


#: The type of scores: ``ts_rank``'s ``real`` on PostgreSQL, kept as is.
_SCORE: sa.types.TypeEngine[Any] = sa.REAL()
_TAGS: dict[str, sa.types.TypeEngine[Any]] = {
    "practice": sa.Integer(), "row": sa.Integer(), "language": sa.String(), "score": _SCORE,
    "value": sa.String(), "count": sa.Integer()}


def _tagged(tag: str, **columns: Any) -> sa.Select[Any]:
    """A select of the tagged rows ``_Found`` reads: ``(tag, practice, row, language,
    score, value, count)``, the columns not given null (typed, for the UNION)."""
    select: sa.Select[Any] = sa.select(sa.literal(tag, sa.String()).label("tag"), *(
        columns[name].label(name) if name in columns
        else sa.cast(sa.null(), kind).label(name) for name, kind in _TAGS.items()))
    return select


def _counted() -> sa.CompoundSelect[Any]:
    """The maintained counts of every facet (the countries' from their cities')."""
    counts, cities = schema.search_counts, schema.cities
    return sa.union_all(
        _tagged("counted", value=counts.c.facet, language=counts.c.value,
                count=counts.c.count).where(counts.c.count > 0),
        _tagged("country", value=cities.c.country, count=sa.func.sum(counts.c.count))
        .select_from(counts.join(cities, cities.c.slug == counts.c.value))
        .where(counts.c.facet == "city", counts.c.count > 0).group_by(cities.c.country),
    )


def _newest() -> sa.Select[Any]:
    """One page of every practice searchable, newest first, along the index."""
    table = schema.practice_search
    order = (table.c.published_at.desc(), table.c.practice_id.desc())
    return (sa.select(table.c.practice_id).group_by(table.c.published_at, table.c.practice_id)
            .order_by(*order).limit(sa.bindparam("page_limit", type_=sa.Integer))
            .offset(sa.bindparam("page_offset", type_=sa.Integer)))


class _Found:
    """The tagged rows of one search: the page, the total and the facet counts."""

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        #: The rows of the page's practices, ``(row id, practice id, language, score)``.
        self.rows: list[tuple[int, int, str, float]] = []
        #: The page's practice ids, in order, when the database ordered them.
        self.page: list[int] = []
        positions: list[tuple[int, int]] = []
        self.total = 0
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

    def ordered(self) -> list[int]:
        """The ids of the page's practices: best first, or newest first without words."""
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
