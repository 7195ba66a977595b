"""Open data of the network's studies, declarations and series of summits (JSON, CSV,
GeoJSON), and the DCAT catalogue of every open-data file the site serves.

GeoJSON places a record at its cities: a study at the cities it covers, a declaration
at the cities that signed it (``MultiPoint``, the cities with coordinates), an event
of a series at its host city (``Point``); a record at no located city has no geometry
(``null``, as RFC 7946 allows).

The DCAT catalogue (``/api/v1/catalogue.jsonld``, JSON-LD with the DCAT and Dublin
Core vocabularies) lists each file as a ``dcat:Dataset`` with one
``dcat:Distribution``: its download URL, media type, licence (the
``open_data_licence`` setting, Creative Commons Attribution 4.0 by default) and update
time (the latest write of the tables it is read from).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

import attrs
import sqlalchemy as sa

from .. import convert
from ..exports import csv_document
from ..models import City, Practice, Text
from ..services.network import events_of, every, network_declarations, studies
from ..store import aware, schema
from .catalogue import GEOJSON_TYPE
from .data import download
from .http import Response, dump_json
from .localizer import cities_by_slug
from .routes import PREFIX, Call, Route

JSONLD_TYPE = "application/ld+json"


def _en(text: Text) -> str:
    return text.values.get("en") or next(iter(text.values.values()), "")


def _geometry(cities: Iterable[City | None]) -> dict[str, Any] | None:
    points = [[c.longitude, c.latitude] for c in cities
              if c is not None and c.latitude is not None and c.longitude is not None]
    if not points:
        return None
    if len(points) == 1:
        return {"type": "Point", "coordinates": points[0]}
    return {"type": "MultiPoint", "coordinates": points}


def _geojson(features: Iterable[tuple[str, list[City | None], Any]], name: str) -> Response:
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": slug, "geometry": _geometry(at), "properties": properties}
        for slug, at, properties in features]}
    return download(dump_json(collection), GEOJSON_TYPE, name)


def _json(items: Sequence[Any], name: str) -> Response:
    return download(dump_json({"items": convert.unstructure(list(items)),
                               "total": len(items)}), "application/json", name)


# -- studies

#: Columns of ``studies.csv``: one row per published study.
STUDY_COLUMNS = ("slug", "title", "summary", "year", "authors", "cities", "cites",
                 "attachments")


def _study_row(study: Practice) -> tuple[str, ...]:
    details = study.study
    return (study.slug, _en(study.title), _en(study.summary),
            str(details.year) if details and details.year else "",
            ";".join(details.authors) if details else "",
            ";".join(details.cities) if details else "",
            ";".join(details.cites) if details else "",
            " ".join(a.url for a in study.attachments))


def studies_json(call: Call) -> Response:
    """The published studies as one JSON document (catalogue entries of kind study)."""
    return _json(studies(call.obs), "studies.json")


def studies_csv(call: Call) -> Response:
    """The published studies as CSV (UTF-8 with BOM, one row per study)."""
    return download(csv_document(STUDY_COLUMNS, map(_study_row, studies(call.obs))),
                    "text/csv; charset=utf-8", "studies.csv")


def studies_geojson(call: Call) -> Response:
    """The published studies at the cities they cover."""
    cities = cities_by_slug(call.web)
    return _geojson(((s.slug, [cities.get(c) for c in (s.study.cities if s.study else ())],
                      convert.unstructure(s)) for s in studies(call.obs)), "studies.geojson")


# -- declarations of the network

#: Columns of ``declarations.csv``: one row per city that signed a declaration (a
#: declaration no city signed yet has one row with no city).
DECLARATION_COLUMNS = ("declaration", "title", "year", "adopted", "place", "event",
                       "city", "signed")


def declarations_json(call: Call) -> Response:
    """The declarations of the network, each with the cities that signed."""
    return _json(network_declarations(call.obs), "declarations.json")


def declarations_csv(call: Call) -> Response:
    """The declarations of the network as CSV: a row per signatory city."""
    rows: list[tuple[str, ...]] = []
    for d in network_declarations(call.obs):
        head = (d.slug, _en(d.title), str(d.year or ""),
                d.adopted.isoformat() if d.adopted else "", _en(d.place), d.event or "")
        rows.extend((*head, s.city, s.signed.isoformat() if s.signed else "")
                    for s in d.signatories)
        if not d.signatories:
            rows.append((*head, "", ""))
    return download(csv_document(DECLARATION_COLUMNS, rows), "text/csv; charset=utf-8",
                    "declarations.csv")


def declarations_geojson(call: Call) -> Response:
    """The declarations of the network at the cities that signed them."""
    cities = cities_by_slug(call.web)
    return _geojson(((d.slug, [cities.get(s.city) for s in d.signatories],
                      convert.unstructure(attrs.evolve(d, text=Text({}))))
                     for d in network_declarations(call.obs)), "declarations.geojson")


# -- series of events

#: Columns of ``series.csv``: one row per event of a series.
SERIES_COLUMNS = ("series", "series_title", "event", "title", "first_day", "last_day",
                  "host_city", "outcomes")


def _series(call: Call) -> list[tuple[Any, list[Any]]]:
    service = call.obs.series
    return [(s, events_of(call.obs, s.slug))
            for s in every(service.list, service.max_page_size)]


def series_json(call: Call) -> Response:
    """Every series with the slugs of its events, the earliest first."""
    items = [{**convert.unstructure(s), "events": [e.slug for e in events]}
             for s, events in _series(call)]
    return download(dump_json({"items": items, "total": len(items)}), "application/json",
                    "series.json")


def series_csv(call: Call) -> Response:
    """The events of every series as CSV, a row per event."""
    rows = ((s.slug, _en(s.title), e.slug, _en(e.title), e.first_day.isoformat(),
             e.last_day.isoformat(), e.host_city or "", _en(e.outcomes))
            for s, events in _series(call) for e in events)
    return download(csv_document(SERIES_COLUMNS, rows), "text/csv; charset=utf-8",
                    "series.csv")


def series_geojson(call: Call) -> Response:
    """The events of every series at their host cities."""
    cities = cities_by_slug(call.web)
    return _geojson(((e.slug, [cities.get(e.host_city or "")],
                      {"series": s.slug, "title": convert.unstructure(e.title),
                       "first_day": e.first_day.isoformat(),
                       "last_day": e.last_day.isoformat(), "host_city": e.host_city,
                       "outcomes": convert.unstructure(e.outcomes)})
                     for s, events in _series(call) for e in events), "series.geojson")


# -- the DCAT catalogue


@attrs.frozen(kw_only=True)
class OpenFile:
    """One open-data file of the catalogue: its route, title and the tables it reads."""

    route: str
    title: str
    media_type: str
    tables: tuple[sa.Table, ...]


def _files() -> tuple[OpenFile, ...]:
    practices, cities = (schema.practices,), (schema.cities,)
    orgs = (schema.organisations, schema.cities)
    declarations, series = (schema.declarations,), (schema.event_series, schema.events)
    screenings = (schema.network_screenings,)
    found = [
        ("cities-json", "Member cities with their periods of membership", "application/json",
         cities),
        ("cities-csv", "Member cities with their periods of membership", "text/csv", cities),
        ("cities-geojson", "Member cities on a map", GEOJSON_TYPE, cities),
        ("organisations-json", "Partner organisations and boards", "application/json", orgs),
        ("organisations-csv", "Partner organisations and boards", "text/csv", orgs),
        ("practices-json", "Published practices", "application/json", practices),
        ("practices-csv", "Published practices", "text/csv", practices),
        ("practices-atom", "The newest published practices", "application/atom+xml",
         practices),
        ("studies-json", "Studies and analyses", "application/json", practices),
        ("studies-csv", "Studies and analyses", "text/csv", practices),
        ("studies-geojson", "Studies at the cities they cover", GEOJSON_TYPE, practices),
        ("declarations-json", "Declarations of the network and their signatory cities",
         "application/json", declarations),
        ("declarations-csv", "Declarations of the network and their signatory cities",
         "text/csv", declarations),
        ("declarations-geojson", "Declarations at the cities that signed them", GEOJSON_TYPE,
         declarations),
        ("series-json", "Series of summits", "application/json", series),
        ("series-csv", "Events of the series of summits", "text/csv", series),
        ("series-geojson", "Events of the series at their host cities", GEOJSON_TYPE, series),
        ("network-screenings", "Public screenings of the campaigns across the network",
         "application/json", screenings),
        ("network-screenings-geojson", "Public screenings of the campaigns on a map",
         GEOJSON_TYPE, screenings),
        ("network-screenings-ics", "Public screenings of the campaigns as a calendar",
         "text/calendar", screenings),
    ]
    return tuple(OpenFile(route=r, title=t, media_type=m, tables=tb) for r, t, m, tb in found)


#: Every open-data file the catalogue lists.
FILES = _files()

CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "xsd": "http://www.w3.org/2001/XMLSchema#",
           "dct:modified": {"@type": "xsd:dateTime"},
           "dcat:downloadURL": {"@type": "@id"}, "dcat:accessURL": {"@type": "@id"},
           "dct:license": {"@type": "@id"}}


def _modified(call: Call) -> Callable[[tuple[sa.Table, ...]], datetime | None]:
    with call.obs.store.read() as connection:
        latest = {table.name: connection.scalar(sa.select(sa.func.max(table.c.updated_at)))
                  for table in {t for f in FILES for t in f.tables}}

    def of(tables: tuple[sa.Table, ...]) -> datetime | None:
        found = [moment for t in tables if (moment := aware(latest[t.name])) is not None]
        return max(found) if found else None

    return of


def _instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def dcat_catalogue(call: Call) -> Response:
    """Every open-data file as a DCAT catalogue in JSON-LD."""
    modified = _modified(call)
    here = call.url_for("dcat", external=True)
    licence = call.web.settings.open_data_licence
    datasets = []
    for item in FILES:
        url = call.url_for(item.route, external=True)
        when = modified(item.tables)
        stamp = {"dct:modified": _instant(when)} if when else {}
        datasets.append({
            "@id": f"{here}#{item.route}", "@type": "dcat:Dataset", "dct:title": item.title,
            "dct:license": licence, **stamp,
            "dcat:distribution": [{"@id": f"{url}#distribution", "@type": "dcat:Distribution",
                                   "dct:title": item.title, "dcat:downloadURL": url,
                                   "dcat:accessURL": url, "dcat:mediaType": item.media_type,
                                   "dct:license": licence, **stamp}]})
    body = {"@context": CONTEXT, "@id": here, "@type": "dcat:Catalog",
            "dct:title": "International Observatory of Mayors on Living Together: open data",
            "dct:license": licence, "dcat:dataset": datasets}
    return download(dump_json(body), JSONLD_TYPE)


def _route(path: str, handler: Any, name: str, summary: str, media: str,
           reads: tuple[str, ...]) -> Route:
    return Route(method="GET", path=f"{PREFIX}/{path}", handler=handler, name=name,
                 summary=summary, tag="cities", response_type=media, reads=reads)


_STUDIES, _DECLS, _SERIES = ("practices", "cities"), ("pledges", "cities"), (
    "programme", "cities")
API_ROUTES: tuple[Route, ...] = (
    _route("studies.json", studies_json, "studies-json",
           "Open data: the published studies as JSON", "application/json", _STUDIES),
    _route("studies.csv", studies_csv, "studies-csv",
           "Open data: the published studies as CSV", "text/csv", _STUDIES),
    _route("studies.geojson", studies_geojson, "studies-geojson",
           "Open data: the published studies at the cities they cover", GEOJSON_TYPE,
           _STUDIES),
    _route("declarations.json", declarations_json, "declarations-json",
           "Open data: the declarations of the network as JSON", "application/json", _DECLS),
    _route("declarations.csv", declarations_csv, "declarations-csv",
           "Open data: the declarations of the network as CSV", "text/csv", _DECLS),
    _route("declarations.geojson", declarations_geojson, "declarations-geojson",
           "Open data: the declarations at the cities that signed them", GEOJSON_TYPE,
           _DECLS),
    _route("series.json", series_json, "series-json",
           "Open data: the series of summits as JSON", "application/json", _SERIES),
    _route("series.csv", series_csv, "series-csv",
           "Open data: the events of the series as CSV", "text/csv", _SERIES),
    _route("series.geojson", series_geojson, "series-geojson",
           "Open data: the events of the series at their host cities", GEOJSON_TYPE,
           _SERIES),
    _route("catalogue.jsonld", dcat_catalogue, "dcat",
           "Open data: the DCAT catalogue of every open-data file (JSON-LD)", JSONLD_TYPE,
           ("cities", "practices", "pledges", "programme", "campaigns")),
)
