"""A programme exported for calendars and schedule apps.

- :func:`icalendar` builds an RFC 5545 calendar of the whole event or of one
  session: times with the IANA zone as TZID and a VTIMEZONE generated from the
  tz database for the event's dates (in UTC near a clock change), a UID per
  session that stays the same in every export, the people and guiding
  questions in the description, and sessions without a time as all-day entries
  that say so.
- :func:`frab` builds the de-facto "frab" schedule JSON that conference apps
  read (Giggity, ConfClerk, c3nav...). That format has no place for a session
  without a time, so those are listed in ``conference.meta.sessions_without_time``.

Both take the reader's language and its fallbacks for multilingual text.
Every user-facing string is translated into that language from the catalogs
(:mod:`livingtogether.i18n`).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs
import icalendar as ical
from icalendar.timezone.tzid import tzid_from_tzinfo

from . import i18n
from .i18n import N_
from .models import Event, Person, ProgrammeVersion, Screening, Session, Text

#: The generator named in every export.
PRODUCT = "-//livingtogether//programme//EN"
#: The namespace of the frab GUIDs (UUID 5) of sessions, rooms and people.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://livingtogether.invalid/programme")


#: The roles whose heading has no plural; the others are in :meth:`Resolve.role`.
ROLE_LABELS = {
    "opening": N_("Welcome and opening"), "introduction": N_("Introduction"),
    "panelist": N_("Panel"), "discussant": N_("Discussion"),
    "special_message": N_("Special message"),
}
MODE_LABELS = {"online": N_("Online"), "on_site": N_("On site"),
               "hybrid": N_("Online and on site")}
TO_BE_CONFIRMED = N_("to be confirmed")


class Resolve:
    """The reader's language: ``resolve(text)`` gives a multilingual text in it (else
    along ``fallbacks``, else ``""``); ``resolve._(message)`` translates our own strings."""

    def __init__(self, language: str, fallbacks: Sequence[str] = ()) -> None:
        self.language = language
        self.fallbacks = tuple(fallbacks)
        self._translations = i18n.translations(language)
        #: between a label and its value: ``": "``, French ``"\u00a0: "``
        self.colon = i18n.colon(self._translations)

    def __call__(self, value: Text | None) -> str:
        found = value.resolve(self.language, self.fallbacks) if value else None
        return found.text if found else ""

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def role(self, role: str, count: int) -> str:
        """The heading of ``count`` people of ``role`` (the widget's words)."""
        n = self._translations.ngettext
        if role == "keynote":
            return n("Keynote speech", "Keynote speeches", count)
        if role == "moderator":
            return n("Moderator", "Moderators", count)
        if role == "other":
            return n("Speaker", "Speakers", count)
        return self._(ROLE_LABELS[role])


def resolver(language: str, fallbacks: Sequence[str] = ()) -> Resolve:
    """The :class:`Resolve` of ``language`` and its ``fallbacks``."""
    return Resolve(language, fallbacks)


def person_line(person: Person, resolve: Resolve | None = None) -> str:
    """``Ms. Gabriela Ramos, Assistant Director-General... (to be confirmed)``
    (in ``resolve``'s language; English without it)."""
    _ = (resolve or Resolve("en"))._
    name = " ".join(part for part in (person.honorific, person.name) if part)
    text = ", ".join(part for part in (name, person.affiliation or person.city) if part)
    text = text or _("to be announced")
    if person.to_be_confirmed:
        text += f" ({_(TO_BE_CONFIRMED)})"
    return text


def session_text(session: Session, resolve: Resolve) -> str:
    """The session as plain text: time note, description, guiding questions, people."""
    _ = resolve._
    blocks: list[str] = []
    if session.cancelled:
        blocks.append(_("This session is cancelled."))
    if not session.has_time:
        blocks.append(_("Time to be announced: this entry holds the day only."))
    description = resolve(session.description)
    if description:
        blocks.append(description)
    if session.questions:
        blocks.append("\n".join([_("Guiding questions") + ":",
                                 *(f"- {resolve(q)}" for q in session.questions)]))
    people: dict[str, list[str]] = {}
    for person in session.people:
        topic = resolve(person.topic)
        line = person_line(person, resolve) + (f": {topic}" if topic else "")
        people.setdefault(person.role.value, []).append(line)
    blocks.extend("\n".join([f"{resolve.role(role, len(lines))}:",
                             *(f"- {line}" for line in lines)])
                  for role, lines in people.items())
    if session.join_url:
        blocks.append(f"{_('Join online')}{resolve.colon}{session.join_url}")
    return "\n\n".join(blocks)


def location(event: Event, session: Session, resolve: Resolve) -> str:
    """Where the session takes place: its venue, its part's venue, or how to attend."""
    part = event.part(session.part)
    venue = session.venue or (part.venue if part else None)
    return venue or resolve._(MODE_LABELS[session.mode.value])


def session_uid(event: Event, session: Session) -> str:
    """The session's UID, the same in every export of the event."""
    return f"{event.slug}.{session.key}@livingtogether"


#: How near a clock change a time is written in UTC: more than any change's size.
NEAR_A_CLOCK_CHANGE = timedelta(hours=3)


def _local(session: Session, event: Event, instant: datetime) -> datetime:
    """The instant in the session's zone; in UTC near a clock change of that zone (a
    time the clock shows twice, or the first time after the hour it skips), where
    clients read a local time differently (for a repeated time RFC 5545 says the first
    occurrence, ical.js takes the second; vobject misplaces the first hour after a
    skip), so that none can misread it."""
    return in_zone(instant, session.zone or event.host_zone)


def in_zone(instant: datetime, name: str) -> datetime:
    """``instant`` in the zone ``name``, in UTC near a clock change (see :func:`_local`)."""
    zone = ZoneInfo(name)
    local = instant.astimezone(zone)
    offset = local.utcoffset()
    if any((instant + shift).astimezone(zone).utcoffset() != offset
           for shift in (-NEAR_A_CLOCK_CHANGE, NEAR_A_CLOCK_CHANGE)):
        return instant.astimezone(ZoneInfo("UTC"))
    return local


@functools.lru_cache(maxsize=128)
def _vtimezone(zone: str, first: date, last: date) -> bytes:
    """The folded VTIMEZONE of ``zone`` for the dates, generated by icalendar from the tz
    database."""
    timezone = ical.Timezone.from_tzinfo(ZoneInfo(zone), tzid=zone, first_date=first,
                                         last_date=last)
    return b"".join(fold(line) + b"\r\n" for line in timezone.content_lines(sorted=False)
                    if line)


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 says, exactly as icalendar escapes it."""
    return (value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
            .replace("\r", "\\n"))


@functools.lru_cache(maxsize=128)
def _tzid(zone: tzinfo) -> str | None:
    """The TZID icalendar names a zone by (``UTC`` for every name of UTC)."""
    return tzid_from_tzinfo(zone)


def _when(moment: date) -> str:
    """A DATE or DATE-TIME value with its parameters, from the ``;`` or ``:`` on:
    ``;TZID=Europe/Istanbul:20211207T160000``, ``:20211207T130000Z``,
    ``;VALUE=DATE:20211207``."""
    if not isinstance(moment, datetime):
        return f";VALUE=DATE:{moment:%Y%m%d}"
    value = f"{moment:%Y%m%dT%H%M%S}"
    if moment.tzinfo is None:
        return f":{value}"
    tzid = _tzid(moment.tzinfo) or moment.tzname()
    return f":{value}Z" if tzid == "UTC" else f";TZID={tzid}:{value}"


def icalendar(event: Event, *, version: ProgrammeVersion | None = None,
              session: str | None = None, language: str = "en",
              fallbacks: Sequence[str] = (), url: str | None = None,
              stamp: datetime | None = None) -> bytes:
    """The event (or its session ``session``) as an iCalendar file.

    ``version`` numbers each entry's SEQUENCE; ``stamp`` (else the version's
    publication, else the first day) is the DTSTAMP, so that an unchanged
    programme exports to the same bytes; ``url`` is the programme's page.
    """
    resolve = resolver(language, fallbacks)
    chosen = event.sessions if session is None else tuple(
        s for s in event.sessions if s.key == session)
    # The lines are written here rather than through icalendar's object model, which
    # took most of an export's time; icalendar still generates the VTIMEZONEs, and the
    # tests read every export back with icalendar and a second parser.
    dtstamp = stamp or (version.published_at if version else None) or datetime.combine(
        event.first_day, datetime.min.time(), ZoneInfo("UTC"))
    common = [f"DTSTAMP{_when(dtstamp)}", f"SEQUENCE:{version.number if version else 0}"]
    zones: set[str] = set()
    entries: list[str] = []
    for item in chosen:
        lines = ["BEGIN:VEVENT", f"UID:{_text(session_uid(event, item))}", *common]
        title = resolve(item.title)
        if item.starts_at is not None and item.ends_at is not None:
            zones.add(item.zone or event.host_zone)
            lines += [f"DTSTART{_when(_local(item, event, item.starts_at))}",
                      f"DTEND{_when(_local(item, event, item.ends_at))}"]
        else:
            title = "{} ({})".format(title, resolve._("time to be announced"))
            lines += [f"DTSTART{_when(item.day)}",
                      f"DTEND{_when(item.day + timedelta(days=1))}", "TRANSP:TRANSPARENT"]
        status = "CANCELLED" if item.cancelled else (
            "CONFIRMED" if item.has_time else "TENTATIVE")
        lines += [f"SUMMARY:{_text(title)}",
                  f"DESCRIPTION:{_text(session_text(item, resolve))}",
                  f"LOCATION:{_text(location(event, item, resolve))}",
                  f"CATEGORIES:{_text(item.kind.value)}", f"STATUS:{status}"]
        if item.join_url or url:
            lines.append(f"URL:{item.join_url or f'{url}#lt-session-{event.slug}-{item.key}'}")
        lines.append("END:VEVENT")
        entries += lines
    head = ["BEGIN:VCALENDAR", f"PRODID:{_text(PRODUCT)}", "VERSION:2.0",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(resolve(event.title))}",
            f"X-WR-TIMEZONE:{_text(event.host_zone)}"]
    # VTIMEZONE first: some clients read the zones before the entries that name them.
    first = event.first_day - timedelta(days=7)
    last = event.last_day + timedelta(days=7)
    return b"".join([
        *(fold(line) + b"\r\n" for line in head),
        *(_vtimezone(zone, first, last) for zone in sorted(zones)),
        *(fold(line) + b"\r\n" for line in entries),
        b"END:VCALENDAR\r\n"])


#: How long a screening's entry lasts in a calendar (a screening states no end).
SCREENING_HOURS = 2


class Screened(Protocol):
    """What a calendar entry of a screening reads: a campaign's or the network's."""

    @property
    def venue(self) -> str: ...
    @property
    def address(self) -> str | None: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def zone(self) -> str: ...


@attrs.frozen(kw_only=True)
class ScreeningEntry:
    """One screening as a calendar entry: its UID, title, description and page."""

    screening: Screened
    uid: str
    title: str
    description: str = ""
    url: str | None = None


def screening_uid(campaign: str, city: str, key: str | None) -> str:
    """A screening's UID, the same in a city's export and in the network's calendar (so a
    calendar that has both keeps one)."""
    return f"{campaign}.{city}.{key}@livingtogether"


def screenings_icalendar(entries: Sequence[ScreeningEntry], *, name: str | None = None,
                         stamp: datetime | None = None) -> bytes:
    """Screenings as one iCalendar file, each entry at its venue and address, in its zone
    (a screening states no end: it lasts :data:`SCREENING_HOURS` in calendars), with a
    VTIMEZONE for each zone they are in; ``name`` names the calendar."""
    lines: list[str] = []
    spans: dict[str, tuple[date, date]] = {}
    for entry in entries:
        screening = entry.screening
        start = in_zone(screening.starts_at, screening.zone)
        end = in_zone(screening.starts_at + timedelta(hours=SCREENING_HOURS), screening.zone)
        place = ", ".join(part for part in (screening.venue, screening.address) if part)
        lines += ["BEGIN:VEVENT", f"UID:{_text(entry.uid)}",
                  f"DTSTAMP{_when(stamp or screening.starts_at)}", "SEQUENCE:0",
                  f"DTSTART{_when(start)}", f"DTEND{_when(end)}",
                  f"SUMMARY:{_text(entry.title)}", f"DESCRIPTION:{_text(entry.description)}",
                  f"LOCATION:{_text(place)}", "STATUS:CONFIRMED"]
        if entry.url:
            lines.append(f"URL:{entry.url}")
        lines.append("END:VEVENT")
        if screening.zone not in ("UTC", "Etc/UTC"):
            day = screening.starts_at.date()
            first, last = spans.get(screening.zone, (day, day))
            spans[screening.zone] = (min(first, day), max(last, day))
    head = ["BEGIN:VCALENDAR", f"PRODID:{_text(PRODUCT)}", "VERSION:2.0",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        head.append(f"X-WR-CALNAME:{_text(name)}")
    return b"".join([
        *(fold(line) + b"\r\n" for line in head),
        *(_vtimezone(zone, first - timedelta(days=7), last + timedelta(days=7))
          for zone, (first, last) in sorted(spans.items())),
        *(fold(line) + b"\r\n" for line in lines),
        b"END:VCALENDAR\r\n"])


def screening_icalendar(screening: Screening, *, campaign: str, city: str, title: str,
                        description: str = "", url: str | None = None,
                        stamp: datetime | None = None) -> bytes:
    """A screening (``key`` of ``city`` in ``campaign``) as an iCalendar file of one
    entry titled ``title`` (see :func:`screenings_icalendar`)."""
    return screenings_icalendar([ScreeningEntry(
        screening=screening, uid=screening_uid(campaign, city, screening.key), title=title,
        description=description, url=url)], stamp=stamp)


def fold(line: str, limit: int = 75) -> bytes:
    """An unfolded content line folded as RFC 5545 says: at most ``limit`` octets a line
    (the leading space included), never inside a UTF-8 character or a backslash escape.

    icalendar folds character by character, which is most of an export's time.
    """
    data = line.encode("utf-8")
    if len(data) <= limit:
        return data
    pieces = []
    start, width = 0, limit
    while len(data) - start > width:
        cut = start + width
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: step back to the character
            cut -= 1
        if data[cut - 1] == 0x5C and cut - 1 > start:  # keep "\\n", "\\," whole
            cut -= 1
        pieces.append(data[start:cut])
        start, width = cut, limit - 1
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


# -- frab


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(parts)))


def _duration(start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


#: The patterns of the frab schema that our slugs and zones do not always meet.
_ACRONYM_RE = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
_FRAB_ZONE_RE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
_FRAB_TYPES = {"dialogue": "discussion", "workshop": "workshop", "plenary": "talk",
               "panel": "discussion", "ceremony": "other", "other": "other"}


def acronym(slug: str) -> str:
    """The event's slug as a frab acronym (``izmir-2021`` -> ``izmir_2021``)."""
    value = slug.replace("-", "_")
    return value if _ACRONYM_RE.match(value) else (value + "____")[:max(4, len(value))]


