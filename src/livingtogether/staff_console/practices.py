"""The practice screens: one :class:`~.records.RecordScreens` description.

Practices are the first kind the generic screens (:mod:`.records`) describe: their own
templates (the list with its city filter and the catalogue's search, the form with the
themes' checkboxes, the public practice widget as the preview) and the generic handlers.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..admin.principals import Permission
from ..i18n import N_
from ..models import Practice
from ..sanitize import clean_html
from ..web.catalogue import theme_labels
from . import media
from .records import Column, Listed, RecordScreens, editable_cities, staff
from .screens import Screen

#: The practice fields staff never type: the moderation's.
EXCLUDED = ("status", "rejection_reason")


def posted(screen: Screen) -> dict[str, str]:
    """The posted form as the form spec reads it: the themes' checkboxes
    (``themes.<slug>``) joined into ``themes``."""
    form = screen.form()
    themes = [key.split(".", 1)[1] for key, value in form.items()
              if key.startswith("themes.") and value]
    values = {k: v for k, v in form.items() if not k.startswith("themes.")}
    values["themes"] = "\n".join(themes)
    return media.chosen(screen, values)  # the images added from the library, or removed


def list_practices(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """The principal's practices of the city chosen (``city``), or the search's hits."""
    cities = editable_cities(screen, Permission.PRACTICES_EDIT)
    city = screen.request.query.get("city") or (
        cities[0] if cities and not screen.principal.secretariat else None)
    editor = staff(screen).practices
    if q:
        filters: dict[str, Any] = {"limit": limit, "offset": offset}
        if city:
            filters["city"] = city
        found = editor.search(screen.principal, q, **filters)
        items, total = [hit.practice for hit in found.hits], found.total
    else:
        listed = editor.list(screen.principal, city=city, limit=limit, offset=offset)
        items, total = list(listed.items), listed.total
    return Listed(items=items, total=total, context={"city": city, "cities": cities})


def preview_context(screen: Screen, record: Any) -> dict[str, Any]:
    """What the public practice widget's template needs."""
    return {"practice": record, "themes": theme_labels(screen.web),
            "rich": lambda html: Markup(clean_html(html))}  # noqa: S704 (sanitised here)


def form_context(screen: Screen) -> dict[str, Any]:
    """The themes the form offers as checkboxes, the library's images and documents to
    choose from."""
    return {"themes": staff(screen).themes.list(screen.principal).items,
            "image_choices": media.choices(screen),
            "attachment_choices": media.choices(screen, kind="document")}


PRACTICES = RecordScreens(
    singular="practice", plural="practices", model=Practice,
    editor=lambda staff: staff.practices, title=N_("Practices"), new=N_("New practice"),
    lister=list_practices, exclude=EXCLUDED,
    columns=(Column(heading=N_("Title"), cell=lambda p: p.title),
             Column(heading=N_("City"), cell=lambda p: p.city)),
    list_template="console/practices.html", form_template="console/practice_form.html",
    preview_template="console/preview.html", preview="practice.html",
    preview_context=preview_context, form_context=form_context, posted=posted,
    conflict=N_("%(person)s saved revision %(number)s of this practice while you were "
                "editing it. Nothing of yours was saved: your text is below. Open the "
                "practice again to see their version, then apply your changes to it."))
