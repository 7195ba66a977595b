"""The programme on the web: its widget, calendar and schedule exports, changes and feed.

The widget and the exports show what the public may see: the latest published
version of the event (else the stored programme, before anything is published).
What each session shows in every display zone is computed once per published
version and language (:mod:`.programme_view`) and reused by every request.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
from markupsafe import Markup

from .. import convert, programme_export
from ..errors import BadRequest, NotFound, ValidationError
from ..exports import ATOM_TYPE, Entry, Feed, atom
from ..i18n import N_
from ..models import (
    Change,
    ChangeKind,
    Event,
    Mode,
    ProgrammeChanges,
    SessionKind,
)
from ..services.programme import Published
from .http import CALENDAR_TYPE, JSON_TYPE, PUBLIC, Response, dump_json, json_response
from .localizer import Localizer, cities_by_slug
from .params import LANG, Param
from .programme_view import VIEW_CACHE_SIZE, SessionView, VersionCache, programme_view
from .render import language, respond, text_of
from .routes import Call, Route, widget_route
from .structured import SCHEMA, event_ld, json_ld

if TYPE_CHECKING:
    from .http import Request
    from .routes import Site

PREFIX = "/api/v1/events"
#: The exports' bodies per version and what else they depend on.
exports = VersionCache(VIEW_CACHE_SIZE)
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


def changes_for_widget(web: Site, published: Published, since: int | None,
                       ) -> ProgrammeChanges | None:
    """The changes the widget marks: since ``since``, else since the previous version."""
    latest = published.version.number if published.version else 0
    if since is None:
        if latest < 2:
            return None
        since = latest - 1
    return read_changes(web, published.event.slug, since)


def read_changes(web: Site, slug: str, since: int | None) -> ProgrammeChanges:
    """The changes after ``since``; a ``since`` that names no version is a bad query (400)."""
    try:
        return web.observatory.programme.changes(slug, since=since)
    except ValidationError as error:
        raise BadRequest(error.message, field="since") from None


def programme_html(web: Site, request: Request, lang: str, published: Published,
                   filters: Filters | None = None, since: int | None = None,
                   structured: Markup | None = None) -> str:
    """An event's programme: days, then sessions with their times in every display zone
    (``structured``: the page's JSON-LD, if any)."""
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
        kinds=[k.value for k in SessionKind], modes=[m.value for m in Mode],
        json_ld=structured)


# -- handlers


def programme_widget(call: Call) -> Response:
    """One event's programme, filtered by day, kind and mode."""
    published = call.obs.programme.published(call.path["event"])
    p = call.params
    filters = Filters(day=parse_day(p["day"], published.event), kind=p["kind"], mode=p["mode"])
    lang = language(call)
    event = published.event
    series = call.url_for("widget-series", slug=event.series, external=True) \
        if event.series else None
    data = event_ld(event, call.url_for("widget-programme", event=event.slug, external=True),
                    cities_by_slug(call.web), series)
    html = programme_html(call.web, call.request, lang, published, filters, p["since"],
                          json_ld({"@context": SCHEMA, **data}))
    return respond(call, html, lang)


def _export_language(call: Call) -> tuple[str, tuple[str, ...]]:
    return language(call), call.web.settings.content_fallbacks


def _page_url(call: Call, slug: str) -> str:
    return call.url_for("widget-programme", event=slug, external=True)


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
        ("Content-Type", CALENDAR_TYPE),
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
    self_url = call.url_for("event-changes-feed", slug=slug, external=True)
    stamps = {v.number: v.published_at for v in found.versions}
    updated = max(stamps.values()) if stamps else datetime.combine(
        published.event.first_day, time(0), ZoneInfo("UTC"))
    entries = []
    for number, change in reversed(list(enumerate(found.changes))):
        what = resolve._(CHANGE_TITLES[change.kind])
        title = f"{what}{resolve.colon}{resolve(change.title)}"
        if change.person:
            title += f" ({change.person})"
        summary = resolve._("Version %(number)s. %(change)s") % {"number": change.version,
                                                                  "change": title}
        if change.fields:
            summary += f" [{', '.join(change.fields)}]"
        entries.append(Entry(
            id=f"tag:livingtogether,2021:{slug}/v{change.version}/{number}", title=title,
            updated=stamps[change.version], link=f"{page}#lt-session-{slug}-{change.session}",
            summary=summary))
    feed_title = resolve._("programme changes")
    feed = Feed(id=f"tag:livingtogether,2021:{slug}/changes",
                title=f"{resolve(published.event.title)}{resolve.colon}{feed_title}",
                updated=updated, language=lang, self_url=self_url, alternate=page,
                author="livingtogether", entries=tuple(entries))
    return Response(status=200, body=atom(feed), headers=(("Content-Type", ATOM_TYPE), *PUBLIC))


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

