"""Optional, for speed: answer the widgets' mount before Django, in the site's ``wsgi.py``::

    from django.core.wsgi import get_wsgi_application
    from livingtogether_wagtail.wsgi import with_widgets

    application = with_widgets(get_wsgi_application())

Requests under the mount of ``livingtogether_wagtail.urls`` then go straight
to the core (as WhiteNoise serves files), without Django's request, middleware
and URL resolution around them: the same answers, several times cheaper. The
URL patterns stay, for ``reverse()`` and for servers that do not use this file
(``runserver``, the test client).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation

from livingtogether.wsgi import StartResponse, WSGIApp, mounted, serve

from .conf import get_state, mount_in_site


def _core(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    # The state is looked up per request, so that a changed setting (tests) applies.
    return serve(get_state().web, language=_language)(environ, start_response)


def _language(environ: dict[str, Any]) -> str | None:
    """What Django's ``LocaleMiddleware`` would choose, when the site uses it."""
    if "django.middleware.locale.LocaleMiddleware" not in settings.MIDDLEWARE:
        return None
    request = WSGIRequest({**environ, "wsgi.input": io.BytesIO()})
    return translation.get_language_from_request(request, check_path=True)


def with_widgets(application: WSGIApp) -> WSGIApp:
    """``application`` (Django's), with the widgets' mount answered before it."""
    dispatch: list[WSGIApp] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not dispatch:
            dispatch.append(mounted(_core, mount_in_site(), application))
        return dispatch[0](environ, start_response)

    return app
