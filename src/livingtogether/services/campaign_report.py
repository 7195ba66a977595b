"""A campaign's report, and the attendance of its screenings that staff enter.

The report (:func:`campaign_report`) gathers, for one campaign: each city taking
part and what it did (disseminated the film, organised screenings, signed the
declaration); the screenings, those held (begun by now) with the attendance
their city's staff entered, and their seats taken and waiting lists; and the
confirmed signatures of the campaign's declaration during the campaign's week
(:func:`.momentum.week`) against the same length of time just before it, in
all and for each city taking part (signers given in a city of its country by one
of its names, as the city page counts them). Until the week is over the report
is ``provisional``.

Seats and waiting lists come from the registrations, which are deleted after
their retention period (:mod:`.screenings`): a report read months later shows
the seats of the registrations still kept; the attendance stays.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import ValidationError
from ..models import Campaign, PledgeStatus
from ..models import fields as f
from ..store import Store, aware, now, schema
from .campaigns import ParticipationService
from .cities import CityService
from .momentum import PERIOD_DAYS, week
from .pledge_stats import folded, signer_names
from .screenings import WAITING, ScreeningRegistrations

_UTC = ZoneInfo("UTC")
#: The most people one screening's attendance may count (more is a typing error).
MAX_ATTENDANCE = 100_000
#: The longest note staff may give with an attendance.
MAX_NOTE = 1000


@attrs.frozen(kw_only=True)
class Attendance:
    """How many people attended a screening, as its city's staff entered it."""

    campaign: str
    city: str
    screening: str
    attended: int
    note: str | None
    recorded_at: datetime


@attrs.frozen(kw_only=True)
class Signatures:
    """Confirmed signatures during the campaign's week and in as long a time before it;
    ``ratio`` is during / before (``None`` when there were none before)."""

    before: int
    during: int
    ratio: float | None


def signatures(before: int, during: int) -> Signatures:
    """The :class:`Signatures` of these counts, the ratio rounded to two decimals."""
    return Signatures(before=before, during=during,
                      ratio=round(during / before, 2) if before else None)


@attrs.frozen(kw_only=True)
class CityActions:
    """What one city did for the campaign; its signatures if the campaign has a
    declaration."""

    city: str
    country: str | None
    disseminated: bool
    channels: tuple[str, ...]
    screenings: int
    held: int
    signed: bool
    signatures: Signatures | None


@attrs.frozen(kw_only=True)
class ScreeningLine:
    """One public screening: whether it is held (has begun), its seats taken and
    waiting list (registrations), its attendance if entered."""

    city: str
    key: str | None
    venue: str
    address: str | None
    starts_at: datetime
    zone: str
    held: bool
    capacity: int | None
    seats_taken: int
    waiting: int
    attended: int | None
    note: str | None


@attrs.frozen(kw_only=True)
class Totals:
    """The campaign's figures: cities taking part and by action; screenings (public or
    not), held, with an attendance entered, the people who attended them and the
    seats taken."""

    cities: int
    disseminating: int
    screening: int
    signing: int
    screenings: int
    held: int
    attendance_entered: int
    attended: int
    seats_taken: int


@attrs.frozen(kw_only=True)
class CampaignReport:
    """One campaign's report (see the module's docstring); times in UTC, the periods'
    bounds at midnight in the campaign's ``zone``."""

    campaign: str
    day: date
    zone: str
    declaration: str | None
    provisional: bool
    generated_at: datetime
    before_start: datetime
    week_start: datetime
    week_end: datetime
    totals: Totals
    signatures: Signatures | None
    cities: tuple[CityActions, ...]
    screenings: tuple[ScreeningLine, ...]


def _at(table: sa.Table, campaign: str, city: str, key: str) -> list[sa.ColumnElement[bool]]:
    return [table.c.campaign_slug == campaign, table.c.city_slug == city,
            table.c.screening_key == key]


