"""Two-server helpers for the hub tests: a hub, a member, and a misbehaving proxy.

:class:`FaultyProxy` is a real HTTP server on 127.0.0.1 in front of a real hub.
Each request takes the next action of its plan (then ``pass``):

``pass``   forward to the hub and relay its answer
``500``    answer 500 without asking the hub
``429``    answer 429 with ``Retry-After: 1``
``hang``   say nothing for ``hang_seconds``, then close (the client times out first)
``cut``    forward, send the hub's headers and half its body, then drop the connection
``reset``  close the connection without answering
``corrupt`` forward, but the middle item of the page names a city that exists nowhere
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from livingtogether import Observatory
from livingtogether.demo import install
from test_web_support import running


class FaultyProxy:
    """A proxy to ``upstream`` that misbehaves as its ``plan`` says, one action a request."""

    def __init__(self, upstream: str, plan: list[str] | None = None, *,
                 hang_seconds: float = 2.0) -> None:
        self.upstream = urlsplit(upstream)
        self.plan = list(plan or [])
        self.hang_seconds = hang_seconds
        self.seen: list[tuple[str, str]] = []  # (action, path) of every request
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def next_action(self, path: str) -> str:
        """The action for the next request (``pass`` once the plan is used up)."""
        with self.lock:
            action = self.plan.pop(0) if self.plan else "pass"
            self.seen.append((action, path))
            return action

    def forward(self, handler: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]],
                                                                bytes]:
        """Send the request to the hub; its status, headers and body."""
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items()
                       if k.lower() not in ("host", "connection")}
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data
        finally:
            connection.close()

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Run the proxy while the block runs; yields its base URL."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle_one(self) -> None:
                action = proxy.next_action(self.path)
                if action == "reset":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "hang":
                    proxy.stop.wait(proxy.hang_seconds)
                    self.close_connection = True
                    return
                if action in ("500", "429"):
                    body = b'{"error": {"message": "injected", "field": null, "problems": []}}'
                    self.send_response(int(action))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    if action == "429":
                        self.send_header("Retry-After", "1")
                    self.end_headers()
                    self.wfile.write(body)
                    return
                status, headers, body = proxy.forward(self)
                if action == "corrupt":
                    data = json.loads(body)
                    data["items"][len(data["items"]) // 2]["record"]["city"] = "atlantis"
                    body = json.dumps(data).encode()
                    headers = [(name, str(len(body)) if name.lower() == "content-length"
                                else value) for name, value in headers]
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("connection", "transfer-encoding", "date",
                                            "server"):
                        self.send_header(name, value)
                self.end_headers()
                if action == "cut":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = handle_one

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        try:
            with running(server) as base:
                yield base
        finally:
            self.stop.set()  # a request still hanging gives up


def opened_hub(url: str) -> Iterator[Observatory]:
    """A hub with the demo data on ``url``, closed afterwards (for fixtures)."""
    obs = Observatory.open(url)
    install(obs)
    try:
        yield obs
    finally:
        obs.close()


def snapshot(observatory: Any) -> dict[str, Any]:
    """The public records of a site, by kind and slug, as the converter writes them."""
    from livingtogether import convert
    from livingtogether.models import ModerationStatus

    with observatory.store.read() as connection:
        cities = observatory.cities.all_in(connection)
        themes = observatory.themes.all_in(connection)
        practices = observatory.practices.all_in(connection)
        events = observatory.programme.all_in(connection)
    return {
        "cities": {c.slug: convert.unstructure(c) for c in cities},
        "themes": {t.slug: convert.unstructure(t) for t in themes},
        "practices": {p.slug: convert.unstructure(p) for p in practices
                      if p.status is ModerationStatus.PUBLISHED},
        "events": {e.slug: convert.unstructure(e) for e in events},
    }


def wait_until(check: Any, seconds: float = 5.0) -> None:
    """Poll ``check()`` until true, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
