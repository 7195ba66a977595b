"""What a console handler gets: a :class:`Screen` (the request, the principal, the
language, the CSRF token) and how it answers: a page, a redirect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs

from ..errors import ValidationError
from ..web.bodies import Upload, parse_form
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
    #: A ``multipart/form-data`` form, parsed once by the dispatch (its text fields, its
    #: files); ``None`` for any other request.
    posted: Mapping[str, str] | None = None
    uploads: tuple[Upload, ...] = ()

    @property
    def web(self) -> Site:
        """The web app around the console."""
        return self.console.web  # type: ignore[no-any-return]

    @property
    def staff(self) -> Staff:
        """The admin services of the console's Observatory (made once per Observatory,
        shared by every screen)."""
        return staff_of(self.web.observatory)

    @property
    def router(self) -> Router:
        """The console's own routes."""
        return self.console.router  # type: ignore[no-any-return]

    def form(self) -> dict[str, str]:
        """The posted form (urlencoded, or the text fields of a multipart one)."""
        if self.posted is not None:
            return dict(self.posted)
        return parse_form(self.request)

    def url(self, name: str, /, **values: Any) -> str:
        """The URL of console route ``name`` (the console's language kept)."""
        if self.request.query.get("lang"):
            values.setdefault("lang", self.lang)
        return self.router.url_for(self.request, name, **values)

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        """``template`` rendered as a whole console page."""
        context.setdefault("screens", None)
        if "chooser" not in context:  # the records a form's choosers offer (choosers.py)
            from .choosers import chooser

            context["chooser"] = chooser(self)
        html = render(self.web, site_request(self.request), template, self.lang,
                      status=status, principal=self.principal, token=self.token,
                      csrf_field=FIELD, url=self.url,
                      navigation=self.console.navigation(self.principal), **context)
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


def route(method: str, path: str, name: str, handler: Callable[[Screen], Response]) -> Route:
    """A console route: ``handler`` is called with the :class:`Screen` (app.py)."""
    return Route(method=method, path=path, name=name, summary=handler.__doc__ or name,
                 handler=cast(Handler, handler), kind="html", tag="console", in_schema=False)


def staff_of(obs: Any) -> Staff:
    """``Staff(obs)``, made once per Observatory."""
    from ..admin.services import Staff

    found = getattr(obs, "_console_staff", None)
    if found is None:
        found = Staff(obs)
        obs._console_staff = found
    return cast("Staff", found)
