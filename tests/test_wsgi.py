"""The plain WSGI adapter: mounted under a prefix, environ translation, body reading."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from livingtogether.wsgi import make_app, request_from_environ
from test_web_support import Client, Tree, check_fragment, serving

PREFIX = "/city/embed"


def mounted(prefix: str, app: Any) -> Any:
    """A tiny dispatcher, as a city's site would mount the app: the prefix moves to SCRIPT_NAME."""

    def site(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == prefix or path.startswith(prefix + "/"):
            environ = {**environ, "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + prefix,
                       "PATH_INFO": path[len(prefix):] or "/"}
            return app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"),
                                         ("X-Content-Type-Options", "nosniff"),
                                         ("Referrer-Policy", "no-referrer"),
                                         ("Content-Security-Policy", "default-src 'none'")])
        return [b"the city's own 404"]

    return site


@pytest.fixture
def obs(open_demo: Callable[..., Any]) -> Any:
    """The demo data on a fresh SQLite file, with a small body limit."""
    return open_demo(max_body_bytes=2048, pledge_min_fill_seconds=0)


@pytest.fixture
def site(obs: Any) -> Iterator[Client]:
    """The app mounted under /city/embed of a city's site, on a real server."""
    with serving(mounted(PREFIX, make_app(obs, demo_page=True))) as base:
        yield Client(base)


def test_the_api_answers_under_the_prefix(site: Client) -> None:
    assert site.get(f"{PREFIX}/api/v1/cities/izmir").json()["slug"] == "izmir"
    assert site.get("/api/v1/cities/izmir").text == "the city's own 404"
    assert site.get(f"{PREFIX}/openapi.json").json()["servers"] == [{"url": PREFIX}]


def test_links_and_static_urls_carry_the_prefix(site: Client) -> None:
    page = Tree(site.get(f"{PREFIX}/").text)
    assert not page.problems
    stylesheet = page.find("link", rel="stylesheet")[0]["href"]
    assert stylesheet.startswith(f"{PREFIX}/static/livingtogether.css?v=")
    assert site.get(stylesheet).headers["Content-Type"] == "text/css; charset=utf-8"
    actions = [form["action"] for form in page.find("form")]
    sign = f"{PREFIX}/widgets/pledge/universal-declaration?lang=en"
    assert sign in actions
    assert f"{PREFIX}/widgets/programme/izmir-2021" in actions
    assert page.find("a", href=f"{PREFIX}/openapi.json")
    practices = check_fragment(site.get(f"{PREFIX}/widgets/practices?limit=2").text,
                               "practices")
    assert practices.find("a", rel="next")[0]["href"].startswith(f"{PREFIX}/widgets/practices?")
    signed = site.post(sign, data={"kind": "citizen", "name": "Ana",
                                   "email": "ana@example.org", "country": "UY",
                                   "consent": "yes", "form_token": page.find(
                                       "input", name="form_token")[0]["value"]})
    assert signed.status_code == 200
    assert "Thank you for signing" in signed.text


def test_environ_translation() -> None:
    request = request_from_environ({
        "REQUEST_METHOD": "post", "SCRIPT_NAME": "/city/embed/", "PATH_INFO": "/api/v1/cities",
        "QUERY_STRING": "country=TR&limit=5&x=%C3%A7a+va", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "2", "HTTP_ACCEPT_LANGUAGE": "fr", "HTTP_HOST": "example.org",
        "wsgi.url_scheme": "https", "REMOTE_ADDR": "127.0.0.1",
    })
    assert (request.method, request.path, request.script_name) == (
        "POST", "/api/v1/cities", "/city/embed")
    assert request.query.get("x") == "ça va"
    assert request.query.get("limit") == "5"
    assert request.headers.get("accept-language") == "fr"
    assert request.headers.get("Content-Type") == "application/json"
    assert (request.scheme, request.host, request.remote_addr) == (
        "https", "example.org", "127.0.0.1")
    # PATH_INFO is latin-1 decoded bytes in WSGI: UTF-8 underneath
    assert request_from_environ({"PATH_INFO": "/caf\xc3\xa9"}).path == "/café"
    assert request_from_environ({"SERVER_NAME": "h", "SERVER_PORT": "8"}).host == "h:8"


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/", **environ}, start_response))
    return seen["status"], seen["headers"], body


class Untouchable(io.RawIOBase):
    """A body stream that must not be read."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("read a body it should have refused unread")


def test_bodies_are_read_under_the_limit(obs: Any) -> None:
    app = make_app(obs)
    sign = {"REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/declarations/universal-declaration/signatures",
            "CONTENT_TYPE": "application/json"}
    status, _, body = _call(app, {**sign, "CONTENT_LENGTH": "999999999",
                                  "wsgi.input": Untouchable()})
    assert status == "413 Content Too Large"
    assert b"2048" in body
    # no Content-Length, a stream the server ends (chunked): read to the limit, then refused
    status, _, _ = _call(app, {**sign, "wsgi.input": io.BytesIO(b"[" * 5000),
                               "wsgi.input_terminated": True})
    assert status.startswith("413")
    # a body shorter than announced
    status, _, body = _call(app, {**sign, "CONTENT_LENGTH": "100",
                                  "wsgi.input": io.BytesIO(b"{}")})
    assert status.startswith("400")
    assert b"ended after 2 of the 100" in body
    status, headers, _ = _call(app, {**sign, "CONTENT_LENGTH": "-5", "wsgi.input": io.BytesIO()})
    assert status.startswith("400")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    status, _, _ = _call(app, {**sign, "CONTENT_LENGTH": "15", "wsgi.input": io.BytesIO(
        b'{"kind": "x"}  ')})
    assert status.startswith("422")


def test_head_and_content_length(obs: Any) -> None:
    app = make_app(obs)
    status, headers, body = _call(app, {"REQUEST_METHOD": "HEAD",
                                        "PATH_INFO": "/static/livingtogether.css"})
    assert status == "200 OK"
    assert body == b""
    assert int(headers["Content-Length"]) > 1000
    status, headers, body = _call(app, {"PATH_INFO": "/api/v1/cities"})
    assert int(headers["Content-Length"]) == len(body)
    # Since issue 7 every JSON answer to a GET has an ETag (the hub's syncing clients use it).
    etag = headers.get("ETag")
    assert etag
    status, headers, body = _call(app, {"PATH_INFO": "/api/v1/cities",
                                        "HTTP_IF_NONE_MATCH": etag})
    assert status == "304 Not Modified"
    assert body == b""
    _, css, _ = _call(app, {"PATH_INFO": "/static/livingtogether.css"})
    status, headers, body = _call(app, {"PATH_INFO": "/static/livingtogether.css",
                                        "HTTP_IF_NONE_MATCH": css["ETag"]})
    assert status == "304 Not Modified"
    assert body == b""
    assert "Content-Length" not in headers
