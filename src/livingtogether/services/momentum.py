"""A campaign's momentum: confirmed signatures of its declaration per hour or per day.

The period is the campaign's week: the seven days that end with the campaign day,
counted in the campaign's zone (from 00:00 six days before the day to 24:00 of
the day). A signature counts in the hour (or day) of its confirmation; a
withdrawn one, erased, no longer counts. Every hour (or day) of the period is
listed, those without signatures at 0.
"""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import sqlalchemy as sa

from ..errors import NotFound
from ..models import Campaign, PledgeStatus
from ..store import Store, aware, schema

_UTC = ZoneInfo("UTC")
#: Days of a campaign's period, the campaign day being the last.
PERIOD_DAYS = 7


class Step(str, enum.Enum):
    """How finely the momentum is counted."""

    HOUR = "hour"
    DAY = "day"


@attrs.frozen(kw_only=True)
class Bucket:
    """Signatures confirmed from ``start`` (in the campaign's zone) for one step."""

    start: datetime
    confirmed: int


@attrs.frozen(kw_only=True)
class Momentum:
    """A campaign's signatures per step over its period."""

    campaign: str
    declaration: str
    step: Step
    zone: str
    start: datetime
    end: datetime
    buckets: tuple[Bucket, ...]

    @property
    def total(self) -> int:
        """Every signature of the period."""
        return sum(b.confirmed for b in self.buckets)


def week(campaign: Campaign) -> tuple[datetime, datetime]:
    """The campaign's week in its zone: from 00:00 six days before the day to 24:00 of
    the day (the end excluded)."""
    zone = ZoneInfo(campaign.zone)
    return (datetime.combine(campaign.day - timedelta(days=PERIOD_DAYS - 1), time(), zone),
            datetime.combine(campaign.day + timedelta(days=1), time(), zone))


def momentum(store: Store, campaign: Campaign, step: Step) -> Momentum:
    """The momentum of ``campaign`` per ``step``; ``NotFound`` for a campaign without a
    declaration."""
    if campaign.declaration is None:
        raise NotFound(f"the campaign {campaign.slug!r} has no declaration to count",
                       field="slug")
    zone = ZoneInfo(campaign.zone)
    start, end = week(campaign)
    table = schema.pledges
    with store.read() as connection:
        moments = connection.scalars(sa.select(table.c.confirmed_at).where(
            table.c.declaration_slug == campaign.declaration,
            table.c.status == PledgeStatus.CONFIRMED.value,
            table.c.confirmed_at >= start.astimezone(_UTC),
            table.c.confirmed_at < end.astimezone(_UTC))).all()
    starts: list[datetime] = []
    day = start
    while day < end:  # by wall-clock days and hours, so a DST change keeps midnight
        following = datetime.combine(day.date() + timedelta(days=1), time(), zone)
        if step is Step.DAY:
            starts.append(day)
        else:
            hour = day
            while hour < following:
                starts.append(hour)
                hour = (hour.astimezone(_UTC) + timedelta(hours=1)).astimezone(zone)
        day = following
    counts = dict.fromkeys(starts, 0)
    for moment in moments:
        local = aware(moment).astimezone(zone)  # type: ignore[union-attr]
        key = datetime.combine(local.date(), time(), zone) if step is Step.DAY \
            else local.replace(minute=0, second=0, microsecond=0)
        if key in counts:
            counts[key] += 1
    return Momentum(campaign=campaign.slug, declaration=campaign.declaration, step=step,
                    zone=campaign.zone, start=start, end=end,
                    buckets=tuple(Bucket(start=s, confirmed=n) for s, n in counts.items()))
