"""The campaign's film in headless Chromium: nothing leaves for the video's host before
the resident clicks (the browser's own network log), the player's frame after it; a
video file is not fetched before play either; axe-core finds nothing; the screenshot of
docs/campaigns.md is taken here. The campaign's report reads on a phone in Arabic
(right to left, axe-clean) and prints as its stylesheet says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.models import (
    CampaignParticipation,
    Caption,
    Dissemination,
    Screening,
    Video,
)
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SLUG = "idltp-2022"
YOUTUBE = "https://www.youtube.com/watch?v=AbCdEfGhIjK"
FILM = "https://films.example.org/all-of-us.mp4"
PLAYER = "<!DOCTYPE html><title>player</title><p id=player>the player</p>"


@pytest.fixture
def site(open_demo: Callable[..., Any]) -> Iterator[str]:
    obs = open_demo()
    campaign = obs.campaigns.get(SLUG)
    obs.campaigns.update(attrs.evolve(
        campaign, teaser=Video(url=YOUTUBE),
        film=Video(url=FILM, captions=(Caption(language="en",
                                               url="https://films.example.org/en.vtt"),))))
    held = datetime.combine(campaign.day, time(19), ZoneInfo("Europe/Istanbul"))
    obs.participations.save(CampaignParticipation(
        campaign=SLUG, city="izmir", signed=True,
        dissemination=Dissemination(channels=("radio",)),
        screenings=(Screening(key="cinema", venue="Sinema Karşıyaka", address="1 Quay",
                              starts_at=held, zone="Europe/Istanbul", capacity=80),)))
    officer = Principal.with_roles(id="o@izmir", name="Deniz",
                                   roles=["city-campaign-officer"], cities=["izmir"])
    Staff(obs).screenings.record_attendance(officer, SLUG, "izmir", "cinema", attended=64,
                                            note="Salon doldu.")
    with serving(make_app(obs)) as base:
        yield base


def _log(page: Any) -> list[str]:
    """Every request the page makes, answered here for the third parties (the test has
    no network: the stand-ins are what Chromium would have fetched)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.route("https://www.youtube-nocookie.com/**",
               lambda route: route.fulfill(status=200, content_type="text/html", body=PLAYER))
    page.route("https://films.example.org/**",
               lambda route: route.fulfill(status=404, body=""))
    return seen


def test_the_teaser_loads_from_its_host_only_after_the_click(
        site: str, page: Any, axe_source: str) -> None:
    seen = _log(page)
    page.goto(f"{site}/widgets/campaign/{SLUG}?lang=en")
    page.wait_for_load_state("networkidle")
    button = page.get_by_role("button", name="Play: this loads content from youtube.com")
    assert button.is_visible()
    assert audit(page, axe_source) == 1
    page.locator(".lt-video").first.screenshot(path=str(SCREENSHOTS / "console-campaign-film.png"))
    outside = [url for url in seen if not url.startswith(site)]
    assert outside == [], outside  # neither YouTube nor the film's host, nor its captions
    assert page.locator("iframe").count() == 0

    button.click()
    frame = page.locator("iframe.lt-video__player")
    frame.wait_for()
    assert frame.get_attribute("src") == (
        "https://www.youtube-nocookie.com/embed/AbCdEfGhIjK?autoplay=1")
    # the frame really loaded (the widget's CSP allows exactly this host in frame-src)
    assert page.frame_locator("iframe.lt-video__player").locator("#player").inner_text() \
        == "the player"
    outside = [url for url in seen if not url.startswith(site)]
    assert outside == ["https://www.youtube-nocookie.com/embed/AbCdEfGhIjK?autoplay=1"], outside
    assert not any("films.example.org" in url for url in seen)  # preload="none"


def test_without_scripts_the_button_loads_nothing(site: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        seen = _log(page)
        page.goto(f"{site}/widgets/campaign/{SLUG}?lang=fr")
        page.get_by_role("button", name="Lire : ceci charge du contenu de youtube.com").click()
        page.wait_for_load_state("networkidle")
        assert [url for url in seen if not url.startswith(site)] == []
        # the link to watch it on the host's own site stays
        assert page.get_by_role("link", name="La regarder sur youtube.com").get_attribute(
            "href") == YOUTUBE
    finally:
        context.close()


def test_the_report_reads_on_a_phone_in_arabic_and_prints(
        site: str, browser: Any, axe_source: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ar")
    try:
        page = context.new_page()
        page.goto(f"{site}/widgets/campaign/{SLUG}/report?lang=ar")
        report = page.locator(".lt-widget--report")
        assert report.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert audit(page, axe_source) == 1
        # wide tables scroll in their own region; the page itself fits the phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.get_by_role("cell", name="64").count() == 1  # the attendance entered
        page.emulate_media(media="print")
        assert page.locator(".lt-report__links").evaluate(
            "e => getComputedStyle(e).display") == "none"
        breaks = page.locator(".lt-report__section").evaluate_all(
            "all => all.map(e => getComputedStyle(e).breakBefore)")
        assert breaks == ["auto", "page", "page"]  # a page per section
        link = page.locator(".lt-report__table a").first
        href = link.get_attribute("href")
        assert href.startswith(site)
        # its address printed after it
        assert link.evaluate("e => getComputedStyle(e, '::after').content") == f'" ({href})"'
        cell = page.locator(".lt-report__table td").first
        assert cell.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
        assert audit(page, axe_source) == 1
    finally:
        context.close()
