"""The network's open data: every city with its periods of membership, as JSON and CSV.

(The directory widget, the map and GeoJSON are in :mod:`.catalogue`; the growth
chart counts the periods in :mod:`.charts`.)
"""

from __future__ import annotations

from .. import convert
from ..exports import csv_document
from ..models import City, Membership
from .data import download
from .http import Response, dump_json
from .localizer import all_cities
from .routes import PREFIX, Call, Route

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


API_ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/cities.json", handler=export_json, name="cities-json",
          summary="Open data: every city with its periods of membership as JSON",
          tag="cities", response_type="application/json", reads=("cities",)),
    Route(method="GET", path=f"{PREFIX}/cities.csv", handler=export_csv, name="cities-csv",
          summary="Open data: every city with its periods of membership as CSV",
          tag="cities", response_type="text/csv", reads=("cities",)),
)
