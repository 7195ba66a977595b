"""Hostile requests to every route of the table: never a 5xx, never a change to stored data.

Hypothesis builds the requests (any bytes in paths, query strings and bodies,
JSON of any shape, every method); the app runs in-process on a real SQLite
file with the demo data, through the same entry point the adapters use.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from livingtogether.web import WebApp, build_routes
from livingtogether.web.http import Request

ROUTES = build_routes(demo_page=True)
PATHS = sorted({route.path for route in ROUTES})
PARAMS = sorted({param.name for route in ROUTES for param in route.params})
NASTY = ["<script>alert(1)</script>", "' OR 1=1 --", "izmir'; DROP TABLE lt_cities; --",
         "%00", "\u202e", "../../etc/passwd", "9" * 40, "-1", "izmir", "universal-declaration"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(NASTY),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.sampled_from(
        ["kind", "name", "email", "country", "consent_version", "institution", "public"]),
        children, max_size=6),
    max_leaves=20,
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[Request, bytes]:
    """A request to one of the routes, with hostile parts."""
    template = draw(st.sampled_from(PATHS))
    filler = st.sampled_from(NASTY) | st.text(max_size=20)
    path = re.sub(r"\{[a-z_]+\}", lambda _: draw(filler), template)
    raw_path = path.encode("utf-8", "surrogatepass") + draw(st.sampled_from(
        [b"", b"/", b"%ff", b"%C3%28", b"/../static/x"]))
    names = st.sampled_from(PARAMS) | st.text(max_size=8)
    pairs = draw(st.lists(st.tuples(names, filler), max_size=4))
    query = "&".join(f"{name}={value}" for name, value in pairs).encode("utf-8", "surrogatepass")
    query += draw(st.sampled_from([b"", b"&lang=%ff", b"&limit=99999999999999", b"&&=="]))
    body = draw(
        st.builds(lambda v: json.dumps(v).encode(), json_values)
        | st.binary(max_size=200)
        | st.sampled_from([b"{", b'{"a": 1, "a": 2}', b"[" * 100, b"\xff\xfe", b"kind=citizen"])
    )
    content_type = draw(st.sampled_from([
        "application/json", "application/x-www-form-urlencoded", "text/plain", "",
        "application/json; charset=latin-1",
    ]))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]))
    headers = [("Content-Length", str(len(body)))]
    if content_type:
        headers.append(("Content-Type", content_type))
    if draw(st.booleans()):
        headers.append(("Accept-Language", draw(st.sampled_from(
            ["fr", "ar;q=0.9, *;q=0.1", "xx-YY", ";;;", "de-CH, de;q=0.9"]))))
    request = Request.build(method=method, path=raw_path, query_string=query, headers=headers)
    return request, body


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from livingtogether import Observatory
    from livingtogether.demo import install

    obs = Observatory.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}",
                           max_body_bytes=4096)
    install(obs)
    yield WebApp(obs, demo_page=True)
    obs.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=requests())
def test_no_request_gets_a_5xx_or_changes_stored_records(
    app: WebApp, case: tuple[Request, bytes]
) -> None:
    request, body = case
    before = app.observatory.export_bundle()
    response = app.handle_stream(request, io.BytesIO(body))
    event(f"{request.method} {response.status}")
    assert response.status < 500, (request, body, response.body[:300])
    assert response.header("x-content-type-options") == "nosniff"
    if request.method != "HEAD" and response.status >= 400 and (
            response.header("content-type") or "").startswith(
            "application/json"):
        error = json.loads(response.body)["error"]
        assert error["message"]
    # No request of any kind may alter the published records (signing adds only a pending
    # signature, which is not part of the bundle).
    assert app.observatory.export_bundle() == before


SIGNER = {"kind": "citizen", "name": "Ayşe", "email": "ayse@example.org", "country": "TR",
          "city": "Izmir", "public": True, "consent_version": "2022-1"}
FIELDS = [*SIGNER, "institution", "declaration", "status", "extra"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=json_values, drop=st.booleans(),
       as_form=st.booleans())
def test_a_signature_with_one_hostile_field_is_answered_4xx_or_accepted(
    app: WebApp, field: str, value: Any, drop: bool, as_form: bool
) -> None:
    data: dict[str, Any] = dict(SIGNER)
    if drop and field in data:
        del data[field]
    else:
        data[field] = value
    if as_form:
        from urllib.parse import urlencode

        form = {name: v if isinstance(v, str) else json.dumps(v) for name, v in data.items()}
        body = urlencode({**form, "consent": "yes"}).encode()
        path, kind = "/widgets/pledge/universal-declaration", "application/x-www-form-urlencoded"
    else:
        body = json.dumps(data).encode()
        path = "/api/v1/declarations/universal-declaration/signatures"
        kind = "application/json"
    request = Request.build(method="POST", path=path, headers=[
        ("Content-Type", kind), ("Content-Length", str(len(body)))])
    response = app.handle_stream(request, io.BytesIO(body))
    event(f"{'form' if as_form else 'json'} {response.status}")
    assert response.status in (200, 202, 400, 413, 422), (data, response.body[:300])
    assert b"Traceback" not in response.body
    assert b"<script>alert" not in response.body
