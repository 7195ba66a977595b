"""Events such as the Mayors Summit: sessions, their people and their times.

Times are instants in UTC plus the IANA zone they were given in; they are
converted to other zones only for display (``zoneinfo``, never offsets by hand).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import attrs

from ..errors import ValidationError
from . import fields as f
from .text import Text, text_field


class SessionKind(str, enum.Enum):
    """What kind of session it is."""

    DIALOGUE = "dialogue"
    WORKSHOP = "workshop"
    PLENARY = "plenary"
    PANEL = "panel"
    CEREMONY = "ceremony"
    OTHER = "other"


class Mode(str, enum.Enum):
    """Where a session takes place."""

    ONLINE = "online"
    ON_SITE = "on_site"
    HYBRID = "hybrid"


class Role(str, enum.Enum):
    """What a person does in a session."""

    OPENING = "opening"
    KEYNOTE = "keynote"
    MODERATOR = "moderator"
    INTRODUCTION = "introduction"
    PANELIST = "panelist"
    DISCUSSANT = "discussant"
    SPECIAL_MESSAGE = "special_message"
    OTHER = "other"


def local_instant(day: date, clock: time, zone: str, *, field: str | None = None) -> datetime:
    """The UTC instant of wall-clock ``clock`` on ``day`` in ``zone``.

    A wall-clock time that does not exist there (skipped by a daylight-saving
    change) is refused; an ambiguous one (repeated) takes its first occurrence.
    """
    info = ZoneInfo(f.check_zone(zone, field=field))
    local = datetime.combine(day, clock).replace(tzinfo=info)
    instant = local.astimezone(timezone.utc)
    if instant.astimezone(info).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            f"{day.isoformat()} {clock.isoformat(timespec='minutes')} does not exist in {zone} "
            "(the clocks skip it for daylight saving time); choose another time",
            field=field,
        )
    return instant


@attrs.frozen(kw_only=True)
class DisplayZone:
    """A zone in which the programme shows its times, e.g. Paris."""

    zone: str = attrs.field(validator=f.zone)
    label: Text = text_field(f.SHORT, required=True)


@attrs.frozen(kw_only=True)
class Person:
    """Someone taking part in a session, or a city or office yet to name someone.

    ``to_be_confirmed`` is the programme's public "(tbc)" mark.
    """

    role: Role = attrs.field(validator=f.instance_of(Role))
    name: str | None = attrs.field(default=None, validator=f.optional_text())
    honorific: str | None = attrs.field(default=None, validator=f.optional_text(60))
    affiliation: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    city: str | None = attrs.field(default=None, validator=f.optional_slug)
    topic: Text = text_field(f.MEDIUM)
    to_be_confirmed: bool = attrs.field(default=False, validator=f.instance_of(bool))

    @name.validator
    def _someone(self, attribute: attrs.Attribute[str | None], value: object) -> None:
        if self.role is not Role.MODERATOR and not (self.name or self.affiliation or self.city):
            f.fail(attribute, "give the person's name, affiliation or city")


@attrs.frozen(kw_only=True)
class EventPart:
    """A part of an event, e.g. the online days or the on-site day in Izmir."""

    key: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    mode: Mode = attrs.field(validator=f.instance_of(Mode))
    venue: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    city: str | None = attrs.field(default=None, validator=f.optional_slug)


@attrs.frozen(kw_only=True)
class Session:
    """One session of an event.

    ``day`` is the session's date in its zone; ``starts_at`` and ``ends_at`` are
    UTC instants, both ``None`` while the time is not yet known. ``zone`` is the
    IANA zone the times were given in (``None``: the event's host zone). Build
    one from wall-clock times with :meth:`at`.
    """

    key: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    description: Text = text_field(f.LONG)
    kind: SessionKind = attrs.field(
        default=SessionKind.OTHER, validator=f.instance_of(SessionKind)
    )
    day: date = attrs.field(validator=f.a_date())
    starts_at: datetime | None = attrs.field(
        default=None, converter=f.to_utc, validator=f.aware_utc()
    )
    ends_at: datetime | None = attrs.field(
        default=None, converter=f.to_utc, validator=f.aware_utc()
    )
    zone: str | None = attrs.field(default=None, validator=f.optional_zone)
    mode: Mode = attrs.field(default=Mode.ONLINE, validator=f.instance_of(Mode))
    part: str | None = attrs.field(default=None, validator=f.optional_slug)
    venue: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    join_url: str | None = attrs.field(default=None, validator=f.url())
    questions: tuple[Text, ...] = attrs.field(default=(), validator=f.items(30))
    people: tuple[Person, ...] = attrs.field(default=(), validator=f.items(100))
    cancelled: bool = attrs.field(default=False, validator=f.instance_of(bool))

    @ends_at.validator
    def _times(self, attribute: attrs.Attribute[datetime | None], value: object) -> None:
        if (self.starts_at is None) != (self.ends_at is None):
            f.fail(attribute, "give both starts_at and ends_at, or neither while not yet known")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            f.fail(attribute, "must be after starts_at")

    @classmethod
    def at(cls, *, day: date, start: time | None, end: time | None, zone: str,
           **fields: object) -> Session:
        """A session from wall-clock ``start`` and ``end`` on ``day`` in ``zone``.

        ``start`` and ``end`` ``None``: the time is not yet known. An end at or
        before the start is taken as past midnight only if ``end`` is midnight.
        """
        if (start is None) != (end is None):
            raise ValidationError("give both start and end, or neither", field="ends_at")
        f.check_zone(zone, field="zone")
        starts_at = ends_at = None
        if start is not None and end is not None:
            starts_at = local_instant(day, start, zone, field="starts_at")
            end_day = day if end != time(0) else date.fromordinal(day.toordinal() + 1)
            ends_at = local_instant(end_day, end, zone, field="ends_at")
        return cls(day=day, starts_at=starts_at, ends_at=ends_at, zone=zone, **fields)  # type: ignore[arg-type]

    @property
    def has_time(self) -> bool:
        """Whether the session's time is known."""
        return self.starts_at is not None


@attrs.frozen(kw_only=True)
class Event:
    """An event such as the 3rd Mayors Summit on Living Together (Izmir, 2021)."""

    slug: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    description: Text = text_field(f.LONG)
    host_zone: str = attrs.field(validator=f.zone)
    host_city: str | None = attrs.field(default=None, validator=f.optional_slug)
    #: The series the event belongs to (``mayors-summits``), by slug.
    series: str | None = attrs.field(default=None, validator=f.optional_slug)
    #: What came of it (the declaration adopted...), for the series' archive.
    outcomes: Text = text_field(f.MEDIUM)
    first_day: date = attrs.field(validator=f.a_date())
    last_day: date = attrs.field(validator=f.a_date())
    display_zones: tuple[DisplayZone, ...] = attrs.field(default=(), validator=f.items(12))
    parts: tuple[EventPart, ...] = attrs.field(default=(), validator=f.items(20))
    sessions: tuple[Session, ...] = attrs.field(default=(), validator=f.items(2000))

    @last_day.validator
    def _days(self, attribute: attrs.Attribute[date], value: object) -> None:
        if self.last_day < self.first_day:
            f.fail(attribute, "must be on or after first_day")

    @sessions.validator
    def _sessions(self, attribute: attrs.Attribute[tuple[Session, ...]], value: object) -> None:
        f.distinct((s.key for s in self.sessions), attribute=attribute, what="session key")
        f.distinct((p.key for p in self.parts), attribute=attribute, what="part key")
        parts = {p.key for p in self.parts}
        for index, session in enumerate(self.sessions):
            where = f"sessions.{index}"
            if not self.first_day <= session.day <= self.last_day:
                raise ValidationError(
                    f"{session.day.isoformat()} is outside the event's days "
                    f"({self.first_day.isoformat()} to {self.last_day.isoformat()})",
                    field=f"{where}.day",
                )
            if session.part is not None and session.part not in parts:
                raise ValidationError(
                    f"names part {session.part!r}, which the event does not have",
                    field=f"{where}.part",
                )
            if session.starts_at is not None:
                zone = ZoneInfo(session.zone or self.host_zone)
                local_day = session.starts_at.astimezone(zone).date()
                if local_day != session.day:
                    raise ValidationError(
                        f"starts on {local_day.isoformat()} in {zone.key}, not on its day "
                        f"{session.day.isoformat()}",
                        field=f"{where}.starts_at",
                    )

    def session(self, key: str) -> Session | None:
        """The session with ``key``, if any."""
        return next((s for s in self.sessions if s.key == key), None)

    def part(self, key: str | None) -> EventPart | None:
        """The part with ``key``, if any."""
        return next((p for p in self.parts if p.key == key), None)


class ChangeKind(str, enum.Enum):
    """What happened to a session between two published versions."""

    ADDED = "added"
    REMOVED = "removed"
    CANCELLED = "cancelled"
    RESTORED = "restored"
    MOVED = "moved"
    PERSON_CONFIRMED = "person_confirmed"
    PERSON_ADDED = "person_added"
    PERSON_REMOVED = "person_removed"
    UPDATED = "updated"


@attrs.frozen(kw_only=True)
class ProgrammeVersion:
    """A published version of an event's programme: its number and when it was published."""

    number: int = attrs.field(validator=f.number(minimum=1, integer=True))
    published_at: datetime = attrs.field(converter=f.to_utc, validator=f.aware_utc(True))
    note: str | None = attrs.field(default=None, validator=f.optional_text(f.SHORT))


@attrs.frozen(kw_only=True)
class PublishedProgramme:
    """A published version of an event's programme with the event as it was published:
    how the import/export bundle carries the version history (``programme_versions``)."""

    version: ProgrammeVersion = attrs.field(validator=f.instance_of(ProgrammeVersion))
    event: Event = attrs.field(validator=f.instance_of(Event))


@attrs.frozen(kw_only=True)
class Change:
    """One change to a session, as first published in version ``version``.

    ``person`` names the person a person change is about; ``before`` and
    ``after`` are the session's start instants of a move (``None``: no time).
    """

    version: int = attrs.field(validator=f.number(minimum=1, integer=True))
    kind: ChangeKind = attrs.field(validator=f.instance_of(ChangeKind))
    session: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    person: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    fields: tuple[str, ...] = attrs.field(default=(), validator=f.strings(30, 60))
    before: datetime | None = attrs.field(
        default=None, converter=f.to_utc, validator=f.aware_utc()
    )
    after: datetime | None = attrs.field(
        default=None, converter=f.to_utc, validator=f.aware_utc()
    )


@attrs.frozen(kw_only=True)
class ProgrammeChanges:
    """An event's published versions and the changes between them, oldest first."""

    event: str = attrs.field(validator=f.slug)
    versions: tuple[ProgrammeVersion, ...] = attrs.field(default=(), validator=f.items(10_000))
    since: int | None = attrs.field(default=None, validator=f.number(
        minimum=0, integer=True, required=False))
    changes: tuple[Change, ...] = attrs.field(default=(), validator=f.items(1_000_000))
