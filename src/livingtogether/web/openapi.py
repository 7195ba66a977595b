"""The OpenAPI 3.1 document, generated from the route table and the models.

Model schemas come from walking the attrs fields and their types:
``Text`` -> an object of strings keyed by language, an enum -> ``enum`` of its
values, ``tuple[X, ...]`` -> an array, ``X | None`` -> a union with ``null``,
``date``/``datetime`` -> strings with ``format``, a nested model -> ``$ref``.
"""

from __future__ import annotations

import enum
import functools
import inspect
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from ..models import (
    Campaign,
    CampaignParticipation,
    City,
    Declaration,
    Event,
    Pledge,
    PledgeStats,
    Practice,
    ProgrammeChanges,
    Text,
    Theme,
)
from ..models import fields as f
from ..services.search_terms import FACETS
from ..settings import Settings
from .data import SERVER_FIELDS
from .http import PUBLIC, Response, json_response
from .routes import Call, Route

REF = "#/components/schemas/"

_NULL = {"type": "null"}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema and "enum" not in schema:
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, _NULL]}


class SchemaBuilder:
    """Collects the JSON Schemas of models (and what they refer to) as OpenAPI components."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def type_schema(self, kind: Any) -> dict[str, Any]:
        """The JSON Schema of one Python type as the converter writes it."""
        origin = typing.get_origin(kind)
        args = typing.get_args(kind)
        if origin in (typing.Union, types.UnionType):
            others = [arg for arg in args if arg is not type(None)]
            inner = (self.type_schema(others[0]) if len(others) == 1
                     else {"anyOf": [self.type_schema(arg) for arg in others]})
            return _nullable(inner) if type(None) in args else inner
        if origin is tuple:
            return {"type": "array", "items": self.type_schema(args[0])}
        if origin in (dict, Mapping) or kind is dict:
            values = self.type_schema(args[1]) if args else {}
            return {"type": "object", "additionalProperties": values}
        if kind is Text:
            return self._component("Text", lambda: {
                "type": "object",
                "description": "Text in several languages, keyed by BCP 47 language code.",
                "propertyNames": {"pattern": f"^{f.LANGUAGE_RE.pattern}$"},
                "additionalProperties": {"type": "string"},
                "examples": [{"en": "Welcome", "fr": "Bienvenue"}],
            })
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return self._component(kind.__name__, lambda: {
                "type": "string", "enum": [member.value for member in kind],
                "description": _doc(kind),
            })
        if isinstance(kind, type) and attrs.has(kind):
            return self.model(kind)
        simple = {str: {"type": "string"}, bool: {"type": "boolean"},
                  int: {"type": "integer"}, float: {"type": "number"},
                  datetime: {"type": "string", "format": "date-time"},
                  date: {"type": "string", "format": "date"}}
        if kind in simple:
            return dict(simple[kind])
        return {}

    def model(self, cls: type, *, name: str | None = None, exclude: tuple[str, ...] = (),
              description: str | None = None) -> dict[str, Any]:
        """A ``$ref`` to the schema of attrs class ``cls`` (without the ``exclude`` fields)."""

        def build() -> dict[str, Any]:
            hints = typing.get_type_hints(cls)
            properties: dict[str, Any] = {}
            required: list[str] = []
            for field in attrs.fields(cls):
                if field.name in exclude or not field.init:
                    continue
                properties[field.name] = self.type_schema(hints[field.name])
                if field.default is attrs.NOTHING:
                    required.append(field.name)
            for derived, kind in getattr(cls, "DERIVED", {}).items():  # written, not read
                properties[derived] = {**self.type_schema(kind), "readOnly": True,
                                       "description": _doc(getattr(cls, derived))}
            return {"type": "object", "description": description or _doc(cls),
                    "properties": properties, "required": required,
                    "additionalProperties": False}

        return self._component(name or cls.__name__, build)

    def page(self, cls: type) -> dict[str, Any]:
        """A ``$ref`` to the schema of a page of ``cls``."""
        item = self.model(cls)
        return self._component(f"{cls.__name__}Page", lambda: {
            "type": "object",
            "description": f"One page of {cls.__name__} records.",
            "properties": {
                "items": {"type": "array", "items": item},
                "total": {"type": "integer", "minimum": 0,
                          "description": "how many records match, over all pages"},
                "limit": {"type": "integer", "minimum": 1},
                "offset": {"type": "integer", "minimum": 0},
            },
            "required": ["items", "total", "limit", "offset"],
            "additionalProperties": False,
        })

    def _component(self, name: str, build: Any) -> dict[str, Any]:
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: a model may refer to itself
            self.schemas[name] = build()
        return _ref(name)


def _doc(thing: Any) -> str:
    return (inspect.getdoc(thing) or "").split("\n\n")[0].replace("\n", " ")


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error: what went wrong and what to fix, with the offending fields.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "field", "problems"],
            "properties": {
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": {"type": ["string", "null"]},
                                       "message": {"type": "string"}},
                    },
                },
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    400: "Malformed request: a query parameter, JSON or UTF-8 that cannot be read",
    401: "No API token, or one that is unknown or revoked (see WWW-Authenticate)",
    403: "The API token may not do this: another city's record, or a scope it lacks",
    404: "No such record (or route)",
    405: "The path does not accept this method (see the Allow header)",
    409: "The record clashes with one already stored",
    413: "The request body is larger than the configured limit",
    415: "The body is not of the media type the endpoint reads",
    422: "A field of the body is not acceptable",
    429: "Too many requests from this client; the Retry-After header says when to retry",
    500: "Something failed on the server; the message is generic",
}


@functools.cache
def components() -> dict[str, Any]:
    """The ``components`` of the document: every schema and the error responses."""
    from ..services.campaign_report import CampaignReport
    from ..services.campaigns import UpcomingScreening
    from ..services.pledges import PublicSignatory

    builder = SchemaBuilder()
    for listed in (City, Practice, Event):
        builder.page(listed)
    for model in (Declaration, PledgeStats):
        builder.model(model)
    builder.model(ProgrammeChanges)
    builder.model(CampaignReport)
    for paged in (Campaign, PublicSignatory):
        builder.page(paged)
    for item in (CampaignParticipation, UpcomingScreening):
        schemas_list = builder.model(item)
        builder.schemas[f"{item.__name__}List"] = {
            "type": "object", "description": f"Every {item.__name__} record.",
            "properties": {"items": {"type": "array", "items": schemas_list}},
            "required": ["items"], "additionalProperties": False,
        }
    builder.model(Pledge, name="SignatureRequest", exclude=SERVER_FIELDS,
                  description="A signature: who signs, and their consent. The declaration "
                              "comes from the path; the server sets the rest.")
    builder.model(Theme)
    schemas = builder.schemas
    schemas.update(catalogue_schemas())
    schemas["SignatureAccepted"] = {
        "type": "object",
        "description": "The same answer for every accepted signature, new or repeated.",
        "properties": {"status": {"const": "accepted"}, "message": {"type": "string"}},
        "required": ["status", "message"],
        "additionalProperties": False,
    }
    schemas["PledgeStatsList"] = {
        "type": "object",
        "description": "The stats of every declaration, by slug.",
        "properties": {"items": {"type": "array", "items": _ref("PledgeStats")}},
        "required": ["items"],
        "additionalProperties": False,
    }
    hub_schemas(builder)
    schemas["Error"] = ERROR_SCHEMA
    responses = {
        f"Error{status}": {
            "description": text,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status, text in ERROR_DESCRIPTIONS.items()
    }
    return {"schemas": dict(sorted(schemas.items())), "responses": responses,
            "securitySchemes": {"token": {
                "type": "http", "scheme": "bearer",
                "description": "A city's API token (lt_...), made by `livingtogether hub token "
                               "create`"}}}


def catalogue_schemas() -> dict[str, Any]:
    """The components of the catalogue's answers: search pages with facets, the themes."""
    facet = {"type": "array", "items": {
        "type": "object", "required": ["value", "count"], "additionalProperties": False,
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    }}
    return {
        "PracticeSearchPage": {
            "type": "object",
            "description": "One page of search results: the practices, facets and hits.",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Practice"}},
                "total": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer", "minimum": 1},
                "offset": {"type": "integer", "minimum": 0},
                "next": {"type": ["string", "null"],
                         "description": "the cursor of the next page (pass it as 'after'); "
                                        "null on the last page"},
                "capped": {"type": "boolean",
                           "description": "true when more practices match than are "
                                          "counted: 'total' is the cap (more than that "
                                          "many match) and the facet counts are lower "
                                          "bounds, counted over the first results found"},
                "facets": {"type": "object", "required": list(FACETS),
                           "additionalProperties": False,
                           "properties": dict.fromkeys(FACETS, facet)},
                "hits": {"type": "array", "items": {
                    "type": "object", "required": ["slug", "score", "language", "snippet"],
                    "additionalProperties": False,
                    "properties": {"slug": {"type": "string"}, "score": {"type": "number"},
                                   "language": {"type": "string"},
                                   "snippet": {"type": ["string", "null"]}}}},
            },
            "required": ["items", "total", "limit", "offset", "next", "capped", "facets",
                         "hits"],
            "additionalProperties": False,
        },
        "ThemeList": {
            "type": "object", "description": "The themes taxonomy in display order.",
            "properties": {"items": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/Theme"}}},
            "required": ["items"], "additionalProperties": False,
        },
    }


