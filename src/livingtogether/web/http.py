"""Framework-free HTTP: the request and response every adapter translates to and from.

An adapter builds a :class:`Request` with :meth:`Request.build` from the raw
bytes it has (path, query string, headers) and hands the body stream to
:meth:`livingtogether.web.WebApp.handle_stream`, which reads it under the size
limit. Bytes that are not UTF-8 are kept as surrogate escapes so that the web
layer, not each adapter, answers them with a 400.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qsl, unquote_to_bytes

import attrs

from ..errors import BadRequest, PayloadTooLarge
from ..i18n import negotiate
from .errors import RequestTimeout, UnsupportedMediaType

if TYPE_CHECKING:
    from ..settings import Settings

#: Deepest nesting of arrays and objects accepted in a JSON body.
MAX_JSON_DEPTH = 32
#: Most fields accepted in a form or query string.
MAX_FIELDS = 200
#: A request refused by its Content-Length is drained up to this many bytes,
#: so that the client reads the 413 instead of a reset connection.
DRAIN_LIMIT = 256 * 1024
_CHUNK = 64 * 1024


def _pairs(values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(value)) for name, value in values)


@attrs.frozen
class Headers:
    """HTTP headers: ``(name, value)`` pairs looked up without regard to case."""

    items: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        wanted = name.lower()
        for found, value in self.items:  # a loop: the hottest lookup of every request
            if found.lower() == wanted:
                return value
        return default

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of ``name``, in order."""
        wanted = name.lower()
        return tuple(v for n, v in self.items if n.lower() == wanted)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)


