from __future__ import annotations

from django.apps import AppConfig


class LivingTogetherConfig(AppConfig):
    """The Django app of livingtogether."""

    name = "livingtogether_wagtail"
    label = "livingtogether"
    verbose_name = "Living Together"
    #: the key of its one (unmanaged) model, as its migration has it, whatever the
    #: site's DEFAULT_AUTO_FIELD (else Django warns W042 on sites that set none)
    default_auto_field = "django.db.models.BigAutoField"
