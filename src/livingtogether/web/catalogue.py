"""The catalogue on the web: the member directory with its map and growth chart
(:mod:`.charts`), the practices' search widget and page, the search API, GeoJSON,
open-data exports (:mod:`livingtogether.exports`) and Atom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .. import convert
from ..errors import BadRequest, TooManyRequests, ValidationError
from ..exports import ATOM_TYPE, EPOCH, Entry, Feed, atom, csv_document
from ..models import City, Localized, PracticeKind, Theme
from ..services import Page, SearchResults
from ..services.guard import retry_after
from ..services.search_index import html_text
from ..services.search_terms import MAX_OFFSET
from .charts import growth, world_map
from .data import download, ok, page_json, published_practice
from .guard import client_ip
from .http import PUBLIC, Request, Response, dump_json
from .localizer import Localizer, all_cities, cities_by_slug
from .params import LANG, Param, page_params
from .practices_view import SearchView
from .render import language, render, respond, text_of
from .routes import PREFIX, Call, Route, widget_route
from .structured import SCHEMA, city_ld, graph, json_ld, practice_ld

if TYPE_CHECKING:
    from .routes import Site

# -- widgets


def directory_html(web: Site, request: Request, lang: str) -> str:
    """The member directory: the map, the list grouped by country, the growth chart."""
    localizer = Localizer(web, request, lang)
    cities = all_cities(web)
    groups: dict[str, list[City]] = {}
    for city in cities:
        groups.setdefault(city.country, []).append(city)
    ordered = sorted(groups.items(), key=lambda item: localizer.country(item[0]).casefold())
    for _, members in ordered:
        members.sort(key=lambda c: (localizer.text(c.name) or Localized("", c.slug))
                     .text.casefold())
    data = graph(city_ld(c, web.router.url_for(request, "widget-city", slug=c.slug,
                                               external=True)) for c in cities)
    return text_of(web.templates.get_template("cities.html"), L=localizer, request=request,
                   groups=ordered, map=world_map(cities), growth=growth(cities),
                   json_ld=json_ld(data))


def theme_labels(web: Site) -> dict[str, Theme]:
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
    Param(name="after", kind="string",
          description="the cursor of the previous page (its 'next'): the page after it, "
                      "however deep, instead of an offset"),
)


def run_search(web: Site, params: Mapping[str, Any], *,
               reader_language: str | None = None) -> SearchResults:
    """The search a request's parameters ask for; a value the search refuses is a 400."""
    try:
        return web.observatory.practices.search(
            params.get("q") or "", theme=params.get("theme"), city=params.get("city"),
            country=params.get("country"), kind=params.get("kind"),
            language=params.get("language"), limit=params.get("limit") or web.settings.page_size,
            offset=params.get("offset") or 0, after=params.get("after") or None,
            reader_language=reader_language)
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


def search_state(params: Mapping[str, Any]) -> dict[str, Any]:
    """What the search widget keeps of a request's parameters (its form's values, the
    links' parameters)."""
    kind = params.get("kind")
    return {"q": params.get("q") or None, "theme": params.get("theme"),
            "city": params.get("city"), "country": params.get("country"),
            "kind": kind.value if kind else None, "language": params.get("language"),
            "lang": params.get("lang")}


def search_html(web: Site, request: Request, lang: str, params: dict[str, Any]) -> str:
    """The search widget: the form, the count, facets, results with snippets, pages."""
    results = run_search(web, params, reader_language=lang)
    state = search_state(params)
    localizer = Localizer(web, request, lang)
    view = SearchView(web, localizer, theme_labels(web))
    return text_of(web.templates.get_template("practices.html"), L=localizer, request=request,
                   results=results, state=state, facets=view.facet_blocks(results, state),
                   max_offset=MAX_OFFSET,
                   hits=view.hit_blocks(results, state))


def search_widget(call: Call) -> Response:
    """The practices search widget."""
    limit_search(call)
    lang = language(call)
    return respond(call, search_html(call.web, call.request, lang, dict(call.params)), lang)


def directory_widget(call: Call) -> Response:
    """The member directory."""
    lang = language(call)
    return respond(call, directory_html(call.web, call.request, lang), lang)


