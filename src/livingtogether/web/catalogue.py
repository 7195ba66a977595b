"""The catalogue on the web: the member directory with its map and growth chart, the
practices' search widget and page, the search API, GeoJSON, open-data exports and Atom.

The map and the chart are inline SVG drawn here from the data (no tiles, no
scripts: the widgets' CSP forbids them); the list of cities and a table of the
figures beside them are the accessible alternative.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import attrs
from markupsafe import Markup

from .. import convert
from ..errors import BadRequest, TooManyRequests, ValidationError
from ..models import City, Localized, PracticeKind, Theme
from ..services import SearchResults
from ..services.guard import retry_after
from ..services.search import FACETS, html_text
from .api import PREFIX, ok, page_json, published_practice
from .guard import client_ip
from .http import PUBLIC, Response, dump_json
from .routes import LANG, Call, Param, Route, page_params, widget_route

if TYPE_CHECKING:
    from .app import WebApp
    from .http import Request

# -- the map


@attrs.frozen(kw_only=True)
class MapPoint:
    """A city on the map: where it is drawn (SVG units) and what it is called."""

    city: City
    x: float
    y: float


@attrs.frozen(kw_only=True)
class WorldMap:
    """An equirectangular map: the view box fitted to the cities, its graticule, its points."""

    view_box: str
    points: tuple[MapPoint, ...]
    meridians: tuple[float, ...]
    parallels: tuple[float, ...]
    box: tuple[float, float, float, float]
    radius: float


def _x(longitude: float) -> float:
    return round(longitude + 180.0, 3)


def _y(latitude: float) -> float:
    return round(90.0 - latitude, 3)


def world_map(cities: Iterable[City]) -> WorldMap:
    """The map of ``cities`` that have coordinates, framed around them (2:1, at least 60°)."""
    located = [c for c in cities if c.latitude is not None and c.longitude is not None]
    points = tuple(MapPoint(city=c, x=_x(c.longitude or 0.0), y=_y(c.latitude or 0.0))
                   for c in located)
    if points:
        west, east = min(p.x for p in points), max(p.x for p in points)
        north, south = min(p.y for p in points), max(p.y for p in points)
    else:
        west, east, north, south = 0.0, 360.0, 15.0, 150.0
    width = max(east - west + 20.0, 60.0)
    height = max(south - north + 14.0, width / 2.0)
    width = max(width, height * 2.0)
    left = min(max((west + east - width) / 2.0, 0.0), 360.0 - min(width, 360.0))
    top = min(max((north + south - height) / 2.0, 0.0), 180.0 - min(height, 180.0))
    width, height = min(width, 360.0), min(height, 180.0)
    step = 30.0 if width > 120 else 10.0
    meridians = tuple(v for v in _steps(left, left + width, step))
    parallels = tuple(v for v in _steps(top, top + height, step))
    return WorldMap(view_box=f"{left:g} {top:g} {width:g} {height:g}", points=points,
                    meridians=meridians, parallels=parallels,
                    box=(left, top, width, height), radius=round(width / 120.0, 3))


def _steps(start: float, end: float, step: float) -> Iterable[float]:
    value = math.ceil(start / step) * step
    while value <= end:
        yield value
        value += step


# -- the growth chart


@attrs.frozen(kw_only=True)
class GrowthYear:
    """One year of the network: how many cities joined, how many members in all."""

    year: int
    joined: int
    total: int
    x: float = 0.0
    height: float = 0.0


@attrs.frozen(kw_only=True)
class Growth:
    """The network's growth by year, with the bars' geometry, and cities without a year."""

    years: tuple[GrowthYear, ...]
    unknown: int
    width: float
    height: float
    bar: float


def growth(cities: Iterable[City]) -> Growth:
    """Members by year from each city's ``member_since``; one bar per year, no gaps."""
    joined: dict[int, int] = {}
    unknown = 0
    for city in cities:
        if city.member_since is None:
            unknown += 1
        else:
            joined[city.member_since] = joined.get(city.member_since, 0) + 1
    if not joined:
        return Growth(years=(), unknown=unknown, width=0, height=0, bar=0)
    years, total = [], 0
    first, last = min(joined), max(joined)
    for year in range(first, last + 1):
        total += joined.get(year, 0)
        years.append((year, joined.get(year, 0), total))
    bar, gap, plot = 32.0, 8.0, 120.0
    top = max(total for _, _, total in years)
    return Growth(
        years=tuple(GrowthYear(year=year, joined=new, total=count, x=index * (bar + gap) + gap,
                               height=round(plot * count / top, 2))
                    for index, (year, new, count) in enumerate(years)),
        unknown=unknown, width=len(years) * (bar + gap) + gap, height=plot, bar=bar)


