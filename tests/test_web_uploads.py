"""Multipart uploads (:func:`livingtogether.web.bodies.parse_multipart`) over a real HTTP
server on 127.0.0.1: streamed to temporary files, bounded, refused clearly, and
nothing kept after the request or a refusal.

The server runs a small WSGI app that takes the body the way
``WebApp.handle_stream`` does (:func:`receive`, then the request as a context
manager) and answers what it parsed; the whole web app is checked too: its
JSON and form endpoints still refuse a multipart body with 415.
"""

from __future__ import annotations

import hashlib
import os
import random
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingtogether.errors import LivingTogetherError
from livingtogether.web import status_line
from livingtogether.web.bodies import UploadLimits, parse_form, parse_multipart, receive
from livingtogether.web.errors import error_body, status_for
from livingtogether.web.http import Headers, Request, json_response
from livingtogether.wsgi import make_app, request_from_environ
from test_web_support import Client, serving

BOUNDARY = "----livingtogether-test-7f3a"


class Uploads:
    """The WSGI app: parses an upload with ``limits``, answers what it found, and notes
    which spooled files existed during the request."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.during: list[list[str]] = []
        self.refused: list[list[str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = request_from_environ(environ)
        spool = str(self.limits.directory)
        try:
            with receive(request, environ["wsgi.input"], 1000) as request:
                try:
                    fields, files = parse_multipart(request, self.limits)
                except LivingTogetherError:
                    self.refused.append(os.listdir(spool))  # before the request ends
                    raise
                self.during.append(os.listdir(spool))
                response = json_response({"fields": fields, "files": [{
                    "field": f.field, "filename": f.filename, "type": f.content_type,
                    "size": f.size, "sha256": digest(f.file), "on_disk": os.path.getsize(f.path),
                } for f in files]})
        except LivingTogetherError as error:
            response = json_response(error_body(error), status_for(error))
        start_response(status_line(response.status), list(response.headers))
        return [response.body]


def digest(file: Any) -> str:
    """The SHA-256 of a file, read a block at a time."""
    found = hashlib.sha256()
    for block in iter(lambda: file.read(64 * 1024), b""):
        found.update(block)
    return found.hexdigest()


def part(name: bytes, value: bytes, *, filename: bytes | None = None,
         content_type: bytes | None = None) -> bytes:
    """One part of a multipart body, as raw bytes (so that they may be anything)."""
    disposition = b'form-data; name="%s"' % name
    if filename is not None:
        disposition += b'; filename="%s"' % filename
    head = b"Content-Disposition: " + disposition + b"\r\n"
    if content_type is not None:
        head += b"Content-Type: " + content_type + b"\r\n"
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n" + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


@pytest.fixture
def uploads(spool: Path) -> Iterator[tuple[Uploads, Callable[..., requests.Response]]]:
    app = Uploads(UploadLimits(max_bytes=8 * 1024 * 1024, max_file_bytes=7 * 1024 * 1024,
                               max_files=3, max_fields=5, max_field_bytes=1000,
                               directory=str(spool)))
    with serving(app) as base:
        def post(data: Any, content_type: str = f"multipart/form-data; boundary={BOUNDARY}",
                 **headers: str) -> requests.Response:
            return requests.post(base + "/upload", data=data, timeout=30, headers={
                "Content-Type": content_type, **headers})
        yield app, post


def test_a_upload_of_several_megabytes_is_streamed_to_disk(
        uploads: tuple[Uploads, Callable[..., requests.Response]], spool: Path,
        tmp_path: Path) -> None:
    app, post = uploads
    film = random.Random(3).randbytes(6 * 1024 * 1024 + 5)
    payload = tmp_path / "payload"
    payload.write_bytes(body(
        part(b"title", "Vivre ensemble — <b>'; DROP TABLE".encode()),
        part(b"film", film, filename=b"../../etc/film \xc3\xa9t\xc3\xa9.mp4",
             content_type=b"video/mp4"),
        part(b"poster", b"", filename=b""),  # a file input left empty
        part(b"note", "نعيش معًا".encode()),
    ))
    tracemalloc.start()
    try:
        with payload.open("rb") as stream:  # sent from disk as it is read
            answer = post(stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["fields"] == {"title": "Vivre ensemble — <b>'; DROP TABLE",
                               "note": "نعيش معًا"}
    assert found["files"] == [{
        "field": "film", "filename": "film été.mp4", "type": "video/mp4", "size": len(film),
        "sha256": hashlib.sha256(film).hexdigest(), "on_disk": len(film)}]
    assert peak < 2 * 1024 * 1024, f"{peak} bytes held at once for a 6 MB upload"
    assert len(app.during[-1]) == 1  # spooled in the folder during the request
    assert os.listdir(spool) == []  # deleted once it ended


def test_an_upload_over_its_limits_is_refused_with_nothing_kept(
        uploads: tuple[Uploads, Callable[..., requests.Response]], spool: Path) -> None:
    app, post = uploads
    # the whole body announced larger than the limit: refused before reading (and the
    # little that was sent drained, so that the client reads the answer)
    small = Uploads(UploadLimits(max_bytes=100_000, directory=str(spool)))
    with serving(small) as base:
        answer = requests.post(base, data=body(part(b"a", b"x" * 150_000, filename=b"a.bin")),
                               headers={"Content-Type": f"multipart/form-data; boundary="
                                                        f"{BOUNDARY}"}, timeout=30)
    assert answer.status_code == 413
    assert "larger than the limit of 100000 bytes" in answer.json()["error"]["message"]
    assert small.refused == [[]]
    # one file over its own limit, found while streaming, after another file was spooled
    answer = post(body(part(b"a", b"small", filename=b"a.txt"),
                       part(b"b", b"y" * (7 * 1024 * 1024 + 1), filename=b"b.bin")))
    assert answer.status_code == 413
    assert "'b.bin' is larger than the limit of 7340032 bytes per file" in answer.text
    # a text field is held in memory: bounded much lower
    answer = post(body(part(b"bio", b"z" * 1001)))
    assert answer.status_code == 413
    assert "'bio' is longer than the limit of 1000 bytes" in answer.text
    assert app.during == []  # no request got as far as its files
    assert app.refused == [[], []]  # a.txt was deleted on the refusal, not later
    assert os.listdir(spool) == []


def test_too_many_parts_are_refused(
        uploads: tuple[Uploads, Callable[..., requests.Response]], spool: Path) -> None:
    _, post = uploads
    fields = post(body(*(part(b"f%d" % i, b"1") for i in range(6))))
    assert fields.status_code == 400
    assert "more than 5 fields" in fields.json()["error"]["message"]
    files = post(body(*(part(b"f%d" % i, b"1", filename=b"%d.txt" % i) for i in range(4))))
    assert files.status_code == 400
    assert "more than 3 files" in files.json()["error"]["message"]
    # a name repeated counts each time
    repeated = post(body(*(part(b"f", b"1") for _ in range(6))))
    assert repeated.status_code == 400
    assert "more than 5 fields" in repeated.json()["error"]["message"]
    # thousands of parts: werkzeug's count of parts stops them as early
    many = post(body(*(part(b"f", b"", filename=b"") for _ in range(5000))))
    assert many.status_code == 400
    assert "more than 5 fields and 3 files" in many.json()["error"]["message"]
    assert os.listdir(spool) == []


@pytest.mark.parametrize(("data", "content_type", "says"), [
    (body(part(b"a", b"1"))[:-10], None, "not well-formed multipart"),  # cut short
    (b"this is not multipart at all", None, "not well-formed multipart"),
    (b"--" + BOUNDARY.encode() + b"\r\nX-Nothing: 1\r\n\r\nvalue\r\n--" + BOUNDARY.encode()
     + b"--\r\n", None, "Content-Disposition"),
    (b"", None, "not well-formed multipart"),
    (body(part(b"", b"1")), None, "has no name"),
    (body(part(b"a", b"1")), "multipart/form-data", "names no boundary"),
    (body(part(b"a", b"1")), "multipart/form-data; boundary=" + "x" * 71, "names no boundary"),
])
def test_malformed_multipart_is_refused(
        uploads: tuple[Uploads, Callable[..., requests.Response]], spool: Path,
        data: bytes, content_type: str | None, says: str) -> None:
    _, post = uploads
    answer = post(data, **({"content_type": content_type} if content_type else {}))
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["error"]["message"]
    assert os.listdir(spool) == []


def test_malformed_utf8_in_a_name_or_value_is_refused(
        uploads: tuple[Uploads, Callable[..., requests.Response]], spool: Path) -> None:
    _, post = uploads
    name = post(body(part(b"caf\xe9", b"1")))
    assert name.status_code == 400
    assert "not valid UTF-8" in name.json()["error"]["message"]
    value = post(body(part(b"city", b"Montr\xe9al")))
    assert value.status_code == 400
    assert value.json()["error"]["message"] == (
        "the value of the field 'city' is not valid UTF-8 (byte 0xe9 at position 5); send "
        "it encoded as UTF-8")
    filename = post(body(part(b"f", b"1", filename=b"\xff.txt")))
    assert filename.status_code == 400
    assert os.listdir(spool) == []


def test_a_wrong_content_type_is_refused(
        uploads: tuple[Uploads, Callable[..., requests.Response]]) -> None:
    _, post = uploads
    answer = post(b"a=1", "application/x-www-form-urlencoded")
    assert answer.status_code == 415
    assert answer.json()["error"]["field"] == "Content-Type"


SAMPLE = body(part(b"name", "Zoë".encode()), part(b"file", b"GIF89a\x00\xff" * 50,
                                                  filename=b"a.gif", content_type=b"image/gif"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, len(SAMPLE)), st.integers(0, 40),
                               st.binary(max_size=12)), max_size=4))
def test_any_mangled_multipart_body_is_parsed_or_refused_clearly(
        spool: Path, cuts: list[tuple[int, int, bytes]]) -> None:
    data = SAMPLE
    for at, length, insert in cuts:
        data = data[:at] + insert + data[at + length:]
    request = Request(method="POST", path="/", body=data, headers=Headers(
        [("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")]))
    limits = UploadLimits(max_files=2, max_fields=3, directory=str(spool))
    refused: list[int] = []
    try:
        fields, files = parse_multipart(request, limits)
    except LivingTogetherError as error:
        refused.append(status_for(error))
        fields, files = {}, ()
    assert refused in ([], [400], [413])
    assert all(isinstance(value, str) for value in fields.values())
    assert len(os.listdir(spool)) == len(files)  # nothing of a refused form is kept
    for upload in files:
        assert upload.size == os.path.getsize(upload.path)
        upload.file.close()  # a body given as bytes: its files are the caller's to close


def test_parse_multipart_reads_a_body_already_read() -> None:
    request = Request(method="POST", path="/", body=body(part(b"a", b"1")), headers=Headers(
        [("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")]))
    assert parse_multipart(request) == ({"a": "1"}, ())
    with pytest.raises(LivingTogetherError, match="urlencoded"):
        parse_form(request)


def test_the_web_app_leaves_a_multipart_body_to_its_route(
        open_demo: Callable[..., Any]) -> None:
    # the body is larger than the site's limit for bodies read whole: not read, and its
    # JSON and form endpoints answer what they always did
    obs = open_demo(max_body_bytes=4096)
    data = body(part(b"name", b"x" * 10_000))
    with serving(make_app(obs)) as base:
        client = Client(base)
        for path in ("/api/v1/declarations/universal-declaration/signatures",
                     "/widgets/pledge/universal-declaration"):
            answer = client.post(path, data=data, headers={
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
            assert answer.status_code == 415, (path, answer.text)
        small = client.post("/api/v1/declarations/universal-declaration/signatures",
                            data=b"{}", headers={
            "Content-Type": "application/json"})
        assert small.status_code == 422
