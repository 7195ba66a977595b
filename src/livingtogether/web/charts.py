"""The member directory's pictures, drawn from the data as inline SVG: the world map of the
cities and the network's growth by year, and a campaign's signatures per day of its
week (no tiles, no scripts: the widgets' CSP
forbids them; the list of cities and a table of the figures are the accessible
alternative beside them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

import attrs

from ..models import City, Membership, MembershipStatus
from ..services.momentum import Momentum

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
    """One year of the network: how many cities joined and left, how many members at its end."""

    year: int
    joined: int
    total: int
    left: int = 0
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


def _counted(city: City) -> tuple[Membership, ...] | None:
    """The city's periods as a member (founding or not), or ``None`` when a year is missing."""
    periods = tuple(p for p in city.memberships if p.status is not MembershipStatus.PARTNER)
    if any(p.joined is None or (p.ended and p.left is None) for p in periods):
        return None
    if not city.memberships:
        return None  # a member whose year was never recorded
    return periods


def growth(cities: Iterable[City]) -> Growth:
    """Members at the end of each year, from each city's periods of membership: a city
    counts from the year it joined until the year before it left (partners do not count,
    nor cities whose years are not recorded, which ``unknown`` counts); one bar per year
    from the first joining to the last change, no gaps."""
    joined: dict[int, int] = {}
    left: dict[int, int] = {}
    counted: list[City] = []
    unknown = 0
    for city in cities:
        periods = _counted(city)
        if periods is None:
            unknown += 1
            continue
        counted.append(city)
        for period in periods:
            joined[period.joined or 0] = joined.get(period.joined or 0, 0) + 1
            if period.left is not None:
                left[period.left] = left.get(period.left, 0) + 1
    if not joined:
        return Growth(years=(), unknown=unknown, width=0, height=0, bar=0)
    years = []
    first, last = min(joined), max(max(joined), max(left, default=0))
    for year in range(first, last + 1):
        total = sum(1 for city in counted if city.member_in(year))
        years.append((year, joined.get(year, 0), left.get(year, 0), total))
    bar, gap, plot = 32.0, 8.0, 120.0
    top = max(max(total for *_, total in years), 1)
    return Growth(
        years=tuple(GrowthYear(year=year, joined=new, left=gone, total=count,
                               x=index * (bar + gap) + gap, height=round(plot * count / top, 2))
                    for index, (year, new, gone, count) in enumerate(years)),
        unknown=unknown, width=len(years) * (bar + gap) + gap, height=plot, bar=bar)


@attrs.frozen(kw_only=True)
class MomentumDay:
    """One day of a campaign's week: its signatures and its bar's geometry."""

    day: date
    confirmed: int
    x: float
    height: float


@attrs.frozen(kw_only=True)
class MomentumChart:
    """A campaign's signatures per day of its week, as bars (none when there are none)."""

    days: tuple[MomentumDay, ...]
    total: int
    width: float
    height: float
    bar: float


def momentum_chart(found: Momentum) -> MomentumChart:
    """The bars of ``found`` counted per day (one per day of the week, in its zone)."""
    bar, gap, plot = 32.0, 8.0, 120.0
    top = max((b.confirmed for b in found.buckets), default=0) or 1
    days = tuple(MomentumDay(day=b.start.astimezone(ZoneInfo(found.zone)).date(),
                             confirmed=b.confirmed, x=index * (bar + gap) + gap,
                             height=round(plot * b.confirmed / top, 2))
                 for index, b in enumerate(found.buckets))
    return MomentumChart(days=days, total=found.total, width=len(days) * (bar + gap) + gap,
                         height=plot, bar=bar)
