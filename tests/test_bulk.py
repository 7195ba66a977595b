"""The bulk write path's own parts: ``store.bulk`` on SQLite and PostgreSQL, and the
text of sanitised HTML that every search row is made of."""

from __future__ import annotations

from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from livingtogether import Observatory
from livingtogether.sanitize import clean_html
from livingtogether.services.search_index import html_text
from livingtogether.store import bulk, schema


def test_bulk_rows_read_back_as_written(database_url: str) -> None:
    """Every kind of column (text, instants, booleans, JSON, nulls), ids in order and
    after the ones there, on both databases."""
    stamp = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)
    with Observatory.open(database_url) as obs, obs.store.write() as connection:
        tokens = schema.api_tokens
        first = bulk.insert_with_ids(connection, tokens, [
            {"token_hash": f"{n:064d}", "name": f"n{n}", "city_slug": None if n % 2 else "x",
             "scopes": "submit", "created_at": stamp, "revoked_at": None,
             "last_used_at": stamp if n == 2 else None} for n in range(3)])
        more = bulk.insert_with_ids(connection, tokens, [
            {"token_hash": "f" * 64, "name": "late", "city_slug": None, "scopes": "moderate",
             "created_at": stamp, "revoked_at": stamp, "last_used_at": None}])
        assert len(set(first)) == 3
        assert more[0] > max(first)
        rows = connection.execute(sa.select(tokens).order_by(tokens.c.id)).all()
        assert [row.id for row in rows] == [*first, *more]
        assert [row.name for row in rows] == ["n0", "n1", "n2", "late"]
        assert [row.city_slug for row in rows] == ["x", None, "x", None]
        assert [row.last_used_at is not None for row in rows] == [False, False, True, False]
        assert all(row.created_at.replace(tzinfo=timezone.utc) == stamp for row in rows)
        changes = schema.changes
        bulk.insert(connection, changes, [
            {"seq": 10**6 + n, "kind": "practices", "slug": f"s{n}", "deleted": n == 1,
             "changed_at": stamp} for n in range(2)])
        found = connection.execute(sa.select(changes.c.slug, changes.c.deleted)
                                   .where(changes.c.seq >= 10**6).order_by(changes.c.seq)).all()
        assert [tuple(row) for row in found] == [("s0", False), ("s1", True)]
        revisions = schema.practice_revisions  # a JSON column
        assert bulk.insert(connection, revisions, []) is None  # nothing to write: no statement


class _Reference(HTMLParser):
    """The standard library's reading of HTML: a space for every tag, the text as is."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _reference(html: str) -> str:
    parser = _Reference()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


PIECES = ["<p>", "</p>", "<b>", "</b>", "<a href='http://x?a=1&b=2' title='a>b\"c'>", "</a>",
          "<br>", "<script>x</script>", "&amp;", "&lt;", "&gt;", "&nbsp;", "&eacute;", "&#233;",
          "&amp", "&", "<", ">", '"', "text", " ", "\n", "<!-- c -->", "<ul><li>", "</li>",
          "<img src=x onerror=y>", "é", "<h2 lang=fr dir=rtl>", "<q cite='x'>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=15))
def test_the_text_of_sanitised_html_is_what_an_html_parser_reads(pieces: list[str]) -> None:
    html = clean_html("".join(pieces))
    assert html_text(html) == _reference(html)
