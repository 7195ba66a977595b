"""The admin menu "Living Together" and its views."""

from __future__ import annotations

from typing import Any

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_urls
from .admin_views import allowed
from .choosers import chooser_viewsets


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    """The views under ``/admin/livingtogether/``."""
    return [path("livingtogether/", include(admin_urls, namespace="livingtogether_admin"))]


class _Item(MenuItem):
    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: Any) -> bool:
        return allowed(request.user, self.permission)


@hooks.register("register_admin_menu_item")
def register_menu() -> SubmenuMenuItem:
    """Living Together: Signatures, Practices to moderate, Campaign participations."""
    items = [
        _Item(_("Signatures"), reverse("livingtogether_admin:signatures"), icon_name="form",
              permission="view_signatures", order=100),
        _Item(_("Practices to moderate"), reverse("livingtogether_admin:practices"),
              icon_name="doc-full", permission="moderate_practices", order=200),
        _Item(_("Campaign participations"), reverse("livingtogether_admin:participations"),
              icon_name="group", permission="view_participations", order=300),
    ]
    return SubmenuMenuItem(_("Living Together"), Menu(items=items), icon_name="site", order=900)


@hooks.register("register_admin_viewset")
def register_choosers() -> list[Any]:
    """The choosers of the blocks' records: cities, events, themes, campaigns."""
    return list(chooser_viewsets())
