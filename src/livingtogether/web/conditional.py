"""Conditional and range requests (RFC 9110 sections 13 and 14), on werkzeug's parsers.

:func:`conditional` answers a complete GET with 304 (``If-None-Match``,
``If-Modified-Since``) or 412 (``If-Match``, ``If-Unmodified-Since``);
:func:`send_bytes` answers any byte resource (the static files, the campaign's
film, the staff console's media) in full or by the range asked, reading only
the bytes it sends.

One range is answered 206 with its ``Content-Range``; a request for several is
answered 200 with the whole representation, as RFC 9110 lets a server ignore
Range: a ``multipart/byteranges`` body costs more than it saves for files the
size of ours, and browsers and media players ask for one range at a time.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

import attrs
from werkzeug.http import (
    parse_date,
    parse_etags,
    parse_if_range_header,
    parse_range_header,
    quote_etag,
    unquote_etag,
)

from ..errors import BadRequest, LivingTogetherError
from .errors import error_body
from .http import Request, Response, json_response


def entity_tag(body: bytes) -> str:
    """A strong ETag naming ``body``'s exact bytes."""
    return quote_etag(hashlib.blake2b(body, digest_size=16).hexdigest())


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 says)."""
    if not if_none_match:
        return False
    # A revalidation sends back the tag it was given: each pair is compared once.
    return (_matches(if_none_match, etag) if len(if_none_match) <= 200
            else _compare(if_none_match, etag))


def _compare(if_none_match: str, etag: str) -> bool:
    return parse_etags(if_none_match).contains_weak(unquote_etag(etag)[0])


_matches = functools.lru_cache(maxsize=1024)(_compare)


def refusal(status: int, error: LivingTogetherError,
            headers: Iterable[tuple[str, str]] = ()) -> Response:
    """The JSON error answer of a status the error table has no class for (412, 416)."""
    return json_response(error_body(error), status, (("Cache-Control", "no-store"), *headers))


def precondition(request: Request, etag: str | None,
                 last_modified: datetime | None = None) -> int | None:
    """What a GET or HEAD's preconditions answer instead of 200 (RFC 9110 13.2.2): 412 when
    If-Match fails (strong comparison) or, without it, If-Unmodified-Since; 304 when
    If-None-Match names ``etag`` or, without it, nothing changed since If-Modified-Since;
    ``None`` to answer in full."""
    headers = request.headers
    if_match = headers.get("if-match")
    if if_match is not None:
        tag, weak = unquote_etag(etag) if etag else (None, True)
        found = parse_etags(if_match)
        if not (found.star_tag or (tag is not None and not weak and found.is_strong(tag))):
            return 412
    elif last_modified is not None and (since := parse_date(
            headers.get("if-unmodified-since"))) is not None and last_modified > since:
        return 412
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return 304 if etag is not None and matches(if_none_match, etag) else None
    if last_modified is not None and (since := parse_date(
            headers.get("if-modified-since"))) is not None and last_modified <= since:
        return 304
    return None


def conditional(request: Request, response: Response) -> Response:
    """A successful GET or HEAD with an ETag (from its body unless it has one), answered
    304 without a body or 412 as :func:`precondition` says (Last-Modified counts too)."""
    if request.method not in ("GET", "HEAD") or response.status != 200:
        return response
    etag = response.header("etag")
    if etag is None:
        etag = entity_tag(response.body)
        response = response.with_headers((("ETag", etag),))
    status = precondition(request, etag, parse_date(response.header("last-modified")))
    if status == 412:
        field = "If-Match" if "if-match" in request.headers else "If-Unmodified-Since"
        return refusal(412, BadRequest("the resource has changed since the version named; "
                                       "fetch it again", field=field))
    if status == 304:
        return attrs.evolve(response, status=304, body=b"", headers=tuple(
            (name, value) for name, value in response.headers
            if name.lower() not in ("content-type", "content-length", "content-disposition")))
    return response


class Unsatisfiable(BadRequest):
    """No range asked for overlaps the representation (answered 416)."""


def byte_range(request: Request, size: int, etag: str | None,
               last_modified: datetime | None = None) -> tuple[int, int] | None:
    """``(start, stop)`` of the one range of ``size`` bytes a GET's Range header asks for;
    ``None`` for the whole: no Range, one that does not parse, several ranges, or an
    If-Range naming another version. ``Unsatisfiable`` when the range starts past the end."""
    header = request.headers.get("range")
    if request.method != "GET" or header is None:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and not _current(if_range, etag, last_modified):
        return None
    asked = parse_range_header(header)
    if asked is None or asked.units != "bytes" or len(asked.ranges) != 1:
        return None
    start, stop = asked.ranges[0]
    if start < 0:  # the last -start bytes
        start = max(0, size + start)
    stop = size if stop is None else min(stop, size)
    if start >= size:
        raise Unsatisfiable(f"the range {header[:60]!r} starts past the end of the {size} "
                            f"bytes; ask for bytes from 0 to {size - 1}", field="Range")
    return start, stop


def _current(if_range: str, etag: str | None, last_modified: datetime | None) -> bool:
    """Whether If-Range names this version: the same strong ETag, or exactly its date."""
    found = parse_if_range_header(if_range)
    if found.etag is not None:
        return (etag is not None and not if_range.strip().startswith("W/")
                and unquote_etag(etag) == (found.etag, False))
    return found.date is not None and last_modified is not None and found.date == last_modified


def send_bytes(request: Request, size: int, read: Callable[[int, int], bytes], *,
               etag: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A GET or HEAD answer of ``size`` bytes, ``read(start, stop)`` giving them, with
    ``headers`` (Content-Type, Last-Modified, caching) and ``etag``.

    304 or 412 as the preconditions say (:func:`conditional`); 206 with
    Content-Range for one satisfiable range (:func:`byte_range`); 416 with
    ``Content-Range: bytes */size`` for an unsatisfiable one; otherwise 200 with
    everything. ``Accept-Ranges: bytes`` always; a HEAD reads nothing.
    """
    whole = Response(headers=(*headers, ("ETag", etag), ("Accept-Ranges", "bytes")))
    answer = conditional(request, whole)
    if answer.status != 200:
        return answer
    try:
        span = byte_range(request, size, etag, parse_date(whole.header("last-modified")))
    except Unsatisfiable as error:
        return refusal(416, error, (("Content-Range", f"bytes */{size}"),
                                    ("Accept-Ranges", "bytes")))
    start, stop = span or (0, size)
    extra = [("Content-Length", str(stop - start))]
    if span is not None:
        extra.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
    return attrs.evolve(answer, status=200 if span is None else 206,
                        headers=(*answer.headers, *extra),
                        body=b"" if request.method == "HEAD" else read(start, stop))
