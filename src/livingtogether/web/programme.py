"""The programme on the web: its widget, calendar and schedule exports, changes and feed.

The widget and the exports show what the public may see: the latest published
version of the event (else the stored programme, before anything is published).
What each session shows in every display zone is computed once per published
version and language (:func:`programme_view`) and reused by every request.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import attrs
from babel.dates import format_date, format_time
from markupsafe import Markup

from .. import convert, programme_export
from ..errors import BadRequest, NotFound, ValidationError
from ..i18n import N_
from ..i18n import locale as _locale
from ..models import (
    Change,
    ChangeKind,
    City,
    DisplayZone,
    Event,
    Localized,
    Mode,
    Person,
    ProgrammeChanges,
    Session,
    SessionKind,
    Text,
)
from ..services.programme import Published
from .http import JSON_TYPE, PUBLIC, Response, dump_json, json_response
from .routes import LANG, Call, Param, Route, widget_route
from .widgets import Localizer, language, respond, text_of, zone_name

if TYPE_CHECKING:
    from ..observatory import Observatory
    from .app import WebApp
    from .http import Request

T = TypeVar("T")

PREFIX = "/api/v1/events"
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


#: The widget's views, and the exports' bodies, per version and what else they depend on.
views = VersionCache(VIEW_CACHE_SIZE)
exports = VersionCache(VIEW_CACHE_SIZE)


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
    calendar_url = localizer.url(f"{PREFIX}/{event.slug}/sessions/KEY/calendar.ics",
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


@attrs.frozen(kw_only=True)
class Filters:
    """The widget's filters, as given in its query."""

    day: date | None = None
    kind: SessionKind | None = None
    mode: Mode | None = None

    def keep(self, view: SessionView) -> bool:
        """Whether the session passes every filter."""
        session = view.session
        return ((self.kind is None or session.kind is self.kind)
                and (self.mode is None or session.mode is self.mode))


def parse_day(raw: str | None, event: Event) -> date | None:
    """``?day=YYYY-MM-DD`` as a date of the event; ``BadRequest`` otherwise."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequest(f"{raw[:40]!r} is not a date; give one as YYYY-MM-DD", field="day")
    if not event.first_day <= day <= event.last_day:
        raise BadRequest(f"{day.isoformat()} is not a day of the event; give one from "
                         f"{event.first_day.isoformat()} to {event.last_day.isoformat()}",
                         field="day")
    return day


def changes_for_widget(web: WebApp, published: Published, since: int | None,
                       ) -> ProgrammeChanges | None:
    """The changes the widget marks: since ``since``, else since the previous version."""
    latest = published.version.number if published.version else 0
    if since is None:
        if latest < 2:
            return None
        since = latest - 1
    return read_changes(web, published.event.slug, since)


def read_changes(web: WebApp, slug: str, since: int | None) -> ProgrammeChanges:
    """The changes after ``since``; a ``since`` that names no version is a bad query (400)."""
    try:
        return web.observatory.programme.changes(slug, since=since)
    except ValidationError as error:
        raise BadRequest(error.message, field="since") from None


def programme_html(web: WebApp, request: Request, lang: str, published: Published,
                   filters: Filters | None = None, since: int | None = None) -> str:
    """An event's programme: days, then sessions with their times in every display zone."""
    filters = filters or Filters()
    localizer = Localizer(web, request, lang)
    view = programme_view(localizer, published)
    days = [(day, kept) for day in view.days if filters.day in (None, day.day)
            for kept in [[s for s in day.sessions if filters.keep(s)]] if kept]
    changes = changes_for_widget(web, published, since)
    by_session: dict[str, list[Change]] = {}
    removed: list[Change] = []
    for change in changes.changes if changes else ():
        if change.kind is ChangeKind.REMOVED:
            removed.append(change)
        else:
            by_session.setdefault(change.session, []).append(change)
    return text_of(
        web.templates.get_template("programme.html"), L=localizer, request=request,
        event=published.event, version=published.version, days=days, filters=filters,
        every_day=view.days, changes=changes, changed=by_session, removed=removed,
        kinds=[k.value for k in SessionKind], modes=[m.value for m in Mode])


# -- handlers


def programme_widget(call: Call) -> Response:
    """One event's programme, filtered by day, kind and mode."""
    published = call.obs.programme.published(call.path["event"])
    p = call.params
    filters = Filters(day=parse_day(p["day"], published.event), kind=p["kind"], mode=p["mode"])
    lang = language(call)
    html = programme_html(call.web, call.request, lang, published, filters, p["since"])
    return respond(call, html, lang)


def _export_language(call: Call) -> tuple[str, tuple[str, ...]]:
    return language(call), call.web.settings.content_fallbacks


def _page_url(call: Call, slug: str) -> str:
    request = call.request
    return f"{request.scheme}://{request.host}{request.url_for(f'/widgets/programme/{slug}')}"


def calendar_response(call: Call, session: str | None) -> Response:
    """The iCalendar file of the event or of one session."""
    slug = call.path["slug"]
    published = call.obs.programme.published(slug)
    if session is not None and published.event.session(session) is None:
        raise NotFound(f"{slug!r} has no session {session!r}", field="session")
    lang, fallbacks = _export_language(call)
    url = _page_url(call, slug)
    body = exports.get(
        ("ics", published.key, session, lang, fallbacks, url), published.event,
        lambda: programme_export.icalendar(
            published.event, version=published.version, session=session, language=lang,
            fallbacks=fallbacks, url=url))
    name = f"{slug}-{session}.ics" if session else f"{slug}.ics"
    return Response(status=200, body=body, headers=(
        ("Content-Type", "text/calendar; charset=utf-8"),
        ("Content-Disposition", f'inline; filename="{name}"'),
        ("Vary", "Accept-Language"), *PUBLIC))


