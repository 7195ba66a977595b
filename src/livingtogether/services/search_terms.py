"""The query language of the search: what a :class:`SearchQuery` may hold, and its words.

User input never reaches a query language unquoted: the query is cut into
words (runs of letters, digits and combining marks), each quoted, so no input
can cause an FTS syntax error. The same words make an FTS5 ``MATCH`` on SQLite
and a ``to_tsquery`` on PostgreSQL; the snippets the database marks with
:data:`START` and :data:`STOP` come back as HTML through :func:`highlight`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from markupsafe import escape

from ..errors import ValidationError
from ..models import PracticeKind
from ..models import fields as f
from .base import check_page

#: The facets, in the order widgets show them.
FACETS: tuple[str, ...] = ("theme", "city", "country", "kind", "language")
MAX_QUERY = 500
#: The deepest ``offset`` a search answers; deeper pages are walked by cursor (``after``).
MAX_OFFSET = 10_000
#: A search with words counts its practices exactly up to this many; past it, its total
#: is "more than" this (``SearchResults.capped``).
COUNT_CAP = 1_000
MAX_CURSOR = 200
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
    #: The cursor of the page before (its results' ``next``): the page after it, found
    #: by its last result's key (keyset), not by counting from the start.
    after: str | None = None

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
    if query.offset > MAX_OFFSET:
        raise ValidationError(f"must be at most {MAX_OFFSET:,}; walk deeper pages by their "
                              "'next' link (the cursor 'after')", field="offset")
    if query.after is not None:
        read_cursor(query.after)
        if query.offset:
            raise ValidationError("give either a cursor ('after') or an offset, not both",
                                  field="offset")
    return attrs.evolve(query, country=country, language=language, kind=kind)


@attrs.frozen
class Cursor:
    """Where a page starts: its position, and the key of the result before it
    (``("newest", published_at, practice id)``, ``("rank", score, practice id)`` or
    ``("tier", the last row id of its block, score, practice id)``; none for a search
    that pages by position)."""

    position: int
    key: tuple[Any, ...] | None = None


_KEYS: dict[str, tuple[type, ...]] = {"newest": (str, int), "rank": (float, int),
                                      "tier": (int, float, int)}


def _instant(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return len(text) <= 40


def make_cursor(cursor: Cursor) -> str:
    """The text of a cursor (URL-safe): the ``after`` of the next page."""
    data = json.dumps([cursor.position, *(cursor.key or ())], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def read_cursor(text: str) -> Cursor:
    """The cursor ``text`` holds; ``ValidationError`` (field ``after``) if it is not one
    this search made."""
    problem = ValidationError("is not a cursor of this search; use the 'next' link of a "
                              "page of results, or start again without 'after'", field="after")
    if not isinstance(text, str) or not text or len(text) > MAX_CURSOR:
        raise problem
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    if not isinstance(data, list) or not data or type(data[0]) is not int \
            or not 0 <= data[0] <= 10**9:
        raise problem
    if len(data) == 1:
        return Cursor(data[0])
    kinds = _KEYS.get(data[1]) if isinstance(data[1], str) else None
    values = data[2:]
    if kinds is None or len(values) != len(kinds):
        raise problem
    for value, kind in zip(values, kinds, strict=True):
        if not (type(value) is kind or (kind is float and type(value) is int)) \
                or not _fits(value, kind):
            raise problem
    return Cursor(data[0], tuple(data[1:]))


def _fits(value: Any, kind: type) -> bool:
    """Whether a cursor's value of its type is one the search makes."""
    if kind is float:
        return math.isfinite(value)
    if kind is str:
        return _instant(value)
    return bool(0 < value < 2**63)


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
