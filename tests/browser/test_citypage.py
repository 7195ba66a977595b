"""A city's page in headless Chromium: every part shows in every language, the map is
drawn, the structured data is read by the browser as data (no CSP report), axe-core
finds no violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ld_support import expand, types
from livingtogether import Observatory, i18n
from livingtogether.demo import install
from livingtogether.wsgi import make_app
from test_citypage import HEADINGS, enrich
from test_web_support import serving

from .journeys import audit

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "https://schema.org/"
#: Every part of the page: the membership history, the partner board, the practices, the
#: studies that cover the city, the events it hosted, the declarations it signed, its
#: campaign participations, the Declaration's count.
PARTS = (".lt-city__membership", ".lt-city__board", ".lt-city__practices",
         ".lt-city__studies", ".lt-city__events", ".lt-city__declarations",
         ".lt-city__campaigns", ".lt-city__signatures")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = Path(tmp_path_factory.mktemp("citypage"))
    with Observatory.open(f"sqlite:///{folder / 'citypage.sqlite3'}") as obs:
        install(obs)
        enrich(obs)
        with serving(make_app(obs), threaded=True) as url:
            yield url


@pytest.mark.parametrize("lang", i18n.CATALOG_LANGUAGES)
def test_a_city_s_page_shows_every_part_and_passes_axe(base: str, page: Any,
                                                       axe_source: str, lang: str) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    if lang == "ar":  # on a phone, right to left
        page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/widgets/cities/izmir?lang={lang}")
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    for part in PARTS:
        assert page.locator(part).is_visible(), part
    box = page.locator(".lt-map--city svg").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert HEADINGS[lang] in page.locator(".lt-city__events h3").inner_text()
    if lang == "ar":  # nothing wider than the phone's screen but the map, in its frame
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    data = expand(json.loads(page.locator("script[type='application/ld+json']").text_content()))
    assert {SCHEMA + "City", SCHEMA + "Report", SCHEMA + "Event"} <= types(data)
    assert audit(page, axe_source) == 1
    assert not refused, refused
    if lang == "en":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / "console-citypage-izmir.png"),
                        full_page=True)


def test_embed_js_puts_the_city_s_page_in_another_site(tmp_path: Path, page: Any) -> None:
    from .test_journeys import static_pages

    pages = tmp_path / "site"
    pages.mkdir()
    with serving(static_pages(pages), threaded=True) as host, \
            Observatory.open(f"sqlite:///{tmp_path / 'embed.sqlite3'}",
                             allowed_origins=(host,)) as obs:
        install(obs)
        with serving(make_app(obs), threaded=True) as server:
            (pages / "index.html").write_text(
                f'<!DOCTYPE html><html lang="en"><head><title>Host</title>'
                f'<script src="{server}/static/embed.js" async></script></head><body><main>'
                f'<div data-livingtogether="city" data-city="izmir" data-lang="fr"></div>'
                f'<div data-livingtogether="city" data-city="atlantis"></div>'
                f'</main></body></html>', encoding="utf-8")
            page.goto(f"{host}/index.html")
            page.locator(".lt-widget--city").wait_for()
            assert page.locator(".lt-widget--city").get_attribute("lang") == "fr"
            assert page.locator(".lt-city__events a").get_attribute("href").startswith(server)
            page.locator(".lt-widget--error").wait_for()