def event_calendar(call: Call) -> Response:
    """The whole programme as iCalendar."""
    return calendar_response(call, None)


def session_calendar(call: Call) -> Response:
    """One session as iCalendar."""
    return calendar_response(call, call.path["session"])


def schedule(call: Call) -> Response:
    """The programme as a frab schedule."""
    slug = call.path["slug"]
    published = call.obs.programme.published(slug)
    lang, fallbacks = _export_language(call)
    url = _page_url(call, slug)
    body = exports.get(
        ("frab", published.key, lang, fallbacks, url), published.event,
        lambda: dump_json(programme_export.frab(
            published.event, version=published.version, language=lang, fallbacks=fallbacks,
            url=url)))
    return Response(status=200, body=body, headers=(
        ("Content-Type", JSON_TYPE), ("Vary", "Accept-Language"), *PUBLIC))


def changes(call: Call) -> Response:
    """The published versions and what changed between them."""
    found = read_changes(call.web, call.path["slug"], call.params["since"])
    return json_response(convert.unstructure(found), 200, PUBLIC)


CHANGE_TITLES = {
    ChangeKind.ADDED: N_("Session added"), ChangeKind.REMOVED: N_("Session removed"),
    ChangeKind.CANCELLED: N_("Session cancelled"), ChangeKind.RESTORED: N_("Session restored"),
    ChangeKind.MOVED: N_("Session moved"), ChangeKind.PERSON_CONFIRMED: N_("Speaker confirmed"),
    ChangeKind.PERSON_ADDED: N_("Speaker added"),
    ChangeKind.PERSON_REMOVED: N_("Speaker removed"), ChangeKind.UPDATED: N_("Session updated"),
}


def atom_feed(call: Call) -> Response:
    """The changes as an Atom feed, one entry per change, the newest first."""
    slug = call.path["slug"]
    lang, fallbacks = _export_language(call)
    resolve = programme_export.resolver(lang, fallbacks)
    published = call.obs.programme.published(slug)
    found = call.obs.programme.changes(slug)
    page = _page_url(call, slug)
    request = call.request
    self_url = f"{request.scheme}://{request.host}{request.url_for(request.path)}"
    stamps = {v.number: v.published_at for v in found.versions}
    updated = max(stamps.values()) if stamps else datetime.combine(
        published.event.first_day, time(0), ZoneInfo("UTC"))
    feed_title = resolve._("programme changes")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(lang)}>',
        f"<id>tag:livingtogether,2021:{escape(slug)}/changes</id>",
        f"<title>{escape(resolve(published.event.title))}{resolve.colon}"
        f"{escape(feed_title)}</title>",
        f"<updated>{updated.isoformat()}</updated>",
        f"<link rel=\"self\" href={quoteattr(self_url)}/>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(page)}/>",
        "<author><name>livingtogether</name></author>",
    ]
    for number, change in reversed(list(enumerate(found.changes))):
        what = resolve._(CHANGE_TITLES[change.kind])
        title = f"{what}{resolve.colon}{resolve(change.title)}"
        if change.person:
            title += f" ({change.person})"
        summary = resolve._("Version %(number)s. %(change)s") % {"number": change.version,
                                                                  "change": title}
        if change.fields:
            summary += f" [{', '.join(change.fields)}]"
        lines += [
            "<entry>",
            f"<id>tag:livingtogether,2021:{escape(slug)}/v{change.version}/{number}</id>",
            f"<title>{escape(title)}</title>",
            f"<updated>{stamps[change.version].isoformat()}</updated>",
            f"<link href={quoteattr(f'{page}#lt-session-{slug}-{change.session}')}/>",
            f"<summary>{escape(summary)}</summary>",
            "</entry>",
        ]
    lines.append("</feed>")
    return Response(
        status=200, body="\n".join(lines).encode("utf-8"),
        headers=(("Content-Type", "application/atom+xml; charset=utf-8"), *PUBLIC))


# -- routes

_LANG_ONLY = (LANG,)
SINCE = Param(name="since", kind="integer", minimum=0, maximum=10**6,
              description="mark the changes published after this version")


ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/programme/{event}", handler=programme_widget,
            name="widget-programme", reads=("programme", "cities", "themes"),
            summary="Widget: an event's programme",
            description="The latest published version (else the stored programme), with "
                        "each session's times in every display zone and the changes since "
                        "the previous version (or `since`) marked.",
            params=(LANG,
                    Param(name="day", kind="string",
                          description="only this day of the event (YYYY-MM-DD)"),
                    Param(name="kind", kind="enum", choices=SessionKind,
                          description="only sessions of this kind"),
                    Param(name="mode", kind="enum", choices=Mode,
                          description="only sessions held this way"),
                    SINCE),
            errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/{{slug}}/calendar.ics", handler=event_calendar,
          name="event-calendar", summary="The programme as iCalendar", tag="programme",
          params=_LANG_ONLY, response_type="text/calendar", errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/{{slug}}/sessions/{{session}}/calendar.ics",
          handler=session_calendar, name="session-calendar",
          summary="One session as iCalendar", tag="programme", params=_LANG_ONLY,
          response_type="text/calendar", errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/{{slug}}/schedule.json", handler=schedule,
          name="event-schedule", summary="The programme as a frab schedule (schedule apps)",
          tag="programme", params=_LANG_ONLY, errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/{{slug}}/changes", handler=changes,
          name="event-changes", summary="The published versions and what changed",
          tag="programme", params=(SINCE,), response="ProgrammeChanges", errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/{{slug}}/changes.atom", handler=atom_feed,
          name="event-changes-feed", summary="The programme's changes as an Atom feed",
          tag="programme", params=_LANG_ONLY, response_type="application/atom+xml",
          errors=(400, 404)),
)

