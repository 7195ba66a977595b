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

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import attrs
import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.engine import Connection

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
#: The last word also matches as a prefix ("montr" finds "Montréal") from this length.
PREFIX_MIN = 3
#: Private-use characters that mark a match in a snippet; removed from indexed text.
START, STOP = "\ue000", "\ue001"
_MARKERS = str.maketrans({START: " ", STOP: " "})
#: bm25 weights of title, summary and body (SQLite); PostgreSQL weighs them A, B, C.
_SQLITE_SCORE = "bm25(lt_practice_fts, 10.0, 4.0, 1.0)"
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
    """The words of a query: runs of letters, digits and combining marks, at most 20."""
    found: list[str] = []
    current: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char)[0] in "LNM":
            current.append(char)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    if len(found) > MAX_TERMS:
        raise ValidationError(f"has {len(found)} words; search with at most {MAX_TERMS}",
                              field="q")
    return found


def sqlite_match(words: Sequence[str]) -> str:
    """An FTS5 query: every word (quoted), the last one (of 3 letters or more) also as a prefix."""
    quoted = [f'"{word}"' for word in words]
    if len(words[-1]) >= PREFIX_MIN:
        quoted[-1] += "*"
    return " ".join(quoted)


def postgres_match(words: Sequence[str]) -> str:
    """A ``to_tsquery`` text: every word (quoted), the last one (3 letters or more) also
    as a prefix."""
    quoted = [f"'{word}'" for word in words]
    if len(words[-1]) >= PREFIX_MIN:
        quoted[-1] += ":*"
    return " & ".join(quoted)


def highlight(snippet: str) -> str:
    """A snippet with match markers as HTML: text escaped, matches in ``<mark>``."""
    out: list[str] = []
    open_ = False
    buffer: list[str] = []
    for char in snippet:
        if char in (START, STOP):
            out.append(str(escape("".join(buffer))))
            buffer = []
            if char == START and not open_:
                out.append("<mark>")
                open_ = True
            elif char == STOP and open_:
                out.append("</mark>")
                open_ = False
        else:
            buffer.append(char)
    out.append(str(escape("".join(buffer))))
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


def index_rows(practice_id: int, practice: Practice, stamp: datetime) -> list[dict[str, Any]]:
    """The search rows of a published practice: one per language it is written in."""
    languages = dict.fromkeys((*practice.title.languages, *practice.summary.languages,
                               *practice.body.languages))
    themes = f"|{'|'.join(practice.themes)}|" if practice.themes else ""
    return [
        {"practice_id": practice_id, "language": language, "city_slug": practice.city,
         "kind": practice.kind.value, "themes": themes, "published_at": stamp,
         "title": _plain(practice.title.values.get(language, "")),
         "summary": _plain(practice.summary.values.get(language, "")),
         "body": _plain(html_text(practice.body.values.get(language, "")))}
        for language in languages
    ]


def reindex(connection: Connection, practice_id: int, practice: Practice | None,
            stamp: datetime) -> None:
    """Replace the search rows of one practice (none unless it is published)."""
    table = schema.practice_search
    connection.execute(table.delete().where(table.c.practice_id == practice_id))
    if practice is not None:
        rows = index_rows(practice_id, practice, stamp)
        if rows:
            connection.execute(table.insert(), rows)


# -- searching


