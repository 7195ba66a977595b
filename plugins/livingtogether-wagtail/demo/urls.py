from __future__ import annotations

from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("observatory/", include("livingtogether_wagtail.urls")),
    # the admin's scripts and styles, from the apps' folders: this demo has no web server
    # in front of it (gunicorn in the browser journeys); a real site serves them its way
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
    path("", include(wagtail_urls)),
]
