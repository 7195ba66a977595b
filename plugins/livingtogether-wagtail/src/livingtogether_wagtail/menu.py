"""The one "Observatory" menu: a ``ViewSetGroup`` of a viewset per kind of record.

:data:`RECORD_VIEWSETS` are the records' (:mod:`.record_viewsets`),
``REVIEW_VIEWSETS`` the review's (signatures, moderation queue, hub submissions,
participations: :mod:`.review_viewsets`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

from livingtogether.staff_console.events import EVENTS
from livingtogether.staff_console.network import (
    CAMPAIGNS,
    CITIES,
    DECLARATIONS,
    ORGANISATIONS,
    PARTICIPATIONS,
    SERIES,
    THEMES,
)
from livingtogether.staff_console.practices import PRACTICES

from .record_viewsets import RecordViewSet
from .review_viewsets import REVIEW_VIEWSETS

#: The viewsets of the records, in the menu's order (practices first).
RECORD_VIEWSETS: list[RecordViewSet] = [
    RecordViewSet(PRACTICES, icon="doc-full", filters=("city", "status")),
    RecordViewSet(EVENTS, icon="date", exclude=()),  # the sessions, a repeatable group
    RecordViewSet(CITIES, icon="site", withdraw=False),
    RecordViewSet(ORGANISATIONS, icon="group", withdraw=False),
    RecordViewSet(THEMES, icon="tag"),
    RecordViewSet(DECLARATIONS, icon="openquote", withdraw=False),
    RecordViewSet(SERIES, icon="calendar"),
    RecordViewSet(CAMPAIGNS, icon="globe"),
    RecordViewSet(PARTICIPATIONS, icon="group"),
]


class ObservatoryGroup(ViewSetGroup):  # type: ignore[misc]
    """The "Observatory" menu."""

    menu_label = _("Observatory")
    menu_icon = "site"
    menu_order = 900
    add_to_admin_menu = True

    def __init__(self) -> None:
        self.items = (*RECORD_VIEWSETS, *REVIEW_VIEWSETS)
        super().__init__()
