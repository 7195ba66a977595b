"""A city's page as one widget: its name and country, a small map, its periods of
membership, its board of partners, its newest published practices, the events it
hosted, its campaign participations and the confirmed signatures of each declaration
in its country; every part left out when it has nothing. Its schema.org JSON-LD (a
``City`` with ``geo``, ``memberOf`` the Observatory) goes in a
``<script type="application/ld+json">``: data, not script (the CSP's ``script-src``
does not apply to it), escaped so that no text closes the element.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from ..models import CampaignParticipation, City, Event
from .charts import world_map
from .http import Response
from .params import LANG
from .render import language, render, respond
from .routes import Call, Route, widget_route

#: How many of the city's practices the page shows (the newest; the rest through the
#: catalogue filtered by the city).
PRACTICES = 5
#: The most events the page reads to find those the city hosted (pages of the service).
MAX_EVENTS = 2_000

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


def structured(city: City, url: str) -> dict[str, Any]:
    """The city as schema.org sees it: a ``City`` (with ``geo`` when it has coordinates),
    member of the Observatory."""
    names = city.name.values
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "City", "@id": url, "url": url,
        "name": names.get("en") or next(iter(names.values()), city.slug),
        "address": {"@type": "PostalAddress", "addressCountry": city.country,
                    **({"addressRegion": city.region} if city.region else {})},
        "memberOf": {**OBSERVATORY, **({"startDate": str(city.member_since)}
                                       if city.member_since else {})},
    }
    if len(names) > 1:
        data["alternateName"] = sorted({v for k, v in names.items() if v != data["name"]})
    if city.latitude is not None and city.longitude is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": city.latitude,
                       "longitude": city.longitude}
    if city.website:
        data["sameAs"] = city.website
    return data


def hosted_events(call: Call, slug: str) -> list[Event]:
    """The published events ``slug`` hosted, the latest first (bounded reads)."""
    service = call.obs.programme
    found: list[Event] = []
    offset = 0
    while offset < MAX_EVENTS:
        page = service.list(limit=service.max_page_size, offset=offset)
        found.extend(service.published(e.slug).event for e in page.items
                     if e.host_city == slug)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    return found


def _participations(call: Call, slug: str) -> list[tuple[Any, Any]]:
    """The city's campaign participations with their campaign, the latest day first."""
    service = call.obs.participations
    mine: list[CampaignParticipation] = []
    offset = 0
    while True:  # bounded: pages of the service's largest size until the total
        page = service.list(limit=service.max_page_size, offset=offset)
        mine.extend(p for p in page.items if p.city == slug)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    with call.obs.store.read() as connection:
        campaigns = {c.slug: c for c in call.obs.campaigns.all_in(connection)}
    rows = [(campaigns[p.campaign], p) for p in mine if p.campaign in campaigns]
    return sorted(rows, key=lambda row: row[0].day, reverse=True)


def _signatures(call: Call, city: City) -> list[tuple[Any, int]]:
    """Each declaration with its confirmed signatures in the city's country (the
    pledge statistics count by country), those with none left out."""
    with call.obs.store.read() as connection:
        declarations = call.obs.declarations.all_in(connection)
    rows = []
    for declaration in declarations:
        confirmed = call.obs.pledge_stats.stats(declaration.slug).by_country.get(city.country, 0)
        if confirmed:
            rows.append((declaration, confirmed))
    return rows


def city_widget(call: Call) -> Response:
    """One city as a whole (the parts it has)."""
    city = call.obs.cities.get(call.path["slug"])
    practices = call.obs.practices.search(city=city.slug, limit=PRACTICES)
    board = [(seat, org) for seat, org in call.obs.organisations.board_of(city)
             if org is not None]
    url = call.url_for("widget-city", slug=city.slug, external=True)
    lang = language(call)
    html = render(call.web, call.request, "city.html", lang, city=city,
                  map=world_map([city]), board=board, practices=practices,
                  events=hosted_events(call, city.slug),
                  participations=_participations(call, city.slug),
                  signatures=_signatures(call, city),
                  json_ld=json_ld(structured(city, url)))
    return respond(call, html, lang)


WIDGET_ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/cities/{slug}", handler=city_widget,
                 name="widget-city",
                 reads=("cities", "practices", "programme", "campaigns", "pledges"),
                 errors=(400, 404), params=(LANG,),
                 summary="Widget: a city as a whole: map, membership, partners, practices, "
                         "events, campaigns, signatures"),
)
