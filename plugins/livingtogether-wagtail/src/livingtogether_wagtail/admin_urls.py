from __future__ import annotations

from django.urls import path

from . import admin_views

app_name = "livingtogether_admin"

urlpatterns = [
    path("signatures/", admin_views.signatures, name="signatures"),
    path("practices/", admin_views.practices, name="practices"),
    path("participations/", admin_views.participations, name="participations"),
]
