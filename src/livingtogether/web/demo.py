"""The demo page: every widget on one page, with the stylesheet (``demo_page=True``).

It shows what the route modules render, so it stands above them, beside the app.
"""

from __future__ import annotations

from markupsafe import Markup

from ..errors import NotFound
from ..models import DEFAULT_DECLARATION, Declaration
from .catalogue import directory_html, search_html
from .http import Response, html_response
from .params import LANG
from .pledge_form import pledge_html
from .programme import programme_html
from .render import NO_STORE, language, render
from .routes import Call, widget_route


def demo_page(call: Call) -> Response:
    """Every widget on one page, with the stylesheet."""
    web, request = call.web, call.request
    lang = language(call)
    events = web.observatory.programme.list(limit=1)
    try:
        declaration: Declaration | None = web.observatory.declarations.get(
            DEFAULT_DECLARATION)
    except NotFound:
        found = web.observatory.declarations.list(limit=1).items
        declaration = found[0] if found else None
    sections = [("cities", call.url_for("widget-cities"), directory_html(web, request, lang)),
                ("practices", call.url_for("widget-practices"),
                 search_html(web, request, lang, {}))]
    if events.items:
        event = web.observatory.programme.published(events.items[0].slug)
        sections.append(("programme", call.url_for("widget-programme", event=event.event.slug),
                         programme_html(web, request, lang, event)))
    if declaration is not None:
        sections.append(("pledge", call.url_for("widget-pledge", declaration=declaration.slug),
                         pledge_html(web, request, lang, declaration)))
    console = getattr(web, "console_path", None)
    html = render(web, request, "demo.html", lang,
                  console_url=request.url_for(console) if console else None,
                  sections=[(name, url, Markup(body))  # noqa: S704 (our templates' output)
                            for name, url, body in sections])
    return html_response(html, 200, (("Vary", "Accept-Language"), *NO_STORE))


DEMO_ROUTE = widget_route(method="GET", path="/", handler=demo_page, name="demo",
                     summary="A demo page showing every widget", params=(LANG,),
                     in_schema=False)