# -- widgets


def directory_html(web: WebApp, request: Request, lang: str) -> str:
    """The member directory: the map, the list grouped by country, the growth chart."""
    from .widgets import Localizer, all_cities, text_of

    localizer = Localizer(web, request, lang)
    cities = all_cities(web)
    groups: dict[str, list[City]] = {}
    for city in cities:
        groups.setdefault(city.country, []).append(city)
    ordered = sorted(groups.items(), key=lambda item: localizer.country(item[0]).casefold())
    for _, members in ordered:
        members.sort(key=lambda c: (localizer.text(c.name) or Localized("", c.slug))
                     .text.casefold())
    return text_of(web.templates.get_template("cities.html"), L=localizer, request=request,
                   groups=ordered, map=world_map(cities), growth=growth(cities))


def theme_labels(web: WebApp) -> dict[str, Theme]:
    """The taxonomy by slug, in display order."""
    return {theme.slug: theme for theme in web.observatory.themes.all()}


SEARCH_PARAMS: tuple[Param, ...] = (
    Param(name="q", kind="string", description="words to find (accents and case ignored)"),
    Param(name="theme", kind="slug", description="only practices of this theme"),
    Param(name="city", kind="slug", description="only practices of this city"),
    Param(name="country", kind="country",
          description="only practices of cities of this ISO 3166-1 alpha-2 country"),
    Param(name="kind", kind="enum", choices=PracticeKind,
          description="only entries of this kind"),
    Param(name="language", kind="language",
          description="only practices written in this language (words are searched in it)"),
)


def run_search(web: WebApp, params: Mapping[str, Any], *,
               reader_language: str | None = None) -> SearchResults:
    """The search a request's parameters ask for; a value the search refuses is a 400."""
    try:
        return web.observatory.practices.search(
            params.get("q") or "", theme=params.get("theme"), city=params.get("city"),
            country=params.get("country"), kind=params.get("kind"),
            language=params.get("language"), limit=params.get("limit") or web.settings.page_size,
            offset=params.get("offset") or 0, reader_language=reader_language)
    except ValidationError as error:
        raise BadRequest(error.message, field=error.field) from None


#: The window of the search rate limits.
SEARCH_WINDOW = timedelta(minutes=1)


def limit_search(call: Call) -> None:
    """Count a search against the client's limit (``search_ip_limit`` with words,
    ``browse_ip_limit`` without); ``TooManyRequests`` past it.

    The client is its IP (behind ``trusted_proxies`` only, :func:`.guard.client_ip`),
    kept as a keyed hash in ``lt_rate_limits``, so that every process and host on the
    database counts together. Answers the widget cache keeps are not counted: they
    cost nothing.
    """
    settings = call.web.settings
    words = bool((call.params.get("q") or "").strip())
    limit = settings.search_ip_limit if words else settings.browse_ip_limit
    ip = client_ip(call.request, settings)
    if not limit or not ip:
        return
    subject = call.obs.keys.hash("ip", ip)
    wait = retry_after(call.obs.store, "search-ip" if words else "browse-ip", subject,
                       limit=limit, window=SEARCH_WINDOW)
    if wait:
        what = "searches" if words else "searches without words"
        raise TooManyRequests(
            f"too many {what} from your network in the last minute (the limit is {limit}); "
            f"please wait {wait} seconds and try again", retry_after=wait)


def search_html(web: WebApp, request: Request, lang: str, params: dict[str, Any]) -> str:
    """The search widget: the form, the count, facets, results with snippets, pages."""
    from .widgets import render

    results = run_search(web, params, reader_language=lang)
    kind = params.get("kind")
    state = {"q": params.get("q") or None, "theme": params.get("theme"),
             "city": params.get("city"), "country": params.get("country"),
             "kind": kind.value if kind else None, "language": params.get("language"),
             "lang": params.get("lang")}
    return render(web, request, "practices.html", lang, results=results, state=state,
                  themes=theme_labels(web), facet_names=FACETS,
                  snippet=lambda html: Markup(html))  # noqa: S704 (escaped by highlight())


def search_widget(call: Call) -> Response:
    """The practices search widget."""
    from .widgets import language, respond

    limit_search(call)
    lang = language(call)
    return respond(call, search_html(call.web, call.request, lang, dict(call.params)), lang)


def directory_widget(call: Call) -> Response:
    """The member directory."""
    from .widgets import language, respond

    lang = language(call)
    return respond(call, directory_html(call.web, call.request, lang), lang)


