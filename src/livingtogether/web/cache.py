"""Widgets keyed by the data's version: ETags known without rendering, a small cache.

Every widget route names the groups of data it shows (``Route.reads``, see
:mod:`livingtogether.store.versions`). Before a ``GET /widgets/...`` is
dispatched, one query reads the version of every group; with everything else
that shapes the answer (the route, its path and query, the reader's language,
whether it is opened as a page, the mount, scheme and host, and
:func:`fingerprint`: the package version, the templates, translations and
static files, the language settings) it makes the answer's key, and the
key's hash is its ETag. So:

- a request whose ``If-None-Match`` names that ETag is answered 304 from that
  lookup alone, without reading or rendering anything (routes with ``etag``:
  not the pledge form, whose token ages, nor the campaign, whose screenings
  "to come" do);
- successful answers are kept for ``widget_cache_seconds`` (10 by default; 0
  turns this cache off, not the ETags) under that key, so a write anywhere,
  in this process or another one on the same database, makes the next
  request render anew: its version changed in the write's own transaction.

Personal data never reaches the cache: forms with what a reader typed are
answers to POST, and the pages of emails' links carry a ``token``; neither is
kept. Nor is any answer marked ``Cache-Control: no-store``, such as the signing
form, whose token is good for one post.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from importlib import resources
from typing import TYPE_CHECKING

import attrs

from ..errors import LivingTogetherError
from ..store import versions
from .conditional import matches
from .http import WIDGET_VARY, Request, Response, request_language

if TYPE_CHECKING:
    # for the annotation only: importlib.abc's name warns from Python 3.13 (it moved to
    # importlib.resources.abc, which 3.10 lacks)
    from importlib.abc import Traversable

    from ..settings import Settings
    from .routes import Route

#: How many answers one process keeps (the least recently used go first).
MAX_ENTRIES = 512

Key = tuple[object, ...]


def _files(folder: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found += _files(entry, name + "/")
        elif entry.is_file() and not entry.name.endswith((".pyc", ".po", ".pot")):
            found.append((name, entry.read_bytes()))
    return found


def fingerprint(settings: Settings) -> str:
    """What, besides the data, shapes every widget, hashed once at start-up: the package
    version, the templates, the compiled translations, the static files (their
    fingerprints are in the widgets' links) and the language settings."""
    from .. import __version__

    digest = hashlib.blake2b(digest_size=16)
    digest.update(__version__.encode())
    package = resources.files("livingtogether")
    for folder in ("web/templates", "web/static", "locale"):
        for name, body in sorted(_files(package.joinpath(folder), folder + "/")):
            digest.update(name.encode() + b"\0" + hashlib.blake2b(body).digest())
    digest.update(repr((settings.languages, settings.default_language,
                        settings.content_fallbacks)).encode())
    return digest.hexdigest()


@attrs.frozen
class Plan:
    """A widget request's key and ETag (``None``: the route answers no 304 from it)."""

    key: Key
    etag: str | None


class Keys:
    """Makes the :class:`Plan` of widget requests for one app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: What shapes every widget besides the data (:func:`fingerprint`).
        self.fingerprint = fingerprint(settings)
        # The reader's language by what decides it, and the ETag by its key: the same
        # few values come again and again, and each costs more than the rest of a 304.
        self._languages: dict[tuple[str | None, ...], str] = {}
        self._etags: dict[Key, str] = {}

    def language(self, request: Request) -> str:
        """The language the widget answering ``request`` speaks."""
        requested = request.query.get("lang")
        accepted = request.headers.get("accept-language")
        memo = (requested, request.language, accepted)
        found = self._languages.get(memo)
        if found is None:
            found = request_language(self.settings, request, requested)
            if len(self._languages) >= MAX_ENTRIES:
                self._languages.clear()
            self._languages[memo] = found
        return found

    def plan(self, request: Request, route: Route, found: dict[str, int]) -> Plan | None:
        """The key and ETag of a ``GET``/``HEAD`` of widget ``route``, from the versions
        ``found``; ``None`` when the answer is not to be keyed so."""
        if not route.reads or request.method not in ("GET", "HEAD"):
            return None
        if "token" in request.query:  # the page of an email's link: one reader's, never kept
            return None
        try:
            lang = self.language(request)
        except LivingTogetherError:
            return None
        destination = (request.headers.get("sec-fetch-dest") or "").lower()
        key: Key = (route.name, request.path, request.query.items, lang,
                    destination in ("document", "iframe"), request.script_name,
                    request.scheme, request.host, self.fingerprint,
                    found.get(versions.ALL, 0),
                    *[found.get(group, 0) for group in route.reads])
        etag = None
        if route.etag:
            etag = self._etags.get(key)
            if etag is None:
                etag = '"' + hashlib.blake2b(repr(key).encode("utf-8", "surrogateescape"),
                                             digest_size=16).hexdigest() + '"'
                if len(self._etags) >= MAX_ENTRIES:
                    self._etags.clear()
                self._etags[key] = etag
        return Plan(key=key, etag=etag)


def not_modified(request: Request, etag: str | None,
                 headers: tuple[tuple[str, str], ...] = ()) -> Response | None:
    """The 304 answer when ``request``'s ``If-None-Match`` names ``etag`` (``*`` is not
    enough: it is no proof that the client holds this version), with ``headers``.

    A 304's headers replace the stored answer's in the browser's cache, so they
    are those of the widget's 200 (its HTML Content-Security-Policy among them).
    """
    header = request.headers.get("if-none-match")
    if etag is None or not header or header.strip() == "*" or not matches(header, etag):
        return None
    return Response(status=304, headers=(("ETag", etag), ("Vary", WIDGET_VARY), *headers))


class WidgetCache:
    """Rendered widget answers by their :class:`Plan` key, dropped after ``seconds``."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self._entries: OrderedDict[Key, tuple[float, Response]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Response | None:
        """The answer kept for ``key``, if still fresh."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: Key, response: Response) -> None:
        """Keep ``response`` if it succeeded and may be stored."""
        if response.status != 200 or "no-store" in (response.header("cache-control") or ""):
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, response)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
