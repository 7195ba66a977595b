"""What a console handler gets: a :class:`Screen` (the request, the principal, the
language, the CSRF token) and how it answers: a page, a redirect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs

from ..errors import ValidationError
from ..web.bodies import parse_form
from ..web.http import Request, Response, html_response
from ..web.render import render
from ..web.routes import Handler, Route, Router, Site
from .csrf import FIELD

if TYPE_CHECKING:
    from ..admin.principals import Principal
    from ..admin.services import Staff


@attrs.frozen(kw_only=True)
class Screen:
    """One request to the console, for one principal."""

    console: Any  # the Console (web, router), without importing its module
    request: Request
    principal: Principal
    lang: str
    token: str
    path: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def web(self) -> Site:
        """The web app around the console."""
        return self.console.web  # type: ignore[no-any-return]

    @property
    def staff(self) -> Staff:
        """The admin services of the console's Observatory (made once per Observatory,
        shared by every screen)."""
        from ..admin.services import Staff

        obs = self.web.observatory
        found = getattr(obs, "_console_staff", None)
        if found is None:
            found = Staff(obs)
            obs._console_staff = found  # type: ignore[attr-defined]
        return cast("Staff", found)

    @property
    def router(self) -> Router:
        """The console's own routes."""
        return self.console.router  # type: ignore[no-any-return]

    def form(self) -> dict[str, str]:
        """The posted form (urlencoded)."""
        return parse_form(self.request)

    def url(self, name: str, /, **values: Any) -> str:
        """The URL of console route ``name`` (the console's language kept)."""
        if self.request.query.get("lang"):
            values.setdefault("lang", self.lang)
        return self.router.url_for(self.request, name, **values)

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        """``template`` rendered as a whole console page."""
        html = render(self.web, site_request(self.request), template, self.lang,
                      status=status, principal=self.principal, token=self.token,
                      csrf_field=FIELD, url=self.url, **context)
        return html_response(html, status)

    def gettext(self, message: str) -> str:
        """``message`` in the console's language."""
        from .. import i18n

        return i18n.translations(self.lang).gettext(message)

    def redirect(self, name: str, /, **values: Any) -> Response:
        """303 See Other to console route ``name`` (after a POST, the page to show)."""
        return Response(status=303, headers=(("Location", self.url(name, **values)),),
                        body=b"")


def site_request(request: Request) -> Request:
    """The request as the web app around the console sees it (its mount point one level
    up), so that ``L.url_for`` and ``L.static`` point at the widgets and static files."""
    base = request.script_name.rsplit("/", 1)[0] if request.script_name else ""
    return attrs.evolve(request, script_name=base)


def whole(value: str, field: str, *, minimum: int, maximum: int) -> int:
    """``value`` as a whole number within bounds; ``ValidationError`` (422) otherwise."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12 \
            or not minimum <= int(text) <= maximum:
        raise ValidationError(f"{field} must be a whole number from {minimum} to {maximum}",
                              field=field)
    return int(text)


def screen_route(method: str, path: str, name: str,
                 handler: Callable[[Screen], Response]) -> Route:
    """The console route of ``handler`` (a function of a :class:`Screen`), its summary the
    handler's docstring."""
    return Route(method=method, path=path, name=name, summary=handler.__doc__ or name,
                 handler=cast(Handler, handler),  # called with a Screen (app.py)
                 kind="html", tag="console", in_schema=False)