def record_attendance(store: Store, campaign: str, city: str, key: str, *, attended: object,
                      note: object = None, connection: Connection | None = None,
                      ) -> Attendance:
    """Record (or correct) how many attended the screening ``key`` of ``city`` in
    ``campaign``: a whole number from 0 to :data:`MAX_ATTENDANCE`, once the screening
    has begun; ``note`` plain text (shown escaped), optional. ``ValidationError``
    naming the field otherwise, ``NotFound`` for an unknown screening.
    ``connection``: write within the caller's transaction."""
    if isinstance(attended, bool) or not isinstance(attended, int) \
            or not 0 <= attended <= MAX_ATTENDANCE:
        raise ValidationError(f"give the attendance as a whole number of people from 0 to "
                              f"{MAX_ATTENDANCE:,}", field="attended")
    if note is not None:
        f.check_text(note, field="note", max_length=MAX_NOTE, multiline=True)
        assert isinstance(note, str)
        note = note.strip() or None
    if connection is None:
        with store.write() as opened:
            return _record(opened, campaign, city, key, attended, note)
    return _record(connection, campaign, city, key, attended, note)


def _record(connection: Connection, campaign: str, city: str, key: str, attended: int,
            note: str | None) -> Attendance:
    screening = ScreeningRegistrations.screening_in(connection, campaign, city, key)
    stamp = now()
    if screening.starts_at > stamp:
        raise ValidationError(
            f"this screening begins at {screening.starts_at.isoformat(timespec='minutes')} "
            "(UTC); enter its attendance once it has begun", field="attended")
    table = schema.screening_attendance
    values = {"attended": attended, "note": note, "recorded_at": stamp}
    if not connection.execute(table.update().where(*_at(table, campaign, city, key))
                              .values(**values)).rowcount:
        try:
            with connection.begin_nested():
                connection.execute(table.insert().values(
                    campaign_slug=campaign, city_slug=city, screening_key=key, **values))
        except sa.exc.IntegrityError:  # entered at the same moment by someone else
            connection.execute(table.update().where(*_at(table, campaign, city, key))
                               .values(**values))
    return Attendance(campaign=campaign, city=city, screening=key, attended=attended,
                      note=note, recorded_at=stamp)


def attendance_of(store: Store, campaign: str, city: str, key: str) -> Attendance | None:
    """The attendance entered for a screening, if any."""
    table = schema.screening_attendance
    with store.read() as connection:
        row = connection.execute(sa.select(table).where(
            *_at(table, campaign, city, key))).first()
    if row is None:
        return None
    return Attendance(campaign=campaign, city=city, screening=key, attended=row.attended,
                      note=row.note, recorded_at=aware(row.recorded_at) or now())


def campaign_report(store: Store, campaign: Campaign, *, include_private: bool = False,
                    ) -> CampaignReport:
    """The report of ``campaign`` as of now (see the module's docstring).

    The screenings that are not public count in the totals; their lines (venue,
    address) are listed only with ``include_private``."""
    stamp = now()
    zone = ZoneInfo(campaign.zone)
    start, end = week(campaign)
    before_start = datetime.combine(campaign.day - timedelta(days=2 * PERIOD_DAYS - 1),
                                    time(), zone)
    with store.read() as connection:
        taking_part = ParticipationService(store).all_in(connection, campaign.slug)
        cities = {city.slug: city for city in CityService(store).all_in(
            connection, schema.cities.c.slug.in_([p.city for p in taking_part]))}
        taken, waiting, attendance = _screening_figures(connection, campaign.slug)
        counted: dict[tuple[str, str], list[int]] = {}
        if campaign.declaration is not None:
            counted = _signatures_by_place(connection, campaign.declaration,
                                           *(moment.astimezone(_UTC) for moment in
                                             (before_start, start, end)))
    lines: list[ScreeningLine] = []
    actions: list[CityActions] = []
    held_total = entered = attended_total = taken_total = screenings_total = 0
    for participation in taking_part:
        held = 0
        for s in participation.screenings:
            at = (participation.city, s.key or "")
            begun = s.starts_at <= stamp
            held += begun
            seats = taken.get(at, 0) if s.key else 0
            came = attendance.get(at) if s.key else None
            screenings_total += 1
            taken_total += seats
            if came is not None:
                entered += 1
                attended_total += came[0]
            if s.public or include_private:
                lines.append(ScreeningLine(
                    city=participation.city, key=s.key, venue=s.venue, address=s.address,
                    starts_at=s.starts_at, zone=s.zone, held=begun, capacity=s.capacity,
                    seats_taken=seats, waiting=waiting.get(at, 0) if s.key else 0,
                    attended=came[0] if came else None, note=came[1] if came else None))
        held_total += held
        city = cities.get(participation.city)
        country = city.country if city is not None else None
        mine = None
        if campaign.declaration is not None:
            names = set(folded(signer_names(city) if city is not None
                               else [participation.city]))
            found = [n for (c, name), n in counted.items() if c == country and name in names]
            mine = signatures(sum(n[0] for n in found), sum(n[1] for n in found))
        dissemination = participation.dissemination
        actions.append(CityActions(
            city=participation.city, country=country, disseminated=dissemination is not None,
            channels=dissemination.channels if dissemination is not None else (),
            screenings=len(participation.screenings), held=held, signed=participation.signed,
            signatures=mine))
    totals = Totals(
        cities=len(actions), disseminating=sum(a.disseminated for a in actions),
        screening=sum(1 for a in actions if a.screenings), signing=sum(a.signed for a in actions),
        screenings=screenings_total, held=held_total, attendance_entered=entered,
        attended=attended_total, seats_taken=taken_total)
    overall = None
    if campaign.declaration is not None:
        overall = signatures(sum(n[0] for n in counted.values()),
                             sum(n[1] for n in counted.values()))
    lines.sort(key=lambda line: (line.starts_at, line.city, line.venue))
    return CampaignReport(
        campaign=campaign.slug, day=campaign.day, zone=campaign.zone,
        declaration=campaign.declaration, provisional=stamp < end, generated_at=stamp,
        before_start=before_start, week_start=start, week_end=end, totals=totals,
        signatures=overall, cities=tuple(actions), screenings=tuple(lines))



