"""The programme as the widget prints it: each session's parts in the reader's language and
its times in every display zone, computed once per published version and language.

:func:`programme_view` keeps what it computed while the version is current
(:class:`VersionCache`), so that every request after the first renders only
the page around the sessions.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
from babel.dates import format_date, format_time
from markupsafe import Markup

from ..i18n import locale as _locale
from ..models import City, DisplayZone, Event, Localized, Person, Session, Text
from ..services.programme import Published
from .localizer import Localizer, zone_name
from .render import text_of

if TYPE_CHECKING:
    from ..observatory import Observatory

T = TypeVar("T")

#: How many (version, language) views of programmes stay computed in memory.
VIEW_CACHE_SIZE = 32


@attrs.frozen
class Shown:
    """A multilingual text as printed: the reader's best translation, and the
    `` lang=".." dir=".."`` its element needs when that is not the widget's language."""

    text: str
    attrs: Markup


@attrs.frozen
class ZoneTime:
    """A session's times in one display zone, as printed: ``Izmir: 16:00–17:30 TRT (UTC+3)``.

    ``start`` and ``end`` are ``None`` while the time is not yet known; ``zone``
    then names the zone as it is on the session's day.
    """

    label: Shown | None
    start: str | None
    end: str | None
    start_iso: str | None
    end_iso: str | None
    zone: str
    other_day: str | None


@attrs.frozen
class PersonView:
    """A person as printed: the name (or city, or affiliation), what follows it, the topic."""

    person: Person
    main: str | Localized | None  # a city's name comes with its language
    detail: str | Localized | None
    topic: Shown | None


@attrs.frozen(kw_only=True)
class SessionParts:
    """What the widget prints of a session, in the reader's language: what
    ``programme_session.html`` turns into HTML."""

    session: Session
    times: Markup
    title: Shown | None
    kind: Markup
    mode: Markup
    part: Shown | None
    description: Shown | None
    paragraphs: list[list[str]]
    questions: tuple[Shown | None, ...]
    roles: tuple[tuple[Markup, tuple[PersonView, ...]], ...]
    calendar_url: str


@attrs.frozen
class SessionView:
    """A session with its title (``head``) and the rest (``body``) as rendered HTML,
    computed once per version and language."""

    session: Session
    head: Markup
    body: Markup


@attrs.frozen
class DayView:
    """One day of the programme: its date as printed and its sessions in order."""

    day: date
    label: str
    sessions: tuple[SessionView, ...]


@attrs.frozen
class ProgrammeView:
    """The programme as the widget prints it, in one language."""

    event: Event
    days: tuple[DayView, ...]


def host_zone(localizer: Localizer, event: Event) -> DisplayZone:
    """The host's zone as a display zone, labelled with the host city's name."""
    city = localizer.cities().get(event.host_city or "")
    label = city.name if city else Text.of(event.host_zone.rsplit("/", 1)[-1].replace("_", " "))
    return DisplayZone(zone=event.host_zone, label=label)


def shown(localizer: Localizer, value: Text | None) -> Shown | None:
    """``value`` as printed for the localizer's reader; ``None`` when empty."""
    found = localizer.text(value)
    return Shown(found.text, localizer.attrs(found)) if found else None


def zone_times(localizer: Localizer, event: Event, session: Session,
               zones: tuple[tuple[DisplayZone, Shown | None], ...]) -> tuple[ZoneTime, ...]:
    """The session's times in each display zone (given with its label as printed);
    the host zone's name alone when unknown."""
    if session.starts_at is None or session.ends_at is None:
        info = ZoneInfo(session.zone or event.host_zone)
        noon = datetime.combine(session.day, time(12), info)
        label = next((label for z, label in zones if z.zone == info.key),
                     Shown(info.key.rsplit("/", 1)[-1].replace("_", " "), Markup("")))
        return (ZoneTime(label=label, start=None, end=None, start_iso=None, end_iso=None,
                         zone=zone_name(noon, info.key), other_day=None),)
    result = []
    lang = localizer.lang
    for display, label in zones:
        start = session.starts_at.astimezone(ZoneInfo(display.zone))
        end = session.ends_at.astimezone(ZoneInfo(display.zone))
        result.append(ZoneTime(
            label=label,
            start=clock(start.hour, start.minute, lang),
            end=clock(end.hour, end.minute, lang),
            start_iso=start.isoformat(timespec="minutes"),
            end_iso=end.isoformat(timespec="minutes"),
            zone=zone_name(start, display.zone),
            other_day=medium_date(start.date(), lang) if start.date() != session.day else None,
        ))
    return tuple(result)


