"""The console's event editor in headless Chromium: a session typed in Izmir's zone shows
the same time in Paris and Montréal while it is typed (console-times.js), axe-core finds
no violation on the event screens in English and Arabic, and the staff guide's
screenshots (docs/screenshots/console-events-*.png) are taken here.
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

from .journeys import audit

AYSE = Principal.with_roles(id="ayse@izmir", name="Ayşe", roles=["city-publisher"],
                            cities=["izmir"])
SUMMIT = "izmir-2021"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    obs = Observatory.open(f"sqlite:///{tmp_path / 'events.sqlite3'}")
    demo.install(obs)
    try:
        with serving(make_app(obs, console_auth=lambda environ: AYSE), threaded=True) as url:
            yield url
    finally:
        obs.close()


def times(page: Any) -> dict[str, str]:
    """The times the session form shows beside the host's, by zone."""
    found: dict[str, str] = {}
    for item in page.locator("[data-lt-zone]").all():
        found[item.get_attribute("data-lt-zone")] = item.locator("[data-lt-time]").inner_text()
    return found


def test_a_session_typed_in_izmir_shows_paris_and_montreal_live(
        page: Any, site: str, axe_source: str) -> None:
    page.goto(f"{site}/console/events/{SUMMIT}")
    audit(page, axe_source, "html")
    page.screenshot(path=str(SCREENSHOTS / "console-events-1-editor.png"), full_page=False)
    page.get_by_role("link", name="Add a session").click()
    page.locator("#f-title-en").fill("Morning dialogue")
    page.locator("#f-day").fill("2021-12-08")
    page.locator("#f-start").fill("10:00")
    page.locator("#f-end").fill("11:30")
    # updated while typing, before anything is saved (December: UTC+3, +1, -5)
    assert times(page) == {"Europe/Istanbul": "10:00–11:30", "Europe/Paris": "08:00–09:30",
                           "America/Montreal": "02:00–03:30"}
    page.locator("#f-start").fill("23:00")
    page.locator("#f-end").fill("00:00")  # midnight: the next day
    assert times(page) == {"Europe/Istanbul": "23:00–00:00", "Europe/Paris": "21:00–22:00",
                           "America/Montreal": "15:00–16:00"}
    page.locator("#f-start").fill("10:00")
    page.locator("#f-end").fill("11:30")
    audit(page, axe_source, "html")
    page.locator("#f-times").screenshot(path=str(SCREENSHOTS / "console-events-2-times.png"))
    page.get_by_role("button", name="Save the session in the draft").click()
    assert page.get_by_text("The draft is saved.").is_visible()
    row = page.locator("tr", has_text="Morning dialogue")
    assert "08:00–09:30" in row.inner_text()
    page.get_by_label("What changed (shown with the new version)").fill(
        "A morning dialogue on December 8")
    page.screenshot(path=str(SCREENSHOTS / "console-events-3-publish.png"), full_page=False)
    page.get_by_role("button", name="Publish the programme").click()
    assert page.get_by_text("The programme is published as a new version.").is_visible()
    page.goto(f"{site}/widgets/programme/{SUMMIT}")
    assert "A morning dialogue on December 8" in page.inner_text(".lt-programme__version")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_event_screens_pass_axe(page: Any, site: str, axe_source: str,
                                    language: str) -> None:
    for path in ("/console/events", "/console/events/new", f"/console/events/{SUMMIT}",
                 f"/console/events/{SUMMIT}/sessions/new",
                 f"/console/events/{SUMMIT}/sessions/mayors-dialogue",
                 f"/console/events/{SUMMIT}/preview", f"/console/events/{SUMMIT}/history"):
        page.goto(f"{site}{path}?lang={language}")
        assert page.locator("html").get_attribute("dir") == i18n.text_direction(language)
        audit(page, axe_source, "html")
