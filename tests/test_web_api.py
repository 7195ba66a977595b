"""The JSON API over a real HTTP server on 127.0.0.1, on a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from livingtogether import convert
from livingtogether.demo import bundle
from livingtogether.models import ModerationStatus, Pledge, Practice, Text
from livingtogether.web import build_routes
from livingtogether.wsgi import make_app
from test_web_support import Client, error_of, serving

SIGNER = {
    "kind": "citizen", "name": "Ayşe Yılmaz", "email": "ayse@example.org", "country": "TR",
    "city": "Izmir", "public": True, "consent_version": "2022-1",
}
SIGN = "/api/v1/declarations/universal-declaration/signatures"


def seed(obs: Any) -> None:
    """The demo data (Izmir programme, cities, practices, declaration) and a draft practice."""
    obs.import_bundle(bundle())
    obs.practices.create(Practice(
        slug="draft-practice", city="izmir", title=Text.of("Not yet public"),
        status=ModerationStatus.DRAFT, themes=("culture",),
    ))


@pytest.fixture
def api(observatory: Any) -> Iterator[tuple[Client, Any]]:
    """A server on each database (SQLite, PostgreSQL), with the demo data."""
    seed(observatory)
    with serving(make_app(observatory)) as base:
        yield Client(base), observatory


@pytest.fixture
def client(sqlite_url: str) -> Iterator[Client]:
    """A server (with the demo page) on a fresh SQLite file, the demo data, a small body limit."""
    from livingtogether import Observatory

    obs = Observatory.open(sqlite_url, max_body_bytes=4096)
    try:
        seed(obs)
        with serving(make_app(obs, demo_page=True)) as base:
            yield Client(base)
    finally:
        obs.close()


# -- the data


def test_cities_list_filters_and_pages(api: tuple[Client, Any]) -> None:
    client, obs = api
    everything = client.get("/api/v1/cities").json()
    assert everything["total"] == 13
    assert everything["limit"] == 50
    assert everything["offset"] == 0
    slugs = [c["slug"] for c in everything["items"]]
    assert slugs == sorted(slugs)
    assert client.get("/api/v1/cities?country=TR").json()["items"] == [
        convert.unstructure(obs.cities.get("izmir"))]
    assert [c["slug"] for c in client.get("/api/v1/cities?country=ca").json()["items"]] == [
        "montreal", "quebec"]
    founding = client.get("/api/v1/cities", params={"status": "founding_member"}).json()
    assert [c["slug"] for c in founding["items"]] == ["montreal"]
    page = client.get("/api/v1/cities?limit=2&offset=3").json()
    assert page["limit"] == 2
    assert page["offset"] == 3
    assert page["total"] == 13
    assert [c["slug"] for c in page["items"]] == [c["slug"] for c in everything["items"][3:5]]


def test_city_is_the_converter_output(api: tuple[Client, Any]) -> None:
    client, obs = api
    response = client.get("/api/v1/cities/izmir")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == convert.unstructure(obs.cities.get("izmir"))
    # UTF-8 as itself, not \u escapes
    assert "İzmir".encode() in response.content
    assert b"\\u" not in response.content


def test_practices_are_published_only(api: tuple[Client, Any]) -> None:
    client, _ = api
    listed = client.get("/api/v1/practices").json()
    slugs = {p["slug"] for p in listed["items"]}
    assert "draft-practice" not in slugs
    assert listed["total"] == 6  # the demo's five practices and its example study
    assert all(p["status"] == "published" for p in listed["items"])
    assert [p["slug"] for p in client.get("/api/v1/practices?city=izmir").json()["items"]] == [
        "example-newcomer-welcome-network"]
    assert [p["slug"] for p in client.get("/api/v1/practices?kind=case_study").json()["items"]] \
        == ["example-heatwave-neighbour-checks"]
    culture = client.get("/api/v1/practices?theme=culture").json()["items"]
    assert [p["slug"] for p in culture] == ["example-intercultural-library-evenings"]
    assert client.get("/api/v1/practices/example-heatwave-neighbour-checks").json()["city"] \
        == "paris"
    hidden = client.get("/api/v1/practices/draft-practice")
    assert hidden.status_code == 404
    assert error_of(hidden)["message"] == error_of(
        client.get("/api/v1/practices/no-such-practice"))["message"].replace(
        "no-such-practice", "draft-practice")


def test_the_izmir_programme_as_json(api: tuple[Client, Any]) -> None:
    client, obs = api
    event = client.get("/api/v1/events/izmir-2021").json()
    assert event == convert.unstructure(obs.programme.get("izmir-2021"))
    sessions = event["sessions"]
    assert len(sessions) == 7
    first = sessions[0]
    assert (first["day"], first["starts_at"], first["ends_at"]) == (
        "2021-12-07", "2021-12-07T13:00:00Z", "2021-12-07T14:30:00Z")
    assert sessions[-1]["starts_at"] is None
    listed = client.get("/api/v1/events").json()
    assert listed["total"] == 1
    assert listed["items"][0]["slug"] == "izmir-2021"



def test_the_events_api_serves_what_the_public_sees(api: tuple[Client, Any]) -> None:
    # An organiser's edits stay private until published, as in the widget and exports.
    client, obs = api
    obs.programme.publish("izmir-2021", note="First programme")
    stored = obs.programme.get("izmir-2021")
    obs.programme.update(attrs.evolve(stored, sessions=stored.sessions[:-1]))
    published = convert.unstructure(obs.programme.version("izmir-2021", 1))
    assert client.get("/api/v1/events/izmir-2021").json() == published
    assert client.get("/api/v1/events").json()["items"] == [published]
    obs.programme.publish("izmir-2021")
    assert len(client.get("/api/v1/events/izmir-2021").json()["sessions"]) == 6
    assert len(client.get("/api/v1/events").json()["items"][0]["sessions"]) == 6
def test_signing_is_neutral_and_counted(api: tuple[Client, Any]) -> None:
    client, obs = api
    stats = client.get("/api/v1/declarations/universal-declaration/stats").json()
    assert stats["confirmed"] == 0
    assert stats["declaration"] == "universal-declaration"
    first = client.post(SIGN, json=SIGNER)
    assert first.status_code == 202
    assert "ayse" not in first.text
    assert "example.org" not in first.text
    again = client.post(SIGN, json={**SIGNER, "email": "AYSE@example.org", "name": "Other"})
    assert (again.status_code, again.content) == (first.status_code, first.content)
    pending = obs.signatures.list("universal-declaration")
    assert pending.total == 1
    obs.signing.confirm(pending.items[0].id)
    stats = client.get("/api/v1/declarations/universal-declaration/stats").json()
    assert stats["confirmed"] == 1
    assert stats["by_country"] == {"TR": 1}
    assert client.get("/api/v1/declarations/universal-declaration").json()["slug"] == (
        "universal-declaration")


def test_signing_on_behalf_of_an_institution(client: Client) -> None:
    institution = {"name": "Izmir Youth Association", "kind": "ngo",
                   "representative_role": "Chair", "website": "https://example.org"}
    response = client.post(SIGN, json={**SIGNER, "kind": "institution",
                                       "institution": institution})
    assert response.status_code == 202


# -- bad input, for every endpoint


def test_signature_problems_are_422_with_fields(client: Client) -> None:
    missing = client.post(SIGN, json={"kind": "citizen"})
    assert missing.status_code == 422
    fields = {p["field"] for p in error_of(missing)["problems"]}
    assert {"name", "email", "country", "consent_version"} <= fields
    server_set = error_of(client.post(SIGN, json={**SIGNER, "status": "confirmed", "id": 3}))
    assert server_set["field"] in ("status", "id")
    assert {p["field"] for p in server_set["problems"]} == {"status", "id"}
    assert error_of(client.post(SIGN, json={**SIGNER, "kind": "robot"}))["field"] == "kind"
    assert error_of(client.post(SIGN, json={**SIGNER, "public": "yes"}))["field"] == "public"
    assert error_of(client.post(SIGN, json={**SIGNER, "email": "not-an-address"}))["field"] \
        == "email"
    assert error_of(client.post(SIGN, json={**SIGNER, "extra": 1}))["message"].startswith(
        "unknown field")
    assert client.post(SIGN, json=[SIGNER]).status_code == 422
    assert client.post(SIGN, json="text").status_code == 422
    assert client.post("/api/v1/declarations/nope/signatures", json=SIGNER).status_code == 404


@pytest.mark.parametrize(("body", "content_type", "status", "words"), [
    (b'{"kind": "citizen",', "application/json", 400, "line 1 column 20"),
    (b"", "application/json", 400, "empty"),
    (b'{"name": "\xff\xfe"}', "application/json", 400, "not valid UTF-8"),
    (b'{"a": NaN}', "application/json", 400, "NaN"),
    (b'{"a": 1, "a": 2}', "application/json", 400, "appears twice"),
    (b"[" * 100 + b"]" * 100, "application/json", 400, "deeper"),
    (b"1" * 5000, "application/json", 413, "limit of 4096"),
    (json.dumps(SIGNER).encode(), "text/plain", 415, "application/json"),
    (json.dumps(SIGNER).encode(), "application/json; charset=latin-1", 415, "UTF-8"),
    (json.dumps(SIGNER).encode(), "application/x-www-form-urlencoded", 415, "JSON"),
])
def test_malformed_bodies(client: Client, body: bytes, content_type: str, status: int,
                          words: str) -> None:
    response = client.post(SIGN, data=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert words in error_of(response)["message"]


def test_a_body_without_content_type_is_415(client: Client) -> None:
    status, _headers, _ = client.raw("POST", SIGN.encode(), json.dumps(SIGNER).encode())
    assert status == 415


def test_a_lying_content_length_is_refused(client: Client) -> None:
    status, _, body = client.raw("POST", SIGN.encode(), b"{}",
                                 {"Content-Type": "application/json", "Content-Length": "abc"})
    assert status == 400
    assert b"Content-Length" in body


def _routes() -> list[Any]:
    return [r for r in build_routes(demo_page=True) if r.tag != "static"]


def _concrete(path: str, value: str) -> str:
    for name in ("slug", "event", "city", "key"):
        path = path.replace("{" + name + "}", value)
    return path.replace("{session}", "mayors-dialogue" if value == "izmir-2021" else value)


@pytest.mark.parametrize("route", _routes(), ids=lambda r: f"{r.method} {r.path}")
def test_every_endpoint_refuses_bad_input_without_a_5xx(client: Client, route: Any) -> None:
    real = "universal-declaration" if "declaration" in route.path or "pledge" in route.path \
        else "example-heatwave-neighbour-checks" if "practices" in route.path \
        else "izmir" if "/cities/{slug}" in route.path \
        else "mayors-summits" if "/series/" in route.path else "izmir-2021"
    path = _concrete(route.path, real)
    html = route.kind == "html"
    # wrong method: 405 naming the allowed ones
    other = "DELETE"
    wrong = client.request(other, path)
    assert wrong.status_code == 405
    assert route.method in wrong.headers["Allow"]
    # unknown slugs, and paths that are not slugs at all
    if route.path_params:
        for value in ("no-such-thing", "Not A Slug", "x" * 300, "%2e%2e"):
            missing = client.request(route.method, _concrete(route.path, value))
            # a route that needs a token asks for one before saying what exists (issue 7);
            # a form's POST without a form says so before looking anything up
            expected = {401} if route.auth and value == "no-such-thing" else \
                {404, 415} if route.method == "POST" and html else {404}
            assert missing.status_code in expected, value
            if not html:
                error_of(missing)
    # query parameters of the wrong type or out of bounds
    for param in route.params:
        bad_values = {"integer": ["abc", "-1", "1.5", "99999999999999"], "enum": ["bogus"],
                      "slug": ["Not a slug!"], "country": ["XX", "Turkey"],
                      "language": ["not a language", "zz"],
                      "zone": ["Mars/Olympus", "not a zone"],
                      "string": ["not a date", "2021-13-01", "2030-01-01"],
                      "token": ["short", "not a token but long enough!"],
                      "cursor": ["abc", "-1", "1" * 16],
                      "instant": ["not a date", "2021-13-01", "2030-01-01"],
                      # an address not to return to is ignored, not refused (no open
                      # redirect either way): tests/test_pledge_return.py tries them
                      "url": []}[param.kind]
        if param.name == "q":  # the search's words: too long, or with a control character
            bad_values = ["x" * 501, "a\x00b"]
        for value in bad_values:
            response = client.request(route.method, path, params={param.name: value})
            assert response.status_code == 400, (param.name, value)
            if html:
                assert "lt-widget--error" in response.text
                assert param.name in response.text
            else:
                error = error_of(response)
                assert error["field"] == param.name
                assert error["message"]
        twice = client.request(route.method, f"{path}?{param.name}=1&{param.name}=2")
        assert twice.status_code == 400
    # bytes that are not UTF-8, in the path and in the query
    status, _, _ = client.raw(route.method, path.encode() + b"%FF")
    assert status in (400, 404)
    status, _, _ = client.raw(route.method, path.encode() + b"\xc3\x28")
    assert status in (400, 404)
    status, _, body = client.raw(route.method, path.encode() + b"?lang=%C3%28")
    assert status == 400
    assert b"UTF-8" in body
    # an oversized body, for any method
    status, _, body = client.raw(route.method, path.encode(), b"x" * 5000,
                                 {"Content-Type": "application/json"})
    assert status == 413
    assert b"4096" in body


def test_non_utf8_paths_are_400(client: Client) -> None:
    status, _headers, body = client.raw("GET", b"/api/v1/cities/%FF")
    assert status == 400
    assert b"UTF-8" in body
    status, _, _ = client.raw("GET", b"/api/v1/cities?country=%FF")
    assert status == 400


def test_unknown_routes_are_404_json(client: Client) -> None:
    for path in ("/nothing", "/api/v2/cities", "/api/v1/cities/izmir/more", "/index.html"):
        response = client.get(path)
        assert response.status_code == 404
        assert error_of(response)["message"].startswith("there is nothing at")


def test_head_has_no_body(client: Client) -> None:
    response = client.request("HEAD", "/api/v1/cities")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_security_headers(client: Client) -> None:
    response = client.get("/api/v1/cities")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    widget = client.get("/widgets/cities")
    assert "form-action 'self'" in widget.headers["Content-Security-Policy"]
    # scripts only from this site's static files: never inline, never elsewhere
    policy = widget.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy


def test_an_unexpected_failure_is_a_generic_500(sqlite_observatory: Any,
                                                caplog: pytest.LogCaptureFixture) -> None:
    # A real fault, not a stand-in: the table the endpoint reads is gone.
    with sqlite_observatory.store.write() as connection:
        connection.exec_driver_sql("DROP TABLE lt_cities")
    with serving(make_app(sqlite_observatory)) as base:
        client = Client(base, allow_5xx=True)
        response = client.get("/api/v1/cities")
        widget = client.get("/widgets/cities")
    assert response.status_code == 500
    error = error_of(response)
    assert "lt_cities" not in response.text
    assert "Traceback" not in response.text
    assert error["message"].startswith("something went wrong")
    assert widget.status_code == 500
    assert "lt_cities" not in widget.text
    assert "lt-widget--error" in widget.text
    assert "no such table: lt_cities" in caplog.text


def test_pledge_stats_of_every_declaration(api: tuple[Client, Any]) -> None:
    client, obs = api
    signed = obs.signing.sign(convert.structure(
        {**SIGNER, "declaration": "universal-declaration"}, Pledge))
    obs.signing.confirm(signed.id)
    everything = client.get("/api/v1/pledges/stats")
    assert everything.status_code == 200
    slugs = [item["declaration"] for item in everything.json()["items"]]
    assert slugs == sorted(d.slug for d in obs.declarations.list(limit=50).items)  # every one
    one = client.get("/api/v1/pledges/stats?declaration=universal-declaration")
    assert one.json()["items"][0]["by_country"] == {"TR": 1}
    assert client.get("/api/v1/pledges/stats?declaration=nope").status_code == 404
    assert client.get("/api/v1/pledges/stats?declaration=No!").status_code == 400
