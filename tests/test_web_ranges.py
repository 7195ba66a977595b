"""Range and conditional requests over a real HTTP server on 127.0.0.1.

The static files through the whole web app, and :func:`send_bytes` serving a
file of several MB from disk the way the campaign's film will be served.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from livingtogether.web import status_line
from livingtogether.web.conditional import conditional, entity_tag, matches, send_bytes
from livingtogether.web.http import Request, Response
from livingtogether.wsgi import make_app, request_from_environ
from test_web_support import Client, serving

CSS = "/static/livingtogether.css"


@pytest.fixture
def client(open_demo: Callable[..., Any]) -> Iterator[Client]:
    with serving(make_app(open_demo())) as base:
        yield Client(base)


def test_a_static_file_fetched_in_ranges_reassembles_byte_exact(client: Client) -> None:
    whole = client.get(CSS)
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    size, etag = len(whole.content), whole.headers["ETag"]
    assert int(whole.headers["Content-Length"]) == size > 3000
    pieces, start, step = [], 0, 1000
    while start < size:
        part = client.get(CSS, headers={"Range": f"bytes={start}-{start + step - 1}",
                                        "If-Range": etag})
        assert part.status_code == 206
        stop = min(start + step, size)
        assert part.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{size}"
        assert int(part.headers["Content-Length"]) == stop - start == len(part.content)
        assert part.headers["ETag"] == etag
        assert part.headers["Content-Type"] == whole.headers["Content-Type"]
        pieces.append(part.content)
        start = stop
    assert len(pieces) == -(-size // step)
    assert b"".join(pieces) == whole.content


def test_suffix_and_open_ranges(client: Client) -> None:
    whole = client.get(CSS).content
    size = len(whole)
    last = client.get(CSS, headers={"Range": "bytes=-100"})
    assert (last.status_code, last.content) == (206, whole[-100:])
    assert last.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    # a suffix longer than the file is the whole file, as a range
    longer = client.get(CSS, headers={"Range": f"bytes=-{size * 3}"})
    assert (longer.status_code, longer.content) == (206, whole)
    tail = client.get(CSS, headers={"Range": f"bytes={size - 10}-"})
    assert (tail.status_code, tail.content) == (206, whole[-10:])
    # an end past the file stops at its end
    over = client.get(CSS, headers={"Range": f"bytes=5-{size * 2}"})
    assert (over.status_code, over.content) == (206, whole[5:])


def test_several_ranges_get_the_whole_file(client: Client) -> None:
    whole = client.get(CSS).content
    several = client.get(CSS, headers={"Range": "bytes=0-9,20-29,-5"})
    assert several.status_code == 200
    assert several.content == whole
    assert "Content-Range" not in several.headers


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=10-5", "items=0-5", "bytes=-0", ""])
def test_a_range_that_does_not_parse_is_ignored(client: Client, header: str) -> None:
    answer = client.get(CSS, headers={"Range": header})
    assert answer.status_code == 200
    assert answer.content == client.get(CSS).content


def test_an_unsatisfiable_range_is_answered_416(client: Client) -> None:
    size = len(client.get(CSS).content)
    for header in (f"bytes={size}-", f"bytes={size + 100}-{size + 200}"):
        answer = client.get(CSS, headers={"Range": header})
        assert answer.status_code == 416
        assert answer.headers["Content-Range"] == f"bytes */{size}"
        error = answer.json()["error"]
        assert error["field"] == "Range"
        assert f"from 0 to {size - 1}" in error["message"]


def test_if_range_with_a_stale_validator_gets_the_whole_file(client: Client) -> None:
    whole = client.get(CSS)
    etag = whole.headers["ETag"]
    for stale in ('"not-this-version"', f"W/{etag}",
                  "Wed, 21 Oct 2015 07:28:00 GMT"):  # no Last-Modified to match
        answer = client.get(CSS, headers={"Range": "bytes=0-9", "If-Range": stale})
        assert answer.status_code == 200
        assert answer.content == whole.content
    fresh = client.get(CSS, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (fresh.status_code, fresh.content) == (206, whole.content[:10])


def test_if_none_match_comes_before_range(client: Client) -> None:
    etag = client.get(CSS).headers["ETag"]
    answer = client.get(CSS, headers={"Range": "bytes=0-9", "If-None-Match": etag})
    assert answer.status_code == 304
    assert answer.content == b""


def test_head_answers_the_headers_of_a_get(client: Client) -> None:
    whole = client.get(CSS)
    head = client.request("HEAD", CSS)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("Content-Length", "ETag", "Accept-Ranges", "Content-Type"):
        assert head.headers[name] == whole.headers[name]
    # Range applies to GET only (RFC 9110 14.2)
    ranged = client.request("HEAD", CSS, headers={"Range": "bytes=0-9"})
    assert (ranged.status_code, ranged.headers["Content-Length"]) == (
        200, whole.headers["Content-Length"])


# -- any byte resource: a film-sized file read from disk, one range at a time


class Film:
    """A file served by :func:`send_bytes`, counting the bytes read from disk."""

    def __init__(self, path: Path) -> None:
        self.path, self.size, self.read = path, path.stat().st_size, 0
        self.etag = entity_tag(path.read_bytes())

    def slice(self, start: int, stop: int) -> bytes:
        with self.path.open("rb") as file:
            file.seek(start)
            data = file.read(stop - start)
        self.read += len(data)
        return data

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = request_from_environ(environ)
        response = send_bytes(request, self.size, self.slice, etag=self.etag, headers=(
            ("Content-Type", "video/mp4"), ("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")))
        start_response(status_line(response.status), list(response.headers))
        return [response.body]


@pytest.fixture
def film(tmp_path: Path) -> Iterator[tuple[Film, str]]:
    path = tmp_path / "film.mp4"
    path.write_bytes(random.Random(7).randbytes(3 * 1024 * 1024 + 17))
    served = Film(path)
    with serving(served) as base:
        yield served, base + "/film.mp4"


def test_a_film_is_read_from_disk_only_as_far_as_asked(film: tuple[Film, str]) -> None:
    served, url = film
    session = requests.Session()
    chunk, pieces = 1024 * 1024, []
    for start in range(0, served.size, chunk):
        part = session.get(url, headers={"Range": f"bytes={start}-{start + chunk - 1}"},
                           timeout=10)
        assert part.status_code == 206
        pieces.append(part.content)
    assert served.read == served.size  # each byte read once: no whole file per range
    assert hashlib.sha256(b"".join(pieces)).digest() == hashlib.sha256(
        served.path.read_bytes()).digest()
    head = session.head(url, timeout=10)
    assert (head.status_code, int(head.headers["Content-Length"])) == (200, served.size)
    assert served.read == served.size  # a HEAD reads nothing
    seek = session.get(url, headers={"Range": "bytes=-1000"}, timeout=10)
    assert seek.content == served.path.read_bytes()[-1000:]
    assert served.read == served.size + 1000


def test_a_film_answers_dates_and_entity_tags(film: tuple[Film, str]) -> None:
    served, url = film
    before, after = "Mon, 30 Nov 2026 10:00:00 GMT", "Wed, 02 Dec 2026 10:00:00 GMT"
    cases: list[tuple[dict[str, str], int]] = [
        ({"If-Modified-Since": after}, 304),
        ({"If-Modified-Since": before}, 200),
        ({"If-Unmodified-Since": before}, 412),
        ({"If-Unmodified-Since": after, "Range": "bytes=0-0"}, 206),
        ({"If-Match": served.etag, "Range": "bytes=0-0"}, 206),
        ({"If-Match": '"another"'}, 412),
        ({"If-Match": f"W/{served.etag}"}, 412),  # If-Match compares strongly
        ({"If-Match": "*"}, 200),
        ({"If-None-Match": f'"x", W/{served.etag}'}, 304),  # If-None-Match, weakly
        ({"If-None-Match": '"x"', "If-Modified-Since": after}, 200),  # the tag decides
        ({"Range": "bytes=0-0", "If-Range": "Tue, 01 Dec 2026 10:00:00 GMT"}, 206),
        ({"Range": "bytes=0-0", "If-Range": before}, 200),
    ]
    for headers, status in cases:
        answer = requests.get(url, headers=headers, timeout=10)
        assert answer.status_code == status, headers
        if status == 412:
            assert answer.json()["error"]["field"] in ("If-Match", "If-Unmodified-Since")
    assert served.read < 5 * served.size


def test_conditional_and_matches_keep_their_behaviour() -> None:
    body = b"hello"
    etag = entity_tag(body)
    assert etag == entity_tag(body) != entity_tag(b"hello!")
    assert matches(f'"other", {etag}', etag)
    assert matches(f"W/{etag}", etag)
    assert matches("*", etag)
    assert not matches('"other"', etag)
    assert not matches(None, etag)
    request = Request.build(method="GET", path="/", headers=[("If-None-Match", etag)])
    answer = conditional(request, Response(body=body, headers=(("Content-Type", "text/plain"),)))
    assert (answer.status, answer.body, answer.header("content-type")) == (304, b"", None)
    assert answer.header("etag") == etag
    post = Request.build(method="POST", path="/", headers=[("If-None-Match", etag)])
    assert conditional(post, Response(body=body)).status == 200
