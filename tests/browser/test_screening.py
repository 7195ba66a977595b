"""A resident's screening journey in headless Chromium, the emails through a real SMTP
server on loopback: register on the screening's page, confirm from the captured email's
link, cancel from the next one; the one waiting moves up and gets an email. axe-core
finds nothing on the form, with or without its errors; after the screening, staff enter
how many came in the console (a wrong figure named, axe-clean); the screenshots of
docs/guide-campaign.md are taken here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.store import now
from livingtogether.wsgi import make_app
from pledge_support import SMTPServer, free_port, smtp_server
from test_screening_http import PAGE, install_screening, links, send_all
from test_web_support import serving

from .journeys import audit

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
OFFICER = Principal.with_roles(id="officer@izmir", name="Deniz",
                               roles=["city-campaign-officer"], cities=["izmir"])


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[str, Observatory, SMTPServer]]:
    """A screening of one seat, its emails' links pointing at the server itself."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    obs = Observatory.open(sqlite_url, base_url=base, secret_key="k" * 32,
                           pledge_min_fill_seconds=0, pledge_ip_limit=0)
    install_screening(obs, capacity=1)
    try:
        with smtp_server() as smtp, serving(make_app(obs, console_auth=lambda e: OFFICER),
                                            port=port):
            yield base, obs, smtp
    finally:
        obs.close()


def test_register_confirm_cancel_and_the_next_one_moves_up(
        site: tuple[str, Observatory, SMTPServer], page: Any, axe_source: str) -> None:
    base, obs, smtp = site
    page.goto(f"{base}{PAGE}?lang=en")
    page.get_by_label("Your name").fill("Ayşe Yılmaz")
    # an address the browser's own check takes and the server's does not
    page.get_by_label("Your email address").fill("ayse@example")
    page.get_by_role("button", name="Register").click()
    error = page.locator("#lt-screening-email-error")
    assert "like name@example.org" in error.inner_text()
    assert page.get_by_label("Your email address").get_attribute(
        "aria-describedby") == "lt-screening-email-error"
    assert audit(page, axe_source) == 1
    page.get_by_label("Your email address").fill("ayse@example.org")
    page.get_by_role("button", name="Register").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    send_all(obs, smtp)
    (request,) = smtp.inbox.to("ayse@example.org")
    page.goto(f"{base}/widgets/screening/confirm?token={links(request)['confirm']}&lang=en")
    page.get_by_role("button", name="Confirm my registration").click()
    assert page.get_by_role("heading", name="Your seats are booked").is_visible()

    # someone else finds it full and joins the waiting list
    _, token = obs.screenings.register("day", "izmir", "cinema", name="Jean",
                                       email="jean@example.org", seats=1, language="fr")
    assert obs.screenings.confirm(token).status == "waiting"
    page.goto(f"{base}{PAGE}?lang=en")
    assert page.get_by_role("heading", name="Join the waiting list").is_visible()
    page.locator(".lt-widget").first.screenshot(path=str(SCREENSHOTS /
                                                         "console-screen-form.png"))

    send_all(obs, smtp)
    booked = smtp.inbox.to("ayse@example.org")[1]
    page.goto(f"{base}/widgets/screening/cancel?token={links(booked)['cancel']}&lang=en")
    page.get_by_role("button", name="Cancel my registration").click()
    assert page.get_by_role("heading", name="Your registration is cancelled").is_visible()
    send_all(obs, smtp)
    subjects = [str(m["Subject"]) for m in smtp.inbox.to("jean@example.org")]
    assert subjects[-1].startswith("Des places se sont libérées pour vous")  # in French

    page.goto(f"{base}/console/screenings/day/izmir/cinema")
    assert page.get_by_role("heading", name="Mail the registrants an update").is_visible()
    page.locator("main").screenshot(path=str(SCREENSHOTS / "console-screen-list.png"))

    # after the screening, staff enter how many came
    (participation,) = obs.participations.taking_part("day")
    obs.participations.save(attrs.evolve(participation, screenings=tuple(
        attrs.evolve(s, starts_at=now() - timedelta(hours=2))
        for s in participation.screenings)))
    page.goto(f"{base}/console/screenings/day/izmir/cinema")
    page.get_by_label("How many people attended").fill("about forty")
    page.get_by_role("button", name="Record the attendance").click()
    assert "whole number of people" in page.locator(
        "#lt-console-attendance-error").inner_text()
    assert page.get_by_label("How many people attended").get_attribute(
        "aria-describedby") == "lt-console-attendance-error"
    audit(page, axe_source, "html")
    page.get_by_label("How many people attended").fill("41")
    page.get_by_role("button", name="Record the attendance").click()
    assert page.get_by_role("status").filter(has_text="The attendance is recorded.").count()
    assert page.get_by_label("How many people attended").input_value() == "41"
