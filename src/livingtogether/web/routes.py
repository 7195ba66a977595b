"""The route table: one list of :class:`Route` that the dispatcher and the OpenAPI generator read.

A route names its method, its path template (``/api/v1/cities/{slug}``), its
handler, and what OpenAPI needs to document it: a summary, its query
parameters with their types, its request body and its response schema. The
query parameters are validated here, before the handler runs, so every
handler receives typed values.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

import attrs
from werkzeug import exceptions as routing_errors
from werkzeug.routing import Map, Rule

from ..errors import BadRequest, NotFound, ValidationError
from ..models import fields as f
from .errors import MethodNotAllowed
from .http import Request, Response

if TYPE_CHECKING:
    import jinja2

    from ..observatory import Observatory
    from ..settings import Settings

#: Where the JSON API lives.
PREFIX = "/api/v1"


class Fingerprints(Protocol):
    """What the route modules read of the static files (:class:`.files.StaticFiles`):
    the files by name, each one's fingerprint."""

    @property
    def files(self) -> Mapping[str, Any]:
        """The files by name."""

    def version(self, name: str) -> str:
        """A short fingerprint of ``name``'s content, to bust caches in URLs."""


class Site(Protocol):
    """The web app as its route modules see it (``call.web``): what they read, never
    the app's module (:class:`.app.WebApp` assembles them and is one)."""

    @property
    def observatory(self) -> Observatory:
        """The Observatory served."""

    @property
    def settings(self) -> Settings:
        """Its settings."""

    @property
    def templates(self) -> jinja2.Environment:
        """The widgets' template environment (:mod:`.environment`)."""

    @property
    def static(self) -> Fingerprints:
        """The static files."""

    @property
    def routes(self) -> tuple[Route, ...]:
        """The route table."""

    @property
    def router(self) -> Router:
        """The route table's matching and URL building."""


@attrs.frozen
class FromSettings:
    """A parameter bound or default read from the Observatory's settings, e.g. ``page_size``."""

    name: str

    def value(self, settings: Settings) -> Any:
        """The setting's value."""
        return getattr(settings, self.name)


def _setting(value: Any, settings: Settings) -> Any:
    return value.value(settings) if isinstance(value, FromSettings) else value


#: Parameter kinds checked by the models' own checks, so that a query accepts
#: exactly what a record may hold: ``kind -> (check, normalise)``.
_CHECKS: dict[str, tuple[Callable[..., str], Callable[[str], str]]] = {
    "slug": (f.check_slug, lambda value: value),
    "country": (f.check_country, lambda value: value.strip().upper()),
    "language": (f.check_language, lambda value: value.strip().lower()),
    "token": (lambda value, field: _check_token(value, field), lambda value: value.strip()),
    "cursor": (lambda value, field: _check_cursor(value, field), lambda value: value.strip()),
    "instant": (lambda value, field: _check_instant(value, field), lambda value: value.strip()),
}

#: A token of an email's link: URL-safe base64.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _check_token(value: str, field: str) -> str:
    if not TOKEN_RE.fullmatch(value):
        raise ValidationError("is not the token of one of our links; open the link from the "
                              "email in full (copying it may have cut it)", field=field)
    return value


def _check_cursor(value: str, field: str) -> str:
    from ..services.sync import decode_cursor

    decode_cursor(value)
    return value


def _check_instant(value: str, field: str) -> Any:
    from .. import convert

    return convert.structure(value, datetime)


