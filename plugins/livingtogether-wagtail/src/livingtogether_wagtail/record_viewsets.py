"""A Wagtail viewset per kind of Observatory record, over the core's editors.

A :class:`RecordViewSet` translates one of the staff console's record descriptions
(:class:`livingtogether.staff_console.records.RecordScreens`: the kind's editor, form
spec, list, columns, preview widget), so the console and the Wagtail admin show the same
records the same way: its listing is Wagtail's generic listing (header, breadcrumbs,
search, filters, pagination) over a lazy sequence paging through the core's list
(:class:`.record_views.Paged`); its forms the core's spec with Wagtail's widgets
(:mod:`.record_forms`); its preview the public widget; its history the revisions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import django_filters
from django.http import HttpRequest, HttpResponseBase
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.viewsets.base import ViewSet

from livingtogether import i18n
from livingtogether.admin.editor import Editor
from livingtogether.admin.forms import FormSpec
from livingtogether.admin.principals import Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import Forbidden, ValidationError
from livingtogether.models import ModerationStatus
from livingtogether.staff_console.choosers import _read as read_choices
from livingtogether.staff_console.records import RecordScreens, may_open

from . import record_views as views
from .conf import get_state
from .paging import Paged
from .principals import principal

PAGE_SIZE = 20


def core_text(msgid: str) -> str:
    """A string of the core's catalog (the console's labels) in the admin's language."""
    return i18n.translations(views.language()).gettext(msgid)


class _NoRows(list[Any]):
    """What the filters' form is given for a queryset: the core filters, not Django."""

    model = None


class IndexView(BaseListingView):  # type: ignore[misc]
    """Wagtail's generic listing over the core's list of the kind."""

    viewset: RecordViewSet = None  # type: ignore[assignment] (given by as_view)
    paginate_by = PAGE_SIZE
    is_searchable = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.viewset.may_open(principal(request)):
            return permission_denied(request)
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]
        except Forbidden:
            return permission_denied(request)

    def get_page_title(self) -> str:
        return str(self.viewset.menu_label)

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [{"url": "", "label": str(self.viewset.menu_label)}]

    @property
    def header_icon(self) -> str:  # type: ignore[override]
        return self.viewset.icon

    @property
    def filterset_class(self) -> type[WagtailFilterSet] | None:  # type: ignore[override]
        found: dict[str, Any] = {}
        if "city" in self.viewset.filters:
            cities = self.viewset.cities(principal(self.request))
            found["city"] = django_filters.ChoiceFilter(
                label=gettext_lazy("City"), choices=[(c, c) for c in cities],
                empty_label=gettext_lazy("Every city"))
        if "status" in self.viewset.filters:
            found["status"] = django_filters.ChoiceFilter(
                label=gettext_lazy("Status"),
                choices=[(s.value, core_text(s.value.capitalize())) for s in ModerationStatus])
        return type("RecordFilters", (WagtailFilterSet,), found) if found else None

    def get_filterset_kwargs(self) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(), "queryset": _NoRows()}

    def filter_queryset(self, queryset: Any) -> Any:
        return queryset  # the core's list filters (get_queryset)

    def search_queryset(self, queryset: Any) -> Any:
        return queryset  # the core's search (get_queryset)

    def order_queryset(self, queryset: Any) -> Any:
        return queryset  # the core's order

    def chosen(self, name: str) -> str | None:
        """The value of the filter ``name`` (``None``: none, or not valid)."""
        if self.filters is None or not self.filters.is_valid():
            return None
        return self.filters.form.cleaned_data.get(name) or None

    def get_base_queryset(self) -> Paged[Any]:
        screen = views.screen_of(self.request)
        status = self.chosen("status")
        q = (self.search_query or "").strip()[:200]
        viewset = self.viewset

        def fetch(limit: int, offset: int) -> Any:
            if status and not q:  # the practices of one status (the console has no such)
                city = self.chosen("city")
                cities = viewset.cities(screen.principal)
                if city is None and not screen.principal.secretariat:
                    city = cities[0] if cities else None
                page = screen.staff.practices.list(
                    screen.principal, city=city, status=ModerationStatus(status),
                    limit=limit, offset=offset)
                return page
            return viewset.screens.lister(screen, q, offset, limit)

        return Paged(fetch)

    @property
    def columns(self) -> list[Column]:  # type: ignore[override]
        viewset = self.viewset
        first, *rest = viewset.screens.columns
        key = viewset.screens.record_key
        found = [TitleColumn("title", label=core_text(first.heading),
                             accessor=lambda r: views.cell(first.cell(r)) or key(r),
                             get_url=lambda r: reverse(viewset.get_url_name("edit"),
                                                             args=[key(r)]))]
        found += [Column(f"c{n}", label=core_text(c.heading),
                         accessor=functools.partial(lambda c, r: views.cell(c.cell(r)), c))
                  for n, c in enumerate(rest)]
        return found

    def get_index_url(self) -> str:
        return reverse(self.viewset.get_url_name("index"))

    def get_index_results_url(self) -> str:
        return reverse(self.viewset.get_url_name("index_results"))

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            context: dict[str, Any] = super().get_context_data(*args, **kwargs)
        except ValidationError as error:  # e.g. a city filter of another city
            from django.contrib import messages

            messages.error(self.request, str(error))
            self.kwargs["_refused"] = True
            context = {"object_list": [], "view": self}
        add = reverse(self.viewset.get_url_name("add"))
        from wagtail.admin.widgets.button import HeaderButton

        context["header_buttons"] = [HeaderButton(str(self.viewset.new_label), url=add,
                                                  icon_name="plus")]
        return context


