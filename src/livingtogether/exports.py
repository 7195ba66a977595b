"""Open-data exports: one CSV writer with one guard against formula injection, one Atom writer.

Every CSV the library writes (the catalogue's open data, the organisers' export
of signatures) goes through :func:`write_csv`, whose cells pass :func:`csv_cell`;
every Atom feed (the catalogue's newest practices, a programme's changes) is a
:class:`Feed` written by :func:`atom` with ElementTree, so that text is always
escaped and the document always well-formed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO
from xml.etree import ElementTree as ET

import attrs

#: What a spreadsheet runs when a cell starts with it (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting with ``= + - @`` (or a tab or
    carriage return) gets a leading apostrophe; other values pass as they are."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def write_csv(stream: TextIO, columns: Sequence[str], rows: Iterable[Iterable[Any]], *,
              bom: bool = False) -> int:
    """Write ``columns`` and then ``rows`` (read as they come) to ``stream`` as CSV with
    CRLF line ends, every cell through :func:`csv_cell`; return how many rows.

    ``bom``: start with a UTF-8 byte order mark, for spreadsheets that guess the
    encoding of a downloaded file.
    """
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    written = 0
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
        written += 1
    return written


def csv_document(columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole CSV download: UTF-8 with a byte order mark (:func:`write_csv`)."""
    out = io.StringIO()
    write_csv(out, columns, rows, bom=True)
    return out.getvalue().encode("utf-8")


ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
#: A feed's time when it has no entries.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@attrs.frozen(kw_only=True)
class Entry:
    """One entry of an Atom feed (RFC 4287): ``link`` is its page (``alternate``)."""

    id: str
    title: str
    updated: datetime
    link: str | None = None
    link_type: str | None = None
    summary: str | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Feed:
    """An Atom feed: its own address (``self_url``), its page (``alternate``), its entries."""

    id: str
    title: str
    updated: datetime
    language: str
    self_url: str
    alternate: str | None = None
    author: str | None = None
    entries: tuple[Entry, ...] = ()


def stamp(moment: datetime) -> str:
    """An RFC 3339 time in UTC to the second: ``2024-05-16T16:00:00Z``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(feed: Feed) -> bytes:
    """``feed`` as an Atom document (UTF-8, with its XML declaration)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": feed.language})
    _text(root, "title", feed.title)
    _text(root, "id", feed.id)
    _text(root, "updated", stamp(feed.updated))
    _link(root, feed.self_url, rel="self", media_type=ATOM_TYPE.split(";")[0])
    if feed.alternate:
        _link(root, feed.alternate, rel="alternate", media_type="text/html")
    if feed.author:
        _text(ET.SubElement(root, f"{{{ATOM}}}author"), "name", feed.author)
    for item in feed.entries:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", stamp(item.updated))
        if item.link:
            _link(entry, item.link, rel="alternate", media_type=item.link_type)
        if item.author:
            _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", item.author)
        if item.summary:
            _text(entry, "summary", item.summary)
        for term in item.categories:
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": term})
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _text(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = text


def _link(parent: ET.Element, href: str, *, rel: str, media_type: str | None) -> None:
    found = {"rel": rel, "href": href}
    if media_type:
        found["type"] = media_type
    ET.SubElement(parent, f"{{{ATOM}}}link", found)