@attrs.frozen(kw_only=True)
class Param:
    """A query parameter: its name, type and bounds.

    ``kind`` is ``integer``, ``string``, ``slug``, ``country`` (ISO 3166-1
    alpha-2), ``language``, ``token`` (of an email's link), ``cursor`` (of the
    hub's feeds), ``instant`` (ISO 8601 with an offset, parsed to a UTC
    ``datetime``) or ``enum`` (with ``choices``, an enum class).
    """

    name: str
    kind: str
    description: str
    default: Any = None
    minimum: int | FromSettings | None = None
    maximum: int | FromSettings | None = None
    choices: type[enum.Enum] | None = None
    required: bool = False

    def parse(self, values: tuple[str, ...], settings: Settings) -> Any:
        """The typed value of this parameter from its raw values; ``BadRequest`` when wrong."""
        if not values:
            if self.required:
                raise BadRequest("is required", field=self.name)
            return _setting(self.default, settings)
        if len(values) > 1:
            raise BadRequest(f"give {self.name} once, not {len(values)} times", field=self.name)
        raw = values[0]
        if raw == "" and not self.required:
            return _setting(self.default, settings)
        shown = raw[:40]
        if self.kind == "integer":
            minimum, maximum = _setting(self.minimum, settings), _setting(self.maximum, settings)
            if not re.fullmatch(r"[0-9]{1,12}", raw):
                raise BadRequest(f"{shown!r} is not a whole number; give one from {minimum} to "
                                 f"{maximum}", field=self.name)
            number = int(raw)
            if (minimum is not None and number < minimum) or (
                    maximum is not None and number > maximum):
                raise BadRequest(f"must be a whole number from {minimum} to {maximum}, not "
                                 f"{number}", field=self.name)
            return number
        if self.kind == "enum":
            assert self.choices is not None
            try:
                return self.choices(raw)
            except ValueError:
                allowed = ", ".join(repr(member.value) for member in self.choices)
                raise BadRequest(f"{shown!r} is not one of {allowed}", field=self.name) from None
        if self.kind in _CHECKS:
            check, normalise = _CHECKS[self.kind]
            try:
                return check(normalise(raw), field=self.name)
            except ValidationError as error:
                raise BadRequest(error.message, field=self.name) from None
        return raw

    def schema(self, settings: Settings | None = None) -> dict[str, Any]:
        """The parameter's JSON Schema (bounds from ``settings`` or their defaults)."""
        from ..settings import Settings as _Settings

        settings = settings or _Settings()
        schema: dict[str, Any]
        if self.kind == "integer":
            schema = {"type": "integer"}
            for key, bound in (("minimum", self.minimum), ("maximum", self.maximum)):
                if bound is not None:
                    schema[key] = _setting(bound, settings)
        elif self.kind == "enum":
            assert self.choices is not None
            schema = {"type": "string", "enum": [member.value for member in self.choices]}
        elif self.kind == "slug":
            schema = {"type": "string", "pattern": f"^{f.SLUG_RE.pattern}$",
                      "maxLength": f.MAX_SLUG}
        elif self.kind == "country":
            schema = {"type": "string", "enum": sorted(f.countries())}
        elif self.kind == "language":
            schema = {"type": "string", "pattern": f"^{f.LANGUAGE_RE.pattern}$",
                      "maxLength": 35}
        elif self.kind == "token":
            schema = {"type": "string", "pattern": f"^{TOKEN_RE.pattern}$"}
        elif self.kind == "cursor":
            schema = {"type": "string", "pattern": "^[0-9]{1,15}$"}
        elif self.kind == "instant":
            schema = {"type": "string", "format": "date-time"}
        else:
            schema = {"type": "string"}
        default = _setting(self.default, settings)
        if default is not None:
            schema["default"] = default.value if isinstance(default, enum.Enum) else default
        return schema


def page_params() -> tuple[Param, Param]:
    """``limit`` and ``offset``, bounded by the settings."""
    return (
        Param(name="limit", kind="integer", description="how many items to return",
              default=FromSettings("page_size"), minimum=1,
              maximum=FromSettings("max_page_size")),
        Param(name="offset", kind="integer", description="how many items to skip",
              default=0, minimum=0, maximum=10**9),
    )


LANG = Param(name="lang", kind="language",
             description="the reader's language (else Accept-Language, else the default)")


@attrs.frozen(kw_only=True)
class Call:
    """What a handler gets: the request, the app, and the validated path and query values."""

    request: Request
    web: Site
    route: Route
    path: Mapping[str, str]
    params: Mapping[str, Any]

    @property
    def obs(self) -> Observatory:
        """The Observatory the app serves."""
        return self.web.observatory

    def url_for(self, name: str, /, *, external: bool = False, **values: Any) -> str:
        """The URL of route ``name`` under this request's mount point
        (:meth:`Router.url_for`)."""
        return self.web.router.url_for(self.request, name, external=external, **values)


Handler = Callable[[Call], Response]


