"""The route table: one list of :class:`Route` that the dispatcher and the OpenAPI generator read.

A route names its method, its path template (``/api/v1/cities/{slug}``), its
handler, and what OpenAPI needs to document it: a summary, its query
parameters with their types (:mod:`.params`, checked before the handler
runs), its request body and its response schema. :class:`Router` matches and
builds URLs with werkzeug's routing (a ``Map`` of the table's rules), so that
every link is built from the table by route name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

import attrs
from werkzeug import exceptions as routing_errors
from werkzeug.routing import Map, Rule

from ..errors import NotFound
from .errors import MethodNotAllowed
from .http import Request, Response
from .params import Param

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
    def html_csp(self) -> str:
        """The Content-Security-Policy of its HTML answers (a widget may open it further)."""

    @property
    def router(self) -> Router:
        """The route table's matching and URL building."""

    @property
    def answers(self) -> dict[Any, Any]:
        """Short answers kept rendered (the pledge form's thanks), by what they show."""


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