def hub_schemas(builder: SchemaBuilder) -> None:
    """The hub's schemas: a feed of each kind, submissions, the reason of a rejection."""
    from ..models.hub import FeedKind, Submission
    from ..services.sync import MODELS

    for kind in FeedKind:
        record = builder.type_schema(MODELS[kind])
        builder.schemas[f"{kind.name.title()}Feed"] = {
            "type": "object",
            "description": f"One page of the change feed of {kind.value}.",
            "properties": {
                "kind": {"const": kind.value},
                "items": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "deleted": {"type": "boolean",
                                    "description": "a tombstone: deleted or no longer public"},
                        "changed_at": {"type": "string", "format": "date-time"},
                        "record": {"anyOf": [record, _NULL]},
                    },
                    "required": ["slug", "deleted", "changed_at", "record"],
                    "additionalProperties": False,
                }},
                "next_cursor": {"type": "string"},
                "has_more": {"type": "boolean"},
                "remaining": {"type": "integer", "minimum": 0,
                              "description": "how many changes come after this page"},
            },
            "required": ["kind", "items", "next_cursor", "has_more", "remaining"],
            "additionalProperties": False,
        }
    submission = builder.model(Submission)
    builder.schemas["SubmissionList"] = {
        "type": "object", "description": "The moderation state of a city's practices.",
        "properties": {"city": {"type": "string"},
                       "items": {"type": "array", "items": submission}},
        "required": ["city", "items"], "additionalProperties": False,
    }
    builder.schemas["RejectRequest"] = {
        "type": "object", "description": "Why a practice is rejected.",
        "properties": {"reason": {"type": "string", "minLength": 1}},
        "required": ["reason"], "additionalProperties": False,
    }
    network_count_schemas(builder)
    network_campaign_schemas(builder)