@attrs.frozen
class Query:
    """A query string's ``(name, value)`` pairs; a name may repeat."""

    items: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)

    @classmethod
    def parse(cls, raw: bytes | str) -> Query:
        """The pairs of a raw query string; bytes that are not UTF-8 become surrogate escapes."""
        data = raw.encode("latin-1") if isinstance(raw, str) else raw
        pairs = []
        for part in data.split(b"&"):
            if not part:
                continue
            name, _, value = part.partition(b"=")
            pairs.append((_decode_component(name), _decode_component(value)))
        return cls(pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The last value of ``name``, or ``default``."""
        for found, value in reversed(self.items):
            if found == name:
                return value
        return default

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of ``name``, in order."""
        return tuple(v for n, v in self.items if n == name)

    def names(self) -> tuple[str, ...]:
        """The distinct names, in order of first appearance."""
        return tuple(dict.fromkeys(n for n, _ in self.items))

    def __contains__(self, name: object) -> bool:
        return any(found == name for found, _ in self.items) if self.items else False


def _decode_component(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "surrogateescape")


def decode_path(raw: bytes | str) -> str:
    """A percent-decoded path as text; a WSGI-style ``str`` is taken as latin-1 bytes."""
    data = raw.encode("latin-1") if isinstance(raw, str) else raw
    return data.decode("utf-8", "surrogateescape")


def has_undecodable(text: str) -> bool:
    """Whether ``text`` carries bytes that were not UTF-8 (as surrogate escapes)."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def _upper(value: str) -> str:
    return value.upper()


@attrs.frozen(kw_only=True)
class Request:
    """An HTTP request as the web layer sees it, whatever the server.

    ``path`` is relative to the mount point ``script_name`` (``""`` when mounted
    at the root), e.g. ``/api/v1/cities`` under ``/city/embed``.
    """

    method: str = attrs.field(converter=_upper)
    path: str
    query: Query = attrs.field(factory=Query)
    headers: Headers = attrs.field(factory=Headers)
    body: bytes = b""
    script_name: str = ""
    scheme: str = "http"
    host: str = "localhost"
    remote_addr: str | None = None
    #: The host framework's active language (Django's ``get_language()``, a Flask
    #: selector's answer), set by the adapter; it comes after ``?lang=`` and before
    #: Accept-Language (:func:`livingtogether.i18n.negotiate`).
    language: str | None = None

    @classmethod
    def build(
        cls, *, method: str, path: bytes | str, query_string: bytes | str = b"",
        headers: Iterable[tuple[str, str]] = (), body: bytes = b"",
        script_name: bytes | str = b"", scheme: str = "http", host: str = "localhost",
        remote_addr: str | None = None, language: str | None = None,
    ) -> Request:
        """A request from the raw pieces a server gives (``str`` pieces are latin-1, as in WSGI)."""
        return cls(
            method=method, path=decode_path(path) or "/", query=Query.parse(query_string),
            headers=Headers(headers), body=body,
            script_name=decode_path(script_name).rstrip("/"), scheme=scheme, host=host,
            remote_addr=remote_addr, language=language or None,
        )

    @property
    def content_type(self) -> tuple[str, dict[str, str]]:
        """The media type in lowercase and its parameters (``("", {})`` when absent)."""
        return parse_media_type(self.headers.get("content-type") or "")

    def url_for(self, path: str) -> str:
        """``path`` (starting with ``/``) as seen by the browser: under the mount point."""
        return f"{self.script_name}{path}"

    def under(self, prefix: str) -> Request:
        """This request as the web app mounted at ``prefix`` (below ``script_name``)
        sees it; see :func:`unmount`."""
        script_name, path = unmount(self.script_name, self.path, prefix)
        return attrs.evolve(self, script_name=script_name, path=path)


def unmount(script_name: str, path: str, prefix: str) -> tuple[str, str]:
    """``(script_name, path)`` of a request to an app mounted at ``prefix``, a path
    below ``script_name``: the prefix moves from the path to the script name.

    A path outside the prefix stays as it is: a widget rendered on one of the
    host's own pages still links and posts under the mount. The one rule of the
    adapters that serve the core under a framework's prefix.
    """
    prefix = prefix.rstrip("/")
    if path == prefix or path.startswith(prefix + "/"):
        path = path[len(prefix):]
    return script_name + prefix, path or "/"


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """``text/html; charset=UTF-8`` -> ``("text/html", {"charset": "utf-8"})``."""
    kind, *params = value.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        name, _, val = param.partition("=")
        parsed[name.strip().lower()] = val.strip().strip('"').lower()
    return kind.strip().lower(), parsed


@attrs.frozen(kw_only=True)
class Response:
    """An HTTP response: a status, a list of headers, the body bytes."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``."""
        return Headers(self.headers).get(name)

    def with_headers(self, extra: Iterable[tuple[str, str]], *, replace: bool = False,
                     ) -> Response:
        """This response with ``extra`` headers added (only those it lacks, unless ``replace``)."""
        extra = list(extra)
        names = {n.lower() for n, _ in extra}
        kept = [(n, v) for n, v in self.headers if not replace or n.lower() not in names]
        present = {n.lower() for n, _ in kept}
        added = [(n, v) for n, v in extra if replace or n.lower() not in present]
        return attrs.evolve(self, headers=(*kept, *added))


JSON_TYPE = "application/json; charset=utf-8"
#: The header that lets any site read public data (open data, feeds, the API's reads).
PUBLIC = (("Access-Control-Allow-Origin", "*"),)
HTML_TYPE = "text/html; charset=utf-8"
#: What a widget's answer varies by, besides its URL.
WIDGET_VARY = "Accept-Language, Sec-Fetch-Dest"


def dump_json(data: Any) -> bytes:
    """``data`` as UTF-8 JSON, non-ASCII characters as themselves."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")


def json_response(data: Any, status: int = 200,
                  headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON response."""
    return Response(status=status, headers=(("Content-Type", JSON_TYPE), *headers),
                    body=dump_json(data))


def html_response(html: str, status: int = 200,
                  headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An HTML response."""
    return Response(status=status, headers=(("Content-Type", HTML_TYPE), *headers),
                    body=html.encode("utf-8"))


# -- bodies


def content_length(headers: Headers) -> int | None:
    """The declared body length; ``BadRequest`` when it is not a length."""
    raw = headers.get("content-length")
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit() or len(raw.strip()) > 18:
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
        if declared <= DRAIN_LIMIT and stream is not None:
            _drain(stream, declared)
        raise too_large(limit)
    if stream is None:
        return b""
    if declared is None:
        if not terminated:
            return b""
        wanted = limit + 1
    else:
        wanted = declared
    chunks, size = [], 0
    while size < wanted:
        try:
            chunk = stream.read(min(_CHUNK, wanted - size))
        except TimeoutError:  # the server's read timeout: the client stopped sending
            announced = f" {declared} bytes" if declared is not None else ""
            raise RequestTimeout(f"the body stopped coming before the{announced} announced "
                                 "ended; send it whole, without pausing") from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large(limit)
    if declared is not None and size < declared:
        raise BadRequest(f"the body ended after {size} of the {declared} bytes announced")
    return b"".join(chunks)


def _drain(stream: BinaryIO, size: int) -> None:
    left = size
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


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


def parse_json(request: Request) -> Any:
    """The request's JSON body, strictly: UTF-8, no NaN, no duplicate keys, bounded depth."""
    kind, params = request.content_type
    if kind != "application/json" and not (kind.startswith("application/") and
                                           kind.endswith("+json")):
        raise UnsupportedMediaType(
            f"send the body as JSON with 'Content-Type: application/json', not "
            f"{kind or 'no Content-Type'!r}", field="Content-Type"
        )
    if params.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"JSON is read as UTF-8 only, not charset {params['charset']!r}",
            field="Content-Type",
        )
    if not request.body.strip():
        raise BadRequest("the request body is empty; send a JSON object")
    text = decode_utf8(request.body, "JSON body").removeprefix("\ufeff")
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
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
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
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
    """The request's urlencoded form body (the last value of each field)."""
    kind, params = request.content_type
    if kind != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(
            "send the form as 'application/x-www-form-urlencoded', not "
            f"{kind or 'no Content-Type'!r}", field="Content-Type"
        )
    if params.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("forms are read as UTF-8 only", field="Content-Type")
    text = decode_utf8(request.body, "form")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise BadRequest("a form value is not valid UTF-8 once percent-decoded") from None
    except ValueError:
        raise BadRequest(f"the form has more than {MAX_FIELDS} fields") from None
    return dict(pairs)


# -- languages

_LANGUAGE_RANGE = re.compile(r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*"
                             r"([0-9](?:\.[0-9]{0,3})?))?\s*")


def accepted_languages(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (malformed parts skipped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:50]):
        match = _LANGUAGE_RANGE.fullmatch(part)
        if not match:
            continue
        quality = float(match.group(2)) if match.group(2) else 1.0
        if quality > 0 and match.group(1) != "*":
            ranked.append((-quality, index, match.group(1).lower()))
    return [language for _, _, language in sorted(ranked)]


def request_language(settings: Settings, request: Request, requested: str | None) -> str:
    """The request's language (:func:`livingtogether.i18n.negotiate`): ``requested``
    if offered, the host framework's active language (``request.language``, set by
    the adapter), Accept-Language, the default."""
    return negotiate(offered=settings.languages, default=settings.default_language,
                     requested=requested, active=request.language,
                     accepted=accepted_languages(request.headers.get("accept-language")))


# -- conditional requests


def entity_tag(body: bytes) -> str:
    """A strong ETag naming ``body``'s exact bytes."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 says)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


def conditional(request: Request, response: Response) -> Response:
    """A successful GET or HEAD with an ETag (from its body unless it has one), answered
    304 without a body when the client's ``If-None-Match`` names it."""
    if request.method not in ("GET", "HEAD") or response.status != 200:
        return response
    etag = response.header("etag")
    if etag is None:
        etag = entity_tag(response.body)
        response = response.with_headers((("ETag", etag),))
    if matches(request.headers.get("if-none-match"), etag):
        return attrs.evolve(response, status=304, body=b"", headers=tuple(
            (name, value) for name, value in response.headers
            if name.lower() not in ("content-type", "content-length", "content-disposition")))
    return response
