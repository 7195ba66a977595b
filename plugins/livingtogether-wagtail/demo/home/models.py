from __future__ import annotations

from livingtogether_wagtail.blocks import LIVINGTOGETHER_BLOCKS
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page


class ObservatoryPage(Page):
    """A page of the city's site whose body may hold the Observatory's widgets."""

    body = StreamField(LIVINGTOGETHER_BLOCKS, blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
