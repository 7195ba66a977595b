"""The console's generic record screens: one :class:`RecordScreens` description per kind
of record, one set of handlers for all of them.

A description names the kind's editor in ``Staff(obs)`` (:mod:`livingtogether.admin.services`),
its :class:`~livingtogether.admin.forms.FormSpec`, its list (columns, paging, search), its
preview (the public widget's template and the context it needs), the permission that shows
it in the navigation, and its route prefix. :func:`routes` makes its screens: list and
search, new and create, edit and save (on the optimistic base revision), preview, publish,
delete (withdraw), history and restore, named ``console-<plural>`` and
``console-<singular>-<action>``.

Every action goes through the editor, which checks the principal's permission on the
record's city: a refusal is its ``Forbidden`` (403). A form the spec refuses answers 422
with the message at each field and everything typed kept; a save on a stale base answers
409 with the input kept and the newer revision named. A repeatable group (links, screenings,
board members) shows its rows plus one blank row; the "add a row" button (``add_row``
naming the group) re-renders the form as typed with one blank row more, saving nothing, so
any number of rows can be typed without a script.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .. import i18n
from ..admin.editor import Editing, Editor
from ..admin.forms import FormErrors, FormSpec
from ..admin.principals import Permission, Principal
from ..admin.services import Staff
from ..errors import EditConflict, Forbidden, NotFound, ValidationError
from ..i18n import N_
from ..models import Text
from ..web.http import Response
from ..web.routes import Route
from .screens import Screen, whole
from .screens import route as console_route

PAGE_SIZE = 20
#: The "add a row" button's field: the name of the repeatable group to grow.
ADD_ROW = "add_row"
CONFLICT = N_("%(person)s saved revision %(number)s of this record while you were editing "
              "it. Nothing of yours was saved: your text is below. Open the record again to "
              "see their version, then apply your changes to it.")
_GROUP_NAME = re.compile(r"[a-z_]{1,40}(?:\.\d{1,4}\.[a-z_]{1,40}){0,2}")


def staff(screen: Screen) -> Staff:
    """The admin services of the console's Observatory (made once per Observatory)."""
    return screen.staff


@attrs.frozen(kw_only=True)
class Column:
    """One column of a kind's list: its heading (a msgid) and the cell of a record (a
    ``Text`` is shown in the reader's language)."""

    heading: str
    cell: Callable[[Any], str | Text | None]


@attrs.frozen(kw_only=True)
class Listed:
    """One page of a kind's list."""

    items: Sequence[Any]
    total: int
    context: Mapping[str, Any] = attrs.field(factory=dict)  # what the list template needs


@attrs.frozen(kw_only=True)
class RecordScreens:
    """How the console shows one kind of record (see the module's docstring).

    ``singular``/``plural`` name its routes and its URL prefix (``/<plural>``);
    ``editor(staff)`` is its editor; ``keys``: the path parameters making a record's
    key (``("slug",)``, or ``("campaign", "city")`` for ``campaign/city``), each also the
    form name the edit form keeps fixed; ``title``/``new``: the page headings (msgids);
    ``lister(screen, q, offset, limit)``: a page of the records the principal edits (``q``
    the search, if any); ``columns`` its table; ``preview``: the public widget's template,
    ``preview_context(screen, record)`` what it needs; ``public(screen, record)`` the
    public page's URL, if any, ``links(screen, record)`` other pages of a published
    record, as ``(msgid, URL)``; ``posted(screen)`` the form as the spec reads it;
    ``form_context(screen)`` what the form template needs beyond the fields;
    ``deletable``: whether staff may withdraw it here; ``network``: the records belong to
    no city (the secretariat's), so a city's permission does not open them.
    """

    singular: str
    plural: str
    model: type
    editor: Callable[[Staff], Editor[Any]]
    title: str
    new: str
    lister: Callable[[Screen, str, int, int], Listed]
    columns: tuple[Column, ...]
    keys: tuple[str, ...] = ("slug",)
    record_key: Callable[[Any], str] = lambda record: record.slug
    exclude: tuple[str, ...] = ()
    list_template: str = "console/records.html"
    form_template: str = "console/record_form.html"
    preview_template: str = "console/record_preview.html"
    preview: str | None = None
    preview_context: Callable[[Screen, Any], Mapping[str, Any]] = lambda screen, record: {}
    public: Callable[[Screen, Any], str | None] = lambda screen, record: None
    links: Callable[[Screen, Any], Sequence[tuple[str, str]]] = lambda screen, record: ()
    posted: Callable[[Screen], dict[str, str]] = lambda screen: screen.form()
    form_context: Callable[[Screen], Mapping[str, Any]] = lambda screen: {}
    conflict: str = CONFLICT
    deletable: bool = False
    network: bool = False  # the secretariat's only (records of no city)

    def name(self, action: str = "") -> str:
        """The route name of ``action`` (``""``: the list)."""
        return f"console-{self.plural}" if action == "list" or not action else \
            f"console-{self.singular}" + (f"-{action}" if action != "edit" else "")

    def names(self) -> dict[str, str]:
        """Every route name by action, for the templates."""
        return {action: self.name(action) for action in (
            "list", "new", "create", "edit", "save", "preview", "publish", "history",
            "restore", "delete")}

    def permission(self, staff: Staff) -> Permission:
        """The permission that lets a principal open these screens."""
        return self.editor(staff).edit_permission

    @functools.lru_cache(maxsize=8)  # noqa: B019 (a few descriptions, each lives forever)
    def form(self, languages: tuple[str, ...]) -> FormSpec[Any]:
        """The kind's form for the site's ``languages``."""
        return FormSpec(self.model, languages=languages, exclude=self.exclude)

    def key_of(self, path: Mapping[str, str]) -> str:
        """The record key of the route's path values."""
        return "/".join(path[name] for name in self.keys)

    def values_of(self, key: str) -> dict[str, str]:
        """The route's path values of the record key ``key``."""
        return dict(zip(self.keys, key.split("/"), strict=True))


