"""One session's form in the event editor: its own address, its times beside it.

A session's times are typed as a date and wall-clock times in the host zone (or the
session's own); the other cities' times are shown beside them, rendered here and updated
while typing by ``console-times.js`` (a static file, under the console's CSP). A time that
is no time (25:00), one the clocks skip at a daylight-saving change, an end before the
start or a day outside the event's answers 422 at its input with everything typed kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from .. import i18n
from ..admin.forms import FormErrors, FormSpec
from ..errors import EditConflict, NotFound, ValidationError
from ..models import Event, Session
from ..models.programme import local_instant
from ..web.http import Response
from .events import open_event, page, refused, save, times_in, zones_of
from .records import field_id
from .screens import Screen, route, whole

#: A wall-clock time as a time input sends it.
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
#: Where the model's errors about a session's times show in the session form.
_AT = {"starts_at": "start", "ends_at": "end"}


@functools.lru_cache(maxsize=8)
def session_form(languages: tuple[str, ...]) -> FormSpec[Session]:
    """One session's fields; its times are the ``start`` and ``end`` inputs beside its day."""
    return FormSpec(Session, languages=languages, exclude=("starts_at", "ends_at"))


def session_page(screen: Screen, status: int, *, editing: Any, key: str | None,
                 record: Session | None, error: FormErrors | None = None,
                 base: int = 0) -> Response:
    """The form of one session (new when ``key`` is ``None``), its times beside it in the
    other cities' zones."""
    event: Event = editing.current
    spec = session_form(screen.web.settings.languages)
    zones = zones_of(screen, event)
    values = error.values if error is not None else None
    if values is not None:
        clock = {"start": values.get("start", ""), "end": values.get("end", "")}
        shown = _typed_times(values, event)
    else:
        zone = ZoneInfo((record.zone if record else None) or event.host_zone)
        clock = {name: f"{instant.astimezone(zone):%H:%M}" if instant else ""
                 for name, instant in (("start", record.starts_at if record else None),
                                       ("end", record.ends_at if record else None))}
        shown = (record.starts_at, record.ends_at, record.day) if record else (None, None, None)
    blank = record if record is not None else None
    fields = spec.fields(blank, error=error)
    if record is None and error is None:  # a new session: its key and day suggested
        fields = tuple(attrs.evolve(f, value=_suggested(f.name, event)) if f.name in (
            "key", "day") else f for f in fields)
    return page(
        screen, "console/session_form.html", status, slug=event.slug, key=key, event=event,
        fields=fields, clock=clock, base=base, editing=editing, message=None,
        errors=list(error.errors.items()) if error is not None else [],
        field_errors=error.errors if error is not None else {}, zones=zones,
        times=times_in(zones, *shown), parts=event.parts,
        cities=["", *(city.slug for city in screen.web.observatory.cities.every())],
        themes=(), direction=i18n.text_direction, field_id=field_id)


def _suggested(name: str, event: Event) -> str:
    if name == "day":
        return event.first_day.isoformat()
    keys = {s.key for s in event.sessions}
    return next(f"session-{n}" for n in range(len(keys) + 1, len(keys) + 2002)
                if f"session-{n}" not in keys)


def _typed_times(values: Mapping[str, str], event: Event,
                 ) -> tuple[datetime | None, datetime | None, date | None]:
    """The instants the typed day and times stand for, if they are valid."""
    try:
        return (*_instants(values, event), date.fromisoformat(values.get("day", "")))
    except (ValueError, ValidationError):
        return None, None, None


def _clock(value: str, name: str, errors: dict[str, str]) -> time | None:
    text = value.strip()
    if not text:
        return None
    found = _CLOCK.fullmatch(text)
    try:
        if found is None:
            raise ValueError(text)
        return time(int(found.group(1)), int(found.group(2)), int(found.group(3) or 0))
    except ValueError:
        errors[name] = (f"{text[:20]!r} is not a time of day: write it as HH:MM, from 00:00 "
                        "to 23:59")
        return None