class _Item(MenuItem):  # type: ignore[misc]
    """A menu item shown to the users its ``shown(principal)`` admits."""

    def __init__(self, *args: Any, shown: Callable[[Principal], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = shown

    def is_shown(self, request: HttpRequest) -> bool:
        return self.shown(principal(request))


class RecordViewSet(ViewSet):  # type: ignore[misc]
    """The viewset of the kind of record ``screens`` describes (see the module).

    ``exclude``: the model paths the form leaves out (default: the description's);
    ``filters``: the listing's filters (``city``, ``status``)."""

    def __init__(self, screens: RecordScreens, *, icon: str, filters: tuple[str, ...] = (),
                 exclude: tuple[str, ...] | None = None, withdraw: bool = True) -> None:
        super().__init__(name=f"livingtogether_{screens.plural}",
                         url_prefix=f"observatory/{screens.plural}")
        self.screens = screens
        self.icon = icon
        self.filters = filters
        self.exclude = screens.exclude if exclude is None else exclude
        self.keys = screens.keys
        self.deletable = withdraw
        self.preview_template = screens.preview

    @property
    def menu_label(self) -> str:  # type: ignore[override]
        return core_text(self.screens.title)

    @property
    def new_label(self) -> str:
        """The heading of the empty form."""
        return core_text(self.screens.new)

    def editor(self, staff: Staff) -> Editor[Any]:
        """The kind's core editor."""
        return self.screens.editor(staff)

    def may_open(self, who: Principal) -> bool:
        """Whether ``who`` edits records of the kind somewhere (the console's rule)."""
        return may_open(views.staff(), who, self.screens)

    def may_publish(self, who: Principal) -> bool:
        """Whether ``who`` may publish records of the kind somewhere."""
        permission = self.editor(views.staff()).publish_permission
        return who.can(permission, None) or any(who.can(permission, c) for c in who.cities)

    def cities(self, who: Principal) -> list[str]:
        """The cities whose records of the kind ``who`` edits."""
        permission = self.editor(views.staff()).edit_permission
        if who.secretariat and who.can(permission, None):
            return sorted(c.slug for c in get_state().observatory.cities.list(limit=200).items)
        return sorted(c for c in who.cities if who.can(permission, c))

    def choices(self, who: Principal) -> Callable[[str], list[tuple[str, str]] | None]:
        """The choices of the form's choosers (the editor's cities, the network's records)."""
        found: dict[str, list[tuple[str, str]] | None] = {}

        def of(kind: str) -> list[tuple[str, str]] | None:
            if kind not in found:
                if kind == "city":
                    found[kind] = [(c, c) for c in self.cities(who)]
                else:
                    read = read_choices(get_state().observatory, kind)
                    found[kind] = None if read is None else [
                        (slug, views.cell(label) or slug) for slug, label in read]
            return found[kind]

        return of

    @functools.lru_cache(maxsize=8)  # noqa: B019 (a few viewsets, each lives forever)
    def form(self, languages: tuple[str, ...]) -> FormSpec[Any]:
        """The kind's form for the site's ``languages``."""
        return FormSpec(self.screens.model, languages=languages, exclude=self.exclude)

    def values_of(self, key: str) -> dict[str, str]:
        """The form values a record's key fixes (``slug``, or ``campaign`` and ``city``)."""
        return self.screens.values_of(key)

    def get_menu_item(self, order: int | None = None) -> MenuItem:
        return _Item(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                     order=self.get_menu_item_order(order), shown=self.may_open)

    def get_urlpatterns(self) -> list[Any]:
        def view(cls: type, **kwargs: Any) -> Any:
            return cls.as_view(viewset=self, **kwargs)

        return [
            path("", view(IndexView), name="index"),
            path("results/", view(IndexView, results_only=True), name="index_results"),
            path("new/", view(views.CreateView), name="add"),
            path("edit/<path:key>/", view(views.FormView), name="edit"),
            path("preview/<path:key>/", view(views.PreviewView), name="preview"),
            path("history/<path:key>/", view(views.HistoryView), name="history"),
            path("restore/<path:key>/", view(views.RestoreView), name="restore"),
            path("withdraw/<path:key>/", view(views.WithdrawView), name="withdraw"),
        ]
