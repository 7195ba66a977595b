"""The member directory's pictures, drawn from the data as inline SVG: the world map of the
cities and the network's growth by year (no tiles, no scripts: the widgets' CSP
forbids them; the list of cities and a table of the figures are the accessible
alternative beside them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from ..models import City

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
