"""The query language of the search: what a :class:`SearchQuery` may hold, and its words.

User input never reaches a query language unquoted: the query is cut into
words (runs of letters, digits and combining marks), each quoted, so no input
can cause an FTS syntax error. The same words make an FTS5 ``MATCH`` on SQLite
and a ``to_tsquery`` on PostgreSQL; the snippets the database marks with
:data:`START` and :data:`STOP` come back as HTML through :func:`highlight`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import attrs
from markupsafe import escape

from ..errors import ValidationError
from ..models import PracticeKind
from ..models import fields as f
from .base import check_page

#: The facets, in the order widgets show them.
FACETS: tuple[str, ...] = ("theme", "city", "country", "kind", "language")
MAX_QUERY = 500
MAX_TERMS = 20
#: ``word*`` matches as a prefix ("montr*" finds "Montréal") from this length.
PREFIX_MIN = 3
#: Private-use characters that mark a match in a snippet; removed from indexed text.
START, STOP = "\ue000", "\ue001"
_SPLIT = re.compile(f"([{START}{STOP}])")


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