def practice_widget(call: Call) -> Response:
    """One published practice, whole."""
    practice = published_practice(call, call.path["slug"])
    lang = language(call)
    url = call.url_for("widget-practice", slug=practice.slug, external=True)
    data = practice_ld(practice, url, cities_by_slug(call.web),
                       lambda slug: call.url_for("widget-practice", slug=slug, external=True))
    html = render(call.web, call.request, "practice.html", lang, practice=practice,
                  themes=theme_labels(call.web), json_ld=json_ld({"@context": SCHEMA, **data}),
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
    body["next"] = results.next
    body["capped"] = results.capped
    body["facets"] = facets_json(results)
    body["hits"] = [{"slug": hit.practice.slug, "score": round(hit.score, 6),
                     "language": hit.language, "snippet": hit.snippet}
                    for hit in results.hits]
    return ok(body)


def _page(results: SearchResults) -> Any:
    return Page(items=tuple(hit.practice for hit in results.hits), total=results.total,
                limit=results.limit, offset=results.offset)


def list_themes(call: Call) -> Response:
    """The themes taxonomy, in display order."""
    return ok({"items": convert.unstructure(call.obs.themes.all())})


GEOJSON_TYPE = "application/geo+json"


def cities_geojson(call: Call) -> Response:
    """Every city with coordinates as a GeoJSON FeatureCollection (RFC 7946)."""
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
    return download(dump_json({"type": "FeatureCollection", "features": features}), GEOJSON_TYPE)



#: Columns of the CSV export: one row per practice and language it is written in.
CSV_COLUMNS = ("slug", "language", "city", "country", "kind", "themes", "year_started",
               "title", "summary", "body", "partners", "contact", "links", "updated_at")


def export_csv(call: Call) -> Response:
    """Published practices as CSV (UTF-8 with BOM, one row per practice and language)."""
    countries = {city.slug: city.country for city in all_cities(call.web)}
    rows = ((practice.slug, written, practice.city, countries.get(practice.city, ""),
             practice.kind.value, ";".join(practice.themes),
             "" if practice.year_started is None else str(practice.year_started),
             practice.title.values.get(written, ""),
             practice.summary.values.get(written, ""),
             html_text(practice.body.values.get(written, "")),
             ";".join(practice.partners), practice.contact or "",
             " ".join(link.url for link in practice.links),
             updated.isoformat().replace("+00:00", "Z"))
            for practice, updated in call.obs.practices.published_newest()
            for written in practice.languages)
    return download(csv_document(CSV_COLUMNS, rows), "text/csv; charset=utf-8", "practices.csv")


def export_json(call: Call) -> Response:
    """Published practices as one JSON document (the converter's output)."""
    practices = [practice for practice, _ in call.obs.practices.published_newest()]
    body = dump_json({"items": convert.unstructure(practices), "total": len(practices)})
    return download(body, "application/json", "practices.json")


FEED_SIZE = 50


def atom_feed(call: Call) -> Response:
    """The newest published practices as an Atom feed."""
    lang = language(call)
    localizer = Localizer(call.web, call.request, lang)
    newest = call.obs.practices.published_newest(FEED_SIZE)
    cities = localizer.cities()
    entries = []
    for practice, changed in newest:
        title = localizer.text(practice.title)
        city = cities.get(practice.city)
        name = localizer.text(city.name) if city else None
        summary = localizer.text(practice.summary)
        entries.append(Entry(
            id=call.url_for("practice", slug=practice.slug, external=True),
            title=title.text if title else practice.slug, updated=changed,
            link=call.url_for("widget-practice", slug=practice.slug, external=True),
            link_type="text/html", author=name.text if name else practice.city,
            summary=summary.text if summary else None, categories=practice.themes))
    here = call.url_for("practices-atom", external=True)
    feed = Feed(id=here, title=localizer.gettext("Living Together: practices"),
                updated=newest[0][1] if newest else EPOCH, language=lang, self_url=here,
                entries=tuple(entries))
    return Response(status=200, headers=(("Content-Type", ATOM_TYPE), *PUBLIC),
                    body=atom(feed))


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