def _instants(values: Mapping[str, str], event: Event,
              ) -> tuple[datetime | None, datetime | None]:
    """The UTC instants of the typed ``start`` and ``end`` on the typed ``day`` in the
    session's zone (else the host's); ``FormErrors`` at the input that is wrong."""
    errors: dict[str, str] = {}
    start = _clock(values.get("start", ""), "start", errors)
    end = _clock(values.get("end", ""), "end", errors)
    if not errors and (start is None) != (end is None):
        errors["end" if end is None else "start"] = ("give both the start and the end, or "
                                                     "neither while the time is not known")
    if errors:
        raise refused(values, errors)
    if start is None or end is None:
        return None, None
    day = date.fromisoformat(values.get("day", "").strip())
    zone = values.get("zone", "").strip() or event.host_zone
    try:
        starts = local_instant(day, start, zone, field="start")
        end_day = day + timedelta(days=1) if end == time(0) else day
        return starts, local_instant(end_day, end, zone, field="end")
    except ValidationError as error:
        raise refused(values, {error.field or "start": error.message}) from None


def _parse_session(screen: Screen, event: Event, values: dict[str, str],
                   index: int | None) -> Event:
    """The event with the typed session put at ``index`` (``None``: added at the end)."""
    spec = session_form(screen.web.settings.languages)
    errors: dict[str, str] = {}
    record: Session | None = None
    try:
        record = spec.parse(values)
    except FormErrors as error:
        errors.update(error.errors)
    try:
        starts, ends = _instants(values, event) if "day" not in errors else (None, None)
    except FormErrors as error:
        errors.update(error.errors)
    if errors or record is None:
        raise refused(values, errors)
    try:
        record = attrs.evolve(record, starts_at=starts, ends_at=ends)
        sessions = list(event.sessions)
        if index is None:
            sessions.append(record)
        else:
            sessions[index] = record
        return attrs.evolve(event, sessions=tuple(sessions))
    except ValidationError as error:
        field = (error.field or "").rsplit(".", 1)[-1]
        name = _AT.get(field, field if field in values else "day")
        if "session key" in error.message:
            name = "key"
        raise refused(values, {name: error.message}) from None


def new_session(screen: Screen) -> Response:
    """The empty session form."""
    editing, _ = open_event(screen, screen.path["slug"])
    return session_page(screen, 200, editing=editing, key=None, record=None,
                        base=editing.base)


def create_session(screen: Screen) -> Response:
    """Add the typed session at the end of the programme (a new draft)."""
    return _post_session(screen, None)


def edit_session(screen: Screen) -> Response:
    """The form of one session."""
    editing, event = open_event(screen, screen.path["slug"])
    record = event.session(screen.path["key"])
    if record is None:
        raise NotFound(f"the event has no session {screen.path['key']!r}", field="key")
    return session_page(screen, 200, editing=editing, key=record.key, record=record,
                        base=editing.base)


def save_session(screen: Screen) -> Response:
    """Save the typed session in its place (a new draft)."""
    return _post_session(screen, screen.path["key"])


def _post_session(screen: Screen, key: str | None) -> Response:
    slug = screen.path["slug"]
    editing, event = open_event(screen, slug)
    values = screen.form()
    base = whole(values.get("base") or "0", "base", minimum=0, maximum=10**9)
    index = None
    if key is not None:
        index = next((i for i, s in enumerate(event.sessions) if s.key == key), None)
        if index is None:
            raise NotFound(f"the event has no session {key!r}", field="key")
        values["key"] = key  # a session keeps its address
    try:
        record = _parse_session(screen, event, values, index)
    except FormErrors as error:
        return session_page(screen, 422, editing=editing, key=key, record=None, error=error,
                            base=base)
    try:
        save(screen, record, base)
    except EditConflict as conflict:
        return session_page(screen, 409, editing=editing, key=key, record=None, base=base,
                            error=refused(values, {"": conflict.message}))
    return screen.redirect("console-event", slug=slug, saved="1")


ROUTES = (
    route("GET", "/events/{slug}/sessions/new", "console-session-new", new_session),
    route("POST", "/events/{slug}/sessions/new", "console-session-create", create_session),
    route("GET", "/events/{slug}/sessions/{key}", "console-session", edit_session),
    route("POST", "/events/{slug}/sessions/{key}", "console-session-save", save_session),
)
