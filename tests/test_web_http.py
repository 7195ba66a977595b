"""The framework-free pieces: request parsing, JSON reading, languages, routing, zone names."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from livingtogether.errors import BadRequest, NotFound, PayloadTooLarge
from livingtogether.settings import Settings
from livingtogether.web import Headers, Query, Request, Response, status_line
from livingtogether.web.bodies import parse_form, parse_json, read_body
from livingtogether.web.errors import MethodNotAllowed, UnsupportedMediaType, status_for
from livingtogether.web.http import accepted_languages, has_undecodable, request_language, unmount
from livingtogether.web.localizer import utc_offset, zone_name
from livingtogether.web.params import Param, page_params
from livingtogether.web.routes import Route, Router


def test_query_keeps_repeats_and_marks_bad_bytes() -> None:
    query = Query.parse(b"a=1&a=2&b=%C3%A7&c&d=x+y&&e=%FF")
    assert query.get_all("a") == ("1", "2")
    assert query.get("a") == "2"
    assert query.get("b") == "ç"
    assert query.get("c") == ""
    assert query.get("d") == "x y"
    assert has_undecodable(query.get("e") or "")
    assert not has_undecodable(query.get("b") or "")
    assert query.names() == ("a", "b", "c", "d", "e")


def test_headers_ignore_case() -> None:
    headers = Headers([("Content-Type", "a"), ("X-Many", "1"), ("x-many", "2")])
    assert headers.get("content-type") == "a"
    assert headers.get_all("X-MANY") == ("1", "2")
    assert "CONTENT-TYPE" in headers
    assert "nope" not in headers


def test_request_build_decodes_paths() -> None:
    request = Request.build(method="get", path=b"/caf\xc3\xa9", script_name="/x/")
    assert (request.method, request.path, request.script_name) == ("GET", "/café", "/x")
    assert request.url_for("/static/a.css") == "/x/static/a.css"
    assert has_undecodable(Request.build(method="GET", path=b"/\xff").path)


@pytest.mark.parametrize(
    ("script_name", "path", "prefix", "seen"),
    [
        ("", "/lt/api/v1/cities", "/lt", ("/lt", "/api/v1/cities")),
        ("/site", "/lt/", "/lt/", ("/site/lt", "/")),
        ("/site", "/lt", "/lt", ("/site/lt", "/")),
        # a host's own page rendering a widget: links still go under the mount
        ("/site", "/news/today", "/lt", ("/site/lt", "/news/today")),
        ("", "/ltx/page", "/lt", ("/lt", "/ltx/page")),
        ("", "/page", "", ("", "/page")),
    ],
)
def test_a_mount_prefix_moves_from_the_path_to_the_script_name(
        script_name: str, path: str, prefix: str, seen: tuple[str, str]) -> None:
    assert unmount(script_name, path, prefix) == seen
    request = Request.build(method="GET", path=path, script_name=script_name,
                            query_string="a=1", language="fr").under(prefix)
    assert (request.script_name, request.path) == seen
    assert (request.query.get("a"), request.language) == ("1", "fr")


def _json(body: bytes, content_type: str = "application/json") -> object:
    return parse_json(Request(method="POST", path="/", body=body,
                              headers=Headers([("Content-Type", content_type)])))


def test_json_reading() -> None:
    assert _json(b'{"a": "[[[[", "b": [1, {"c": null}]}') == {
        "a": "[[[[", "b": [1, {"c": None}]}
    assert _json(b'\xef\xbb\xbf{"bom": true}') == {"bom": True}
    assert _json(b'{"a": 1}', "application/problem+json; charset=UTF-8") == {"a": 1}
    # where the error is (the json module words it differently from one Python to the next)
    with pytest.raises(BadRequest, match=r"not valid JSON: .* at line \d+ column \d+"):
        _json(b'{"a": 1,\n}')
    with pytest.raises(BadRequest, match="0xff at position 7"):
        _json(b'{"a": "\xff"}')
    with pytest.raises(BadRequest, match="deeper than 32"):
        _json(b"[" * 33 + b"]" * 33)
    assert _json(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(BadRequest, match="Infinity"):
        _json(b"[Infinity]")
    with pytest.raises(BadRequest):
        _json(b"1" * 5000)  # longer than Python's integer digit limit
    with pytest.raises(UnsupportedMediaType):
        _json(b"{}", "text/json")


def test_form_reading() -> None:
    def form(body: bytes) -> dict[str, str]:
        return parse_form(Request(method="POST", path="/", body=body, headers=Headers(
            [("Content-Type", "application/x-www-form-urlencoded")])))

    assert form(b"a=1&b=%C3%A7a+va&a=2") == {"a": "2", "b": "ça va"}
    with pytest.raises(BadRequest, match="UTF-8"):
        form(b"a=%FF")
    with pytest.raises(BadRequest, match="more than 200"):
        form(b"&".join(b"a%d=1" % i for i in range(300)))


def test_body_reading_limits() -> None:
    def headers(length: str | None) -> Headers:
        return Headers([("Content-Length", length)] if length is not None else [])

    assert read_body(io.BytesIO(b"abcdef"), headers("3"), 10) == b"abc"
    assert read_body(io.BytesIO(b"abc"), headers(None), 10) == b""
    assert read_body(io.BytesIO(b"abc"), headers(None), 10, terminated=True) == b"abc"
    with pytest.raises(PayloadTooLarge):
        read_body(io.BytesIO(b"x" * 11), headers(None), 10, terminated=True)
    with pytest.raises(PayloadTooLarge):
        read_body(io.BytesIO(), headers("11"), 10)
    for bad in ("abc", "-1", "1e3", "9" * 30):
        with pytest.raises(BadRequest, match="Content-Length"):
            read_body(io.BytesIO(), headers(bad), 10)


def test_languages() -> None:
    assert accepted_languages("fr-CA,fr;q=0.9, en;q=0.8, *;q=0.1, de;q=0") == [
        "fr-ca", "fr", "en"]
    # werkzeug's parser: what is not a language tag is left out, a tag's extra parameters too
    assert accepted_languages("<script>;;, en;q=abc, fr;q=0.5;level=1, de;q=2, ar") == [
        "ar", "fr"]
    assert accepted_languages(";;;,,,") == []
    assert accepted_languages(None) == []


def test_request_language_takes_the_first_accepted_language_offered() -> None:
    def chosen(accept: str, offered: tuple[str, ...], default: str) -> str:
        request = Request.build(method="GET", path="/", headers=[("Accept-Language", accept)])
        settings = Settings(languages=offered, default_language=default)
        return request_language(settings, request, None)

    # by its base language: neither pt-BR nor pt is offered, fr-CA is offered as fr
    assert chosen("pt-BR, fr-CA", ("en", "fr"), "en") == "fr"
    # nothing accepted is offered: the site's default, not the first language offered
    assert chosen("ja", ("en", "fr"), "fr") == "fr"


def test_params_parse_and_bound() -> None:
    settings = Settings()
    limit, offset = page_params()
    assert limit.parse((), settings) == 50
    assert limit.parse(("200",), settings) == 200
    for bad in ("0", "201", "x", "-3", " 5"):
        with pytest.raises(BadRequest) as caught:
            limit.parse((bad,), settings)
        assert caught.value.field == "limit"
        assert "from 1 to 200" in caught.value.message
    assert Settings(max_page_size=20).max_page_size == 20
    assert offset.parse(("0",), settings) == 0
    country = Param(name="country", kind="country", description="")
    assert country.parse(("tr",), settings) == "TR"
    with pytest.raises(BadRequest, match="ISO 3166"):
        country.parse(("XX",), settings)


def test_router_answers_404_and_405_with_allow() -> None:
    def handler(_: object) -> Response:
        return Response()

    router = Router((
        Route(method="GET", path="/a/{slug}", handler=handler, name="a", summary=""),
        Route(method="POST", path="/a/{slug}", handler=handler, name="b", summary=""),
    ))
    assert router.match("GET", "/a/x")[1] == {"slug": "x"}
    assert router.match("HEAD", "/a/x/")[0].name == "a"
    with pytest.raises(MethodNotAllowed) as caught:
        router.match("PUT", "/a/x")
    assert caught.value.allow == ("GET", "POST", "HEAD")
    with pytest.raises(NotFound):
        router.match("GET", "/a/x/y")


def test_statuses() -> None:
    assert status_for(MethodNotAllowed("x", allow=("GET",))) == 405
    assert status_for(UnsupportedMediaType("x")) == 415
    assert status_for(BadRequest("x")) == 400
    assert status_line(413) == "413 Content Too Large"  # RFC 9110, on every Python
    assert status_line(422) == "422 Unprocessable Content"
    assert status_line(404) == "404 Not Found"
    assert status_line(599) == "599 Unknown"


@pytest.mark.parametrize(("zone", "when", "expected"), [
    ("Europe/Istanbul", datetime(2021, 12, 7, 13), "TRT (UTC+3)"),
    ("Europe/Paris", datetime(2021, 12, 7, 13), "CET (UTC+1)"),
    ("Europe/Paris", datetime(2021, 7, 7, 13), "CEST (UTC+2)"),
    ("America/Montreal", datetime(2021, 12, 7, 13), "EST (UTC-5)"),
    ("America/Montreal", datetime(2021, 7, 7, 13), "EDT (UTC-4)"),
    ("Asia/Kolkata", datetime(2021, 7, 7, 13), "IST (UTC+5:30)"),
    ("Asia/Kathmandu", datetime(2021, 7, 7, 13), "UTC+5:45"),
    ("UTC", datetime(2021, 7, 7, 13), "UTC+0"),
])
def test_zone_names_come_from_zoneinfo(zone: str, when: datetime, expected: str) -> None:
    moment = when.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
    assert zone_name(moment, zone) == expected
    assert utc_offset(None) == "UTC+0"