def network_campaign_schemas(builder: SchemaBuilder) -> None:
    """The network campaign's schemas: a report and its result, what the hub holds, the
    lists of screenings and participations."""
    from ..models.hub import CampaignReport, NetworkParticipation, NetworkScreening
    from ..services.network_campaign import CampaignResult

    builder.model(CampaignReport)
    builder.model(CampaignResult)
    for name, model, what in (
            ("NetworkScreeningList", NetworkScreening, "The network's screenings by time."),
            ("NetworkParticipationList", NetworkParticipation,
             "The member cities' participations, by campaign and city.")):
        builder.schemas[name] = {
            "type": "object", "description": what,
            "properties": {"items": {"type": "array", "items": builder.model(model)},
                           "total": {"type": "integer"}, "limit": {"type": "integer"},
                           "offset": {"type": "integer"}},
            "required": ["items", "total", "limit", "offset"], "additionalProperties": False,
        }
    slugs = {"type": "array", "items": {"type": "string"}}
    builder.schemas["HeldCampaign"] = {
        "type": "object", "description": "What the hub holds of the token's city's campaign.",
        "properties": {"city": {"type": "string"}, "participations": slugs,
                       "screenings": {"type": "array", "items": {
                           "type": "object",
                           "properties": {"slug": {"type": "string"},
                                          "campaign": {"type": "string"},
                                          "key": {"type": "string"}},
                           "required": ["slug", "campaign", "key"],
                           "additionalProperties": False}}},
        "required": ["city", "participations", "screenings"], "additionalProperties": False,
    }


