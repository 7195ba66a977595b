"""The admin menu "Living Together": the review screens' viewsets (review_viewsets.py)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.views.generic import RedirectView
from wagtail import hooks

from .review_viewsets import ReviewGroup


@hooks.register("register_admin_viewset")
def register_review_viewsets() -> ReviewGroup:
    """Signatures, moderation queue, hub submissions, campaign participations."""
    return ReviewGroup()


@hooks.register("register_permissions")
def register_permissions() -> Any:
    """The plugin's permissions (models.py), so that Settings → Groups offers them."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="livingtogether")


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    """The old address of the moderation queue, redirected to the new one."""
    return [path("livingtogether/practices/",
                 RedirectView.as_view(pattern_name="livingtogether_moderation:index"))]