@attrs.frozen(kw_only=True)
class Route:
    """One endpoint of the route table.

    ``kind`` says how errors are answered: ``json`` (an error object) or
    ``html`` (an error fragment). ``body`` names the request body's schema in
    the OpenAPI components and ``body_type`` its media type; ``response``
    names the success schema (a component name) and ``status`` its code.
    ``auth``: the handler needs an API token (documented as bearer security).
    """

    method: str
    path: str
    handler: Handler
    name: str
    summary: str
    description: str = ""
    params: tuple[Param, ...] = ()
    body: str | None = None
    body_type: str = "application/json"
    response: str | None = None
    response_type: str = "application/json"
    status: int = 200
    kind: str = "json"
    tag: str = "api"
    in_schema: bool = True
    errors: tuple[int, ...] = ()
    auth: bool = False
    #: The groups of data a widget shows (:mod:`livingtogether.store.versions`): its
    #: answers are keyed, cached and tagged by their versions (:mod:`.cache`).
    reads: tuple[str, ...] = ()
    #: Whether its answers carry an ETag and answer If-None-Match with 304 (every
    #: ``json`` route's do, from their body; a widget's, from the versions of what it
    #: ``reads``, unless it opts out).
    etag: bool = attrs.field()

    @etag.default
    def _etag(self) -> bool:
        return self.kind == "json" or bool(self.reads)

    @property
    def rule(self) -> str:
        """The path as a werkzeug rule: ``/api/v1/cities/<slug>``."""
        return re.sub(r"\{([a-z_]+)\}", r"<\1>", self.path)

    @property
    def path_params(self) -> tuple[str, ...]:
        """The names of the path's ``{placeholders}``."""
        return tuple(re.findall(r"\{([a-z_]+)\}", self.path))


#: How many recent (method, path) pairs the router remembers the route of, and the
#: longest path it remembers.
RECENT_SIZE, RECENT_PATH = 2048, 200


class Router:
    """The route table on werkzeug's routing: finds the route of a method and path, and
    builds the URL of a route by its name.

    A path with a trailing slash finds the route without it; ``HEAD`` finds the
    ``GET`` route; a path that routes only take other methods is answered 405 with
    those methods (in the table's order, ``HEAD`` last).
    """

    def __init__(self, routes: tuple[Route, ...]) -> None:
        self.routes = routes
        self.by_name: dict[str, Route] = {}
        for route in routes:
            self.by_name.setdefault(route.name, route)
        self._rules = Map([Rule(route.rule, endpoint=index, methods=[route.method])
                           for index, route in enumerate(routes)],
                          strict_slashes=False, merge_slashes=False, redirect_defaults=False)
        self._adapter = self._rules.bind("localhost", script_name="/")
        self._builder = Map([Rule(route.rule, endpoint=name)
                             for name, route in self.by_name.items()],
                            merge_slashes=False).bind("localhost", script_name="/")
        self._methods = tuple(dict.fromkeys(route.method for route in routes))
        # werkzeug's matcher walks its state machine in Python: the paths asked for
        # again and again (a widget's, its revalidations) are found once
        self._recent = functools.lru_cache(maxsize=RECENT_SIZE)(self._find)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and path values; ``NotFound`` or ``MethodNotAllowed`` otherwise."""
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        wanted = "GET" if method == "HEAD" else method
        try:
            index, values = (self._recent(wanted, path) if len(path) <= RECENT_PATH
                             else self._find(wanted, path))
        except routing_errors.MethodNotAllowed as refused:
            valid = set(refused.valid_methods or ())
            allow = tuple(m for m in self._methods if m in valid) + (
                ("HEAD",) if "GET" in valid else ())
            raise MethodNotAllowed(
                f"{path} does not accept {method}; use {' or '.join(allow)}", allow=allow
            ) from None
        except routing_errors.NotFound:
            raise NotFound(f"there is nothing at {path[:200]}") from None
        return self.routes[index], dict(values)

    def _find(self, method: str, path: str) -> tuple[int, tuple[tuple[str, str], ...]]:
        index, values = self._adapter.match(path, method)
        return index, tuple(values.items())

    def path_for(self, name: str, /, **values: Any) -> str:
        """The path of route ``name`` below the mount point, with ``values`` in its
        ``{placeholders}`` and the other non-empty ones in the query string."""
        route = self.by_name[name]
        placed = {key: values.pop(key) for key in route.path_params}
        path = self._builder.build(name, placed, append_unknown=False)
        query = {key: value for key, value in values.items() if value not in (None, "")}
        return f"{path}?{urlencode(query)}" if query else path

    def url_for(self, request: Request, name: str, /, *, external: bool = False,
                **values: Any) -> str:
        """The URL of route ``name`` for ``request``: under its mount point (its
        ``script_name``), with the scheme and host when ``external`` (and known)."""
        url = request.script_name + self.path_for(name, **values)
        if external and request.host:
            return f"{request.scheme}://{request.host}{url}"
        return url


def widget_route(**fields: Any) -> Route:
    """A route of an HTML widget (errors answered as HTML fragments)."""
    return Route(kind="html", tag="widgets", response_type="text/html", **fields)
