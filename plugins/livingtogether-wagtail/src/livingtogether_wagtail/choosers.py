"""Choosers over the Observatory's records: cities, events, themes and campaigns.

An editor picks a record in a modal (Wagtail's generic chooser views, searchable and
paged) instead of typing its slug. The views read the core's services, not a Django
model: :class:`Records` is a lazy sequence whose length is the service's total and
whose slices are one page of the service, so Wagtail's paginator reads one page per
request. A search reads the kind's records once (at most :data:`SCAN` of them) and
keeps those whose slug or name, in any language, contains the words.

The choosers list what the public API lists (published records only, no personal
data: events as published); like every admin view they need Wagtail's admin access.
:class:`RecordChooserBlock` stores the slug itself, so pages saved when the blocks had
typed slugs keep their values; an unknown slug is shown to the editor as such and kept
until they choose another (:meth:`RecordChooser.get_value_data`).

Wagtail 7.4 and 8.0: the views work on both as they are, but for two places where 8.0
assumes a Django model (:meth:`RecordChooserViewSet.on_register` and
:meth:`_RecordsView.can_create`), written here for both.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from typing import Any, overload

import attrs
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from livingtogether import Observatory
from livingtogether.errors import NotFound
from livingtogether.models import fields as f

from .conf import get_state

#: A search reads at most this many records of a kind (the network has a few hundred).
SCAN = 5000
#: The longest search the choosers accept.
MAX_SEARCH = 100


@attrs.frozen
class Choice:
    """A record as a chooser shows it: its slug, its name in the editor's language, a detail."""

    slug: str
    title: str
    detail: str
    words: str = attrs.field(eq=False, repr=False)  # what a search looks in, casefolded

    @property
    def pk(self) -> str:
        """The slug (Wagtail's views name a chosen item by its ``pk``)."""
        return self.slug

    def __str__(self) -> str:
        return self.title


def _choice(slug: str, names: Any, detail: str) -> Choice:
    language = get_language()
    words = " ".join([slug, *names.values.values()]).casefold()
    return Choice(slug=slug, title=names.get(language) or slug, detail=detail, words=words)


@attrs.frozen
class Kind:
    """A kind of record that blocks name: how to read a page of it, one, and all."""

    name: str
    choose: Any  # "Choose a city", in the editor's language (lazy)
    icon: str
    page: Callable[[Observatory, int, int], tuple[int, builtins.list[Choice]]]
    one: Callable[[Observatory, str], Choice]

    def scan(self, obs: Observatory) -> Iterator[Choice]:
        """Every record of the kind, page by page, at most :data:`SCAN`."""
        size = obs.settings.max_page_size
        offset = 0
        while offset < SCAN:
            total, items = self.page(obs, min(size, SCAN - offset), offset)
            yield from items
            offset += len(items)
            if not items or offset >= total:
                return

    def find(self, obs: Observatory, slug: str) -> Choice | None:
        """The record ``slug``, or none (a malformed slug names none)."""
        if not isinstance(slug, str) or not f.SLUG_RE.fullmatch(slug):
            return None
        try:
            return self.one(obs, slug)
        except NotFound:
            return None


def _cities(obs: Observatory, limit: int, offset: int) -> tuple[int, list[Choice]]:
    page = obs.cities.list(limit=limit, offset=offset)
    return page.total, [_city(c) for c in page.items]


def _city(city: Any) -> Choice:
    return _choice(city.slug, city.name, city.country)


def _events(obs: Observatory, limit: int, offset: int) -> tuple[int, list[Choice]]:
    page = obs.programme.published_list(limit=limit, offset=offset)
    return page.total, [_event(e) for e in page.items]


def _event(event: Any) -> Choice:
    days = event.first_day.isoformat()
    if event.last_day != event.first_day:
        days += f" – {event.last_day.isoformat()}"
    return _choice(event.slug, event.title, days)


def _themes(obs: Observatory, limit: int, offset: int) -> tuple[int, list[Choice]]:
    page = obs.themes.list(limit=limit, offset=offset)
    return page.total, [_choice(t.slug, t.label, "") for t in page.items]


def _campaigns(obs: Observatory, limit: int, offset: int) -> tuple[int, list[Choice]]:
    page = obs.campaigns.list(limit=limit, offset=offset)
    return page.total, [_campaign(c) for c in page.items]


def _campaign(campaign: Any) -> Choice:
    return _choice(campaign.slug, campaign.title, campaign.day.isoformat())