def network_count_schemas(builder: SchemaBuilder) -> None:
    """The network count's schemas: the key, a report and its result, the figures."""
    from ..models.hub import SignatureReport
    from ..services.network_count import NetworkInstitution, ReportResult

    builder.model(SignatureReport)
    builder.model(ReportResult)
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    builder.schemas["NetworkKey"] = {
        "type": "object", "description": "The network key a city hashes its signatures with.",
        "properties": {"id": {"type": "integer"}, "secret": {"type": "string"},
                       "created_at": {"type": "string", "format": "date-time"},
                       "city": {"type": "string"}},
        "required": ["id", "secret", "created_at", "city"], "additionalProperties": False,
    }
    builder.schemas["NetworkCount"] = {
        "type": "object",
        "description": "People counted once across the network; each city's signatures.",
        "properties": {
            "declaration": {"type": "string"}, "people": {"type": "integer", "minimum": 0},
            "by_kind": counts, "by_country": counts,
            "cities": {"type": "object", "additionalProperties": {
                "type": "object",
                "properties": {"signatures": {"type": "integer", "minimum": 0},
                               "by_kind": counts},
                "required": ["signatures", "by_kind"], "additionalProperties": False}},
        },
        "required": ["declaration", "people", "by_kind", "by_country", "cities"],
        "additionalProperties": False,
    }
    builder.schemas["NetworkInstitutionList"] = {
        "type": "object", "description": "Institutions listed network-wide, by name.",
        "properties": {"items": {"type": "array", "items": builder.model(NetworkInstitution)},
                       "total": {"type": "integer"}, "limit": {"type": "integer"},
                       "offset": {"type": "integer"}},
        "required": ["items", "total", "limit", "offset"], "additionalProperties": False,
    }


def operation(route: Route, settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI operation of one route (parameter bounds from ``settings``)."""
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "pattern": f"^{f.SLUG_RE.pattern}$"}}
        for name in route.path_params
    ]
    parameters += [
        {"name": p.name, "in": "query", "required": p.required, "description": p.description,
         "schema": p.schema(settings)}
        for p in route.params
    ]
    if route.response_type == "application/json" or route.response_type.endswith("+json"):
        schema: dict[str, Any] = _ref(route.response) if route.response else {"type": "object"}
    else:
        schema = {"type": "string"}
    success: dict[str, Any] = {"description": route.summary,
                               "content": {route.response_type: {"schema": schema}}}
    responses: dict[str, Any] = {str(route.status): success}
    for status in sorted({*route.errors, 500}):
        if route.kind == "html":
            responses[str(status)] = {"description": ERROR_DESCRIPTIONS[status], "content": {
                "text/html": {"schema": {"type": "string"}}}}
        else:
            responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    op: dict[str, Any] = {"operationId": route.name, "summary": route.summary,
                          "tags": [route.tag], "responses": responses}
    if route.description:
        op["description"] = route.description
    if route.auth:
        op["security"] = [{"token": []}]
    if parameters:
        op["parameters"] = parameters
    if route.body:
        body_schema = _ref(route.body) if route.body_type == "application/json" else {
            "type": "object", "additionalProperties": {"type": "string"}}
        op["requestBody"] = {"required": True,
                             "content": {route.body_type: {"schema": body_schema}}}
    return op


def document(routes: tuple[Route, ...], server_url: str = "/",
             settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``, served from ``server_url``."""
    from .. import __version__

    paths: dict[str, Any] = {}
    for route in routes:
        if route.in_schema:
            paths.setdefault(route.path, {})[route.method.lower()] = operation(route, settings)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "livingtogether",
            "version": __version__,
            "summary": "The International Observatory of Mayors on Living Together: member "
                       "cities, best practices, programmes and the Universal Declaration.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url or "/"}],
        "tags": [{"name": name} for name in dict.fromkeys(r.tag for r in routes if r.in_schema)],
        "paths": paths,
        "components": components(),
    }


def serve(call: Call) -> Response:
    """The OpenAPI document, its server URL the app's mount point."""
    return json_response(document(call.web.routes, call.request.script_name or "/",
                                  call.web.settings), 200, PUBLIC)


ROUTE = Route(method="GET", path="/openapi.json", handler=serve, name="openapi",
              summary="This API's OpenAPI 3.1 document", tag="meta",
              response_type="application/json")
