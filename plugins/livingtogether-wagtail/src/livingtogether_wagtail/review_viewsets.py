"""The Wagtail admin's review screens as viewsets: signatures, the moderation queue, the
hub's submissions, the campaign participations (issue 17).

:data:`REVIEW_VIEWSETS` goes in the "Observatory" ``ViewSetGroup``; until it exists,
:class:`ReviewGroup` registers them (``wagtail_hooks.py``). Each viewset's URLs are
Wagtail's: ``index`` (the listing), ``index_results`` (its results, which the search
box and the filters' drawer refresh), and the pages of its actions. Menu items show
only to users who hold the viewset's permission. The views are in
:mod:`.review_views` and :mod:`.review_moderation`.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import review_moderation as moderation
from . import review_views as views


class ReviewViewSet(ViewSet):
    """A listing over the core and the pages of its actions."""

    listing: type[views.ReviewListing]
    #: ``(route, name, view class)`` of the action pages
    pages: tuple[tuple[str, str, type[views.ReviewPage]], ...] = ()

    @cached_property
    def menu_item_class(self) -> type[MenuItem]:
        """A menu item shown to who holds one of the listing's permissions."""
        needed = self.listing.permissions

        class Item(MenuItem):
            def is_shown(self, request: Any) -> bool:
                return views.allowed(request.user, *needed)

        return Item

    def get_urlpatterns(self) -> list[Any]:
        """The listing, its results, its pages."""
        common = {"index_url_name": self.get_url_name("index"),
                  "index_results_url_name": self.get_url_name("index_results"),
                  "header_icon": self.icon, "page_title": self.menu_label}
        return [
            path("", self.listing.as_view(**common), name="index"),
            path("results/", self.listing.as_view(results_only=True, **common),
                 name="index_results"),
            *(path(route, view.as_view(), name=name) for route, name, view in self.pages),
        ]


class SignatureViewSet(ReviewViewSet):
    """A declaration's signatures: search, filters, withdraw, the audited export."""

    name = "livingtogether_signatures"
    url_prefix = "livingtogether/signatures"
    icon = "form"
    menu_label = _("Signatures")
    listing = views.SignatureListing
    pages = (("<int:pk>/withdraw/", "withdraw", views.WithdrawSignature),
             ("export/", "export", views.ExportSignatures))


class ModerationViewSet(ReviewViewSet):
    """The review queue, an item, its decisions."""

    name = "livingtogether_moderation"
    url_prefix = "livingtogether/moderation"
    icon = "doc-full"
    menu_label = _("Moderation queue")
    listing = moderation.ModerationQueue
    pages = (("<slug:slug>/", "item", moderation.ModerationItem),
             ("<slug:slug>/<slug:action>/", "action", moderation.ModerationItem))


class SubmissionViewSet(ReviewViewSet):
    """The practices submitted to the hub and where each stands."""

    name = "livingtogether_submissions"
    url_prefix = "livingtogether/submissions"
    icon = "upload"
    menu_label = _("Hub submissions")
    listing = moderation.HubSubmissions


#: The review screens' viewsets, for the "Observatory" group.
REVIEW_VIEWSETS: tuple[type[ReviewViewSet], ...] = (
    SignatureViewSet, ModerationViewSet, SubmissionViewSet)