def frab(event: Event, *, version: ProgrammeVersion | None = None, language: str = "en",
         fallbacks: Sequence[str] = (), url: str) -> dict[str, Any]:
    """The programme as a frab schedule (``url``: the programme's page)."""
    resolve = resolver(language, fallbacks)
    host = ZoneInfo(event.host_zone)
    rooms: dict[str, dict[str, Any]] = {}
    days: dict[date, dict[str, list[dict[str, Any]]]] = {}
    bounds: dict[date, list[datetime]] = {}
    untimed: list[dict[str, Any]] = []
    for session in event.sessions:
        title = resolve(session.title)
        if session.starts_at is None or session.ends_at is None:
            untimed.append({"slug": session.key, "title": title,
                            "date": session.day.isoformat(), "url": f"{url}#lt-session-"
                            f"{event.slug}-{session.key}"})
            continue
        room = location(event, session, resolve)
        rooms.setdefault(room, {"name": room, "guid": _guid(event.slug, "room", room)})
        start = _local(session, event, session.starts_at)
        part = event.part(session.part)
        guid = _guid(event.slug, session.key)
        days.setdefault(session.day, {}).setdefault(room, []).append({
            "id": int(guid.replace("-", "")[:7], 16) + 1,
            "guid": guid,
            "date": start.isoformat(),
            "start": start.isoformat(),
            "duration": _duration(session.starts_at, session.ends_at),
            "room": room,
            "slug": f"{event.slug}-{session.key}",
            "url": f"{url}#lt-session-{event.slug}-{session.key}",
            "title": title + (" ({})".format(resolve._("cancelled")) if session.cancelled
                              else ""),
            "subtitle": None,
            "track": resolve(part.title) if part else None,
            "type": _FRAB_TYPES[session.kind.value],
            "language": language,
            "abstract": resolve(session.description) or None,
            "description": session_text(session, resolve) or None,
            "do_not_record": None,
            "persons": [
                {"name": person_line(person, resolve),
                 "guid": _guid(event.slug, session.key, "person", str(number))}
                for number, person in enumerate(session.people)
            ],
            "links": [{"url": session.join_url, "title": resolve._("Join online")}]
            if session.join_url else [],
        })
        day_bounds = bounds.setdefault(session.day, [])
        day_bounds.extend((session.starts_at.astimezone(host), session.ends_at.astimezone(host)))
    all_days = [event.first_day + timedelta(days=n)
                for n in range((event.last_day - event.first_day).days + 1)]
    conference: dict[str, Any] = {
        "acronym": acronym(event.slug),
        "title": resolve(event.title),
        "description": resolve(event.description),
        "start": event.first_day.isoformat(),
        "end": event.last_day.isoformat(),
        "daysCount": len(all_days),
        "timeslot_duration": "00:15",
        "url": url,
        "rooms": sorted(rooms.values(), key=lambda r: r["name"]),
        "days": [],
        "meta": {"host_zone": event.host_zone, "sessions_without_time": untimed},
    }
    if _FRAB_ZONE_RE.search(event.host_zone):
        conference["time_zone_name"] = event.host_zone
    for number, day in enumerate(all_days, start=1):
        found = bounds.get(day)
        midnight = datetime.combine(day, datetime.min.time(), host)
        conference["days"].append({
            "index": number,
            "date": day.isoformat(),
            "day_start": (min(found) if found else midnight).isoformat(),
            "day_end": (max(found) if found else midnight + timedelta(days=1)).isoformat(),
            "rooms": days.get(day, {}),
        })
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "livingtogether"},
        "schedule": {"version": str(version.number) if version else "draft",
                     "base_url": url, "conference": conference},
    }
