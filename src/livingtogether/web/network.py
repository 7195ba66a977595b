"""The network's open data: every city with its periods of membership, and the partner
organisations (filtered by ``kind`` and ``city``), as JSON and CSV.

(The directory widget, the map and GeoJSON are in :mod:`.catalogue`; the growth
chart counts the periods in :mod:`.charts`.)
"""

from __future__ import annotations

from markupsafe import Markup

from .. import convert
from ..errors import NotFound
from ..exports import csv_document
from ..models import City, Membership, Organisation, OrganisationKind
from .data import download
from .http import Response, dump_json
from .localizer import all_cities, cities_by_slug
from .params import LANG, Param
from .render import language, render, respond
from .routes import PREFIX, Call, Route, widget_route
from .structured import graph, json_ld, organisation_ld

#: Columns of ``cities.csv``: one row per city; ``memberships`` lists its periods,
#: ``2015-2019 founding_member; 2021- member`` (``?`` for a year not recorded).
CSV_COLUMNS = ("slug", "name", "country", "region", "latitude", "longitude", "member_since",
               "status", "memberships", "languages", "website")


def period_text(period: Membership) -> str:
    """One period as the CSV writes it: ``2015-2019 member``, ``2021- partner``."""
    end = str(period.left) if period.left is not None else "?" if period.ended else ""
    start = "?" if period.joined is None else str(period.joined)
    return f"{start}-{end} {period.status.value}"


def _row(city: City) -> tuple[object, ...]:
    return (city.slug, city.name.get("en") or next(iter(city.name.values.values()), ""),
            city.country, city.region or "",
            "" if city.latitude is None else city.latitude,
            "" if city.longitude is None else city.longitude,
            "" if city.member_since is None else city.member_since, city.status.value,
            "; ".join(period_text(p) for p in city.memberships), ";".join(city.languages),
            city.website or "")


def export_json(call: Call) -> Response:
    """Every city as one JSON document (the converter's output, periods included)."""
    cities = all_cities(call.web)
    body = dump_json({"items": convert.unstructure(cities), "total": len(cities)})
    return download(body, "application/json", "cities.json")


def export_csv(call: Call) -> Response:
    """Every city as CSV (UTF-8 with BOM, one row per city)."""
    return download(csv_document(CSV_COLUMNS, (_row(c) for c in all_cities(call.web))),
                    "text/csv; charset=utf-8", "cities.csv")


#: Columns of ``organisations.csv``: one row per organisation; ``boards`` lists the
#: cities whose board it sits on (now or earlier).
ORGANISATION_COLUMNS = ("slug", "name", "kind", "city", "website", "logo", "boards")


def _organisations(call: Call) -> tuple[list[Organisation], dict[str, list[str]]]:
    """The organisations the query asks for, and the boards each sits on."""
    cities = all_cities(call.web)
    boards: dict[str, list[str]] = {}
    for city in cities:
        for seat in city.board:
            boards.setdefault(seat.organisation, []).append(city.slug)
    kind, wanted = call.params["kind"], call.params["city"]
    where = None
    if wanted is not None:
        where = next((c for c in cities if c.slug == wanted), None)
        if where is None:
            raise NotFound(f"there is no city {wanted[:100]!r}", field="city")
    service = call.obs.organisations
    found: list[Organisation] = []
    offset = 0
    while True:  # bounded: pages of the service's largest size until the total
        page = service.list(kind=kind, city=where, limit=service.max_page_size, offset=offset)
        found.extend(page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return found, boards


def organisations_json(call: Call) -> Response:
    """Partner organisations as one JSON document, each with the boards it sits on."""
    found, boards = _organisations(call)
    items = [{**convert.unstructure(org), "boards": boards.get(org.slug, [])} for org in found]
    return download(dump_json({"items": items, "total": len(items)}), "application/json",
                    "organisations.json")


def organisations_csv(call: Call) -> Response:
    """Partner organisations as CSV (UTF-8 with BOM, one row per organisation)."""
    found, boards = _organisations(call)
    rows = ((org.slug, org.name.get("en") or next(iter(org.name.values.values()), ""),
             org.kind.value, org.city or "", org.website or "", org.logo or "",
             ";".join(boards.get(org.slug, []))) for org in found)
    return download(csv_document(ORGANISATION_COLUMNS, rows), "text/csv; charset=utf-8",
                    "organisations.csv")


def _partners_ld(call: Call, found: list[Organisation], cities: dict[str, City]) -> Markup:
    """The organisations as schema.org ``Organization`` nodes, each named by its entry in
    the directory."""
    here = call.url_for("widget-partners", external=True)
    return json_ld(graph(organisation_ld(org, f"{here}#lt-partner-{org.slug}", cities)
                         for org in found))


def partners_widget(call: Call) -> Response:
    """The network's directory of partners, filtered by kind and city."""
    found, boards = _organisations(call)
    cities = all_cities(call.web)
    named = {city.slug: city for city in cities}
    rows = [(None, org, [named[s] for s in boards.get(org.slug, []) if s in named])
            for org in found]
    lang = language(call)
    html = render(call.web, call.request, "partners.html", lang, city=None, rows=rows,
                  json_ld=_partners_ld(call, found, named),
                  kinds=[k.value for k in OrganisationKind], kind=call.params["kind"],
                  wanted=call.params["city"], cities=cities,
                  lang_param=call.params["lang"])
    return respond(call, html, lang)


def board_widget(call: Call) -> Response:
    """One city's board of partners: each seat's organisation, role and dates."""
    city = call.obs.cities.get(call.path["slug"])
    rows: list[tuple[object, Organisation, list[City]]] = [
        (seat, org, []) for seat, org in call.obs.organisations.board_of(city)
        if org is not None]
    lang = language(call)
    html = render(call.web, call.request, "partners.html", lang, city=city, rows=rows,
                  json_ld=_partners_ld(call, [org for _, org, _ in rows],
                                       cities_by_slug(call.web)))
    return respond(call, html, lang)


FILTERS = (Param(name="kind", kind="enum", choices=OrganisationKind,
                 description="only organisations of this kind"),
           Param(name="city", kind="slug",
                 description="only organisations of this city (based there or on its board "
                             "of partners), by slug"))

API_ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/cities.json", handler=export_json, name="cities-json",
          summary="Open data: every city with its periods of membership as JSON",
          tag="cities", response_type="application/json", reads=("cities",)),
    Route(method="GET", path=f"{PREFIX}/cities.csv", handler=export_csv, name="cities-csv",
          summary="Open data: every city with its periods of membership as CSV",
          tag="cities", response_type="text/csv", reads=("cities",)),
    Route(method="GET", path=f"{PREFIX}/organisations.json", handler=organisations_json,
          name="organisations-json", summary="Open data: the partner organisations as JSON",
          tag="cities", response_type="application/json", reads=("cities",),
          params=FILTERS, errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/organisations.csv", handler=organisations_csv,
          name="organisations-csv", summary="Open data: the partner organisations as CSV",
          tag="cities", response_type="text/csv", reads=("cities",),
          params=FILTERS, errors=(400, 404)),
)

WIDGET_ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/partners", handler=partners_widget,
                 name="widget-partners", reads=("cities",), errors=(400, 404),
                 summary="Widget: the network's partner organisations, by kind and city",
                 params=(LANG, *FILTERS)),
    widget_route(method="GET", path="/widgets/cities/{slug}/partners", handler=board_widget,
                 name="widget-board", reads=("cities",), errors=(400, 404),
                 summary="Widget: a city's board of partners", params=(LANG,)),
)
