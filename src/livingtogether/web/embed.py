"""Embedding in other sites: origins, CORS, frame-ancestors, and widgets by name.

One setting, ``allowed_origins`` (the member sites, e.g.
``https://www.izmir.bel.tr``), decides three things:

* **CORS**: a widget or API response to a request from one of those origins
  carries ``Access-Control-Allow-Origin``, so ``embed.js`` on that site may
  fetch it;
* **frames**: the ``frame-ancestors`` directive of HTML responses lists them
  (always with ``'self'``), so only those sites may show a widget in an iframe;
* **form posts**: a POST that a browser sends from another origin (its
  ``Origin`` header, or ``Sec-Fetch-Site: cross-site``) is refused with 403
  unless the origin is listed. This replaces cookie-based CSRF tokens, which
  cannot work in a widget embedded in someone else's page; adapters exempt the
  widget endpoints from their framework's own CSRF check and rely on this one.

``"*"`` allows every origin. Requests without an ``Origin`` header (curl, a
server) are not browsers acting for someone else and pass.

Adapters that render a widget inside the host's own page (a Jinja call in
Flask, a StreamField block in Wagtail) use :func:`render_widget`, which goes
through the same route table, checks and templates as an HTTP request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import BadRequest
from .errors import Forbidden
from .guard import SIGNED_RE
from .http import Headers, Query, Request, Response, has_undecodable

if TYPE_CHECKING:
    from ..errors import LivingTogetherError
    from .routes import Fingerprints, Route, Router


class App(Protocol):
    """What embedding reads of the web app (:class:`.app.WebApp` is one): the
    answer to a request, the answer to an error, the static files."""

    @property
    def static(self) -> Fingerprints:
        """The static files."""

    @property
    def router(self) -> Router:
        """The route table's matching and URL building."""

    def handle(self, request: Request) -> Response:
        """The answer to ``request``."""

    def error_response(self, request: Request, error: LivingTogetherError | None,
                       route: Route | None) -> Response:
        """The answer to ``error``."""


#: The widgets by name: their route's name and the query parameters they take.
#: ``embed.js`` keeps the same table (``data-livingtogether="NAME"``).
WIDGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cities": ("widget-cities", ("lang",)),
    "city": ("widget-city", ("lang",)),
    "practices": ("widget-practices", ("lang", "q", "theme", "city", "country", "kind",
                                       "language", "limit", "offset", "after")),
    "programme": ("widget-programme", ("lang",)),
    "pledge": ("widget-pledge", ("lang", "declaration")),
    "counter": ("widget-pledge-counter", ("lang", "declaration", "city")),
}

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def own_origin(request: Request) -> str:
    """The origin the request was sent to, as the browser names it."""
    return f"{request.scheme}://{request.host}".lower()


def allowed(origins: Iterable[str], origin: str) -> bool:
    """Whether ``origin`` is one of ``origins`` (or they allow any)."""
    origin = origin.strip().lower().rstrip("/")
    return any(o == "*" or o == origin for o in origins) and origin != "null"


def check_post(request: Request, origins: tuple[str, ...]) -> None:
    """Refuse a state-changing request that a browser sent from a site not allowed."""
    if request.method in _SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    site = (request.headers.get("sec-fetch-site") or "").lower()
    if origin is None:
        if site == "cross-site":
            raise Forbidden("this form may only be sent from the site that shows it; "
                            "ask the site to list its origin in allowed_origins")
        return
    if origin.strip().lower() == own_origin(request) or site in ("same-origin", "none"):
        return
    if not allowed(origins, origin):
        raise Forbidden(f"forms may not be posted here from {origin[:200]!r}; the site must be "
                        "listed in the allowed_origins setting (LIVINGTOGETHER_ALLOWED_ORIGINS)")


#: The longest address of a page a form may return to.
MAX_RETURN = 2000
#: What an address to return to may not hold (besides controls and non-ASCII): what
#: browsers read as a path's slash, quotes, brackets, spaces.
_NOT_IN_RETURN = frozenset(' \\"\'<>`^{|}')


