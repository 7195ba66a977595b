"""``Console``: the console's dispatch, authentication, CSRF guard, errors and headers.

Every request is authenticated by the host's callable first (``None``: 401
with a page that says so); a POST is then checked against its CSRF token
before its handler reads anything. Library errors become an HTML page with
their status (a ``Forbidden`` of the admin services 403, an unknown record
404), never a traceback; every answer is ``no-store``, unframeable and under a
strict Content-Security-Policy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, BinaryIO, cast

import attrs

from ..admin.principals import Principal
from ..errors import Forbidden, LivingTogetherError, NotFound
from ..models import fields as f
from ..web.bodies import receive
from ..web.errors import INTERNAL_MESSAGE, status_for
from ..web.http import Request, Response, html_response
from ..web.localizer import negotiate_language
from ..web.render import render
from ..web.routes import Route, Router, Site
from . import csrf, kinds, media, moderation, screenings, signatures
from .screens import Screen, site_request

log = logging.getLogger("livingtogether.console")

#: ``environ -> Principal | None``: the host's authentication.
Authenticator = Callable[[dict[str, Any]], Principal | None]

#: The console's Content-Security-Policy: this site's styles and scripts only, no inline
#: anything, forms posting here, never framed.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"),
                    ("X-Frame-Options", "DENY"),
                    ("Content-Security-Policy", CONSOLE_CSP),
                    ("Cache-Control", "no-store"))


#: The challenge of a 401 (HTTP Basic hosts, e.g. the demo, sign in with it).
BASIC_CHALLENGE = 'Basic realm="livingtogether console"'
#: The console's own sign-out for HTTP Basic hosts (the demo's ``console_signout_url``).
SIGNOUT_PATH = "/signout"


class Console:
    """The staff console below its mount point, on the web app ``web`` (its settings,
    templates, static files and route table, for the widgets' links)."""

    def __init__(self, web: Site) -> None:
        self.web = web
        self.routes: tuple[Route, ...] = (*kinds.ROUTES, *media.ROUTES, *moderation.ROUTES,
                                          *signatures.ROUTES,
                                          *screenings.ROUTES)  # screen
        self.router = Router(self.routes)

    def navigation(self, principal: Principal | None) -> tuple[Any, ...]:
        """The kinds of record ``principal`` may open, for the screens' navigation (the
        screens ask the console: the kinds' modules import the screens)."""
        return kinds.navigation(self.web, principal)

    def handle_stream(self, request: Request, stream: BinaryIO | None,
                      identify: Callable[[], Principal | None], *,
                      terminated: bool = False) -> Response:
        """Read the body under the size limit, ask ``identify()`` who is acting (the
        host's authenticator), then :meth:`handle`; never raises."""
        try:
            request = receive(request, stream, self.web.settings.max_body_bytes,
                              terminated=terminated)
            principal = identify()
            if principal is not None and not isinstance(principal, Principal):
                raise TypeError(f"the console's authenticator answered {type(principal)}, "
                                "not a Principal or None")
        except LivingTogetherError as error:
            lang = self._language(request)
            return self._finish(request, self._error(request, lang, None, None,
                                                     status_for(error), error.message), False)
        except Exception:
            log.exception("unexpected error authenticating a console request")
            lang = self._language(request)
            return self._finish(request, self._error(request, lang, None, None, 500,
                                                     INTERNAL_MESSAGE), False)
        with request:
            return self.handle(request, principal)

    def _language(self, request: Request) -> str:
        try:
            return negotiate_language(self.web, request, request.query.get("lang"))
        except LivingTogetherError:
            return negotiate_language(self.web, request, None)

    def handle(self, request: Request, principal: Principal | None) -> Response:
        """Answer ``request`` (its ``script_name`` the console's mount point) for
        ``principal`` (``None``: not signed in); never raises."""
        nonce = csrf.nonce_of(request)
        fresh = nonce is None
        screen: Screen | None = None
        lang = self._language(request)
        try:
            if request.path == SIGNOUT_PATH:
                response = self._signed_out(request, lang)
            elif principal is None:
                response = self._page(request, lang, "console/error.html", 401,
                                      message=None, principal=None, token="", url=None)
                response = response.with_headers((("WWW-Authenticate", BASIC_CHALLENGE),))
            else:
                nonce = nonce or csrf.new_nonce()
                screen = Screen(console=self, request=request, principal=principal, lang=lang,
                                token=csrf.token(self.web.observatory.keys, nonce,
                                                 principal.id))
                response = self._dispatch(screen)
        except LivingTogetherError as error:
            response = self._error(request, lang, principal, screen, status_for(error),
                                   error.message if status_for(error) < 500
                                   else INTERNAL_MESSAGE)
        except Exception:
            log.exception("unexpected error answering %s %s", request.method,
                          request.path[:200].encode("utf-8", "replace").decode())
            response = self._error(request, lang, principal, screen, 500, INTERNAL_MESSAGE)
        return self._finish(request, response, fresh and nonce is not None, nonce)

    def _signed_out(self, request: Request, lang: str) -> Response:
        """The answer of :data:`SIGNOUT_PATH`: 401 with an HTTP Basic challenge, which
        makes a browser forget the Basic credentials it had (for a host signing in with
        HTTP Basic, such as the demo); a host with its own sessions sets
        ``console_signout_url`` to its logout instead."""
        response = self._page(request, lang, "console/error.html", 401, message=None,
                              principal=None, token="", url=None, signed_out=True)
        return response.with_headers((("WWW-Authenticate", BASIC_CHALLENGE),))

    @staticmethod
    def _finish(request: Request, response: Response, set_cookie: bool,
                nonce: str | None = None) -> Response:
        headers = list(SECURITY_HEADERS)
        if set_cookie and nonce is not None:
            headers.append(csrf.cookie_header(nonce, request.script_name,
                                              secure=request.scheme == "https"))
        headers.append(("Content-Length", str(len(response.body))))
        return response.with_headers(headers, replace=True)

    def _dispatch(self, screen: Screen) -> Response:
        request = screen.request
        if request.path in ("", "/"):
            shown = kinds.navigation(self.web, screen.principal)
            if not shown:
                raise Forbidden(f"{screen.principal.name} ({screen.principal.id}) may edit "
                                "no kind of record here; ask an administrator of the site "
                                "to grant a permission")
            return screen.redirect(shown[0].name())
        route, values = self.router.match(request.method, request.path)
        for value in values.values():
            if len(value) > f.MAX_SLUG or not f.SLUG_RE.fullmatch(value):
                raise NotFound(f"there is nothing at {request.path[:200]}: {value[:60]!r} "
                               "is not a slug")
        if request.method == "POST":
            if request.content_type[0] == "multipart/form-data":  # an upload (media.py)
                fields, files = media.read_multipart(screen)
                screen = attrs.evolve(screen, posted=fields, uploads=files)
            form = screen.form()
            csrf.check(self.web.observatory.keys, request, form, screen.principal.id)
        handler = cast(Callable[[Screen], Response], route.handler)
        return handler(attrs.evolve(screen, path=values))

    def _error(self, request: Request, lang: str, principal: Principal | None,
               screen: Screen | None, status: int, message: str) -> Response:
        try:
            return self._page(request, lang, "console/error.html", status, message=message,
                              principal=principal, token=screen.token if screen else "",
                              url=screen.url if screen else None)
        except Exception:
            log.exception("unexpected error rendering a console error page")
            return html_response(f"<!DOCTYPE html><title>{status}</title><p>{status}</p>",
                                 status)

    def _page(self, request: Request, lang: str, template: str, status: int,
              **context: Any) -> Response:
        html = render(self.web, site_request(request), template, lang, status=status,
                      navigation=self.navigation(context.get("principal")),
                      screens=None, **context)
        return html_response(html, status)


__all__ = ["Authenticator", "Console"]
