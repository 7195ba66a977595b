"""The one CSV writer and the one Atom writer (livingtogether.exports), on hostile text."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest

from livingtogether.exports import Entry, Feed, atom, csv_cell, csv_document, write_csv

A = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script> & \"quotes\" ]]> \u202e ٱلسلام"


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_get_an_apostrophe(value: str) -> None:
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "", "a=b", "1-2", 42, None])
def test_other_cells_pass_as_they_are(value: object) -> None:
    assert csv_cell(value) == value


def test_the_csv_writer_guards_every_cell_and_counts_the_rows() -> None:
    out = io.StringIO()
    rows = iter([("=cmd|' /C calc'!A0", 1), ("line\nbreak", "ok")])  # read as they come
    assert write_csv(out, ("a", "b"), rows) == 2
    text = out.getvalue()
    assert not text.startswith("\ufeff")
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [["a", "b"], ["'=cmd|' /C calc'!A0", "1"], ["line\nbreak", "ok"]]


def test_a_csv_download_is_utf8_with_a_byte_order_mark() -> None:
    body = csv_document(("name",), [("Zürich",), ("-1",)])
    assert body.startswith("\ufeff".encode())
    assert body.decode("utf-8-sig").splitlines() == ["name", "Zürich", "'-1"]


def test_the_atom_feed_is_well_formed_and_escapes_everything() -> None:
    moment = datetime(2024, 5, 16, 19, 0, 30, 123456, tzinfo=timezone(timedelta(hours=3)))
    feed = Feed(id="tag:x,2024:feed", title=HOSTILE, updated=moment, language="ar",
                self_url="https://x.example/feed.atom?a=1&b=2",
                alternate="https://x.example/page", author="livingtogether",
                entries=(Entry(id="tag:x,2024:1", title=HOSTILE, updated=moment,
                               link="https://x.example/p?a=1&b=<2>", link_type="text/html",
                               summary=HOSTILE, author=HOSTILE, categories=("a&b",)),
                         Entry(id="tag:x,2024:2", title="second", updated=moment)))
    body = atom(feed)
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(body)
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    # RFC 4287: a feed and each entry have an id, a title and an updated time (RFC 3339)
    assert root.findtext(f"{A}title") == HOSTILE
    assert root.findtext(f"{A}updated") == "2024-05-16T16:00:30Z"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"self": "https://x.example/feed.atom?a=1&b=2",
                     "alternate": "https://x.example/page"}
    first, second = root.findall(f"{A}entry")
    assert first.findtext(f"{A}summary") == HOSTILE
    assert first.findtext(f"{A}author/{A}name") == HOSTILE
    assert first.find(f"{A}link").get("href") == "https://x.example/p?a=1&b=<2>"
    assert first.find(f"{A}category").get("term") == "a&b"
    for entry in (first, second):
        assert entry.findtext(f"{A}id")
        assert entry.findtext(f"{A}title")
        assert entry.findtext(f"{A}updated") == "2024-05-16T16:00:30Z"
    assert second.find(f"{A}summary") is None
    assert second.find(f"{A}link") is None