def return_target(request: Request, value: str, origins: tuple[str, ...],
                  base_url: str | None = None) -> str | None:
    """The page to send the browser back to after a plain form's post, if ``value``
    may be one; else ``None``.

    ``value`` is an absolute ``http(s)`` address (or a path on this site) on this
    site's origin, the base URL's, or one the ``allowed_origins`` list by name
    (not ``*``): never another site's (no open redirect), never one with a user
    name, a backslash, a control or non-ASCII character. Its fragment is dropped.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_RETURN:
        return None
    if not value.isascii() or not value.isprintable() or _NOT_IN_RETURN.intersection(value):
        return None
    if value.startswith("/") and not value.startswith("//"):
        value = f"{request.scheme}://{request.host}{value}"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a port that is not a number raises)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    trusted = {own_origin(request), *(o.strip().lower().rstrip("/") for o in origins
                                      if o.strip() != "*")}
    if base_url:
        base = urlsplit(base_url)
        trusted.add(f"{base.scheme}://{base.netloc}".lower())
    if f"{parts.scheme}://{parts.netloc}".lower() not in trusted:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def with_query(url: str, name: str, value: str | None, fragment: str = "") -> str:
    """``url`` with its parameter ``name`` set to ``value`` (removed for ``None``),
    and ``fragment``."""
    parts = urlsplit(url)
    pairs = [(n, v) for n, v in parse_qsl(parts.query, keep_blank_values=True) if n != name]
    if value is not None:
        pairs.append((name, value))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), fragment))


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """The ``frame-ancestors`` sources: ``'self'`` and the allowed origins (``*`` for any)."""
    if "*" in origins:
        return "*"
    return " ".join(("'self'", *origins))


def cors_headers(request: Request, response: Response,
                 origins: tuple[str, ...]) -> list[tuple[str, str]]:
    """``Access-Control-Allow-Origin`` for an allowed origin, and ``Vary: Origin``."""
    if not origins:
        return []
    vary = response.header("vary")
    headers = [("Vary", f"{vary}, Origin" if vary else "Origin")]
    origin = request.headers.get("origin")
    if origin and allowed(origins, origin):
        headers.append(("Access-Control-Allow-Origin", origin.strip()))
    return headers


def widget_target(web: App, name: str, params: Mapping[str, Any],
                  ) -> tuple[str, list[tuple[str, str]]]:
    """The path and query of widget ``name`` with ``params`` (``event`` for the programme,
    ``city`` for the city's page)."""
    if name not in WIDGETS:
        raise BadRequest(f"there is no widget {name[:60]!r}; the widgets are: "
                         f"{', '.join(sorted(WIDGETS))}", field="widget")
    route, accepted = WIDGETS[name]
    values = {key: value for key, value in params.items() if value not in (None, "")}
    placed = {}
    if "event" in web.router.by_name[route].path_params:
        event = values.pop("event", None)
        if not event:
            raise BadRequest("the programme widget needs the event's slug (event=...)",
                             field="event")
        placed["event"] = str(event)
    if "slug" in web.router.by_name[route].path_params:
        city = values.pop("city", None)
        if not city:
            raise BadRequest("the city widget needs the city's slug (city=...)", field="city")
        placed["slug"] = str(city)
    unknown = sorted(set(values) - set(accepted))
    if unknown:
        raise BadRequest(f"the {name} widget takes no {', '.join(unknown)}; it takes: "
                         f"{', '.join(accepted) or 'nothing'}", field=unknown[0])
    return web.router.path_for(route, **placed), [(key, str(value))
                                                  for key, value in values.items()]


def _page_of(host: Request) -> str:
    """The host page's address as its request names it (what is not UTF-8 left out)."""
    pairs = [(n, v) for n, v in host.query.items if not (has_undecodable(n) or has_undecodable(v))]
    query = f"?{urlencode(pairs)}" if pairs else ""
    return f"{host.scheme}://{host.host}{host.path}{query}"


def stylesheet_link(web: App, script_name: str) -> str:
    """The ``<link rel="stylesheet">`` of the widgets mounted at ``script_name``."""
    version = web.static.version("livingtogether.css")
    href = script_name.rstrip("/") + web.router.path_for("static", name="livingtogether.css",
                                                         v=version)
    return f'<link rel="stylesheet" href="{escape(href)}">'


#: The query parameter of the page a plain pledge form returns to: the mark of the
#: signature just made (:func:`.guard.signed_mark`), which shows the thanks there.
SIGNED = "lt_signed"


def render_widget(web: App, host: Request, name: str, *, return_to: str | None = None,
                  **params: Any) -> str:
    """Widget ``name`` as an HTML fragment for the host's own page.

    ``host`` is the host page's request with ``script_name`` set to where the
    widgets are mounted (so that forms post there); its ``language`` (the host
    framework's active language), else its ``Accept-Language``, picks the
    language, unless ``params`` name a ``lang``. Errors render as the widget's
    error fragment, so that a wrong slug in a page shows a message instead of
    breaking the page.

    The pledge form posted without scripts sends the resident back to the page it
    was on: ``return_to`` (the adapters pass the page's full address; by default the
    host request's own), which the form carries; on the page returned to, the
    :data:`SIGNED` mark makes the widget the thank-you.
    """
    try:
        path, query = widget_target(web, name, params)
    except BadRequest as error:
        response = web.error_response(host, error, None)
        return response.body.decode("utf-8")
    if name == "pledge":
        query.append(("return_to", with_query(return_to or _page_of(host), SIGNED, None)))
        mark = host.query.get(SIGNED) or ""
        if SIGNED_RE.fullmatch(mark):
            query.append(("signed", mark))
    headers = [(n, v) for n, v in host.headers if n.lower() in ("accept-language", "host")]
    request = Request(method="GET", path=path, query=Query.parse(urlencode(query)),
                      headers=Headers(headers), script_name=host.script_name, scheme=host.scheme,
                      host=host.host, remote_addr=host.remote_addr, language=host.language)
    return web.handle(request).body.decode("utf-8")

