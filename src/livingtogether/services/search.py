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
from html.parser import HTMLParser
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
from ..store import Store, schema
from .base import check_page

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
    """``query`` with its values checked and normalised; ``ValidationError`` naming the field."""
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
    terms(query.q)
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


class _Text(HTMLParser):
    """The text of sanitised HTML, with a space wherever an element starts or ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    """The plain text of (sanitised) HTML, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _plain(text: str) -> str:
    return text.translate(_MARKERS)


def index_rows(practice_id: int, practice: Practice, stamp: datetime,
               ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The search rows of a published practice, one per language it is written in,
    each with its text."""
    languages = dict.fromkeys((*practice.title.languages, *practice.summary.languages,
                               *practice.body.languages))
    themes = f"|{'|'.join(practice.themes)}|" if practice.themes else ""
    return [
        ({"practice_id": practice_id, "language": language, "city_slug": practice.city,
          "kind": practice.kind.value, "themes": themes, "published_at": stamp},
         {"title": _plain(practice.title.values.get(language, "")),
          "summary": _plain(practice.summary.values.get(language, "")),
          "body": _plain(html_text(practice.body.values.get(language, "")))})
        for language in languages
    ]


def insert_rows(connection: Connection,
                rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Store search rows and their text (which the full-text index follows)."""
    if not rows:
        return
    table = schema.practice_search
    ids = connection.execute(
        table.insert().returning(table.c.id, sort_by_parameter_order=True),
        [row for row, _ in rows]).scalars().all()
    connection.execute(schema.practice_text.insert(),
                       [{"id": row_id, **text} for row_id, (_, text) in zip(ids, rows,
                                                                          strict=True)])


def reindex(connection: Connection, practice_id: int, practice: Practice | None,
            stamp: datetime) -> None:
    """Replace the search rows of one practice (none unless it is published)."""
    table, text = schema.practice_search, schema.practice_text
    # The text first, explicitly, so the index's triggers see every deletion.
    connection.execute(text.delete().where(text.c.id.in_(
        sa.select(table.c.id).where(table.c.practice_id == practice_id))))
    connection.execute(table.delete().where(table.c.practice_id == practice_id))
    if practice is not None:
        insert_rows(connection, index_rows(practice_id, practice, stamp))


# -- searching


class Searcher:
    """Runs a :class:`SearchQuery` on one store.

    Its statements are built and compiled once per shape (words or not, which
    filters, how many ids) and run with the driver's own parameters: a search
    runs three short statements, and building them each time would cost more
    than running them.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size
        self.postgres = store.dialect == "postgresql"
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[str, ...] | None,
                                                     dict[str, Any]]] = {}

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
        with self.store.read() as connection:
            total, facets, page, matched = self._summary(connection, query, bool(words),
                                                         params)
            practices = self._practices(connection, [pid for pid, _ in page])
            snippets = self._snippets(connection, matched, params) if words else {}
        hits = []
        for pid, score in page:
            practice = practices[pid]
            chosen = snippets.get(pid, {})
            languages = list(chosen) or list(dict.fromkeys(
                (*practice.title.languages, *practice.summary.languages,
                 *practice.body.languages)))
            language = reader_language if reader_language in languages else languages[0]
            snippet = chosen.get(language)
            hits.append(Hit(practice=practice, score=score, language=language,
                            snippet=highlight(snippet) if snippet else None))
        return SearchResults(hits=tuple(hits), total=total, limit=query.limit,
                             offset=query.offset, facets=facets)

    def _run(self, connection: Connection, key: tuple[Any, ...],
             build: Callable[[], sa.ClauseElement], params: dict[str, Any]) -> list[Any]:
        """The rows of the statement ``build`` makes, compiled once per ``key``."""
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
        return list(connection.exec_driver_sql(sql, driver).fetchall())

    def _summary(self, connection: Connection, query: SearchQuery, words: bool,
                 params: dict[str, Any],
                 ) -> tuple[int, dict[str, tuple[FacetCount, ...]], list[tuple[int, float]],
                            list[tuple[int, int, str]]]:
        """The total, the facets, the page's ``(practice id, score)`` and its matched
        rows ``(row id, practice id, language)``, best first, in one statement."""
        key = ("summary", words, tuple(sorted(query.filters())))
        rows = self._run(connection, key, lambda: self._summary_statement(query, words),
                         {**params, "lt_limit": query.limit, "lt_offset": query.offset})
        counts: dict[str, list[FacetCount]] = {name: [] for name in FACETS}
        total, matched = 0, []
        best: dict[int, tuple[float, Any]] = {}
        for row in rows:
            if row[0] == "total":
                total = int(row[2])
            elif row[0] == "hit":
                practice_id, score = int(row[2]), float(row[3] or 0.0)
                matched.append((score, row[5], practice_id, row[1]))
                found = best.get(practice_id)
                best[practice_id] = (max(found[0], score), max(found[1], row[4])) \
                    if found else (score, row[4])
            else:
                counts[row[0]].append(FacetCount(value=row[1], count=int(row[2])))
        if words:
            page = sorted(best, key=lambda pid: (-best[pid][0], pid))
        else:
            page = sorted(best, key=lambda pid: (best[pid][1], pid), reverse=True)
        matched.sort(key=lambda row: (-row[0], row[3]))
        facets = {name: tuple(sorted(values, key=lambda c: (-c.count, c.value)))
                  for name, values in counts.items()}
        return (total, facets, [(pid, best[pid][0]) for pid in page],
                [(row_id, pid, language) for _, row_id, pid, language in matched])

    def _summary_statement(self, query: SearchQuery, words: bool) -> sa.ClauseElement:
        """The matching rows, computed once (a materialised CTE), grouped into practices
        (their best score), counted per facet, and the page."""
        rows = self._rows(query, words).cte("lt_matched").prefix_with("MATERIALIZED")
        found = (sa.select(rows.c.practice_id, sa.func.max(rows.c.score).label("score"),
                           sa.func.min(rows.c.city_slug).label("city"),
                           sa.func.min(rows.c.country).label("country"),
                           sa.func.min(rows.c.kind).label("kind"),
                           sa.func.max(rows.c.published_at).label("published_at"))
                 .group_by(rows.c.practice_id).cte("lt_found").prefix_with("MATERIALIZED"))
        themes = schema.practice_themes
        no_text, no_score = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Float)
        no_time = sa.cast(sa.null(), schema.Instant)

        no_row = sa.cast(sa.null(), sa.Integer)

        def count(name: str, value: Any, source: Any = found) -> sa.Select[Any]:
            return (sa.select(sa.literal(name).label("facet"), sa.cast(value, sa.String)
                              .label("value"), sa.func.count().label("n"),
                              no_score.label("score"), no_time.label("at"),
                              no_row.label("row_id"))
                    .select_from(source).group_by(value))

        if words:
            order: tuple[Any, ...] = (found.c.score.desc(), found.c.practice_id)
        else:
            order = (found.c.published_at.desc(), found.c.practice_id.desc())
        page = (sa.select(found.c.practice_id).order_by(*order)
                .limit(sa.bindparam("lt_limit", type_=sa.Integer))
                .offset(sa.bindparam("lt_offset", type_=sa.Integer)))
        return sa.union_all(
            sa.select(sa.literal("total"), no_text, sa.func.count(), no_score, no_time, no_row)
            .select_from(found),
            count("city", found.c.city), count("country", found.c.country),
            count("kind", found.c.kind), count("language", rows.c.language, rows),
            # IN, not a join: the planner then looks up each practice's themes by key
            # instead of scanning every practice's themes.
            count("theme", themes.c.theme, themes).where(
                themes.c.practice_id.in_(sa.select(found.c.practice_id))),
            # The page's practices by their matched rows (each language that matched):
            # their snippets are then looked up by row.
            sa.select(sa.literal("hit"), rows.c.language, rows.c.practice_id, rows.c.score,
                      rows.c.published_at, rows.c.row_id)
            .where(rows.c.practice_id.in_(page)),
        )

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

    def _source(self, words: bool) -> Any:
        """The search rows, joined to their index when there are words to match."""
        table = schema.practice_search
        if words and self.postgres:
            text = schema.practice_text
            return table.join(text, text.c.id == table.c.id)
        if words:
            return table.join(_FTS, _FTS.c.rowid == table.c.id)
        return table

    def _rows(self, query: SearchQuery, words: bool) -> sa.Select[Any]:
        table, cities = schema.practice_search, schema.cities
        source = self._source(words).join(cities, cities.c.slug == table.c.city_slug)
        score = self._score() if words else sa.literal(0.0)
        select = sa.select(
            table.c.id.label("row_id"), table.c.practice_id, table.c.language,
            table.c.city_slug, cities.c.country, table.c.kind, table.c.published_at,
            score.label("score"),
        ).select_from(source)
        if words:
            select = select.where(self._match())
        column_of = {"city": table.c.city_slug, "country": cities.c.country,
                     "kind": table.c.kind, "language": table.c.language}
        for name in sorted(query.filters()):
            value = sa.bindparam(f"f_{name}", type_=sa.String)
            if name == "theme":
                select = select.where(table.c.themes.like(value))
            else:
                select = select.where(column_of[name] == value)
        return select

    def _practices(self, connection: Connection, ids: Sequence[int]) -> dict[int, Practice]:
        if not ids:
            return {}
        table = schema.practices
        names = [f"id_{index}" for index in range(len(ids))]
        rows = self._run(
            connection, ("practices", len(ids)),
            lambda: sa.select(table.c.id, table.c.data).where(
                table.c.id.in_([sa.bindparam(name, type_=sa.Integer) for name in names])),
            dict(zip(names, ids, strict=True)))
        return {row[0]: convert.structure(json.loads(row[1]) if isinstance(row[1], str)
                                          else row[1], Practice) for row in rows}

    def _snippets(self, connection: Connection, matched: Sequence[tuple[int, int, str]],
                  params: dict[str, Any]) -> dict[int, dict[str, str]]:
        """For each practice of the page, a snippet per language that matched, best first
        (``matched``: the page's matched rows, best first)."""
        if not matched:
            return {}
        names = [f"id_{index}" for index in range(len(matched))]

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

        values = {**params, **dict(zip(names, (row for row, _, _ in matched), strict=True)),
                  "headline": _HEADLINE}
        by_row = {row_id: next((s for s in snippets if s and START in s), None)
                  for row_id, *snippets in self._run(connection, ("snippets", len(matched)),
                                                     build, values)}
        found: dict[int, dict[str, str]] = {}
        for row_id, practice_id, language in matched:
            snippet = by_row.get(row_id)
            if snippet:
                found.setdefault(practice_id, {})[language] = snippet
        return found