KINDS = {kind.name: kind for kind in [
    Kind("city", _("Choose a city"), "site", _cities,
         lambda obs, slug: _city(obs.cities.get(slug))),
    Kind("event", _("Choose an event"), "date", _events,
         lambda obs, slug: _event(obs.programme.published(slug).event)),
    Kind("theme", _("Choose a theme"), "tag", _themes,
         lambda obs, slug: _choice(slug, obs.themes.get(slug).label, "")),
    Kind("campaign", _("Choose a campaign"), "group", _campaigns,
         lambda obs, slug: _campaign(obs.campaigns.get(slug))),
]}


class Records:
    """A kind's records as a lazy sequence: ``len()`` is the service's total (read once),
    a slice is one page read from the service."""

    def __init__(self, kind: Kind, obs: Observatory) -> None:
        self.kind = kind
        self.obs = obs

    @cached_property
    def _total(self) -> int:
        return self.kind.page(self.obs, 1, 0)[0]

    def __len__(self) -> int:
        return self._total

    @overload
    def __getitem__(self, index: int) -> Choice: ...
    @overload
    def __getitem__(self, index: slice) -> list[Choice]: ...

    def __getitem__(self, index: int | slice) -> Choice | list[Choice]:
        if isinstance(index, int):
            at = index + len(self) if index < 0 else index
            found = self[at:at + 1] if at >= 0 else []
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, _step = index.indices(len(self))
        if stop <= start:
            return []
        items: list[Choice] = []
        while start + len(items) < stop:  # a page the service refuses as too long, in parts
            limit = min(stop - start - len(items), self.obs.settings.max_page_size)
            _total, got = self.kind.page(self.obs, limit, start + len(items))
            items += got
            if not got:
                break
        return items