class Searcher:
    """Runs a :class:`SearchQuery` on one store."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size
        self.postgres = store.dialect == "postgresql"

    def search(self, query: SearchQuery, *, reader_language: str | None = None,
               ) -> SearchResults:
        """The page of ``query``'s results, best first (newest first without words)."""
        query = check_query(query, max_page_size=self.max_page_size)
        words = terms(query.q)
        if query.q.strip() and not words:
            return SearchResults(hits=(), total=0, limit=query.limit, offset=query.offset,
                                 facets=dict.fromkeys(FACETS, ()))
        with self.store.read() as connection:
            total, facets, page = self._summary(connection, query, words)
            practices = self._practices(connection, [pid for pid, _ in page])
            snippets = self._snippets(connection, words, page, query) if words else {}
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

    def _summary(self, connection: Connection, query: SearchQuery, words: Sequence[str],
                 ) -> tuple[int, dict[str, tuple[FacetCount, ...]], list[tuple[int, float]]]:
        """The total, the facets and the page's ``(practice id, score)``, in one statement.

        The matching rows are computed once (a materialised CTE), grouped into
        practices (their best score), then counted per facet and paged.
        """
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

        def count(name: str, value: Any, source: Any = found) -> sa.Select[Any]:
            return (sa.select(sa.literal(name).label("facet"), sa.cast(value, sa.String)
                              .label("value"), sa.func.count().label("n"),
                              no_score.label("score"), no_time.label("at"))
                    .select_from(source).group_by(value))

        if words:
            order: tuple[Any, ...] = (found.c.score.desc(), found.c.practice_id)
        else:
            order = (found.c.published_at.desc(), found.c.practice_id.desc())
        page = (sa.select(found.c.practice_id, found.c.score, found.c.published_at)
                .order_by(*order).limit(query.limit).offset(query.offset).subquery())
        statement = sa.union_all(
            sa.select(sa.literal("total"), no_text, sa.func.count(), no_score, no_time)
            .select_from(found),
            count("city", found.c.city), count("country", found.c.country),
            count("kind", found.c.kind), count("language", rows.c.language, rows),
            count("theme", themes.c.theme,
                  found.join(themes, themes.c.practice_id == found.c.practice_id)),
            sa.select(sa.literal("hit"), no_text, page.c.practice_id, page.c.score,
                      page.c.published_at),
        )
        counts: dict[str, list[FacetCount]] = {name: [] for name in FACETS}
        total, hits = 0, []
        for row in connection.execute(statement):
            if row[0] == "total":
                total = int(row[2])
            elif row[0] == "hit":
                hits.append((int(row[2]), float(row[3] or 0.0), row[4]))
            else:
                counts[row[0]].append(FacetCount(value=row[1], count=int(row[2])))
        if words:
            hits.sort(key=lambda hit: (-hit[1], hit[0]))
        else:
            hits.sort(key=lambda hit: (hit[2], hit[0]), reverse=True)
        facets = {name: tuple(sorted(values, key=lambda c: (-c.count, c.value)))
                  for name, values in counts.items()}
        return total, facets, [(pid, score) for pid, score, _ in hits]

    def _match(self, words: Sequence[str]) -> sa.ColumnElement[bool] | sa.TextClause:
        if self.postgres:
            return sa.literal_column("lt_practice_search.document").op("@@")(self._tsquery(words))
        return sa.text("lt_practice_fts MATCH :match").bindparams(match=sqlite_match(words))

    @staticmethod
    def _tsquery(words: Sequence[str]) -> sa.ColumnElement[Any]:
        return sa.func.to_tsquery(sa.literal_column("'lt_search'::regconfig"),
                                  sa.bindparam("tsquery", postgres_match(words)))

    def _score(self, words: Sequence[str]) -> sa.ColumnElement[Any]:
        """Higher is better: ``ts_rank`` on PostgreSQL, ``-bm25`` on SQLite."""
        if self.postgres:
            return sa.func.ts_rank(sa.literal_column("lt_practice_search.document"),
                                   self._tsquery(words))
        return -sa.literal_column(_SQLITE_SCORE)

    def _source(self, words: Sequence[str]) -> Any:
        """The search rows, joined to the FTS5 table when SQLite matches words."""
        table = schema.practice_search
        if words and not self.postgres:
            fts = sa.table("lt_practice_fts", sa.column("rowid"))
            return table.join(fts, fts.c.rowid == table.c.id)
        return table

    def _rows(self, query: SearchQuery, words: Sequence[str]) -> sa.Select[Any]:
        table, cities = schema.practice_search, schema.cities
        source = self._source(words).join(cities, cities.c.slug == table.c.city_slug)
        score = self._score(words) if words else sa.literal(0.0)
        select = sa.select(
            table.c.practice_id, table.c.language, table.c.city_slug, cities.c.country,
            table.c.kind, table.c.published_at, score.label("score"),
        ).select_from(source)
        if words:
            select = select.where(self._match(words))
        filters = query.filters()
        column_of = {"city": table.c.city_slug, "country": cities.c.country,
                     "kind": table.c.kind, "language": table.c.language}
        for name, value in filters.items():
            if name == "theme":
                select = select.where(table.c.themes.like(f"%|{value}|%"))
            else:
                select = select.where(column_of[name] == value)
        return select

    def _practices(self, connection: Connection, ids: Sequence[int]) -> dict[int, Practice]:
        if not ids:
            return {}
        table = schema.practices
        rows = connection.execute(sa.select(table.c.id, table.c.data).where(table.c.id.in_(ids)))
        return {row.id: convert.structure(row.data, Practice) for row in rows}

    def _snippets(self, connection: Connection, words: Sequence[str],
                  page: Sequence[tuple[int, float]], query: SearchQuery,
                  ) -> dict[int, dict[str, str]]:
        """For each practice of the page, a snippet per language that matched, best first."""
        ids = [pid for pid, _ in page]
        if not ids:
            return {}
        table = schema.practice_search
        if self.postgres:
            snippet: sa.ColumnElement[Any] = sa.func.ts_headline(
                sa.literal_column("'lt_search'::regconfig"),
                sa.func.concat_ws(" — ", sa.func.nullif(table.c.title, ""),
                                  sa.func.nullif(table.c.summary + " " + table.c.body, " ")),
                self._tsquery(words), _HEADLINE)
        else:
            snippet = sa.literal_column(
                f"snippet(lt_practice_fts, -1, '{START}', '{STOP}', '…', 24)")
        select = (sa.select(table.c.practice_id, table.c.language, snippet.label("snippet"))
                  .select_from(self._source(words))
                  .where(self._match(words), table.c.practice_id.in_(ids))
                  .order_by(self._score(words).desc(), table.c.language))
        if query.language is not None:
            select = select.where(table.c.language == query.language)
        found: dict[int, dict[str, str]] = {}
        for row in connection.execute(select):
            if row.snippet and START in row.snippet:
                found.setdefault(row.practice_id, {})[row.language] = row.snippet
        return found
