"""The network's declarations and its series of summits as widgets, and the schema.org
JSON-LD of studies, declarations, events and places that these and the city's page
carry (in a ``<script type="application/ld+json">``, escaped by
:func:`json_ld`).

``/widgets/declarations``: the declarations of the network (the Montreal Declaration,
the Düsseldorf Declaration...) with their date, place, the event where each was
adopted and the cities that signed. ``/widgets/series/{slug}``: a series' archive,
its past events (host city, dates, programme, outcomes) and the next ones.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from markupsafe import Markup

from ..errors import NotFound
from ..models import City, Declaration, Event, EventSeries, Practice, Text
from ..services.network import events_of, network_declarations
from .http import Response
from .localizer import all_cities
from .params import LANG
from .render import language, render, respond
from .routes import Call, Route, widget_route

SCHEMA = "https://schema.org"
OBSERVATORY = {"@type": "Organization",
               "name": "International Observatory of Mayors on Living Together",
               "alternateName": "Observatoire international des maires sur le vivre ensemble"}


def json_ld(data: Any) -> Markup:
    """``data`` as JSON to put inside ``<script type="application/ld+json">``: ``<``,
    ``>`` and ``&`` as ``\\u`` escapes, so ``</script>`` or ``<!--`` in a text cannot end
    or change the element (the JSON reads back the same)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))  # noqa: S704


def _name(text: Text, fallback: str) -> str:
    values = text.values
    return values.get("en") or next(iter(values.values()), fallback)


def place(city: City | None, name: str | None = None) -> dict[str, Any] | None:
    """A schema.org ``Place`` for ``city`` (its geo and country), or one named ``name``."""
    if city is None:
        return {"@type": "Place", "name": name} if name else None
    data: dict[str, Any] = {"@type": "Place", "name": name or _name(city.name, city.slug),
                            "address": {"@type": "PostalAddress",
                                        "addressLocality": _name(city.name, city.slug),
                                        "addressCountry": city.country}}
    if city.latitude is not None and city.longitude is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": city.latitude,
                       "longitude": city.longitude}
    return data


def study_ld(study: Practice, url: str) -> dict[str, Any]:
    """A study as a schema.org ``Report``."""
    details = study.study
    data: dict[str, Any] = {"@type": "Report", "@id": url, "url": url,
                            "name": _name(study.title, study.slug),
                            "publisher": OBSERVATORY}
    summary = _name(study.summary, "")
    if summary:
        data["abstract"] = summary
    if details is not None:
        if details.year:
            data["datePublished"] = str(details.year)
        if details.authors:
            data["author"] = [{"@type": "Person", "name": a} for a in details.authors]
    return data


def event_ld(event: Event, url: str, cities: dict[str, City]) -> dict[str, Any]:
    """An event as a schema.org ``Event`` at its host city."""
    data: dict[str, Any] = {"@type": "Event", "@id": url, "url": url,
                            "name": _name(event.title, event.slug),
                            "startDate": event.first_day.isoformat(),
                            "endDate": event.last_day.isoformat(), "organizer": OBSERVATORY}
    where = place(cities.get(event.host_city or ""))
    if where:
        data["location"] = where
    return data


def declaration_ld(declaration: Declaration, url: str, cities: dict[str, City],
                   events: dict[str, str]) -> dict[str, Any]:
    """A declaration of the network as a schema.org ``CreativeWork``."""
    data: dict[str, Any] = {"@type": "CreativeWork", "@id": url,
                            "name": _name(declaration.title, declaration.slug),
                            "publisher": OBSERVATORY}
    when = declaration.adopted.isoformat() if declaration.adopted else (
        str(declaration.year) if declaration.year else None)
    if when:
        data["dateCreated"] = when
    where = place(None, _name(declaration.place, "")) if declaration.place else None
    if where:
        data["locationCreated"] = where
    if declaration.event and declaration.event in events:
        data["isPartOf"] = {"@type": "Event", "@id": events[declaration.event]}
    signed = [cities[s.city] for s in declaration.signatories if s.city in cities]
    if signed:
        data["contributor"] = [{"@type": "City", "name": _name(c.name, c.slug)}
                               for c in signed]
    return data


def declarations_widget(call: Call) -> Response:
    """The declarations of the network, the oldest first."""
    found = network_declarations(call.obs)
    cities = {city.slug: city for city in all_cities(call.web)}
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
    cities = {city.slug: city for city in all_cities(call.web)}
    here = call.url_for("widget-series", slug=series.slug, external=True)
    data = {"@context": SCHEMA, "@type": "EventSeries", "@id": here, "url": here,
            "name": _name(series.title, series.slug), "organizer": OBSERVATORY,
            "subEvent": [event_ld(e, call.url_for("widget-programme", event=e.slug,
                                                  external=True), cities) for e in events]}
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
