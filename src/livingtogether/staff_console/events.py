"""The event screens: an event's details, its sessions, preview, publish, history.

The editor lists an event's sessions as a compact table (one row of plain strings
each: its day, its time in the host zone and in the other cities' zones, its people
and their "tbc" marks) and opens one session at a time in its own form, at its own
address (:mod:`.sessions`); add, move and remove are submit buttons (no script
needed).

Every action goes through ``Staff(obs).events``: the permission on the event's host
city is its (``Forbidden``, 403); publishing publishes the programme as a numbered
version with the change summary as its note. A mistake answers 422 at its field with
everything typed kept; a stale base 409.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any, cast
from zoneinfo import ZoneInfo

import attrs
from markupsafe import Markup, escape

from .. import i18n
from ..admin.editor import Editing
from ..admin.forms import FormErrors, FormSpec
from ..admin.principals import Permission
from ..errors import EditConflict, ValidationError
from ..i18n import N_
from ..models import Event
from ..models.programme import ProgrammeVersion
from ..services.programme import Published
from ..web.http import Response
from ..web.programme import programme_html
from .records import (
    Column,
    Listed,
    RecordScreens,
    editable_cities,
    field_id,
    staff,
)
from .records import routes as record_routes
from .screens import Screen, route, site_request, whole

PAGE_SIZE = 50


def refused(values: Mapping[str, str], errors: Mapping[str, str]) -> FormErrors:
    """A refusal showing each of ``errors`` (form name: message) with ``values`` kept."""
    first = next(iter(errors.items()))
    return FormErrors(first[1], field=first[0], problems=list(errors.items()),
                      errors=errors, values=values)


def host_cities(screen: Screen) -> list[str]:
    """The cities whose events the principal edits ("" first for the secretariat: an
    event of no city, the network's)."""
    cities = editable_cities(screen, Permission.PROGRAMME_EDIT)
    return ["", *cities] if screen.principal.secretariat else cities


# -- the zones shown beside the host's


def zones_of(screen: Screen, event: Event) -> list[tuple[str, str]]:
    """``(zone, label)`` of the host zone, then the event's display zones (its
    participating cities), then the principal's own cities' zones; each zone once."""
    lang = screen.lang
    found: dict[str, str] = {}

    def add(zone: str | None, label: str) -> None:
        if zone and zone not in found:
            found[zone] = label or zone

    cities = {city.slug: city for city in screen.web.observatory.cities.every()}  # kept
    host = cities.get(event.host_city or "")
    add(event.host_zone, _name(host.name, lang) if host is not None else event.host_zone)
    for shown in event.display_zones:
        add(shown.zone, _name(shown.label, lang))
    for slug in sorted(screen.principal.cities)[:12]:
        city = cities.get(slug)
        if city is not None:
            add(city.timezone, _name(city.name, lang))
    return list(found.items())


def _name(text: Any, lang: str) -> str:
    shown = text.resolve(lang) if text else None
    return shown.text if shown is not None else ""


def times_in(zones: list[tuple[str, str]], starts: datetime | None, ends: datetime | None,
             day: date | None) -> list[tuple[str, str, str]]:
    """``(zone, label, "HH:MM–HH:MM")`` in each zone, the date added where it differs from
    the session's ``day``; ``"–"`` while the time is not known."""
    out = []
    for zone, label in zones:
        if starts is None or ends is None:
            out.append((zone, label, "–"))
            continue
        info = ZoneInfo(zone)
        start, end = starts.astimezone(info), ends.astimezone(info)
        text = f"{start:%H:%M}–{end:%H:%M}"
        if day is not None and start.date() != day:
            text = f"{start:%Y-%m-%d} {text}"
        out.append((zone, label, text))
    return out


_TABLES: OrderedDict[tuple[Any, ...], Markup] = OrderedDict()
_TABLES_LOCK = threading.Lock()


def _table(screen: Screen, editing: Any, event: Event, zones: list[tuple[str, str]],
           ) -> Markup:
    """:func:`table_rows`, made once per revision, language and zones (a few kept)."""
    latest = editing.latest
    if latest is None:  # stored outside the staff layer: no revision to key it on
        return table_rows(screen, event, zones)
    mark = (id(screen.web.observatory), event.slug, latest.number, latest.created_at,
            editing.draft is None, screen.lang, tuple(zones), screen.request.script_name,
            screen.request.query.get("lang"))
    with _TABLES_LOCK:
        found = _TABLES.get(mark)
        if found is not None:
            _TABLES.move_to_end(mark)
            return found
    made = table_rows(screen, event, zones)
    with _TABLES_LOCK:
        _TABLES[mark] = made
        while len(_TABLES) > 16:
            _TABLES.popitem(last=False)
    return made


def table_rows(screen: Screen, event: Event, zones: list[tuple[str, str]]) -> Markup:
    """The editor's table body: one row per session, in the programme's order (its day,
    its times in each zone, where, its people with their "tbc" marks, the buttons that
    move or remove it), made of plain strings here rather than in the template: an
    event of 500 sessions renders in a few milliseconds."""
    gettext = i18n.translations(screen.lang).gettext
    up, down, remove = (gettext(text) for text in (
        N_("Move %(session)s up"), N_("Move %(session)s down"), N_("Remove %(session)s")))
    cancelled = escape(gettext("cancelled"))
    marker = "lt-session-key"
    link = screen.url("console-session", slug=event.slug, key=marker)
    infos = [ZoneInfo(zone) for zone, _ in zones]
    lang, last = screen.lang, len(event.sessions) - 1
    out = []
    for index, session in enumerate(event.sessions):
        key = escape(session.key)
        cells = []
        starts, ends = session.starts_at, session.ends_at
        for info in infos:
            if starts is None or ends is None:
                cells.append("<td>–</td>")
                continue
            start, end = starts.astimezone(info), ends.astimezone(info)
            cells.append(f"<td>{start:%d/%m }{start:%H:%M}–{end:%H:%M}</td>"
                         if start.date() != session.day else
                         f"<td>{start:%H:%M}–{end:%H:%M}</td>")
        people = ", ".join((p.name or p.affiliation or p.city or "?")
                           + (" (tbc)" if p.to_be_confirmed else "")
                           for p in session.people[:4])
        if len(session.people) > 4:
            people += f", +{len(session.people) - 4}"
        buttons = "".join(
            f'<button type="submit" name="action" value="{action}:{key}" aria-label="'
            f'{escape(label % {"session": session.key})}">{sign}</button>'
            for action, label, sign, shown in (("up", up, "↑", index > 0),
                                               ("down", down, "↓", index < last),
                                               ("remove", remove, "×", True)) if shown)
        out.append(
            f'<tr id="s-{key}"><th scope="row"><a href="{escape(link.replace(marker, key))}">'
            f"{escape(_name(session.title, lang) or session.key)}</a>"
            + (f" <em>({cancelled})</em>" if session.cancelled else "")
            + f"</th><td>{session.day.isoformat()}</td>{''.join(cells)}"
            f"<td>{escape(session.mode.value)}</td><td>{escape(people)}</td>"
            f'<td class="lt-console__order">{buttons}</td></tr>')
    return Markup("\n".join(out))  # noqa: S704 (every value escaped above)


# -- list, new event


def list_events(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """The events the principal edits, the latest first (``q`` keeps those whose title or
    short name contains it)."""
    listed = staff(screen).events.list(screen.principal, limit=limit, offset=offset)
    items = list(listed.items)
    if q:
        wanted = q.casefold()
        items = [e for e in items if wanted in e.slug or any(
            wanted in text.casefold() for text in e.title.values.values())]
    return Listed(items=items, total=listed.total if not q else len(items))


def page(screen: Screen, template: str, status: int = 200, **context: Any) -> Response:
    """``template`` as an event screen (the navigation marks the events)."""
    return screen.page(template, status, screens=EVENTS, routes=EVENTS.names(), **context)


def event_page(screen: Screen, status: int, *, slug: str | None, record: Event | None,
               error: FormErrors | None = None, base: int = 0, editing: Any = None,
               message: str | None = None) -> Response:
    """The event's details form (new when ``slug`` is ``None``) and, for a stored event,
    its sessions' table."""
    spec = EVENTS.form(screen.web.settings.languages)
    event = editing.current if editing is not None else None
    zones = zones_of(screen, event) if event is not None else []
    return page(
        screen, "console/event_form.html", status, slug=slug,
        # the details only: the sessions have their table (and unstructuring 500 is slow)
        fields=spec.fields(attrs.evolve(record, sessions=()) if record is not None else None,
                           error=error),
        errors=list(error.errors.items()) if error is not None else [], base=base,
        editing=editing, event=event, zones=zones, message=message,
        rows=_table(screen, editing, event, zones) if event is not None else Markup(""),
        count=len(event.sessions) if event is not None else 0,
        cities=host_cities(screen), themes=(), direction=i18n.text_direction, field_id=field_id)


def open_event(screen: Screen, slug: str) -> tuple[Editing[Event], Event]:
    """The event as staff open it, and what the editor shows of it (its draft if any)."""
    editing = staff(screen).events.get(screen.principal, slug)
    return editing, cast(Event, editing.current)  # get() refuses an event with neither


def save(screen: Screen, record: Event, base: int, summary: str | None = None) -> None:
    staff(screen).events.save_draft(screen.principal, record, base=base, summary=summary)


def edit_event(screen: Screen) -> Response:
    """The editor of a stored event (its draft if it has one)."""
    slug = screen.path["slug"]
    editing = staff(screen).events.get(screen.principal, slug)
    return event_page(screen, 200, slug=slug, record=editing.current, base=editing.base,
                      editing=editing)


def save_event(screen: Screen) -> Response:
    """Save the event's details as a new draft; its sessions stay as they are."""
    slug = screen.path["slug"]
    editing, event = open_event(screen, slug)
    spec = EVENTS.form(screen.web.settings.languages)
    values = {**screen.form(), "slug": slug}  # an event keeps its address
    base = whole(values.get("base") or "0", "base", minimum=0, maximum=10**9)
    try:
        details = spec.parse(values)
        record = attrs.evolve(details, sessions=event.sessions)
    except FormErrors as error:
        return event_page(screen, 422, slug=slug, record=None, error=error, base=base,
                          editing=editing)
    except ValidationError as error:  # a session outside the new days, say
        return event_page(screen, 422, slug=slug, record=None, base=base, editing=editing,
                          error=refused(values, {_event_name(spec, error.field):
                                                  error.message}))
    return saved(screen, record, base, editing, "console-event", slug=slug)


def _event_name(spec: FormSpec[Event], field: str | None) -> str:
    if field and field.startswith("sessions."):
        return "last_day"
    return spec.name_of(field)


def saved(screen: Screen, record: Event, base: int, editing: Any, then: str,
           **values: str) -> Response:
    try:
        save(screen, record, base)
    except EditConflict as conflict:
        return event_page(screen, 409, slug=record.slug, record=editing.current,
                          base=editing.base, editing=editing, message=conflict.message)
    return screen.redirect(then, saved="1", **values)


# -- the sessions' table: add, move, remove


def sessions_action(screen: Screen) -> Response:
    """Move a session up or down, or remove it (the table's submit buttons)."""
    slug = screen.path["slug"]
    editing, event = open_event(screen, slug)
    form = screen.form()
    base = whole(form.get("base") or "0", "base", minimum=0, maximum=10**9)
    action, _, key = (form.get("action") or "").partition(":")
    sessions = list(event.sessions)
    index = next((i for i, s in enumerate(sessions) if s.key == key), None)
    if index is None or action not in ("up", "down", "remove"):
        raise ValidationError("choose a session of this event to move or remove",
                              field="action")
    if action == "remove":
        del sessions[index]
    else:
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(sessions):
            sessions[index], sessions[other] = sessions[other], sessions[index]
    record = attrs.evolve(event, sessions=tuple(sessions))
    return saved(screen, record, base, editing, "console-event", slug=slug)


# -- preview, publish, history


def preview_event(screen: Screen) -> Response:
    """The programme (its draft if any) through the public programme widget."""
    slug = screen.path["slug"]
    editing, event = open_event(screen, slug)
    versions = screen.web.observatory.programme.versions(slug) if editing.published else ()
    upcoming = ProgrammeVersion(number=len(versions) + 1,
                                published_at=datetime.now(timezone.utc)) \
        if editing.draft is not None else (versions[-1] if versions else None)
    published = Published(event=event, version=upcoming, key=f"preview-{slug}")
    html = programme_html(screen.web, site_request(screen.request), screen.lang, published)
    return page(screen, "console/event_preview.html", slug=slug, editing=editing,
                       widget=Markup(html),  # noqa: S704 (the widget's own template, autoescaped)
                 versions=versions)


def publish_event(screen: Screen) -> Response:
    """Publish the draft as the programme's next version, the summary as its note."""
    slug = screen.path["slug"]
    open_event(screen, slug)  # the city's editors only, with or without a draft
    form = screen.form()
    base = whole(form.get("base") or "0", "base", minimum=0, maximum=10**9)
    staff(screen).events.publish(screen.principal, slug, base=base,
                                 summary=(form.get("summary") or "").strip()[:200] or None)
    return screen.redirect("console-event", slug=slug, published="1")


def event_history(screen: Screen) -> Response:
    """The event's revisions (the newest first, each restorable) and published versions."""
    slug = screen.path["slug"]
    editor = staff(screen).events
    editing = editor.get(screen.principal, slug)
    history = editor.history(screen.principal, slug, limit=50)
    versions = screen.web.observatory.programme.versions(slug) if editing.published else ()
    return page(screen, "console/event_history.html", slug=slug, history=history.items,
                       editing=editing, versions=tuple(reversed(versions)))




EVENTS = RecordScreens(
    singular="event", plural="events", model=Event, editor=lambda staff: staff.events,
    title=N_("Events"), new=N_("New event"), lister=list_events, exclude=("sessions",),
    columns=(Column(heading=N_("Title"), cell=lambda e: e.title),
             Column(heading=N_("City"), cell=lambda e: e.host_city)),
    list_template="console/events.html", form_template="console/event_form.html",
    form_context=lambda screen: {"themes": ()},
    conflict=N_("%(person)s saved revision %(number)s of this event while you were "
                "editing it. Nothing of yours was saved: your text is below. Open the "
                "event again to see their version, then apply your changes to it."))

#: The generic screens of a record, the event editor's own where an event differs: its
#: form keeps the sessions, which have their own screens.
_GENERIC = {route.name: route for route in record_routes(EVENTS)}
ROUTES = (
    _GENERIC["console-events"],
    _GENERIC["console-event-new"],
    _GENERIC["console-event-create"],
    route("GET", "/events/{slug}", "console-event", edit_event),
    route("POST", "/events/{slug}", "console-event-save", save_event),
    route("POST", "/events/{slug}/sessions", "console-event-sessions", sessions_action),
    route("GET", "/events/{slug}/preview", "console-event-preview", preview_event),
    route("POST", "/events/{slug}/publish", "console-event-publish", publish_event),
    route("GET", "/events/{slug}/history", "console-event-history", event_history),
    _GENERIC["console-event-restore"],
)