def practice_widget(call: Call) -> Response:
    """One published practice, whole."""
    from .widgets import language, render, respond

    practice = published_practice(call, call.path["slug"])
    lang = language(call)
    html = render(call.web, call.request, "practice.html", lang, practice=practice,
                  themes=theme_labels(call.web),
                  rich=lambda html: Markup(html))  # noqa: S704 (sanitised on the way in)
    return respond(call, html, lang)


# -- the API


def facets_json(results: SearchResults) -> dict[str, list[dict[str, Any]]]:
    """The facets as ``{"theme": [{"value": "culture", "count": 3}, ...], ...}``."""
    return {name: [{"value": c.value, "count": c.count} for c in counts]
            for name, counts in results.facets.items()}


def search_practices(call: Call) -> Response:
    """Published practices matching the words and filters, with facets and snippets."""
    limit_search(call)
    results = run_search(call.web, call.params)
    body = page_json(_page(results))
    body["facets"] = facets_json(results)
    body["hits"] = [{"slug": hit.practice.slug, "score": round(hit.score, 6),
                     "language": hit.language, "snippet": hit.snippet}
                    for hit in results.hits]
    return ok(body)


def _page(results: SearchResults) -> Any:
    from ..services import Page

    return Page(items=tuple(hit.practice for hit in results.hits), total=results.total,
                limit=results.limit, offset=results.offset)


def list_themes(call: Call) -> Response:
    """The themes taxonomy, in display order."""
    return ok({"items": convert.unstructure(call.obs.themes.all())})


GEOJSON_TYPE = "application/geo+json"


def cities_geojson(call: Call) -> Response:
    """Every city with coordinates as a GeoJSON FeatureCollection (RFC 7946)."""
    from .widgets import all_cities

    features = []
    for city in all_cities(call.web):
        if city.latitude is None or city.longitude is None:
            continue
        properties = convert.unstructure(city)
        for name in ("latitude", "longitude"):
            properties.pop(name)
        features.append({"type": "Feature", "id": city.slug,
                         "geometry": {"type": "Point",
                                      "coordinates": [city.longitude, city.latitude]},
                         "properties": properties})
    return _data(dump_json({"type": "FeatureCollection", "features": features}), GEOJSON_TYPE)


def _data(body: bytes, media_type: str, filename: str | None = None) -> Response:
    headers = [("Content-Type", media_type), *PUBLIC]
    if filename:
        headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
    return Response(status=200, headers=tuple(headers), body=body)


#: The feed's time when it is empty.
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: Columns of the CSV export: one row per practice and language it is written in.
CSV_COLUMNS = ("slug", "language", "city", "country", "kind", "themes", "year_started",
               "title", "summary", "body", "partners", "contact", "links", "updated_at")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run: text starting with ``= + - @`` (or a tab or
    carriage return) gets a leading apostrophe (OWASP CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(call: Call) -> Response:
    """Published practices as CSV (UTF-8 with BOM, one row per practice and language)."""
    from .widgets import all_cities

    countries = {city.slug: city.country for city in all_cities(call.web)}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for practice, updated in call.obs.practices.published_newest():
        for language in practice.languages:
            row = (practice.slug, language, practice.city, countries.get(practice.city, ""),
                   practice.kind.value, ";".join(practice.themes),
                   "" if practice.year_started is None else str(practice.year_started),
                   practice.title.values.get(language, ""),
                   practice.summary.values.get(language, ""),
                   html_text(practice.body.values.get(language, "")),
                   ";".join(practice.partners), practice.contact or "",
                   " ".join(link.url for link in practice.links),
                   updated.isoformat().replace("+00:00", "Z"))
            writer.writerow([csv_cell(cell) for cell in row])
    return _data(out.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "practices.csv")


def export_json(call: Call) -> Response:
    """Published practices as one JSON document (the converter's output)."""
    practices = [practice for practice, _ in call.obs.practices.published_newest()]
    body = dump_json({"items": convert.unstructure(practices), "total": len(practices)})
    return _data(body, "application/json", "practices.json")


ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def atom_feed(call: Call) -> Response:
    """The newest published practices as an Atom feed."""
    from .widgets import Localizer, language

    lang = language(call)
    localizer = Localizer(call.web, call.request, lang)
    request = call.request
    base = f"{request.scheme}://{request.host}" if request.host else ""
    newest = call.obs.practices.published_newest(FEED_SIZE)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    _sub(feed, "title", localizer.gettext("Living Together: practices"))
    _sub(feed, "id", base + request.url_for(f"{PREFIX}/practices.atom"))
    updated = newest[0][1] if newest else _EPOCH
    _sub(feed, "updated", _stamp(updated))
    ET.SubElement(feed, f"{{{ATOM}}}link", {
        "rel": "self", "href": base + request.url_for(f"{PREFIX}/practices.atom")})
    cities = localizer.cities()
    for practice, changed in newest:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        page = base + request.url_for(f"/widgets/practices/{practice.slug}")
        _sub(entry, "id", base + request.url_for(f"{PREFIX}/practices/{practice.slug}"))
        title = localizer.text(practice.title)
        _sub(entry, "title", title.text if title else practice.slug)
        _sub(entry, "updated", _stamp(changed))
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                                 "href": page})
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        city = cities.get(practice.city)
        name = localizer.text(city.name) if city else None
        _sub(author, "name", name.text if name else practice.city)
        summary = localizer.text(practice.summary)
        if summary:
            _sub(entry, "summary", summary.text)
        for theme in practice.themes:
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": theme})
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(status=200, headers=(("Content-Type", "application/atom+xml; charset=utf-8"),
                                         *PUBLIC), body=body)


