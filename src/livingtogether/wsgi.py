"""The plain WSGI adapter: ``make_app(observatory) -> a WSGI callable``.

It only translates: the WSGI environ into a :class:`~livingtogether.web.Request`
(``PATH_INFO`` relative to ``SCRIPT_NAME``, so the app works mounted under any
prefix) and the :class:`~livingtogether.web.Response` back. Reading the body
under the size limit, routing, errors and static files are the web layer's.

Serve it with any WSGI server, e.g. ``gunicorn 'mysite:app'`` where
``app = make_app(Observatory.open(...))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .web import Request, WebApp, status_line
from .web.http import unmount

if TYPE_CHECKING:
    from .observatory import Observatory
    from .staff_console import Authenticator

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_UNPREFIXED = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def request_from_environ(environ: dict[str, Any], language: str | None = None) -> Request:
    """The web layer's request for a WSGI environ (without its body, read later).

    ``language``: the site's active language for this request, if it has one.
    """
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), value))
        elif key in _UNPREFIXED and value:
            headers.append((_UNPREFIXED[key], value))
    host = environ.get("HTTP_HOST") or (
        f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}")
    return Request.build(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", "") or "/",
        query_string=environ.get("QUERY_STRING", ""),
        headers=headers,
        script_name=environ.get("SCRIPT_NAME", ""),
        scheme=environ.get("wsgi.url_scheme", "http"),
        host=host,
        remote_addr=environ.get("REMOTE_ADDR"),
        language=language,
    )


def make_app(observatory: Observatory, *, demo_page: bool = False,
             language: Callable[[dict[str, Any]], str | None] | None = None,
             console_auth: Authenticator | None = None) -> WSGIApp:
    """A WSGI application serving the Observatory's API, widgets and static files.

    ``language(environ)``, if given, answers the site's active language for a
    request (e.g. from its URL prefix or a cookie); widgets use it when the
    request names no ``?lang=``, before the browser's Accept-Language.
    ``console_auth(environ) -> Principal | None``, if given, mounts the staff
    console under ``/console`` (:mod:`livingtogether.staff_console`); without it there
    is no console at all.
    """
    web = WebApp(observatory, demo_page=demo_page)
    app = serve(web, language=language)
    if console_auth is None:
        return app
    web.console_path = CONSOLE_PREFIX + "/"
    return mounted(console_app(web, console_auth, language=language), CONSOLE_PREFIX, app)


#: Where :func:`make_app` mounts the staff console.
CONSOLE_PREFIX = "/console"


def console_app(web: WebApp, authenticate: Authenticator, *,
                language: Callable[[dict[str, Any]], str | None] | None = None) -> WSGIApp:
    """The staff console on ``web`` as a WSGI application (mount it with :func:`mounted`);
    ``authenticate(environ)`` says who is acting (``None``: 401)."""
    from .staff_console import Console

    console = Console(web)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = request_from_environ(environ, language(environ) if language else None)
        response = console.handle_stream(
            request, environ.get("wsgi.input"), lambda: authenticate(environ),
            terminated=bool(environ.get("wsgi.input_terminated")))
        start_response(status_line(response.status), list(response.headers))
        return [response.body]

    return app


def mounted(app: WSGIApp, prefix: str, fallback: WSGIApp) -> WSGIApp:
    """``app`` for the paths under ``prefix`` (moved to ``SCRIPT_NAME``), ``fallback`` for others.

    Framework adapters use it to answer their mount before the framework's own
    dispatch (the way WhiteNoise serves files), which costs next to nothing.
    """
    inside = prefix.rstrip("/") + "/"

    def dispatch(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(inside):
            return fallback(environ, start_response)
        script_name, path = unmount(environ.get("SCRIPT_NAME", ""), path, prefix)
        return app({**environ, "SCRIPT_NAME": script_name, "PATH_INFO": path}, start_response)

    return dispatch


def serve(web: WebApp, *,
          language: Callable[[dict[str, Any]], str | None] | None = None) -> WSGIApp:
    """The WSGI application of an existing :class:`~livingtogether.web.WebApp`
    (``language``: as for :func:`make_app`)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = request_from_environ(environ, language(environ) if language else None)
        response = web.handle_stream(request, environ.get("wsgi.input"),
                                     terminated=bool(environ.get("wsgi.input_terminated")))
        start_response(status_line(response.status), list(response.headers))
        return [response.body]

    app.web = web  # type: ignore[attr-defined]
    return app
