from __future__ import annotations

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("observatory/", include("livingtogether_wagtail.urls")),
    path("", include(wagtail_urls)),
]

# The admin's scripts and styles (from the apps' folders) and the library's images, before
# the pages: this demo has no web server in front of gunicorn (the browser journeys, DEBUG
# off); a real site serves them its own way.
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.views import serve  # noqa: E402
from django.views.static import serve as serve_media  # noqa: E402

urlpatterns[-1:-1] = [
    path("static/<path:path>", serve, {"insecure": True}),
    path("media/<path:path>", serve_media, {"document_root": settings.MEDIA_ROOT}),
]
