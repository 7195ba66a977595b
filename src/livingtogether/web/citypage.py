"""A city's page as one widget: its name and country, a small map, its periods of
membership, its board of partners, its newest published practices, the events it
hosted, the studies that cover it, the declarations of the network it signed, its
campaign participations and the confirmed signatures of each declaration in the city
and in its country; every part left out when it has nothing. Its schema.org JSON-LD (a
``City`` with ``geo``, ``memberOf`` the Observatory, the studies as ``subjectOf``
``Report``, the events hosted as ``Event``) goes in a
``<script type="application/ld+json">``: data, not script (the CSP's ``script-src``
does not apply to it), escaped so that no text closes the element.
"""

from __future__ import annotations

from typing import Any

from ..models import DEFAULT_DECLARATION, CampaignParticipation, City, Event
from ..services.network import network_declarations, studies_of
from ..services.pledge_stats import signer_names
from .charts import world_map
from .http import Response
from .localizer import cities_by_slug
from .params import LANG
from .render import language, render, respond
from .routes import Call, Route, widget_route
from .structured import SCHEMA, city_ld, event_ld, json_ld, practice_ld

#: How many of the city's practices the page shows (the newest; the rest through the
#: catalogue filtered by the city).
PRACTICES = 5
#: The most events the page reads to find those the city hosted (pages of the service).
MAX_EVENTS = 2_000


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


def _signatures(call: Call, city: City) -> list[tuple[Any, int, int]]:
    """Each declaration residents sign with its confirmed signatures in the city (given
    with one of its names) and in its country (the pledge statistics), those with none
    left out; the Universal Declaration first."""
    with call.obs.store.read() as connection:
        declarations = [d for d in call.obs.declarations.all_in(connection)
                        if not d.of_network]
    declarations.sort(key=lambda d: (d.slug != DEFAULT_DECLARATION, d.slug))
    stats = call.obs.pledge_stats
    names = signer_names(city)
    rows = []
    for declaration in declarations:
        in_country = stats.stats(declaration.slug).by_country.get(city.country, 0)
        if in_country:
            rows.append((declaration, stats.in_city(declaration.slug, city.country, names),
                         in_country))
    return rows


def city_widget(call: Call) -> Response:
    """One city as a whole (the parts it has)."""
    city = call.obs.cities.get(call.path["slug"])
    practices = call.obs.practices.search(city=city.slug, limit=PRACTICES)
    board = [(seat, org) for seat, org in call.obs.organisations.board_of(city)
             if org is not None]
    url = call.url_for("widget-city", slug=city.slug, external=True)
    events = hosted_events(call, city.slug)
    studies = studies_of(call.obs, city.slug)
    signed = [(d, next(s for s in d.signatories if s.city == city.slug))
              for d in network_declarations(call.obs)
              if any(s.city == city.slug for s in d.signatories)]
    data = {"@context": SCHEMA, **city_ld(city, url)}
    cities = cities_by_slug(call.web) if studies else {city.slug: city}
    if studies:
        data["subjectOf"] = [practice_ld(s, call.url_for("widget-practice", slug=s.slug,
                                                         external=True), cities)
                             for s in studies]
    if events:
        data["event"] = [event_ld(e, call.url_for("widget-programme", event=e.slug,
                                                  external=True), cities) for e in events]
    lang = language(call)
    html = render(call.web, call.request, "city.html", lang, city=city,
                  map=world_map([city]), board=board, practices=practices,
                  events=events, studies=studies, declarations=signed,
                  participations=_participations(call, city.slug),
                  signatures=_signatures(call, city),
                  json_ld=json_ld(data))
    return respond(call, html, lang)


WIDGET_ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/cities/{slug}", handler=city_widget,
                 name="widget-city",
                 reads=("cities", "practices", "programme", "campaigns", "pledges"),
                 errors=(400, 404), params=(LANG,),
                 summary="Widget: a city as a whole: map, membership, partners, practices, "
                         "events, campaigns, signatures"),
)