class SearchForm(forms.Form):
    """The chooser's search: words the records' slugs or names contain."""

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH, strip=True,
                        widget=forms.TextInput(attrs={"placeholder": _("Search")}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_searching = False
        self.is_filtering_by_collection = False
        self.search_query: str | None = None

    def filter(self, objects: Any, kind: Kind, obs: Observatory) -> Any:
        """``objects``, or the records that match every word of the search."""
        query = self.cleaned_data.get("q") or ""
        words = query.casefold().split()
        if not words:
            return objects
        self.is_searching = True
        self.search_query = query
        return [c for c in kind.scan(obs) if all(word in c.words for word in words)]


class _RecordsView:
    """What the choose and results views of a kind share: the records, the search, the table."""

    kind: Kind = None  # type: ignore[assignment]  # given by the viewset
    request: Any
    filter_form: SearchForm
    results_template_name = "livingtogether_wagtail/chooser/results.html"
    per_page = 10

    def get_object_list(self) -> Any:
        return Records(self.kind, get_state().observatory)

    def apply_object_list_ordering(self, objects: Any) -> Any:
        return objects  # the service's own order

    def get_filter_form(self) -> SearchForm:
        return SearchForm(self.request.GET)

    def filter_object_list(self, objects: Any) -> Any:
        if not self.filter_form.is_valid():
            return []
        return self.filter_form.filter(objects, self.kind, get_state().observatory)

    def can_create(self) -> bool:
        return False  # records are made in the Observatory's own screens

    @property
    def columns(self) -> list[Column]:
        url: Any = self.chosen_url  # type: ignore[attr-defined]
        return [TitleColumn("title", label=gettext("Name"), accessor="title", get_url=url,
                            link_attrs={"data-chooser-modal-choice": True}),
                Column("slug", label=gettext("Slug"), accessor="slug"),
                Column("detail", label=gettext("Details"), accessor="detail")]

    def chosen_url(self, choice: Choice) -> str:
        return str(self.append_preserved_url_parameters(  # type: ignore[attr-defined]
            reverse(self.chosen_url_name, args=(choice.slug,))))  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        errors = self.filter_form.errors.get("q")
        context["search_error"] = (
            gettext("Shorten the search to %(count)s characters at most.") % {"count": MAX_SEARCH}
            if errors else None)
        return context


class ChooseView(_RecordsView, chooser_views.ChooseView):  # type: ignore[misc]
    """The modal: the search and the first page."""


class ChooseResultsView(_RecordsView, chooser_views.ChooseResultsView):  # type: ignore[misc]
    """The results alone, for the modal's search and paging."""


class ChosenView(chooser_views.ChosenView):  # type: ignore[misc]
    """The record chosen, by slug, for the widget."""

    kind: Kind = None  # type: ignore[assignment]  # given by the viewset

    def get_object(self, pk: str) -> Choice:
        found = self.kind.find(get_state().observatory, pk)
        if found is None:
            raise ObjectDoesNotExist(pk)
        return found

    def get_edit_item_url(self, instance: Choice) -> None:
        return None


class RecordChooserViewSet(ChooserViewSet):  # type: ignore[misc]
    """The chooser of one kind, under ``/admin/livingtogether-choosers/<kind>/``."""

    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    register_widget = False

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.icon = kind.icon
        self.choose_one_text = self.page_title = kind.choose
        super().__init__(f"livingtogether_{kind.name}_chooser",
                         url_prefix=f"livingtogether-choosers/{kind.name}")

    def get_common_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        common: dict[str, Any] = super().get_common_view_kwargs(**kwargs)
        return {**common, "kind": self.kind}

    def get_urlpatterns(self) -> list[Any]:
        """Choose, its results, chosen: one record per block, none made here."""
        return [pattern for pattern in super().get_urlpatterns()
                if pattern.name in ("choose", "choose_results", "chosen")]

    def on_register(self) -> None:
        """Nothing to register: Wagtail's default maps a Django model's foreign keys to
        the widget, and 8.0's looks the model up (there is none)."""


def chooser_viewsets() -> list[RecordChooserViewSet]:
    """A chooser per kind, for ``register_admin_viewset``."""
    return [RecordChooserViewSet(kind) for kind in KINDS.values()]


class RecordChooser(BaseChooser):  # type: ignore[misc]
    """The chooser widget of a kind: its hidden input holds the slug."""

    show_edit_link = False

    def __init__(self, kind: Kind, **kwargs: Any) -> None:
        self.kind = kind
        self.icon = kind.icon
        self.chooser_modal_url_name = f"livingtogether_{kind.name}_chooser:choose"
        self.choose_one_text = kind.choose
        super().__init__(**kwargs)

    def get_value_data(self, value: Any) -> dict[str, Any] | None:
        """The chosen record's slug and name; a slug that names no record (a page saved
        before it was deleted, or typed before the choosers) stays, marked as unknown."""
        if isinstance(value, Choice):
            value = value.slug
        if not value:
            return None
        slug = str(value)
        found = self.kind.find(get_state().observatory, slug)
        title = found.title if found is not None else gettext(
            "%(slug)s (not found: choose another)") % {"slug": slug}
        return {"id": slug, "title": title, "edit_url": None}


#: A slug as the core writes them (the typed-slug fields and the choosers check it).
slug_validator = RegexValidator(rf"\A{f.SLUG_RE.pattern}\Z",
                       _("Use lowercase letters, digits and hyphens, e.g. izmir-2021."))


class RecordChooserBlock(blocks.ChooserBlock):  # type: ignore[misc]
    """A block choosing a record of :attr:`kind`; its value, stored and given to templates,
    is the record's slug (as the typed slugs were)."""

    kind_name = ""

    @cached_property
    def kind(self) -> Kind:
        return KINDS[self.kind_name]

    @cached_property
    def widget(self) -> RecordChooser:
        return RecordChooser(self.kind)

    @cached_property
    def field(self) -> forms.CharField:
        return forms.CharField(widget=self.widget, required=self._required,
                               validators=[slug_validator, self._exists, *self._validators],
                               max_length=f.MAX_SLUG, help_text=self._help_text)

    def _exists(self, slug: str) -> None:
        if self.kind.find(get_state().observatory, slug) is None:
            raise forms.ValidationError(
                gettext("%(slug)s is not found: choose another.") % {"slug": slug[:f.MAX_SLUG]})

    def to_python(self, value: Any) -> str | None:
        return str(value) if value else None

    def bulk_to_python(self, values: Any) -> list[str | None]:
        return [self.to_python(value) for value in values]

    def get_prep_value(self, value: Any) -> str | None:
        return str(value) if value else None

    def value_from_form(self, value: Any) -> str | None:
        return str(value) if value else None

    def clean(self, value: Any) -> str | None:
        """The slug, checked by the field (ChooserBlock's own expects a model instance)."""
        cleaned = self.field.clean(value)
        return str(cleaned) if cleaned else None

    def extract_references(self, value: Any) -> Iterator[Any]:
        yield from ()  # not a Django model: nothing for Wagtail's reference index

    def get_searchable_content(self, value: Any) -> list[str]:
        return []


class CityChooserBlock(RecordChooserBlock):  # type: ignore[misc]
    """A city, chosen."""

    kind_name = "city"

    class Meta:
        icon = "site"


class EventChooserBlock(RecordChooserBlock):  # type: ignore[misc]
    """An event, chosen."""

    kind_name = "event"

    class Meta:
        icon = "date"


class ThemeChooserBlock(RecordChooserBlock):  # type: ignore[misc]
    """A theme, chosen."""

    kind_name = "theme"

    class Meta:
        icon = "tag"


class CampaignChooserBlock(RecordChooserBlock):  # type: ignore[misc]
    """A campaign, chosen."""

    kind_name = "campaign"

    class Meta:
        icon = "group"
