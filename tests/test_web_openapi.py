"""The OpenAPI document: valid OpenAPI 3.1, complete, and true to what the server answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from livingtogether import Observatory
from livingtogether.demo import bundle
from livingtogether.web import build_routes
from livingtogether.web.openapi import SchemaBuilder, document
from livingtogether.wsgi import make_app
from test_web_support import Client, serving

SIGNER = {"kind": "citizen", "name": "Ana", "email": "ana@example.org", "country": "UY",
          "consent_version": "2022-1"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, dict[str, Any]]]:
    """A server with the demo data, and its OpenAPI document."""
    path = tmp_path_factory.mktemp("openapi") / "livingtogether.sqlite3"
    obs = Observatory.open(f"sqlite:///{path}")
    try:
        obs.import_bundle(bundle())
        with serving(make_app(obs)) as base:
            client = Client(base)
            response = client.get("/openapi.json")
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "application/json; charset=utf-8"
            yield client, response.json()
    finally:
        obs.close()


def test_the_document_is_valid_openapi_3_1(served: tuple[Client, dict[str, Any]]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    _, spec = served
    assert spec["openapi"] == "3.1.0"
    validator.validate(spec)


def test_every_route_and_parameter_is_documented(served: tuple[Client, dict[str, Any]]) -> None:
    _, spec = served
    for route in build_routes():
        if not route.in_schema:
            assert route.path not in spec["paths"]
            continue
        operation = spec["paths"][route.path][route.method.lower()]
        assert operation["operationId"] == route.name
        assert operation["summary"]
        names = {p["name"] for p in operation.get("parameters", [])}
        assert names == {*route.path_params, *(p.name for p in route.params)}
        assert str(route.status) in operation["responses"]
    stats = spec["paths"]["/api/v1/declarations/{slug}/stats"]["get"]
    assert stats["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PledgeStats"}
    sign = spec["paths"]["/api/v1/declarations/{slug}/signatures"]["post"]
    assert set(sign["responses"]) >= {"202", "404", "413", "415", "422"}
    limit = next(p for p in spec["paths"]["/api/v1/cities"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}


def test_model_schemas_follow_the_types() -> None:
    from livingtogether.models import City, Session

    builder = SchemaBuilder()
    builder.model(City)
    builder.model(Session)
    schemas = builder.schemas
    city = schemas["City"]["properties"]
    assert city["name"] == {"$ref": "#/components/schemas/Text"}
    assert schemas["Text"]["additionalProperties"] == {"type": "string"}
    # derived from the periods of membership: written, read-only
    assert city["status"]["$ref"] == "#/components/schemas/CityStatus"
    assert city["status"]["readOnly"] is city["member_since"]["readOnly"] is True
    assert city["member_since"]["type"] == ["integer", "null"]
    assert city["memberships"]["items"] == {"$ref": "#/components/schemas/Membership"}
    assert schemas["MembershipStatus"]["enum"] == ["founding_member", "member", "partner"]
    assert schemas["CityStatus"]["enum"] == ["founding_member", "member", "partner",
                                             "former_member"]
    assert city["latitude"] == {"type": ["number", "null"]}
    assert city["partner_board"] == {"type": "array", "items": {"type": "string"}}
    assert set(schemas["City"]["required"]) == {"slug", "name", "country"}
    session = schemas["Session"]["properties"]
    assert session["day"] == {"type": "string", "format": "date"}
    assert session["starts_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert session["people"] == {"type": "array", "items": {"$ref": "#/components/schemas/Person"}}
    assert schemas["Person"]["properties"]["role"] == {"$ref": "#/components/schemas/Role"}
    assert schemas["City"]["additionalProperties"] is False


def test_the_server_url_is_the_mount_point() -> None:
    assert document(build_routes(), "/city/embed")["servers"] == [{"url": "/city/embed"}]


def _validator(spec: dict[str, Any], name: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize(("path", "schema"), [
    ("/api/v1/cities", "CityPage"),
    ("/api/v1/cities?country=TR", "CityPage"),
    ("/api/v1/cities/montreal", "City"),
    ("/api/v1/practices", "PracticeSearchPage"),
    ("/api/v1/practices?q=dialogue&country=CA", "PracticeSearchPage"),
    ("/api/v1/themes", "ThemeList"),
    ("/api/v1/practices/example-heatwave-neighbour-checks", "Practice"),
    ("/api/v1/events", "EventPage"),
    ("/api/v1/events/izmir-2021", "Event"),
    ("/api/v1/declarations/universal-declaration", "Declaration"),
    ("/api/v1/declarations/universal-declaration/stats", "PledgeStats"),
    ("/api/v1/cities/nowhere", "Error"),
    ("/api/v1/cities?limit=0", "Error"),
])
def test_answers_match_their_schemas(served: tuple[Client, dict[str, Any]], path: str,
                                     schema: str) -> None:
    client, spec = served
    body = client.get(path).json()
    errors = list(_validator(spec, schema).iter_errors(body))
    assert not errors, [e.message for e in errors[:5]]


def test_signature_bodies_match_their_schemas(served: tuple[Client, dict[str, Any]]) -> None:
    client, spec = served
    assert not list(_validator(spec, "SignatureRequest").iter_errors(SIGNER))
    assert list(_validator(spec, "SignatureRequest").iter_errors({**SIGNER, "status": "x"}))
    response = client.post("/api/v1/declarations/universal-declaration/signatures", json=SIGNER)
    assert response.status_code == 202
    assert not list(_validator(spec, "SignatureAccepted").iter_errors(response.json()))
    invalid = client.post("/api/v1/declarations/universal-declaration/signatures", json={})
    assert not list(_validator(spec, "Error").iter_errors(invalid.json()))


def test_parameter_bounds_follow_the_settings() -> None:
    from livingtogether.settings import Settings

    spec = document(build_routes(), "/", Settings(page_size=10, max_page_size=20))
    limit = next(p for p in spec["paths"]["/api/v1/practices"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 20, "default": 10}