def editable_cities(screen: Screen, permission: Permission) -> list[str]:
    """The cities whose records the principal edits with ``permission`` (every city for
    the secretariat)."""
    principal = screen.principal
    if principal.secretariat and principal.can(permission, None):
        return sorted(city.slug for city in screen.web.observatory.cities.list(limit=200).items)
    return sorted(c for c in principal.cities if principal.can(permission, c))


def may_open(staff: Staff, principal: Principal, screens: RecordScreens) -> bool:
    """Whether ``principal`` may open the kind's screens (the navigation shows it)."""
    permission = screens.permission(staff)
    return principal.can(permission, None) or (not screens.network and any(
        principal.can(permission, city) for city in principal.cities))


def _require(screens: RecordScreens, screen: Screen) -> None:
    """``Forbidden`` unless the principal may edit records of the kind somewhere."""
    if not may_open(staff(screen), screen.principal, screens):
        screen.principal.require(screens.permission(staff(screen)), None)


# -- list


def list_records(screens: RecordScreens, screen: Screen) -> Response:
    """The principal's records of the kind, a page at a time, or the search's hits."""
    _require(screens, screen)
    query = screen.request.query
    page = whole(query.get("page") or "1", "page", minimum=1, maximum=10_000)
    q = (query.get("q") or "").strip()[:200]
    listed = screens.lister(screen, q, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    editor = screens.editor(staff(screen))
    drafts = editor.drafts(screen.principal, limit=50).items if page == 1 and not q else ()
    pages = max(1, -(-listed.total // PAGE_SIZE))
    return screen.page(screens.list_template, screens=screens, routes=screens.names(),
                       items=listed.items, total=listed.total, page=page, pages=pages, q=q,
                       drafts=drafts, is_text=lambda value: isinstance(value, Text),
                       **listed.context)


def matching(records: Sequence[Any], q: str, texts: Callable[[Any], Sequence[Any]],
             ) -> list[Any]:
    """The records one of whose ``texts`` (strings or ``Text``) contains ``q``, any case."""
    wanted = q.casefold()
    found = []
    for record in records:
        for value in texts(record):
            parts = value.values.values() if isinstance(value, Text) else (value or "",)
            if any(wanted in str(part).casefold() for part in parts):
                found.append(record)
                break
    return found


# -- the form


def form_page(screens: RecordScreens, screen: Screen, status: int, *, key: str | None,
              record: Any, error: FormErrors | None = None, base: int = 0,
              message: str | None = None, editing: Editing[Any] | None = None) -> Response:
    """The kind's form (new when ``key`` is ``None``)."""
    spec = screens.form(screen.web.settings.languages)
    fields = spec.fields(record, error=error)
    errors = [(name, problem) for name, problem in error.errors.items()] \
        if error is not None else []
    return screen.page(screens.form_template, status, screens=screens, routes=screens.names(),
                       slug=key, key_values=screens.values_of(key) if key else {},
                       fields=fields, errors=errors, base=base, message=message,
                       editing=editing, fixed=screens.keys if key else (),
                       cities=editable_cities(screen, screens.permission(staff(screen))),
                       direction=i18n.text_direction, field_id=field_id,
                       public=screens.public(screen, editing.published)
                       if editing is not None and editing.published is not None else None,
                       links=screens.links(screen, editing.published)
                       if editing is not None and editing.published is not None else (),
                       add_row=ADD_ROW, **screens.form_context(screen))


def field_id(name: str) -> str:
    """The HTML id of the input of form name ``name``."""
    return "f-" + name.replace(".", "-")


def _grown(values: dict[str, str]) -> FormErrors | None:
    """The form as typed with one blank row more in the group its "add a row" button
    names (``None`` if no such button was pressed): every row posted is kept, the blank
    one included, and the form adds its blank row after them."""
    group = values.pop(ADD_ROW, "").strip()
    if not group:
        return None
    if not _GROUP_NAME.fullmatch(group):
        raise ValidationError("the form asked to add a row to no group of it", field=ADD_ROW)
    rows = [int(m.group(1)) for key in values
            if (m := re.match(re.escape(group) + r"\.(\d{1,4})(?:\.|$)", key))]
    if not rows:  # the form re-renders its rows as posted (blank ones too), plus a blank
        values[f"{group}.0.__row"] = ""
    return FormErrors("", values=values)


def new_record(screens: RecordScreens, screen: Screen) -> Response:
    """The empty form."""
    _require(screens, screen)
    return form_page(screens, screen, 200, key=None, record=None)


def create_record(screens: RecordScreens, screen: Screen) -> Response:
    """Save a new record as its first draft."""
    _require(screens, screen)
    spec = screens.form(screen.web.settings.languages)
    values = screens.posted(screen)
    grown = _grown(values)
    if grown is not None:
        return form_page(screens, screen, 200, key=None, record=None, error=grown)
    try:
        record = spec.parse(values)
    except FormErrors as error:
        return form_page(screens, screen, 422, key=None, record=None, error=error)
    editor = screens.editor(staff(screen))
    key = editor.key_of(record)
    taken = _at(values, screens.keys[-1] if len(screens.keys) == 1 else "",
                f"this short name is taken by another {editor.kind}; choose another")
    if _taken(screens, screen, key):
        return form_page(screens, screen, 409, key=None, record=None, error=taken)
    try:
        editor.save_draft(screen.principal, record, base=0)
    except EditConflict:
        return form_page(screens, screen, 409, key=None, record=None, error=taken)
    except FormErrors:
        raise
    except ValidationError as error:
        return form_page(screens, screen, 422, key=None, record=None,
                         error=_at(values, spec.name_of(error.field), error.message))
    return screen.redirect(screens.name("edit"), **screens.values_of(key), saved="1")


def _taken(screens: RecordScreens, screen: Screen, key: str) -> bool:
    """Whether a record (published, in draft or in the history) has ``key`` already: a new
    record must not become a draft of it."""
    try:
        screens.editor(staff(screen)).get(screen.principal, key)
    except NotFound:
        return False
    except Forbidden:
        return True
    return True


def _at(values: dict[str, str], name: str, message: str) -> FormErrors:
    """A refusal of the service shown at the form's field ``name``."""
    return FormErrors(message, field=name, problems=[(name, message)],
                      errors={name: message}, values=values)


def edit_record(screens: RecordScreens, screen: Screen) -> Response:
    """The form of a stored record (its draft if it has one)."""
    key = screens.key_of(screen.path)
    editing = screens.editor(staff(screen)).get(screen.principal, key)
    return form_page(screens, screen, 200, key=key, record=editing.current,
                     base=editing.base, editing=editing)


def save_record(screens: RecordScreens, screen: Screen) -> Response:
    """Save the form as a new draft of the record, on the base revision it names."""
    key = screens.key_of(screen.path)
    editor = screens.editor(staff(screen))
    editing = editor.get(screen.principal, key)
    spec = screens.form(screen.web.settings.languages)
    values = screens.posted(screen)
    values.update(screen.path)  # a record keeps its address
    base = whole(values.get("base") or "0", "base", minimum=0, maximum=10**9)
    grown = _grown(values)
    if grown is not None:
        return form_page(screens, screen, 200, key=key, record=None, error=grown, base=base,
                         editing=editing)
    try:
        record = spec.parse(values)
    except FormErrors as error:
        return form_page(screens, screen, 422, key=key, record=None, error=error, base=base,
                         editing=editing)
    try:
        editor.save_draft(screen.principal, record, base=base)
    except EditConflict as conflict:
        return form_page(screens, screen, 409, key=key, record=None, base=base,
                         editing=editing, error=FormErrors(conflict.message, values=values),
                         message=_conflict_message(screens, screen, conflict))
    except FormErrors:
        raise
    except ValidationError as error:
        return form_page(screens, screen, 422, key=key, record=None, base=base,
                         editing=editing,
                         error=_at(values, spec.name_of(error.field), error.message))
    return screen.redirect(screens.name("edit"), **screen.path, saved="1")


def _conflict_message(screens: RecordScreens, screen: Screen, conflict: EditConflict,
                      ) -> str:
    """What a stale save tells its author (translated)."""
    text = i18n.translations(screen.lang).gettext(screens.conflict)
    return text % {"person": conflict.current_author or "?",
                   "number": conflict.current_number}


# -- preview, publish, delete, history


def preview_record(screens: RecordScreens, screen: Screen) -> Response:
    """The record (its draft if any) as the public widget shows it."""
    key = screens.key_of(screen.path)
    editing = screens.editor(staff(screen)).get(screen.principal, key)
    record = editing.current
    summary = () if screens.preview else \
        screens.form(screen.web.settings.languages).fields(record)
    return screen.page(screens.preview_template, screens=screens, routes=screens.names(),
                       slug=key, key_values=dict(screen.path), record=record,
                       editing=editing, widget=screens.preview, summary=summary,
                       direction=i18n.text_direction,
                       **screens.preview_context(screen, record))


def _base(screen: Screen) -> tuple[dict[str, str], int]:
    form = screen.form()
    return form, whole(form.get("base") or "0", "base", minimum=0, maximum=10**9)


def publish_record(screens: RecordScreens, screen: Screen) -> Response:
    """Publish the record's draft (the revision the form names)."""
    form, base = _base(screen)
    screens.editor(staff(screen)).publish(
        screen.principal, screens.key_of(screen.path), base=base,
        summary=(form.get("summary") or "").strip()[:200] or None)
    return screen.redirect(screens.name("edit"), **screen.path, published="1")


def delete_record(screens: RecordScreens, screen: Screen) -> Response:
    """Withdraw the record from the public; its history stays, to restore it."""
    form, base = _base(screen)
    key = screens.key_of(screen.path)
    screens.editor(staff(screen)).delete(
        screen.principal, key, base=base,
        summary=(form.get("summary") or "").strip()[:200] or None)
    return screen.redirect(screens.name("history"), **screen.path, deleted="1")


def record_history(screens: RecordScreens, screen: Screen) -> Response:
    """The record's revisions, the newest first, each restorable."""
    key = screens.key_of(screen.path)
    editor = screens.editor(staff(screen))
    history = editor.history(screen.principal, key, limit=50)
    try:
        editing: Editing[Any] | None = editor.get(screen.principal, key)
    except NotFound:  # withdrawn: only its history is left
        editing = None
    base = history.items[0].number if history.items else 0
    return screen.page("console/history.html", screens=screens, routes=screens.names(),
                       slug=key, key_values=dict(screen.path), history=history.items,
                       editing=editing, base=base)


def restore_record(screens: RecordScreens, screen: Screen) -> Response:
    """Bring an old revision back as a new draft."""
    form, base = _base(screen)
    number = whole(form.get("number") or "0", "number", minimum=1, maximum=10**9)
    screens.editor(staff(screen)).restore(screen.principal, screens.key_of(screen.path),
                                          number, base=base)
    return screen.redirect(screens.name("edit"), **screen.path, restored=str(number))


def routes(screens: RecordScreens) -> tuple[Route, ...]:
    """The console routes of the kind ``screens`` describes."""
    prefix = "/" + screens.plural
    item = prefix + "".join(f"/{{{name}}}" for name in screens.keys)

    def route(method: str, path: str, action: str,
              handler: Callable[[RecordScreens, Screen], Response]) -> Route:
        bound = functools.partial(handler, screens)
        bound.__doc__ = handler.__doc__ or action  # the route's summary
        return console_route(method, path, screens.name(action), bound)

    found = [
        route("GET", prefix, "list", list_records),
        route("GET", prefix + "/new", "new", new_record),
        route("POST", prefix + "/new", "create", create_record),
        route("GET", item, "edit", edit_record),
        route("POST", item, "save", save_record),
        route("GET", item + "/preview", "preview", preview_record),
        route("POST", item + "/publish", "publish", publish_record),
        route("GET", item + "/history", "history", record_history),
        route("POST", item + "/restore", "restore", restore_record),
    ]
    if screens.deletable:
        found.append(route("POST", item + "/delete", "delete", delete_record))
    return tuple(found)
