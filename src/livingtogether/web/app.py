"""``WebApp``: the framework-free web application every adapter serves.

``WebApp(observatory).handle(request) -> Response`` dispatches through the one
route table (:func:`build_routes`), validates the query, maps every library
error to its status with a JSON (or, for widgets, HTML) error body, never lets
a traceback out, and adds the security headers to every response.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

from ..errors import BadRequest, LivingTogetherError, NotFound, TooManyRequests, Unauthorized
from ..models import fields as f
from . import (
    catalogue,
    citypage,
    embed,
    network,
    network_campaign,
    opendata,
    pledge_form,
    report,
    screening_form,
    site,
    summits,
)
from . import pledges as pledge_pages
from .api import ROUTES as API_ROUTES
from .bodies import receive, too_large
from .cache import Keys, Plan, WidgetCache, not_modified
from .conditional import conditional
from .demo import DEMO_ROUTE
from .environment import make_environment
from .errors import INTERNAL_MESSAGE, MethodNotAllowed, error_body, status_for
from .files import ROUTE as STATIC_ROUTE
from .files import StaticFiles
from .http import Request, Response, has_undecodable, json_response
from .hub import ROUTES as HUB_ROUTES
from .media import ROUTE as MEDIA_ROUTE
from .momentum import ROUTES as MOMENTUM_ROUTES
from .network_count import ROUTES as NETWORK_COUNT_ROUTES
from .openapi import ROUTE as OPENAPI_ROUTE
from .programme import ROUTES as PROGRAMME_ROUTES
from .render import error_fragment
from .routes import Call, Route, Router

if TYPE_CHECKING:
    from ..observatory import Observatory

log = logging.getLogger("livingtogether.web")

#: The Content-Security-Policy of HTML responses: scripts, styles and images only
#: from this site's static files (no inline script), forms posting only here;
#: ``frame-ancestors`` follows, naming the sites that may frame a widget
#: (``allowed_origins``, see :mod:`.embed`).
HTML_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data: https:; "  # a practice's images pulled from the hub
            "connect-src 'self'; "  # same-origin reads only (crawlers' checks read robots.txt)
            "form-action 'self'; base-uri 'none'")
#: Everything else is data, never a document.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def build_routes(*, demo_page: bool = False) -> tuple[Route, ...]:
    """The route table: the JSON API, the OpenAPI document, widgets, static files, the demo."""
    routes = (*API_ROUTES, *PROGRAMME_ROUTES, *pledge_pages.API_ROUTES, *catalogue.API_ROUTES,
              *network.API_ROUTES, *opendata.API_ROUTES,
              *MOMENTUM_ROUTES, *report.ROUTES, *HUB_ROUTES, *NETWORK_COUNT_ROUTES,
              *network_campaign.ROUTES, OPENAPI_ROUTE,
              *pledge_pages.ROUTES, *catalogue.WIDGET_ROUTES,
              *network.WIDGET_ROUTES, *citypage.WIDGET_ROUTES, *summits.WIDGET_ROUTES,
              *pledge_form.ROUTES, *screening_form.ROUTES, *network_campaign.WIDGET_ROUTES,
              *report.WIDGET_ROUTES,
              STATIC_ROUTE, MEDIA_ROUTE, *site.ROUTES)
    return (*routes, DEMO_ROUTE) if demo_page else routes


class WebApp:
    """The Observatory's HTTP interface: JSON API, OpenAPI, widgets, static files.

    ``demo_page=True`` adds a page at ``/`` showing every widget.
    """

    def __init__(self, observatory: Observatory, *, demo_page: bool = False) -> None:
        self.observatory = observatory
        self.settings = observatory.settings
        self.demo_page = demo_page
        self.routes = build_routes(demo_page=demo_page)
        self.router = Router(self.routes)
        self.templates = make_environment()
        self.static = StaticFiles()
        self.origins = self.settings.allowed_origins
        self.html_csp = f"{HTML_CSP}; frame-ancestors {embed.frame_ancestors(self.origins)}"
        #: What :meth:`_finish` adds to an HTML answer, for the widgets' 304s made ready.
        self._html_headers = self._security_headers("text/html")
        seconds = self.settings.widget_cache_seconds
        self.cache = WidgetCache(seconds) if seconds else None
        self.keys = Keys(self.settings)
        #: The pledge form's thanks, rendered once per what it shows (:mod:`.pledge_form`).
        self.answers: dict[Any, Any] = {}
        #: Where the staff console is mounted beside this app (``/console/``), if it is;
        #: the demo page links to it.
        self.console_path: str | None = None

    # -- entry points

    def handle(self, request: Request) -> Response:
        """Answer ``request``; never raises. The data's versions are read once for it
        (:meth:`.store.Store.pinned`), and again only after a write of its own."""
        with self.observatory.store.pinned():
            return self._handle(request)

    def _handle(self, request: Request) -> Response:
        route: Route | None = None
        try:
            found = self._plan(request)
            if found is not None:
                route, values, keyed = found
                answer = not_modified(request, keyed.etag, self._html_headers)
                if answer is not None:
                    return self._finish(request, answer) if self.origins else answer
                if self.cache is not None:
                    answer = self.cache.get(keyed.key)
                    if answer is not None:
                        return self._finish(request, answer) if (
                            self.origins or request.method == "HEAD") else answer
                route, response = self._dispatch(request, (route, values), keyed.etag)
                if self.cache is not None and response.status == 200:
                    if not self.origins:  # kept finished (CORS headers depend on the request)
                        response = self._finish(request if request.method == "GET" else
                                                attrs.evolve(request, method="GET"), response)
                    self.cache.put(keyed.key, response)
            else:
                route, response = self._dispatch(request)
        except LivingTogetherError as error:
            response = self.error_response(request, error, route)
        except Exception:
            log.exception("unexpected error answering %s %s", request.method,
                          request.path[:200].encode("utf-8", "replace").decode())
            response = self.error_response(request, None, route)
        return self._finish(request, response)

    def handle_stream(self, request: Request, stream: BinaryIO | None, *,
                      terminated: bool = False) -> Response:
        """Read the body from ``stream`` under the size limit, then :meth:`handle`.

        ``terminated``: the server ends the stream itself (a chunked request
        without Content-Length), so it may be read to its end. A
        ``multipart/form-data`` body stays in the stream for its route to parse.
        """
        try:
            request = receive(request, stream, self.settings.max_body_bytes,
                              terminated=terminated)
        except LivingTogetherError as error:
            return self._finish(request, self.error_response(request, error, None))
        except Exception:
            log.exception("unexpected error reading a request body")
            return self._finish(request, self.error_response(request, None, None))
        with request:  # deletes the files an upload spooled
            return self.handle(request)

    # -- dispatch

    def _plan(self, request: Request) -> tuple[Route, dict[str, str], Plan] | None:
        """A widget ``GET``'s route, path values and :class:`.cache.Plan` (one query: the
        data's versions); ``None`` for any other request, or one the dispatch refuses."""
        if request.method not in ("GET", "HEAD") or not request.path.startswith("/widgets/"):
            return None
        try:
            route, values = self.router.match(request.method, request.path)
        except LivingTogetherError:
            return None
        if not route.reads:
            return None
        keyed = self.keys.plan(request, route, self.observatory.store.versions())
        return None if keyed is None else (route, values, keyed)

    def _dispatch(self, request: Request,
                  matched: tuple[Route, dict[str, str]] | None = None,
                  etag: str | None = None) -> tuple[Route | None, Response]:
        if has_undecodable(request.path):
            raise BadRequest("the path is not valid UTF-8 once percent-decoded")
        for name, value in request.query.items:
            if has_undecodable(name) or has_undecodable(value):
                shown = name.encode("utf-8", "replace").decode()[:40]
                raise BadRequest(f"the query string is not valid UTF-8 once percent-decoded "
                                 f"(parameter {shown!r})", field=shown)
        if len(request.body) > self.settings.max_body_bytes:
            raise too_large(self.settings.max_body_bytes)
        route, values = matched or self.router.match(request.method, request.path)
        embed.check_post(request, self.origins)
        if route.tag != "static":
            for value in values.values():
                if len(value) > f.MAX_SLUG or not f.SLUG_RE.fullmatch(value):
                    raise NotFound(f"there is nothing at {request.path[:200]}: {value[:60]!r} "
                                   "is not a slug")
        params = {p.name: p.parse(request.query.get_all(p.name), self.settings)
                  for p in route.params}
        call = Call(request=request, web=self, route=route, path=values, params=params)
        response = route.handler(call)
        if etag is not None and response.status == 200:
            response = response.with_headers((("ETag", etag),), replace=True)
        if route.etag:
            # Every JSON answer to a GET (and the HTML routes that opt in) has an ETag
            # and answers If-None-Match with 304.
            response = conditional(request, response)
        return route, response

    def error_response(self, request: Request, error: LivingTogetherError | None,
                       route: Route | None) -> Response:
        """The response to ``error`` (``None``: an unexpected failure, answered 500)."""
        status = status_for(error) if error is not None else 500
        if status >= 500 and error is not None:
            log.error("configuration error answering %s: %s", request.path[:200], error)
        headers: list[tuple[str, str]] = [("Cache-Control", "no-store")]
        if isinstance(error, MethodNotAllowed):
            headers.append(("Allow", ", ".join(error.allow)))
        if isinstance(error, TooManyRequests):
            headers.append(("Retry-After", str(error.retry_after)))
        if isinstance(error, Unauthorized):
            headers.append(("WWW-Authenticate", 'Bearer realm="livingtogether"'))
        kind = route.kind if route is not None else (
            "html" if request.path.startswith("/widgets/") or request.path == "/" else "json")
        if kind == "html":
            try:
                # a resident reads "there is no event 'nope'", not the path's field (JSON keeps it)
                message = ((error.message if status == 404 else str(error))
                           if error is not None and status < 500 else INTERNAL_MESSAGE)
                return error_fragment(self, request, status, message, headers)
            except Exception:
                log.exception("unexpected error rendering an error page")
        return json_response(error_body(error), status, headers)

    def _security_headers(self, kind: str) -> tuple[tuple[str, str], ...]:
        """The headers every answer of media type ``kind`` gets."""
        return (("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("Content-Security-Policy", self.html_csp if kind == "text/html" else DATA_CSP),
                ("Cache-Control", "no-cache"))

    def _finish(self, request: Request, response: Response) -> Response:
        cors = embed.cors_headers(request, response, self.origins)
        if cors:
            response = response.with_headers(cors, replace=True)
        kind = (response.header("content-type") or "").split(";")[0].strip()
        headers = list(self._security_headers(kind))
        if response.status not in (204, 304):
            headers.append(("Content-Length", str(len(response.body))))
        response = response.with_headers(headers)
        if request.method == "HEAD":
            response = attrs.evolve(response, body=b"")
        return response


#: RFC 9110's reason phrases where Python before 3.13 still has RFC 7231's, so that the
#: status line is the same on every supported interpreter.
RFC_9110_PHRASES = {413: "Content Too Large", 414: "URI Too Long",
                    416: "Range Not Satisfiable", 422: "Unprocessable Content"}


def status_line(status: int) -> str:
    """``404 Not Found``: the status line adapters send (RFC 9110's phrases)."""
    if status in RFC_9110_PHRASES:
        return f"{status} {RFC_9110_PHRASES[status]}"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
