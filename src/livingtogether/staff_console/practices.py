"""The practice screens: list and search, create, edit, preview, publish, history, restore.

Every action goes through ``Staff(obs).practices`` (:mod:`livingtogether.admin.services`),
which checks the principal's permission on the practice's city: a refusal is its
``Forbidden`` (403). The form is :class:`~livingtogether.admin.forms.FormSpec`'s: a
refusal answers 422 with the message at each field and everything typed kept; a
save on a stale base answers 409 with the input kept and the newer revision named.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from markupsafe import Markup

from .. import i18n
from ..admin.forms import FormErrors, FormSpec
from ..admin.principals import Permission
from ..admin.services import Staff
from ..errors import EditConflict, Forbidden, NotFound, ValidationError
from ..models import Practice, Text
from ..sanitize import clean_html
from ..web.catalogue import theme_labels
from ..web.http import Response
from . import media
from .screens import Screen, route, whole

#: The practice fields staff never type: the moderation's.
EXCLUDED = ("status", "rejection_reason")
PAGE_SIZE = 20


@functools.lru_cache(maxsize=8)
def practice_form(languages: tuple[str, ...]) -> FormSpec[Practice]:
    """The practice form for the site's ``languages``."""
    return FormSpec(Practice, languages=languages, exclude=EXCLUDED)


def staff(screen: Screen) -> Staff:
    """The admin services of the console's Observatory (made once per Observatory)."""
    obs = screen.web.observatory
    found = getattr(obs, "_console_staff", None)
    if found is None:
        found = Staff(obs)
        obs._console_staff = found  # type: ignore[attr-defined]
    return cast(Staff, found)


def editable_cities(screen: Screen) -> list[str]:
    """The cities whose practices the principal edits (every city for the secretariat)."""
    principal = screen.principal
    if principal.secretariat and principal.can(Permission.PRACTICES_EDIT, None):
        return sorted(city.slug for city in screen.web.observatory.cities.list(limit=200).items)
    return sorted(c for c in principal.cities if principal.can(Permission.PRACTICES_EDIT, c))


def posted(screen: Screen) -> dict[str, str]:
    """The posted form as the form spec reads it: the themes' checkboxes
    (``themes.<slug>``) joined into ``themes``."""
    form = screen.form()
    themes = [key.split(".", 1)[1] for key, value in form.items()
              if key.startswith("themes.") and value]
    values = {k: v for k, v in form.items() if not k.startswith("themes.")}
    values["themes"] = "\n".join(themes)
    return media.chosen(screen, values)  # the images added from the library, or removed


# -- list