def _sub(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- the route table's part


def _widget(**fields: Any) -> Route:
    return widget_route(**{"errors": (400, 404), **fields})


def _export(path: str, handler: Any, name: str, summary: str, media: str,
            params: Sequence[Param] = ()) -> Route:
    return Route(method="GET", path=f"{PREFIX}/{path}", handler=handler, name=name,
                 summary=summary, tag="practices", response_type=media, params=tuple(params),
                 errors=(400,))


API_ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/practices", handler=search_practices, name="practices",
          summary="Search and list published practices", tag="practices",
          description="Without `q`, the newest first; with it, the best matches first. "
                      "`facets` counts the results by theme, city, country, kind and "
                      "language; `hits` gives each item's score, the language that matched "
                      "and an HTML snippet with the words found in `<mark>`.",
          params=(*SEARCH_PARAMS, *page_params()), response="PracticeSearchPage",
          errors=(400, 429)),
    Route(method="GET", path=f"{PREFIX}/themes", handler=list_themes, name="themes",
          summary="List the themes taxonomy", tag="practices", response="ThemeList"),
    Route(method="GET", path=f"{PREFIX}/cities.geojson", handler=cities_geojson,
          name="cities-geojson", summary="Member cities as a GeoJSON FeatureCollection",
          tag="cities", response_type=GEOJSON_TYPE),
    _export("practices.csv", export_csv, "practices-csv",
            "Open data: every published practice as CSV", "text/csv"),
    _export("practices.json", export_json, "practices-json",
            "Open data: every published practice as JSON", "application/json"),
    _export("practices.atom", atom_feed, "practices-atom",
            "The newest published practices as an Atom feed", "application/atom+xml",
            (LANG,)),
)

WIDGET_ROUTES: tuple[Route, ...] = (
    _widget(method="GET", path="/widgets/cities", handler=directory_widget,
            name="widget-cities", reads=("cities",),
            summary="Widget: the member directory with its map and growth chart",
            params=(LANG,)),
    _widget(method="GET", path="/widgets/practices", handler=search_widget,
            name="widget-practices", reads=("practices", "themes", "cities"),
            summary="Widget: search published practices (a GET form; state in the URL)",
            params=(LANG, *SEARCH_PARAMS, *page_params()), errors=(400, 404, 429)),
    _widget(method="GET", path="/widgets/practices/{slug}", handler=practice_widget,
            name="widget-practice", reads=("practices", "themes", "cities"),
            summary="Widget: one published practice",
            params=(LANG,)),
)


def openapi_schemas() -> dict[str, Any]:
    """The OpenAPI components of the catalogue's answers."""
    facet = {"type": "array", "items": {
        "type": "object", "required": ["value", "count"], "additionalProperties": False,
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    }}
    return {
        "PracticeSearchPage": {
            "type": "object",
            "description": "One page of search results: the practices, facets and hits.",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Practice"}},
                "total": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer", "minimum": 1},
                "offset": {"type": "integer", "minimum": 0},
                "facets": {"type": "object", "required": list(FACETS),
                           "additionalProperties": False,
                           "properties": dict.fromkeys(FACETS, facet)},
                "hits": {"type": "array", "items": {
                    "type": "object", "required": ["slug", "score", "language", "snippet"],
                    "additionalProperties": False,
                    "properties": {"slug": {"type": "string"}, "score": {"type": "number"},
                                   "language": {"type": "string"},
                                   "snippet": {"type": ["string", "null"]}}}},
            },
            "required": ["items", "total", "limit", "offset", "facets", "hits"],
            "additionalProperties": False,
        },
        "ThemeList": {
            "type": "object", "description": "The themes taxonomy in display order.",
            "properties": {"items": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/Theme"}}},
            "required": ["items"], "additionalProperties": False,
        },
    }

