"""Include under any prefix: ``path("observatory/", include("livingtogether_wagtail.urls"))``."""

from __future__ import annotations

from django.urls import re_path

from . import views

app_name = "livingtogether"

urlpatterns = [
    re_path(r"^(?P<path>.*)$", views.serve, name="serve"),
]
