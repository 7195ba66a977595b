"""The network's declarations and its series of summits as widgets, each with its
schema.org JSON-LD (:mod:`.structured`).

``/widgets/declarations``: the declarations of the network (the Montreal Declaration,
the Düsseldorf Declaration...) with their date, place, the event where each was
adopted and the cities that signed. ``/widgets/series/{slug}``: a series' archive,
its past events (host city, dates, programme, outcomes) and the next ones.
"""

from __future__ import annotations

from datetime import date

from ..errors import NotFound
from ..models import EventSeries
from ..services.network import events_of, network_declarations
from .http import Response
from .localizer import cities_by_slug
from .params import LANG
from .render import language, render, respond
from .routes import Call, Route, widget_route
from .structured import OBSERVATORY, SCHEMA, declaration_ld, event_ld, json_ld, name_of


def declarations_widget(call: Call) -> Response:
    """The declarations of the network, the oldest first."""
    found = network_declarations(call.obs)
    cities = cities_by_slug(call.web)
    events = {}
    for slug in {d.event for d in found if d.event}:
        try:
            events[slug] = call.obs.programme.published(slug).event
        except NotFound:  # an event removed since: the declaration stays
            continue
    here = call.url_for("widget-declarations", external=True)
    urls = {slug: call.url_for("widget-programme", event=slug, external=True)
            for slug in events}
    graph = [declaration_ld(d, f"{here}#{d.slug}", cities, urls) for d in found]
    lang = language(call)
    html = render(call.web, call.request, "declarations.html", lang, declarations=found,
                  cities=cities, events=events,
                  json_ld=json_ld({"@context": SCHEMA, "@graph": graph}))
    return respond(call, html, lang)


def series_widget(call: Call) -> Response:
    """A series' archive: its past events with their outcomes, then the next ones."""
    series: EventSeries = call.obs.series.get(call.path["slug"])
    events = events_of(call.obs, series.slug)
    today = date.today()
    past = [e for e in events if e.last_day < today]
    upcoming = [e for e in events if e.last_day >= today]
    cities = cities_by_slug(call.web)
    here = call.url_for("widget-series", slug=series.slug, external=True)
    data = {"@context": SCHEMA, "@type": "EventSeries", "@id": here, "url": here,
            "name": name_of(series.title, series.slug), "organizer": OBSERVATORY,
            "subEvent": [event_ld(e, call.url_for("widget-programme", event=e.slug,
                                                  external=True), cities, here)
                         for e in events]}
    lang = language(call)
    html = render(call.web, call.request, "series.html", lang, series=series, past=past,
                  upcoming=upcoming, cities=cities, json_ld=json_ld(data))
    return respond(call, html, lang)


WIDGET_ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/declarations", handler=declarations_widget,
                 name="widget-declarations", reads=("pledges", "cities", "programme"),
                 errors=(400,), params=(LANG,),
                 summary="Widget: the declarations of the network and the cities that "
                         "signed them"),
    widget_route(method="GET", path="/widgets/series/{slug}", handler=series_widget,
                 name="widget-series", reads=("programme", "cities"), errors=(400, 404),
                 params=(LANG,),
                 summary="Widget: a series of summits: its past events with their "
                         "programmes and outcomes, and the next"),
)
