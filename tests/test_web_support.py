"""A real HTTP server on 127.0.0.1 for the web tests, and helpers to read its HTML.

``serving(wsgi_app)`` runs ``wsgiref`` on port 0 in a daemon thread and stops
it afterwards; :class:`Client` sends requests with ``requests`` (or raw bytes
with ``http.client``) and fails the test on any 5xx.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from socketserver import BaseServer, ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests

SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


@contextmanager
def serving(app: Any, *, threaded: bool = False, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) while the block runs; yields the base URL.

    ``threaded``: a thread per request, for tests of concurrent clients; ``port``:
    this one rather than a free one.
    """
    server: WSGIServer = make_server("127.0.0.1", port, app, handler_class=_QuietHandler,
                                     server_class=_ThreadedServer if threaded else WSGIServer)
    with running(server) as base:
        yield base


@contextmanager
def running(server: BaseServer) -> Iterator[str]:
    """Run ``server`` (bound to 127.0.0.1) in a daemon thread while the block runs, then
    stop it and close its port; yields its base URL."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Client:
    """Requests to one server; every answer is checked: no 5xx, security headers present."""

    def __init__(self, base: str, *, allow_5xx: bool = False) -> None:
        self.base = base
        self.session = requests.Session()
        self.allow_5xx = allow_5xx
        parts = base.removeprefix("http://").split(":")
        self.host, self.port = parts[0], int(parts[1])

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; fail on a 5xx or a missing security header."""
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 10)
        response = self.session.request(method, self.base + path, **kwargs)
        self.check(response.status_code, response.headers)
        return response

    def check(self, status: int, headers: Any) -> None:
        """No 5xx (unless allowed); the security headers on every answer."""
        if not self.allow_5xx:
            assert status < 500, f"server error {status}"
        for name in SECURITY_HEADERS:
            assert headers.get(name), f"missing {name}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """POST to ``path``."""
        return self.request("POST", path, **kwargs)

    def raw(self, method: str, target: bytes, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Send ``target`` as raw bytes (e.g. not UTF-8), which ``requests`` would re-encode."""
        sent = {"Host": f"{self.host}:{self.port}", "Connection": "close", **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Length", str(len(body)))
        head = b"%s %s HTTP/1.1\r\n" % (method.encode(), target) + b"".join(
            f"{name}: {value}\r\n".encode("latin-1") for name, value in sent.items())
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(head + b"\r\n" + (body or b""))
            response = http.client.HTTPResponse(sock)
            response.begin()
            data = response.read()
            found = dict(response.getheaders())
        self.check(response.status, found)
        return response.status, found, data


def error_of(response: requests.Response) -> dict[str, Any]:
    """The ``error`` object of a JSON error answer, its shape checked."""
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "field", "problems"}
    assert isinstance(error["message"], str)
    assert error["message"]
    for problem in error["problems"]:
        assert set(problem) == {"field", "message"}
    assert "Traceback" not in response.text
    return error  # type: ignore[no-any-return]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Tree(HTMLParser):
    """A strict-enough HTML reader: balanced tags, unique ids, the elements and text seen."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.roots: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: list[str] = []
        self.problems: list[str] = []
        self.text_parts: list[str] = []
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if not self.stack:
            self.roots.append(tag)
        self.elements.append((tag, values))
        if "id" in values:
            if values["id"] in self.ids:
                self.problems.append(f"duplicate id {values['id']!r}")
            self.ids.append(values["id"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        """The text content, whitespace collapsed."""
        return " ".join("".join(self.text_parts).split())

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        """The attributes of every ``tag`` whose attributes include ``wanted``."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in wanted.items()}
        return [attrs for name, attrs in self.elements
                if name == tag and all(attrs.get(k) == v for k, v in wanted.items())]


def check_fragment(html: str, name: str) -> Tree:
    """``html`` is one well-formed ``<section class="lt-widget lt-widget--NAME">``, no page."""
    tree = Tree(html)
    assert not tree.problems, tree.problems
    assert tree.roots == ["section"], tree.roots
    root = tree.elements[0][1]
    assert root["class"].split() == ["lt-widget", f"lt-widget--{name}"]
    assert root.get("lang")
    assert root.get("dir") in ("ltr", "rtl")
    assert not tree.find("html")
    assert not tree.find("body")
    check_accessible_form(tree)
    return tree


def check_accessible_form(tree: Tree) -> None:
    """Every input has a label; every aria-describedby names existing ids."""
    for tag, attrs in tree.elements:
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden",
                                                                               "submit"):
            assert tree.find("label", for_=attrs.get("id", "?")), f"no label for {attrs}"
        for referred in attrs.get("aria-describedby", "").split():
            assert referred in tree.ids, f"aria-describedby names missing {referred!r}"


def test_serving_answers_and_stops() -> None:
    """The harness itself: a tiny app served, then the port closed."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), *(
            (name, "x") for name in SECURITY_HEADERS)])
        return [b"hello"]

    with serving(app) as base:
        assert Client(base).get("/").text == "hello"
    with pytest.raises(requests.ConnectionError):
        requests.get(base, timeout=2)


def test_tree_reports_broken_html() -> None:
    """The HTML reader catches unbalanced tags and duplicate ids."""
    assert Tree("<div><p>x</div>").problems
    assert Tree('<p id="a"></p><p id="a"></p>').problems
    assert not Tree("<ul><li>a<br></li></ul>").problems
