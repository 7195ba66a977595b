from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from django.views.static import serve as serve_media
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("observatory/", include("livingtogether_wagtail.urls")),
    # the demo serves the admin's scripts and the library's images itself (under gunicorn,
    # DEBUG off): a real site leaves them to its web server
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
    re_path(r"^media/(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT}),
    path("", include(wagtail_urls)),
]
