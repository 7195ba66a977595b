"""``{% load livingtogether %}``: the stylesheet's link and any widget, in any template."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from livingtogether.web.embed import render_widget, stylesheet_link

from ..conf import core_request, get_state, mount

register = template.Library()


@register.simple_tag
def livingtogether_stylesheet() -> SafeString:
    """The widgets' ``<link rel="stylesheet">`` for the page's ``<head>``."""
    return mark_safe(stylesheet_link(get_state().web, mount()))  # noqa: S308


@register.simple_tag(takes_context=True)
def livingtogether_widget(context: Any, name: str, **params: Any) -> SafeString:
    """A widget in any template: ``{% livingtogether_widget "programme" event="izmir-2021" %}``."""
    request = context.get("request")
    page = request.build_absolute_uri() if request is not None else None
    html = render_widget(get_state().web, core_request(request), name,
                         return_to=params.pop("return_to", None) or page, **params)
    return mark_safe(html)  # noqa: S308 (rendered by the core's autoescaping templates)