def _screening_figures(connection: Connection, campaign: str) -> tuple[
        dict[tuple[str, str], int], dict[tuple[str, str], int],
        dict[tuple[str, str], tuple[int, str | None]]]:
    """Seats taken, registrations waiting and attendance entered, by (city, key)."""
    seats, registrations = schema.screening_seats, schema.screening_registrations
    attendance = schema.screening_attendance
    taken = {(r.city_slug, r.screening_key): int(r.taken) for r in connection.execute(
        sa.select(seats.c.city_slug, seats.c.screening_key, seats.c.taken)
        .where(seats.c.campaign_slug == campaign))}
    waiting = {(r.city_slug, r.screening_key): int(r.n) for r in connection.execute(
        sa.select(registrations.c.city_slug, registrations.c.screening_key,
                  sa.func.count().label("n"))
        .where(registrations.c.campaign_slug == campaign, registrations.c.status == WAITING)
        .group_by(registrations.c.city_slug, registrations.c.screening_key))}
    came = {(r.city_slug, r.screening_key): (int(r.attended), r.note) for r in
            connection.execute(sa.select(attendance.c.city_slug, attendance.c.screening_key,
                                         attendance.c.attended, attendance.c.note)
                               .where(attendance.c.campaign_slug == campaign))}
    return taken, waiting, came


def _signatures_by_place(connection: Connection, declaration: str, before_start: datetime,
                         start: datetime, end: datetime) -> dict[tuple[str, str], list[int]]:
    """Confirmed signatures of ``declaration`` by (country, city name casefolded):
    ``[before, during]`` the week (one grouped query)."""
    table = schema.pledges
    city = sa.func.lower(sa.func.trim(table.c.data["city"].as_string()))
    during = sa.case((table.c.confirmed_at >= start, 1), else_=0)
    found: dict[tuple[str, str], list[int]] = {}
    for country, name, is_during, n in connection.execute(
            sa.select(table.c.country, city, during, sa.func.count())
            .where(table.c.declaration_slug == declaration,
                   table.c.status == PledgeStatus.CONFIRMED.value,
                   table.c.confirmed_at >= before_start, table.c.confirmed_at < end)
            .group_by(table.c.country, city, during)):
        # lower() of SQL folds ASCII only on SQLite: the names are casefolded here
        counts = found.setdefault((country, (name or "").casefold()), [0, 0])
        counts[int(is_during)] += int(n)
    return found
