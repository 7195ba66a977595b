"""Rendering a widget and answering with it: the template, the fragment or a page around it.

Each widget is an HTML fragment with one root element,
``<section class="lt-widget lt-widget--NAME" lang=".." dir="..">``, to include
in a city's page (server side, or by fetching it). Opened directly in a
browser tab or frame (``Sec-Fetch-Dest: document`` or ``iframe``), as after
posting the pledge form without scripts, the fragment comes wrapped in a
minimal page that links the stylesheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from .http import WIDGET_VARY, Request, Response, html_response, request_language
from .localizer import Localizer, negotiate_language

if TYPE_CHECKING:
    from .routes import Call, Site

#: The header of every page with a signing form (its token is one reader's, once).
NO_STORE = (("Cache-Control", "no-store"),)


def render(web: Site, request: Request, template: str, language: str, **context: Any) -> str:
    """Render ``template`` for ``request`` in ``language``."""
    localizer = Localizer(web, request, language)
    return text_of(web.templates.get_template(template), L=localizer, request=request,
                   **context)


def text_of(template: jinja2.Template, **context: Any) -> str:
    """``template`` rendered with ``context``.

    Its output comes in pieces, most of them escaped ``Markup``, which the garbage
    collector tracks (``str`` it does not): joined as they come, the thousands of a
    large widget would live until the end and make Python scan the whole heap again
    and again. Each becomes a plain ``str`` first.
    """
    # What ``Template.render`` does, but for the ``str``.
    try:
        return "".join(map(str, template.root_render_func(template.new_context(context))))
    except Exception:
        template.environment.handle_exception()  # raises it with the template's lines


#: The most blocks :func:`kept` keeps rendered (a few kB each).
KEPT_BLOCKS = 4096


def kept(web: Site, key: tuple[Any, ...], make: Callable[[], str]) -> Markup:
    """The block of ``key`` (which names the data's versions it shows), rendered by
    ``make()`` once and kept in :attr:`.routes.Site.answers`."""
    found = web.answers.get(key)
    if found is None:
        found = Markup(make())  # noqa: S704 (rendered by the autoescaping templates)
        if len(web.answers) >= KEPT_BLOCKS:
            web.answers.clear()
        web.answers[key] = found
    return found


def versions_of(web: Site, *groups: str) -> tuple[int, ...]:
    """The data versions of ``groups`` and of everything (read once per request)."""
    found = web.observatory.store.versions()
    return tuple(found.get(group, 0) for group in (*groups, "*"))


def respond(call: Call, html: str, lang: str, status: int = 200) -> Response:
    """A widget response in ``lang``: the fragment, or a minimal page around it when
    opened directly."""
    html = as_opened(call.web, call.request, html, lang)
    return html_response(html, status, (("Vary", WIDGET_VARY),))


def as_opened(web: Site, request: Request, html: str, lang: str) -> str:
    """``html`` wrapped in a minimal page when the browser opens it directly."""
    destination = (request.headers.get("sec-fetch-dest") or "").lower()
    if destination in ("document", "iframe"):
        return render(web, request, "standalone.html", lang,
                      fragment=Markup(html))  # noqa: S704 (rendered by our autoescaping templates)
    return html


def language(call: Call) -> str:
    """The language of this call's widget."""
    return negotiate_language(call.web, call.request, call.params.get("lang"))


def error_fragment(web: Site, request: Request, status: int, message: str,
                   headers: Iterable[tuple[str, str]]) -> Response:
    """An error as a widget fragment, in the request's language if it can tell."""
    lang = request_language(web.settings, request, request.query.get("lang"))
    html = render(web, request, "error.html", lang, status=status, message=message)
    return html_response(as_opened(web, request, html, lang), status,
                         (*headers, ("Vary", WIDGET_VARY)))