@functools.lru_cache(maxsize=4096)
def clock(hour: int, minute: int, language: str) -> str:
    """``16:00``, ``8:05``: a wall-clock time as ``language`` writes it (Babel)."""
    return format_time(time(hour, minute), "H:mm", locale=_locale(language))


@functools.lru_cache(maxsize=4096)
def medium_date(day: date, language: str) -> str:
    """``Mar 25, 2022``: a date as ``language`` writes it briefly (Babel)."""
    return format_date(day, "medium", locale=_locale(language))


def _order(item: tuple[int, Session]) -> tuple[bool, datetime, int]:
    index, session = item
    return session.starts_at is None, session.starts_at or datetime.min, index


class VersionCache:
    """What was computed from one published version, kept while the version is current.

    Keys name the version (``Published.key``) and everything else the result
    depends on. The service hands out the same ``Event`` object for the same
    version, so an identity check confirms a hit without comparing programmes.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[tuple[Any, ...], tuple[Event, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], event: Event, build: Callable[[], T]) -> T:
        """The value under ``key`` computed from ``event``, built on a miss."""
        found = self._items.get(key)
        if found is not None and found[0] is event:
            return found[1]  # type: ignore[no-any-return]
        value = build()
        with self._lock:
            self._items[key] = (event, value)
            while len(self._items) > self.size:
                self._items.pop(next(iter(self._items)))
        return value

    def clear(self) -> None:
        """Forget everything (the benchmark measures the first request this way)."""
        with self._lock:
            self._items.clear()


#: The widget's views per version and what else they depend on.
views = VersionCache(VIEW_CACHE_SIZE)


#: What ends a session's title and a session in the one-pass rendering of all sessions.
_HEAD_END, _SESSION_END = "\x1f", "\x1e"


def _rendered(localizer: Localizer, event: Event, sessions: list[Session],
              items: Iterator[SessionParts]) -> list[SessionView]:
    """The ``sessions`` with their title and body rendered from their ``items``, all in
    one pass of the template.

    ``items`` are made one by one as the template reaches them, so that each is
    garbage as soon as it is printed: thousands of objects alive at once would outlive
    young garbage collections and make Python scan the whole heap again and again
    (as ``text_of`` explains for the output).
    """
    html = text_of(localizer.web.templates.get_template("programme_session.html"),
                   L=localizer, event=event, items=items, head_end=_HEAD_END,
                   session_end=_SESSION_END)
    parts = html.split(_SESSION_END)
    assert len(parts) == len(sessions) + 1, "a session's text held a separator"
    done = []
    for session, piece in zip(sessions, parts, strict=False):
        head, _, body = piece.partition(_HEAD_END)
        done.append(SessionView(
            session, Markup(head.strip()), Markup(body.strip())))  # noqa: S704 (our autoescaping template's output)
    return done


class Labels:
    """What the shared macros print that many sessions share (the labels of kinds, modes
    and roles, the lines of times), each rendered once per view."""

    def __init__(self, localizer: Localizer) -> None:
        self._macros = localizer.web.templates.get_template("_macros.html").make_module(
            {"L": localizer})
        self._done: dict[tuple[Any, ...], Markup] = {}

    def __call__(self, macro: str, *args: Any) -> Markup:
        """What ``macro`` of ``_macros.html`` prints for ``args``."""
        return self.shared((macro, *args), macro, lambda: args)

    def shared(self, key: tuple[Any, ...], macro: str,
               arguments: Callable[[], tuple[Any, ...]]) -> Markup:
        """What ``macro`` prints for the ``arguments()`` that ``key`` stands for."""
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = Markup(getattr(self._macros, macro)(*arguments()))  # noqa: S704 (our autoescaping template's output)
        return found


def _session_parts(localizer: Localizer, event: Event, session: Session, labels: Labels,
                   zones: tuple[tuple[DisplayZone, Shown | None], ...],
                   parts: dict[str, Shown | None], calendar_url: str) -> SessionParts:
    description = shown(localizer, session.description)
    # Parallel sessions print the same lines of times.
    times = labels.shared(
        ("times", session.starts_at, session.ends_at, session.day, session.zone), "zone_times",
        lambda: (zone_times(localizer, event, session, zones),
                 session.starts_at.isoformat() if session.starts_at else None,
                 session.ends_at.isoformat() if session.ends_at else None))
    return SessionParts(
        session=session, times=times, title=shown(localizer, session.title),
        kind=labels("session_kind", session.kind.value),
        mode=labels("mode", session.mode.value),
        part=parts.get(session.part or ""),
        description=description,
        paragraphs=localizer.paragraphs(description.text) if description else [],
        questions=tuple(shown(localizer, question) for question in session.questions),
        roles=tuple((labels("role", role, len(people)), tuple(
            PersonView(person, *localizer.person(person), shown(localizer, person.topic))
            for person in people)) for role, people in localizer.roles(session.people)),
        calendar_url=calendar_url.replace("/KEY/", f"/{session.key}/"))


def _build_view(localizer: Localizer, published: Published) -> ProgrammeView:
    localizer.use_cities(_cities_of(localizer, published))
    event = published.event
    zones = tuple((zone, shown(localizer, zone.label))
                  for zone in event.display_zones or (host_zone(localizer, event),))
    parts = {part.key: shown(localizer, part.title) for part in event.parts}
    labels = Labels(localizer)
    # built once, each session's key put in the place of KEY
    calendar_url = localizer.url_for("session-calendar", slug=event.slug, session="KEY",
                                     lang=localizer.lang)
    by_day: dict[date, list[tuple[int, Session]]] = {}
    for index, session in enumerate(event.sessions):
        by_day.setdefault(session.day, []).append((index, session))
    ordered = [session for day in sorted(by_day)
               for _, session in sorted(by_day[day], key=_order)]
    items = _rendered(localizer, event, ordered, (
        _session_parts(localizer, event, session, labels, zones, parts, calendar_url)
        for session in ordered))
    days = []
    for day in sorted(by_day):
        sessions = tuple(item for item in items if item.session.day == day)
        days.append(DayView(day=day, label=localizer.format_date(day), sessions=sessions))
    return ProgrammeView(event=event, days=tuple(days))


#: Every city by slug per observatory, with the state of the cities table it was read
#: in (``Published.cities``): the names people stand for, read again only when a city
#: changes, not when a programme is published.
_cities: weakref.WeakKeyDictionary[Observatory, tuple[str, dict[str, City]]] = \
    weakref.WeakKeyDictionary()


def _cities_of(localizer: Localizer, published: Published) -> dict[str, City]:
    observatory = localizer.web.observatory
    found = _cities.get(observatory)
    if found is None or found[0] != published.cities:
        found = _cities[observatory] = (published.cities, localizer.cities())
    return found[1]


def programme_view(localizer: Localizer, published: Published) -> ProgrammeView:
    """The programme as printed in the localizer's language, computed once per version.

    What is printed depends on the version, the language and its fallbacks,
    the city names (people may stand for a city) and the mount point (links).
    """
    key = (published.key, localizer.lang, localizer.fallbacks, published.cities,
           localizer.request.script_name)
    return views.get(key, published.event, lambda: _build_view(localizer, published))
