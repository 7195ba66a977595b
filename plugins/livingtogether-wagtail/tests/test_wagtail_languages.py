"""Django's language reaches the widgets: the blocks, the tag and the direct mount."""

from __future__ import annotations

from typing import Any

import requests
from django.test import Client

from livingtogether import Observatory

LOCALE = "django.middleware.locale.LocaleMiddleware"


def with_locale_middleware(settings: Any) -> None:
    """The site negotiates languages with Django's LocaleMiddleware, as i18n sites do."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
                      + 1, LOCALE)
    settings.MIDDLEWARE = middleware
    settings.LANGUAGES = [("en", "English"), ("fr", "French"), ("ar", "Arabic")]


def test_djangos_language_beats_the_browsers(observatory: Observatory, client: Client,
                                             settings: Any) -> None:
    with_locale_middleware(settings)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    text = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for name in ("programme", "pledge-counter", "pledge", "cities"):
        assert f'<section class="lt-widget lt-widget--{name}" lang="ar" dir="rtl"' in text
    assert "وقّع الإعلان" in text  # "Sign the declaration", from the catalogs
    # the endpoint too, and ?lang= still comes first
    widget = client.get("/observatory/widgets/cities", HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="ar"' in widget.content.decode()
    named = client.get("/observatory/widgets/cities?lang=fr").content.decode()
    assert 'lang="fr"' in named


def test_without_djangos_i18n_the_browser_decides(observatory: Observatory,
                                                  client: Client) -> None:
    text = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<section class="lt-widget lt-widget--cities" lang="de"' in text


def test_the_direct_mount_asks_django_too(observatory: Observatory, settings: Any) -> None:
    from livingtogether_wagtail.wsgi import with_widgets
    from test_support import serving

    def site(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"the site's own page"]

    with_locale_middleware(settings)
    with serving(with_widgets(site)) as base:
        widget = requests.get(base + "/observatory/widgets/cities", timeout=10,
                              headers={"Accept-Language": "fr"},
                              cookies={settings.LANGUAGE_COOKIE_NAME: "ar"})
    assert 'lang="ar" dir="rtl"' in widget.text


def test_the_admin_views_and_blocks_speak_the_editors_language(
        observatory: Observatory, client: Client, settings: Any) -> None:
    """The app's own words come from the library's catalogs, through Django's i18n."""
    from django.contrib.auth.models import User
    from django.utils import translation
    from livingtogether_wagtail.blocks import LIVINGTOGETHER_BLOCKS

    settings.LANGUAGE_CODE = "fr"
    settings.WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("fr", "French"),
                                                 ("ar", "Arabic")]
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    listing = client.get("/admin/livingtogether/signatures/").content.decode()
    assert "Exporter en CSV" in listing
    queue = client.get("/admin/livingtogether/moderation/").content.decode()
    assert "Soumissions au hub" in queue  # the menu
    with translation.override("ar"):
        labels = {name: str(block.meta.label) for name, block in LIVINGTOGETHER_BLOCKS}
        assert labels["pledge"] == "نموذج التوقيع"
        kinds = dict(LIVINGTOGETHER_BLOCKS[3][1].child_blocks["kind"].field.choices)
        assert kinds["case_study"] == "دراسة حالة"
    with translation.override("en"):
        assert str(LIVINGTOGETHER_BLOCKS[1][1].meta.label) == "Signing form"
