"""A programme exported for calendars and schedule apps.

- :func:`icalendar` builds an RFC 5545 calendar of the whole event or of one
  session: times with the IANA zone as TZID and a VTIMEZONE generated from the
  tz database for the event's dates, a UID per session that stays the same in
  every export, the people and guiding questions in the description, and
  sessions without a time as all-day entries that say so.
- :func:`frab` builds the de-facto "frab" schedule JSON that conference apps
  read (Giggity, ConfClerk, c3nav...). That format has no place for a session
  without a time, so those are listed in ``conference.meta.sessions_without_time``.

Both take the reader's language and its fallbacks for multilingual text.
Every user-facing string goes through :func:`_` so that it can be translated.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar as ical

from .models import Event, Person, ProgrammeVersion, Session, Text

#: The generator named in every export.
PRODUCT = "-//livingtogether//programme//EN"
#: The namespace of the frab GUIDs (UUID 5) of sessions, rooms and people.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://livingtogether.invalid/programme")


def _(message: str) -> str:
    """Mark ``message`` for translation (gettext comes with the translations)."""
    return message


ROLE_LABELS = {
    "opening": "Welcome and opening", "keynote": "Keynote speech", "moderator": "Moderator",
    "introduction": "Introduction", "panelist": "Panel", "discussant": "Discussion",
    "special_message": "Special message", "other": "Speaker",
}
MODE_LABELS = {"online": "Online", "on_site": "On site", "hybrid": "Online and on site"}
TIME_TO_BE_ANNOUNCED = "Time to be announced"
TO_BE_CONFIRMED = "to be confirmed"

Resolve = Callable[[Text | None], str]


def resolver(language: str, fallbacks: Sequence[str] = ()) -> Resolve:
    """A function giving a multilingual text in ``language`` (else its fallbacks), or ``""``."""
    chain = tuple(fallbacks)

    def resolve(value: Text | None) -> str:
        found = value.resolve(language, chain) if value else None
        return found.text if found else ""

    return resolve


def person_line(person: Person) -> str:
    """``Ms. Gabriela Ramos, Assistant Director-General... (to be confirmed)``."""
    name = " ".join(part for part in (person.honorific, person.name) if part)
    text = ", ".join(part for part in (name, person.affiliation or person.city) if part)
    text = text or _("to be announced")
    if person.to_be_confirmed:
        text += f" ({_(TO_BE_CONFIRMED)})"
    return text


def session_text(session: Session, resolve: Resolve) -> str:
    """The session as plain text: time note, description, guiding questions, people."""
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
        line = person_line(person) + (f": {topic}" if topic else "")
        people.setdefault(_(ROLE_LABELS[person.role.value]), []).append(line)
    blocks.extend("\n".join([f"{role}:", *(f"- {line}" for line in lines)])
                  for role, lines in people.items())
    if session.join_url:
        blocks.append(f"{_('Join online')}: {session.join_url}")
    return "\n\n".join(blocks)


def location(event: Event, session: Session, resolve: Resolve) -> str:
    """Where the session takes place: its venue, its part's venue, or how to attend."""
    part = next((p for p in event.parts if p.key == session.part), None)
    venue = session.venue or (part.venue if part else None)
    return venue or _(MODE_LABELS[session.mode.value])


def session_uid(event: Event, session: Session) -> str:
    """The session's UID, the same in every export of the event."""
    return f"{event.slug}.{session.key}@livingtogether"


def _local(session: Session, event: Event, instant: datetime) -> datetime:
    return instant.astimezone(ZoneInfo(session.zone or event.host_zone))


@functools.lru_cache(maxsize=128)
def _vtimezone(zone: str, first: date, last: date) -> ical.Timezone:
    return ical.Timezone.from_tzinfo(ZoneInfo(zone), tzid=zone, first_date=first,
                                     last_date=last)


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
    calendar = ical.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", resolve(event.title))
    calendar.add("x-wr-timezone", event.host_zone)
    dtstamp = stamp or (version.published_at if version else None) or datetime.combine(
        event.first_day, datetime.min.time(), ZoneInfo("UTC"))
    zones: set[str] = set()
    entries = []
    for item in chosen:
        entry = ical.Event()
        entry.add("uid", session_uid(event, item))
        entry.add("dtstamp", dtstamp)
        entry.add("sequence", version.number if version else 0)
        title = resolve(item.title)
        if item.starts_at is not None and item.ends_at is not None:
            zones.add(item.zone or event.host_zone)
            entry.add("dtstart", _local(item, event, item.starts_at))
            entry.add("dtend", _local(item, event, item.ends_at))
        else:
            title = f"{title} ({_(TIME_TO_BE_ANNOUNCED).lower()})"
            entry.add("dtstart", item.day)
            entry.add("dtend", item.day + timedelta(days=1))
            entry.add("transp", "TRANSPARENT")
        entry.add("summary", title)
        entry.add("description", session_text(item, resolve))
        entry.add("location", location(event, item, resolve))
        entry.add("categories", [item.kind.value])
        entry.add("status", "CANCELLED" if item.cancelled else (
            "CONFIRMED" if item.has_time else "TENTATIVE"))
        if item.join_url or url:
            entry.add("url", item.join_url or f"{url}#lt-session-{event.slug}-{item.key}")
        entries.append(entry)
    # VTIMEZONE first: some clients read the zones before the entries that name them.
    first = event.first_day - timedelta(days=7)
    last = event.last_day + timedelta(days=7)
    for zone in sorted(zones):
        calendar.add_component(_vtimezone(zone, first, last))
    for entry in entries:
        calendar.add_component(entry)
    return b"".join(fold(line) + b"\r\n" for line in calendar.content_lines(sorted=False)
                    if line)


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
        part = next((p for p in event.parts if p.key == session.part), None)
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
            "title": title + (f" ({_('cancelled')})" if session.cancelled else ""),
            "subtitle": None,
            "track": resolve(part.title) if part else None,
            "type": _FRAB_TYPES[session.kind.value],
            "language": language,
            "abstract": resolve(session.description) or None,
            "description": session_text(session, resolve) or None,
            "do_not_record": None,
            "persons": [
                {"name": person_line(person), "guid": _guid(event.slug, session.key, "person",
                                                            str(number))}
                for number, person in enumerate(session.people)
            ],
            "links": [{"url": session.join_url, "title": _("Join online")}]
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
