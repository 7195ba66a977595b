"""The staff console in headless Chromium: a practice from a mistake to the public widget,
with axe-core (WCAG 2.2 A and AA) finding no violation on any console screen, in every
language (Arabic mirrored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, demo, i18n
from livingtogether.admin import Principal
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit, shoot

AYSE = Principal.with_roles(id="ayse@izmir", name="Ayşe", roles=["city-publisher"],
                            cities=["izmir"])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    obs = Observatory.open(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    demo.install(obs)
    try:
        with serving(make_app(obs, console_auth=lambda environ: AYSE), threaded=True) as url:
            yield url
    finally:
        obs.close()


def test_a_practice_from_a_mistake_to_the_public_widget(page: Any, site: str, axe_source: str,
                                                        artifacts: Path) -> None:
    page.goto(site + "/console/practices")
    audit(page, axe_source, "html")
    page.get_by_role("link", name="New practice").first.click()
    page.get_by_label("Short name in addresses").fill("tea-and-talk")
    page.locator("#f-title-en").fill("Tea and talk")
    page.locator("#f-summary-fr").fill("Des voisins autour d'un thé.")
    page.locator("#f-links-0-url").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save the draft").click()
    error = page.locator("#f-links-0-url-error")
    assert error.is_visible()
    assert page.locator("#f-title-en").input_value() == "Tea and talk"
    shoot(page, artifacts, "1-mistake")
    audit(page, axe_source, "html")
    page.locator("#f-links-0-url").fill("https://example.org/tea")
    page.get_by_role("button", name="Save the draft").click()
    assert page.get_by_text("The draft is saved.").is_visible()
    audit(page, axe_source, "html")
    page.get_by_role("link", name="Preview").click()
    assert page.locator(".lt-widget--practice h2").inner_text() == "Tea and talk"
    audit(page, axe_source, "html")
    page.get_by_role("link", name="Back to the form").click()
    page.get_by_label("What changed (for the history)").fill("first version")
    page.get_by_role("button", name="Publish the draft").click()
    assert page.get_by_text("The practice is published.").is_visible()
    page.get_by_role("link", name="History").click()
    audit(page, axe_source, "html")
    shoot(page, artifacts, "2-history")
    page.goto(site + "/widgets/practices/tea-and-talk")
    assert "Tea and talk" in page.inner_text("body")


@pytest.mark.parametrize("language", i18n.CATALOG_LANGUAGES)
def test_every_console_screen_passes_axe_in_every_language(page: Any, site: str,
                                                           axe_source: str, language: str,
                                                           artifacts: Path) -> None:
    slug = "example-newcomer-welcome-network"
    for path in ("/console/practices", "/console/practices/new", f"/console/practices/{slug}",
                 f"/console/practices/{slug}/preview", f"/console/practices/{slug}/history",
                 "/console/practices/nope"):
        page.goto(f"{site}{path}?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == i18n.text_direction(language)
        audit(page, axe_source, "html")
    shoot(page, artifacts, f"form-{language}")
