"""A small cache of rendered widgets, per process.

Rendering a programme takes milliseconds; serving the same bytes again takes
microseconds. Successful GET answers of ``/widgets/...`` are kept for
``widget_cache_seconds`` (10 by default; 0 turns the cache off), keyed by
everything that shapes them: path, query, the host's active language, the
language and destination headers, mount, scheme and host. Any write through
this process's Observatory empties the cache at once, so a signature
confirmed here shows in the counter on the next request; other processes
(gunicorn workers) see it within ``widget_cache_seconds``. Personal data
never reaches it: forms with what a reader typed are answers to POST, and the
pages of emails' links carry a ``token``; neither is kept. Nor is any answer
marked ``Cache-Control: no-store``, such as the signing form, whose token is
good for one post.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from .http import Request, Response

if TYPE_CHECKING:
    from ..store import Store

#: How many answers one process keeps (the least recently used go first).
MAX_ENTRIES = 512

Key = tuple[object, ...]


class WidgetCache:
    """Rendered widget answers, dropped after ``seconds`` or on any write to ``store``."""

    def __init__(self, store: Store, seconds: int) -> None:
        self.store = store
        self.seconds = seconds
        self._entries: OrderedDict[Key, tuple[float, Response]] = OrderedDict()
        self._generation = store.generation
        self._lock = threading.Lock()

    @staticmethod
    def key(request: Request) -> Key | None:
        """The cache key of ``request``, or ``None`` when it is not to be cached."""
        if request.method not in ("GET", "HEAD") or not request.path.startswith("/widgets/"):
            return None
        if "token" in request.query:  # the page of an email's link: one reader's, never kept
            return None
        headers = request.headers
        if "if-none-match" in headers or "if-modified-since" in headers:
            return None  # the route's own validators answer 304
        return (request.path, request.query.items, request.language,
                headers.get("accept-language"),
                headers.get("sec-fetch-dest"), request.script_name, request.scheme,
                request.host)

    def get(self, key: Key) -> Response | None:
        """The answer kept for ``key``, if still fresh."""
        with self._lock:
            if self._generation != self.store.generation:
                self._entries.clear()
                self._generation = self.store.generation
                return None
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: Key, response: Response, generation: int) -> None:
        """Keep ``response`` if it succeeded and nothing was written since ``generation``."""
        if response.status != 200 or "no-store" in (response.header("cache-control") or ""):
            return
        with self._lock:
            if generation != self.store.generation:
                return
            self._entries[key] = (time.monotonic() + self.seconds, response)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
