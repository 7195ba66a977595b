"""The admin's "Observatory" menu (:mod:`.menu`), the plugin's permissions in Settings → Groups,
the group screen's cities (:mod:`.group_cities`), and the old address of the moderation queue."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.urls import path
from django.views.generic import RedirectView
from wagtail import hooks

from .choosers import chooser_viewsets
from .group_cities import GroupCitiesForm
from .menu import ObservatoryGroup
from .models import LEGACY, codename
from .principals import APP


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    """The old address of the moderation queue, redirected to the new one."""
    return [path("livingtogether/practices/",
                 RedirectView.as_view(pattern_name="livingtogether_moderation:index"))]


@hooks.register("register_admin_viewset")
def register_viewsets() -> ObservatoryGroup:
    """The "Observatory" menu and every viewset in it."""
    return ObservatoryGroup()


@hooks.register("register_permissions")
def register_permissions() -> QuerySet[Permission]:
    """The plugin's permissions, offered to groups in Settings → Groups."""
    from livingtogether.admin.principals import Permission as Core

    names = [name for name, _ in LEGACY] + [codename(p) for p in Core]
    return Permission.objects.filter(content_type__app_label=APP, codename__in=names)


@hooks.register("register_group_permission_panel")
def register_group_cities() -> type[GroupCitiesForm]:
    """The cities a group's Observatory permissions cover, in the group's screen."""
    return GroupCitiesForm


@hooks.register("register_admin_viewset")
def register_choosers() -> list[Any]:
    """The choosers of the blocks' records: cities, events, themes, campaigns."""
    return list(chooser_viewsets())
