"""Request bodies: read under a limit, parsed strictly (JSON, urlencoded forms, uploads).

:func:`receive` takes a request's body from the adapter's stream: whole, under
the site's size limit, or, for ``multipart/form-data``, left in the stream as a
:class:`Body` that :func:`parse_multipart` reads as it parses (werkzeug's
multipart decoder), spooling each file to a temporary file and enforcing
:class:`UploadLimits`; the files are deleted when the request ends. Every
refusal is a library error saying what to fix: 400 (malformed, not UTF-8, too
many parts), 413 (too large), 415 (another media type), 408 (the client
stopped sending).
"""

from __future__ import annotations

import io
import json
import tempfile
from typing import IO, TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qsl

import attrs
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from ..errors import BadRequest, PayloadTooLarge
from .errors import UnsupportedMediaType
from .http import _CHUNK, Body

if TYPE_CHECKING:
    from .http import Headers, Request

#: Deepest nesting of arrays and objects accepted in a JSON body.
MAX_JSON_DEPTH = 32
#: Most fields accepted in a form or query string.
MAX_FIELDS = 200
def content_length(headers: Headers) -> int | None:
    """The declared body length; ``BadRequest`` when it is not a length."""
    raw = (headers.get("content-length") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest(f"Content-Length {raw[:30]!r} is not a number of bytes",
                         field="Content-Length")
    return int(raw)


def read_body(stream: BinaryIO | None, headers: Headers, limit: int, *,
              terminated: bool = False) -> bytes:
    """Read a request body of at most ``limit`` bytes from ``stream``.

    A declared Content-Length over the limit is refused before reading; a
    stream without one (``terminated``: the server ends it, as with chunked
    requests) is read to one byte past the limit and refused if it gets there.
    """
    declared = content_length(headers)
    if declared is not None and declared > limit:
        if stream is not None:
            Body(stream, declared).close()
        raise too_large(limit)
    if stream is None or (declared is None and not terminated):
        return b""
    body = Body(stream, limit + 1 if declared is None else declared,
                declared=declared is not None)
    data = b"".join(iter(body.read, b""))
    if len(data) > limit:
        raise too_large(limit)
    if declared is not None and len(data) < declared:
        raise BadRequest(f"the body ended after {len(data)} of the {declared} bytes announced")
    return data


def receive(request: Request, stream: BinaryIO | None, limit: int, *,
            terminated: bool = False) -> Request:
    """``request`` with its body: read whole (:func:`read_body`), or, for a
    ``multipart/form-data`` one, left in ``stream`` as ``request.stream`` for
    :func:`parse_multipart`, which bounds it. Use the result as a context manager:
    it closes the stream and deletes the spooled files at the end."""
    if stream is not None and request.content_type[0] == "multipart/form-data":
        declared = content_length(request.headers)
        if declared is None and not terminated:
            return request
        return attrs.evolve(request, stream=Body(stream, declared, declared=declared is not None))
    body = read_body(stream, request.headers, limit, terminated=terminated)
    return attrs.evolve(request, body=body) if body else request


def too_large(limit: int) -> PayloadTooLarge:
    """The error for a body over ``limit`` bytes."""
    return PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes")


def decode_utf8(body: bytes, what: str) -> str:
    """``body`` as text; ``BadRequest`` naming the first byte that is not UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"the {what} is not valid UTF-8 (byte 0x{body[error.start]:02x} at position "
            f"{error.start}); send it encoded as UTF-8"
        ) from None


def _expect(request: Request, kind: str, send: str, read: str) -> None:
    """``UnsupportedMediaType`` unless the body is of media type ``kind`` in UTF-8."""
    found, params = request.content_type
    if found != kind and not (kind == "application/json" and found.startswith("application/")
                              and found.endswith("+json")):
        raise UnsupportedMediaType(f"send {send} with 'Content-Type: {kind}', not "
                                   f"{found or 'no Content-Type'!r}", field="Content-Type")
    if params.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"{read} read as UTF-8 only, not charset "
                                   f"{params['charset']!r}", field="Content-Type")


# -- JSON and urlencoded forms


def parse_json(request: Request) -> Any:
    """The request's JSON body, strictly: UTF-8, no NaN, no duplicate keys, bounded depth."""
    _expect(request, "application/json", "the body as JSON", "JSON is")
    if not request.body.strip():
        raise BadRequest("the request body is empty; send a JSON object")
    text = decode_utf8(request.body, "JSON body").removeprefix("\ufeff")
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"the body is not valid JSON: {error.msg} at line {error.lineno} column "
            f"{error.colno} (character {error.pos})"
        ) from None
    except ValueError as error:  # too long an integer, a duplicate key, NaN
        raise BadRequest(f"the body is not acceptable JSON: {error}") from None


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (checked before parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"the key {name[:60]!r} appears twice in one object")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_form(request: Request) -> dict[str, str]:
    """The request's urlencoded form body (the last value of each field); a form with
    files is read by :func:`parse_multipart`."""
    _expect(request, "application/x-www-form-urlencoded", "the form", "forms are")
    text = decode_utf8(request.body, "form")
    try:
        return dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                              max_num_fields=MAX_FIELDS))
    except UnicodeDecodeError:
        raise BadRequest("a form value is not valid UTF-8 once percent-decoded") from None
    except ValueError:
        raise BadRequest(f"the form has more than {MAX_FIELDS} fields") from None


# -- multipart uploads


