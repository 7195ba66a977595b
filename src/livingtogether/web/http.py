"""Framework-free HTTP: the request and response every adapter translates to and from.

An adapter builds a :class:`Request` with :meth:`Request.build` from the raw
bytes it has (path, query string, headers) and hands the body stream to
:meth:`livingtogether.web.WebApp.handle_stream`, which takes it with
:func:`.bodies.receive` (read whole under the size limit, or left in the
stream for an upload). Bytes that are not UTF-8 are kept as surrogate escapes
so that the web layer, not each adapter, answers them with a 400. Header
values (media types, languages) are parsed by werkzeug.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import IO, TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote_to_bytes

import attrs
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_options_header

from ..errors import LivingTogetherError
from ..i18n import negotiate
from .errors import RequestTimeout

if TYPE_CHECKING:
    from ..settings import Settings


#: A request refused by its Content-Length is drained up to this many bytes,
#: so that the client reads the 413 instead of a reset connection.
DRAIN_LIMIT = 256 * 1024
_CHUNK = 64 * 1024


class Body:
    """A request body read from its stream: at most ``length`` bytes (``None``: to the end,
    which the server marks). Closing it closes the files spooled from it (:attr:`spooled`)
    and drains what is left when that is little, so that the client reads the answer."""

    def __init__(self, stream: BinaryIO, length: int | None, *, declared: bool = True) -> None:
        self._stream, self.length, self.declared = stream, length, declared
        self.received = 0
        self.spooled: list[IO[bytes]] = []

    def read(self, size: int = _CHUNK) -> bytes:
        """Up to ``size`` more bytes; ``RequestTimeout`` when the client stopped sending."""
        if self.length is not None:
            size = min(size, self.length - self.received)
        if size <= 0:
            return b""
        try:
            chunk = self._stream.read(size)
        except TimeoutError:  # the server's read timeout: the client stopped sending
            announced = f" {self.length} bytes" if self.declared else ""
            raise RequestTimeout(f"the body stopped coming before the{announced} announced "
                                 "ended; send it whole, without pausing") from None
        self.received += len(chunk)
        return chunk

    def close(self) -> None:
        """Close the spooled files (which deletes them) and drain a small rest of the body."""
        for file in self.spooled:
            file.close()
        self.spooled.clear()
        if self.length is not None and self.length - self.received <= DRAIN_LIMIT:
            with suppress(LivingTogetherError, OSError):
                while self.read():
                    pass


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
        return cls((_component(name), _component(value)) for name, _, value in
                   (part.partition(b"=") for part in data.split(b"&") if part))

    def get(self, name: str, default: str | None = None) -> str | None:
        """The last value of ``name``, or ``default``."""
        return next((v for n, v in reversed(self.items) if n == name), default)

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of ``name``, in order."""
        return tuple(v for n, v in self.items if n == name)

    def names(self) -> tuple[str, ...]:
        """The distinct names, in order of first appearance."""
        return tuple(dict.fromkeys(n for n, _ in self.items))

    def __contains__(self, name: object) -> bool:
        return any(found == name for found, _ in self.items)


def _component(raw: bytes) -> str:
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
    at the root), e.g. ``/api/v1/cities`` under ``/city/embed``. Used as a
    context manager, it closes its :attr:`stream` (and the files spooled from
    it) at the end of the block.
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
    #: A body left unread in its stream (``multipart/form-data``, :func:`.bodies.receive`).
    stream: Body | None = attrs.field(default=None, eq=False, repr=False)

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
        kind, params = parse_options_header(self.headers.get("content-type"))
        return kind.lower(), {name: value.lower() for name, value in params.items()}

    def url_for(self, path: str) -> str:
        """``path`` (starting with ``/``) as seen by the browser: under the mount point."""
        return f"{self.script_name}{path}"

    def under(self, prefix: str) -> Request:
        """This request as the web app mounted at ``prefix`` (below ``script_name``)
        sees it; see :func:`unmount`."""
        script_name, path = unmount(self.script_name, self.path, prefix)
        return attrs.evolve(self, script_name=script_name, path=path)

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *_: object) -> None:
        if self.stream is not None:
            self.stream.close()


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


@attrs.frozen(kw_only=True)
class Response:
    """An HTTP response: a status, a list of headers, the body bytes."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``."""
        wanted = name.lower()
        return next((value for found, value in self.headers if found.lower() == wanted), None)

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
CALENDAR_TYPE = "text/calendar; charset=utf-8"
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


# -- languages


_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")


def accepted_languages(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (``*``, q=0 and
    what is no language tag left out)."""
    if not header:
        return []
    # Browsers send the same few headers again and again: each is parsed once.
    return list(_languages(header) if len(header) <= 200 else _parse_languages(header))


def _parse_languages(header: str) -> tuple[str, ...]:
    accepted = parse_accept_header(header, LanguageAccept)
    return tuple(tag for value, quality in accepted
                 if quality > 0 and _TAG.fullmatch(tag := value.split(";")[0].strip().lower()))


_languages = functools.lru_cache(maxsize=256)(_parse_languages)


def request_language(settings: Settings, request: Request, requested: str | None) -> str:
    """The request's language (:func:`livingtogether.i18n.negotiate`): ``requested``
    if offered, the host framework's active language (``request.language``, set by
    the adapter), Accept-Language, the default."""
    return negotiate(offered=settings.languages, default=settings.default_language,
                     requested=requested, active=request.language,
                     accepted=accepted_languages(request.headers.get("accept-language")))
