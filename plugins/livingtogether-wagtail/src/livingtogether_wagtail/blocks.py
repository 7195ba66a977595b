"""StreamField blocks: each renders one core widget inside the page.

``ProgrammeBlock``, ``PledgeBlock`` (the signing form), ``CounterBlock`` (the
signature counter), ``PracticesBlock``, ``CitiesBlock`` and ``CityBlock`` (one
city's page). Add them to a page's StreamField, e.g.
``StreamField([("programme", ProgrammeBlock()), ...])`` or all at once with
``StreamField(LIVINGTOGETHER_BLOCKS)``.

The records a block names (an event, a city, a theme) are picked in a chooser
(:mod:`.choosers`); the block stores their slug, as when they were typed, so pages
saved before keep their values.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from livingtogether.models import PracticeKind
from livingtogether.models import fields as f
from livingtogether.web.embed import render_widget

from .choosers import CityChooserBlock, EventChooserBlock, RecordChooserBlock, ThemeChooserBlock
from .choosers import slug_validator as _slug
from .conf import core_request, get_state

#: The kinds of catalogue entry, in the editor's language (the widgets' words).
KIND_LABELS = {PracticeKind.PRACTICE: _("Practice"), PracticeKind.CASE_STUDY: _("Case study"),
               PracticeKind.STUDY: _("Study")}


def _slug_block(label: Any, help_text: Any, *, required: bool = True,
                default: str | None = None) -> blocks.CharBlock:
    return blocks.CharBlock(label=label, help_text=help_text, required=required, default=default,
                            max_length=f.MAX_SLUG, validators=[_slug])


class WidgetBlock(blocks.StructBlock):
    """A widget of the core; ``widget`` names it, the block's fields are its parameters."""

    widget = ""

    def get_context(self, value: Any, parent_context: dict[str, Any] | None = None,
                    ) -> dict[str, Any]:
        """The context with ``widget_html``, rendered for the page's request."""
        context: dict[str, Any] = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        params = {name: value.get(name) for name in self.child_blocks}
        page = request.build_absolute_uri() if request is not None else None
        html = render_widget(get_state().web, core_request(request), self.widget,
                             return_to=page, **params)
        if _previewed(request):
            html = self._missing(params) + html
        context["widget_html"] = mark_safe(html)  # noqa: S308 (our autoescaping templates)
        return context

    def _missing(self, params: dict[str, Any]) -> str:
        """For the editor previewing: a note per chosen record that no longer exists (the
        page, saved before it went or with a typed slug, shows the widget's error)."""
        notes = []
        obs = get_state().observatory
        for name, child in self.child_blocks.items():
            slug = params.get(name)
            if isinstance(child, RecordChooserBlock) and slug and \
                    child.kind.find(obs, slug) is None:
                notes.append(format_html(
                    '<p class="help-block help-critical" role="alert">{}</p>',
                    _("%(field)s: %(slug)s is not found; edit this block and choose "
                      "another.") % {"field": child.label, "slug": slug}))
        return "".join(notes)

    class Meta:
        template = "livingtogether_wagtail/block.html"
        preview_template = "livingtogether_wagtail/block_preview.html"


def _previewed(request: Any) -> bool:
    """Whether an editor looks at the page or block in Wagtail's preview."""
    if getattr(request, "is_preview", False):
        return True
    match = getattr(request, "resolver_match", None)
    return getattr(match, "url_name", None) == "wagtailadmin_block_preview"


class ProgrammeBlock(WidgetBlock):
    """An event's programme, with its times in every display zone."""

    widget = "programme"
    event = EventChooserBlock(label=_("Event"), help_text=_("The event whose programme shows."))

    class Meta:
        icon = "date"
        label = _("Programme")
        description = _("An event's programme: sessions with their times in several "
                        "cities' zones.")
        preview_value = {"event": "izmir-2021"}


class PledgeBlock(WidgetBlock):
    """A declaration, its count and the form to sign it."""

    widget = "pledge"
    declaration = _slug_block(_("Declaration"), _("The declaration's slug."),
                              default="universal-declaration")

    class Meta:
        icon = "form"
        label = _("Signing form")
        description = _("The declaration and the form to sign it, with email confirmation.")
        preview_value = {"declaration": "universal-declaration"}


class CounterBlock(PledgeBlock):
    """A declaration's count of confirmed signatures (the same field as the form's block)."""

    widget = "counter"

    class Meta:
        icon = "pick"
        label = _("Signature counter")
        description = _("How many people and institutions have confirmed their signature.")


class PracticesBlock(WidgetBlock):
    """The best practices, filtered by city, kind or theme."""

    widget = "practices"
    city = CityChooserBlock(label=_("City"), help_text=_("Only this city's practices."),
                            required=False)
    kind = blocks.ChoiceBlock(choices=[(k.value, KIND_LABELS[k]) for k in PracticeKind],
                              required=False, label=_("Kind"))
    theme = ThemeChooserBlock(label=_("Theme"), help_text=_("Only practices of this theme."),
                              required=False)

    class Meta:
        icon = "doc-full"
        label = _("Practices")
        description = _("The best-practices catalogue, filtered by city, kind or theme.")
        preview_value = {"city": None, "kind": "", "theme": None}


class CitiesBlock(WidgetBlock):
    """The member cities, grouped by country."""

    widget = "cities"

    class Meta:
        icon = "site"
        label = _("City directory")
        description = _("The member cities of the Observatory, grouped by country.")
        preview_value: dict[str, Any] = {}


class CityBlock(WidgetBlock):
    """One member city as a whole (not in :data:`LIVINGTOGETHER_BLOCKS`: a page's
    StreamField lists it where wanted, so existing pages' migrations stay as they are)."""

    widget = "city"
    city = CityChooserBlock(label=_("City"), help_text=_("The city whose page shows."))

    class Meta:
        icon = "home"
        label = _("City page")
        description = _("A member city as a whole: its map, membership, partners, "
                        "practices, events and campaigns.")
        preview_value = {"city": "izmir"}


#: Every block, to give a StreamField at once.
LIVINGTOGETHER_BLOCKS = [
    ("programme", ProgrammeBlock()),
    ("pledge", PledgeBlock()),
    ("counter", CounterBlock()),
    ("practices", PracticesBlock()),
    ("cities", CitiesBlock()),
]