@attrs.frozen(kw_only=True)
class UploadLimits:
    """The bounds of one ``multipart/form-data`` body; ``directory``: where files are
    spooled (the system's temporary folder when ``None``)."""

    max_bytes: int = 64 * 1024 * 1024
    max_file_bytes: int = 32 * 1024 * 1024
    max_files: int = 10
    max_fields: int = MAX_FIELDS
    max_field_bytes: int = 64 * 1024
    directory: str | None = None


@attrs.frozen(kw_only=True)
class Upload:
    """One uploaded file, spooled to a temporary file at ``path`` that is deleted when the
    request ends; ``filename`` as the client declared it, without folders, and
    ``content_type`` as it declared it too (check the bytes, never trust either)."""

    field: str
    filename: str
    content_type: str
    size: int
    file: IO[bytes] = attrs.field(eq=False, repr=False)

    @property
    def path(self) -> str:
        """Where the file is spooled (until the request ends)."""
        return str(self.file.name)


def parse_multipart(request: Request, limits: UploadLimits | None = None,
                    ) -> tuple[dict[str, str], tuple[Upload, ...]]:
    """A ``multipart/form-data`` body's text fields (the last value of each) and files,
    read from the stream as it comes and bounded by ``limits``.

    Refused: a body or a file over its size (413), a text field over
    ``max_field_bytes`` (413), more fields or files than allowed (400), a body
    that is not well-formed multipart or whose names or values are not UTF-8
    (400). On a refusal no file is kept. A file input left empty is no upload.
    The files are closed (and deleted) when the request ends (:func:`receive`);
    from a request built with its body as bytes, closing them is the caller's.
    """
    limits = limits or UploadLimits()
    _expect(request, "multipart/form-data", "the form with files", "forms are")
    boundary = parse_options_header(request.headers.get("content-type"))[1].get("boundary")
    if not boundary or len(boundary) > 70:  # RFC 2046's longest
        raise BadRequest("the multipart form names no boundary of 1 to 70 characters in its "
                         "Content-Type; let the browser or HTTP library set it",
                         field="Content-Type")
    source = request.stream or Body(io.BytesIO(request.body), len(request.body))
    if source.length is not None and source.length > limits.max_bytes:
        raise too_large(limits.max_bytes)
    kept = len(source.spooled)
    try:
        try:
            return _decode(source, boundary.encode("latin-1"), limits)
        except RequestEntityTooLarge:  # the decoder's count of parts
            raise BadRequest(f"the form has more than {limits.max_fields} fields and "
                             f"{limits.max_files} files") from None
        except UnicodeDecodeError:
            raise BadRequest("a part's headers (a field's name, a file's name) are not valid "
                             "UTF-8; send them encoded as UTF-8") from None
        except ValueError as error:
            raise BadRequest(f"the body is not well-formed multipart/form-data ({error}); "
                             "send it as a browser or an HTTP library writes it") from None
    except BaseException:  # nothing is kept of a refused form
        for file in source.spooled[kept:]:
            file.close()
        del source.spooled[kept:]
        raise


def _decode(source: Body, boundary: bytes, limits: UploadLimits,
            ) -> tuple[dict[str, str], tuple[Upload, ...]]:
    decoder = MultipartDecoder(boundary, max_parts=limits.max_fields + limits.max_files)
    fields: dict[str, str] = {}
    files: list[Upload] = []
    part: Field | File | None = None
    text: list[bytes] = []
    size = count = 0
    while True:
        chunk = source.read(_CHUNK)
        if source.received > limits.max_bytes:
            raise too_large(limits.max_bytes)
        decoder.receive_data(chunk or None)
        event = decoder.next_event()
        while not isinstance(event, (Epilogue, NeedData)):
            if isinstance(event, (Field, File)):
                part, size, text = event, 0, []
                if not event.name:
                    raise BadRequest("a part of the form has no name; name every field")
                if isinstance(event, File):
                    if len(files) >= limits.max_files:
                        raise BadRequest(f"the form has more than {limits.max_files} files")
                    source.spooled.append(tempfile.NamedTemporaryFile(  # noqa: SIM115
                        prefix="livingtogether-upload-", dir=limits.directory))
                else:
                    count += 1
                    if count > limits.max_fields:
                        raise BadRequest(f"the form has more than {limits.max_fields} fields")
            elif isinstance(event, Data) and part is not None:
                size += len(event.data)
                if isinstance(part, File):
                    if size > limits.max_file_bytes:
                        raise PayloadTooLarge(f"the file {part.filename[:100]!r} is larger "
                                              f"than the limit of {limits.max_file_bytes} "
                                              "bytes per file")
                    source.spooled[-1].write(event.data)
                else:
                    if size > limits.max_field_bytes:
                        raise PayloadTooLarge(f"the field {part.name[:60]!r} is longer than "
                                              f"the limit of {limits.max_field_bytes} bytes")
                    text.append(event.data)
                if not event.more_data:
                    _finish(part, size, text, source, fields, files)
            event = decoder.next_event()
        if not chunk:
            return fields, tuple(files)


def _finish(part: Field | File, size: int, text: list[bytes], source: Body,
            fields: dict[str, str], files: list[Upload]) -> None:
    if isinstance(part, Field):
        fields[part.name] = decode_utf8(b"".join(text), f"value of the field {part.name[:60]!r}")
        return
    file = source.spooled[-1]
    name = part.filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not name and not size:  # a file input left empty
        source.spooled.pop().close()
        return
    file.seek(0)
    files.append(Upload(field=part.name, filename=name, size=size, file=file,
                        content_type=part.headers.get("content-type",
                                                      "application/octet-stream")))