def list_practices(screen: Screen) -> Response:
    """The principal's practices, a page at a time, or the search's hits for ``q``."""
    query = screen.request.query
    cities = editable_cities(screen)
    city = query.get("city") or (cities[0] if cities and not screen.principal.secretariat
                                 else None)
    page = whole(query.get("page") or "1", "page", minimum=1, maximum=10_000)
    offset = (page - 1) * PAGE_SIZE
    q = (query.get("q") or "").strip()[:200]
    editor = staff(screen).practices
    if q:
        filters: dict[str, Any] = {"limit": PAGE_SIZE, "offset": offset}
        if city:
            filters["city"] = city
        found = editor.search(screen.principal, q, **filters)
        items, total = [hit.practice for hit in found.hits], found.total
    else:
        listed = editor.list(screen.principal, city=city, limit=PAGE_SIZE, offset=offset)
        items, total = list(listed.items), listed.total
    drafts = editor.drafts(screen.principal, limit=50).items if page == 1 and not q else ()
    pages = max(1, -(-total // PAGE_SIZE))
    return screen.page("console/practices.html", items=items, total=total, page=page,
                       pages=pages, q=q, city=city, cities=cities, drafts=drafts)


# -- the form


def form_page(screen: Screen, status: int, *, slug: str | None, record: Practice | None,
              error: FormErrors | None = None, base: int = 0, message: str | None = None,
              editing: Any = None) -> Response:
    """The practice form (new when ``slug`` is ``None``)."""
    spec = practice_form(screen.web.settings.languages)
    fields = spec.fields(record, error=error)
    errors = list(error.errors.items()) if error is not None else []
    themes = staff(screen).themes.list(screen.principal).items
    return screen.page("console/practice_form.html", status, slug=slug, fields=fields,
                       errors=errors, base=base, message=message, editing=editing,
                       cities=editable_cities(screen), themes=themes,
                       direction=i18n.text_direction, field_id=field_id,
                       image_choices=media.choices(screen))


def field_id(name: str) -> str:
    """The HTML id of the input of form name ``name``."""
    return "f-" + name.replace(".", "-")


def new_practice(screen: Screen) -> Response:
    """The empty form."""
    return form_page(screen, 200, slug=None, record=None)


def create_practice(screen: Screen) -> Response:
    """Save a new practice as its first draft."""
    spec = practice_form(screen.web.settings.languages)
    values = posted(screen)
    try:
        record = spec.parse(values)
    except FormErrors as error:
        return form_page(screen, 422, slug=None, record=None, error=error)
    editor = staff(screen).practices
    if _taken(screen, record.slug):
        return form_page(screen, 409, slug=None, record=None, error=_at(
            spec, values, "slug", "this short name is taken by another practice; choose "
            "another"))
    try:
        editor.save_draft(screen.principal, record, base=0)
    except EditConflict:
        taken = _at(spec, values, "slug", "this short name is taken by another practice; "
                    "choose another")
        return form_page(screen, 409, slug=None, record=None, error=taken)
    except FormErrors:
        raise
    except ValidationError as error:
        return form_page(screen, 422, slug=None, record=None,
                         error=_at(spec, values, spec.name_of(error.field), error.message))
    return screen.redirect("console-practice", slug=record.slug, saved="1")


def _taken(screen: Screen, slug: str) -> bool:
    """Whether a practice (published, in draft or in the history) has ``slug`` already: a
    new practice must not become a draft of it."""
    try:
        staff(screen).practices.get(screen.principal, slug)
    except NotFound:
        return False
    except Forbidden:
        return True
    return True


def _at(spec: FormSpec[Practice], values: dict[str, str], name: str, message: str,
        ) -> FormErrors:
    """A refusal of the service shown at the form's field ``name``."""
    return FormErrors(message, field=name, problems=[(name, message)],
                      errors={name: message}, values=values)


def edit_practice(screen: Screen) -> Response:
    """The form of a stored practice (its draft if it has one)."""
    slug = screen.path["slug"]
    editing = staff(screen).practices.get(screen.principal, slug)
    return form_page(screen, 200, slug=slug, record=editing.current, base=editing.base,
                     editing=editing)


def save_practice(screen: Screen) -> Response:
    """Save the form as a new draft of the practice, on the base revision it names."""
    slug = screen.path["slug"]
    editor = staff(screen).practices
    editing = editor.get(screen.principal, slug)
    spec = practice_form(screen.web.settings.languages)
    values = posted(screen)
    values["slug"] = slug  # a practice keeps its address
    base = whole(values.get("base") or "0", "base", minimum=0, maximum=10**9)
    try:
        record = spec.parse(values)
    except FormErrors as error:
        return form_page(screen, 422, slug=slug, record=None, error=error, base=base,
                         editing=editing)
    try:
        editor.save_draft(screen.principal, record, base=base)
    except EditConflict as conflict:
        message = _conflict_message(screen, conflict)
        return form_page(screen, 409, slug=slug, record=None, base=base, editing=editing,
                         error=FormErrors(conflict.message, values=values), message=message)
    except FormErrors:
        raise
    except ValidationError as error:
        return form_page(screen, 422, slug=slug, record=None, base=base, editing=editing,
                         error=_at(spec, values, spec.name_of(error.field), error.message))
    return screen.redirect("console-practice", slug=slug, saved="1")


def _conflict_message(screen: Screen, conflict: EditConflict) -> str:
    """What a stale save tells its author (translated)."""
    text = i18n.translations(screen.lang).gettext(
        "%(person)s saved revision %(number)s of this practice while you were editing it. "
        "Nothing of yours was saved: your text is below. Open the practice again to see "
        "their version, then apply your changes to it.")
    return text % {"person": conflict.current_author or "?",
                   "number": conflict.current_number}


# -- preview, publish, history


def preview_practice(screen: Screen) -> Response:
    """The practice (its draft if any) as the public widget shows it."""
    slug = screen.path["slug"]
    editing = staff(screen).practices.get(screen.principal, slug)
    practice = editing.current
    return screen.page("console/preview.html", slug=slug, practice=practice,
                       themes=theme_labels(screen.web), editing=editing,
                       rich=lambda html: Markup(clean_html(html)))  # noqa: S704 (sanitised here)


def publish_practice(screen: Screen) -> Response:
    """Publish the practice's draft (the revision the form names)."""
    slug = screen.path["slug"]
    form = screen.form()
    base = whole(form.get("base") or "0", "base", minimum=0, maximum=10**9)
    staff(screen).practices.publish(screen.principal, slug, base=base,
                                    summary=(form.get("summary") or "").strip()[:200] or None)
    return screen.redirect("console-practice", slug=slug, published="1")


def practice_history(screen: Screen) -> Response:
    """The practice's revisions, the newest first, each restorable."""
    slug = screen.path["slug"]
    editor = staff(screen).practices
    editing = editor.get(screen.principal, slug)
    history = editor.history(screen.principal, slug, limit=50)
    return screen.page("console/history.html", slug=slug, history=history.items,
                       editing=editing, title=_title(editing.current))


def _title(practice: Practice | None) -> Text | None:
    return practice.title if practice is not None else None


def restore_practice(screen: Screen) -> Response:
    """Bring an old revision back as a new draft."""
    slug = screen.path["slug"]
    form = screen.form()
    base = whole(form.get("base") or "0", "base", minimum=0, maximum=10**9)
    number = whole(form.get("number") or "0", "number", minimum=1, maximum=10**9)
    staff(screen).practices.restore(screen.principal, slug, number, base=base)
    return screen.redirect("console-practice", slug=slug, restored=str(number))


_route = route


ROUTES = (
    _route("GET", "/practices", "console-practices", list_practices),
    _route("GET", "/practices/new", "console-practice-new", new_practice),
    _route("POST", "/practices/new", "console-practice-create", create_practice),
    _route("GET", "/practices/{slug}", "console-practice", edit_practice),
    _route("POST", "/practices/{slug}", "console-practice-save", save_practice),
    _route("GET", "/practices/{slug}/preview", "console-practice-preview", preview_practice),
    _route("POST", "/practices/{slug}/publish", "console-practice-publish", publish_practice),
    _route("GET", "/practices/{slug}/history", "console-practice-history", practice_history),
    _route("POST", "/practices/{slug}/restore", "console-practice-restore", restore_practice),
)
