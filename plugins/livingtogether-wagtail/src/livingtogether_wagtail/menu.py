"""The one "Observatory" menu: a ``ViewSetGroup`` of a viewset per kind of record.

:data:`RECORD_VIEWSETS` are the records' (:mod:`.record_viewsets`); :func:`review_viewsets`
the review's (signatures, moderation, participations' figures: ``review_viewsets.py``'s
``VIEWSETS``, once it exists); until then the three first admin views
(:mod:`.admin_views`) are the group's last items, as links, each shown to the users
holding its permission.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from livingtogether.staff_console.events import EVENTS
from livingtogether.staff_console.network import (
    CAMPAIGNS,
    CITIES,
    DECLARATIONS,
    PARTICIPATIONS,
    THEMES,
)
from livingtogether.staff_console.practices import PRACTICES

from .admin_views import allowed
from .record_viewsets import RecordViewSet

#: The viewsets of the records, in the menu's order (practices first).
RECORD_VIEWSETS: list[RecordViewSet] = [
    RecordViewSet(PRACTICES, icon="doc-full", filters=("city", "status")),
    RecordViewSet(EVENTS, icon="date", exclude=()),  # the sessions, a repeatable group
    RecordViewSet(CITIES, icon="site", withdraw=False),
    RecordViewSet(THEMES, icon="tag"),
    RecordViewSet(DECLARATIONS, icon="openquote", withdraw=False),
    RecordViewSet(CAMPAIGNS, icon="globe"),
    RecordViewSet(PARTICIPATIONS, icon="group"),
]


def review_viewsets() -> list[Any]:
    """The review's viewsets (``review_viewsets.VIEWSETS``), none while that module is
    not there."""
    try:
        from . import review_viewsets  # type: ignore[attr-defined]
    except ImportError:
        return []
    return list(getattr(review_viewsets, "VIEWSETS", []))


class _Link(ViewSet):  # type: ignore[misc]
    """One of the first admin views in the group, for the users with its permission (a
    viewset of no views of its own: its menu item links to the view)."""

    def __init__(self, label: str, url_name: str, icon: str, permission: str) -> None:
        super().__init__(name="livingtogether_" + url_name.rsplit(":", 1)[1])
        self.menu_label = label
        self.url_name = url_name
        self.menu_icon = icon
        self.permission = permission

    @property
    def menu_url(self) -> str:  # type: ignore[override]
        return reverse(self.url_name)

    def get_menu_item(self, order: int | None = None) -> MenuItem:
        permission = self.permission

        class Item(MenuItem):  # type: ignore[misc]
            def is_shown(self, request: Any) -> bool:
                return allowed(request.user, permission)

        return Item(self.menu_label, self.menu_url, icon_name=self.menu_icon,
                    order=self.get_menu_item_order(order))


def legacy_links() -> list[_Link]:
    """The three first admin views, until the review's viewsets replace them."""
    if review_viewsets():
        return []
    return [_Link(_("Signatures"), "livingtogether_admin:signatures", "form",
                  "view_signatures"),
            _Link(_("Practices to moderate"), "livingtogether_admin:practices", "doc-full",
                  "moderate_practices"),
            _Link(_("Campaign participations"), "livingtogether_admin:participations",
                  "group", "view_participations")]


class ObservatoryGroup(ViewSetGroup):  # type: ignore[misc]
    """The "Observatory" menu."""

    menu_label = _("Observatory")
    menu_icon = "site"
    menu_order = 900
    add_to_admin_menu = True

    def __init__(self) -> None:
        self.items = (*RECORD_VIEWSETS, *review_viewsets(), *legacy_links())
        super().__init__()
