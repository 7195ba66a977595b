from __future__ import annotations

from django.apps import AppConfig


class LivingTogetherConfig(AppConfig):
    """The Django app of livingtogether."""

    name = "livingtogether_wagtail"
    label = "livingtogether"
    verbose_name = "Living Together"
