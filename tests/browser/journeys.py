"""The steps every host's journey takes in the browser, whatever served the page."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pledge_support import LINK_RE

#: every WCAG level A and AA rule of axe-core, 2.2 (the 24-pixel target size) included
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
CITIZEN = {"name": "Ayşe Yılmaz", "country": "TR"}


def shoot(page: Any, artifacts: Path, name: str) -> None:
    """Keep a full-page screenshot as a test artifact."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def audit(page: Any, axe_source: str, where: str = ".lt-widget") -> int:
    """Run axe-core (WCAG 2.2 A and AA) on every widget in the page; fail on any violation.

    Returns how many widgets were audited. Frames are audited by their own page.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    count = page.locator(where).count()
    assert count > 0, f"no {where} in the page to audit"
    result = page.evaluate(
        """async ([where, tags]) => {
            const found = await axe.run({include: [[where]]},
                                        {runOnly: {type: 'tag', values: tags}});
            return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""", [where, WCAG])
    assert result == [], json.dumps(result, indent=1, ensure_ascii=False)
    return int(count)


def expected_times(observatory: Any, event_slug: str) -> tuple[str, list[str]]:
    """The first timed session's title and its start in each display zone (``16:00``)."""
    event = observatory.programme.get(event_slug)
    session = next(s for s in event.sessions if s.starts_at is not None)
    zones = [d.zone for d in event.display_zones] or [event.host_zone]
    starts = [session.starts_at.astimezone(ZoneInfo(zone)) for zone in zones]
    return session.key, [f"{moment.hour}:{moment.minute:02d}" for moment in starts]


def check_programme(page: Any, observatory: Any, event_slug: str) -> None:
    """The programme shows its first session at the right time in every display zone."""
    key, starts = expected_times(observatory, event_slug)
    session = page.locator(f"#lt-session-{event_slug}-{key}").locator("xpath=..")
    session.wait_for()
    # the display zones, not the reader's own time that programme.js may add
    shown = session.locator(".lt-times li:not(.lt-times__local)").all_inner_texts()
    assert len(shown) == len(starts), shown
    for line, start in zip(shown, starts, strict=False):
        assert re.search(rf"(^|\D){re.escape(start)}\s*–", line), (line, start)
        assert re.search(r"\(UTC[+-]\d+(:\d\d)?\)|UTC[+-]\d", line), line


def sign(page: Any, email: str) -> None:
    """Fill and send the signing form as a citizen; wait for the thank-you.

    A person takes more than the form's least fill time (2 s by default) to
    fill it; so does this one.
    """
    page.wait_for_timeout(2200)
    form = page.locator(".lt-widget--pledge form")
    form.locator("#lt-pledge-kind-citizen").check()
    form.locator("#lt-pledge-name").fill(CITIZEN["name"])
    form.locator("#lt-pledge-email").fill(email)
    form.locator("#lt-pledge-country").select_option(CITIZEN["country"])
    form.locator("#lt-pledge-consent").check()
    form.locator("button[type=submit]").click()
    page.locator(".lt-widget--pledge .lt-thanks").wait_for()


def submit_empty(page: Any) -> None:
    """Send the form with nothing filled in (the browser's own checks off): errors show."""
    page.evaluate("""() => document.querySelectorAll('.lt-widget--pledge form')
                          .forEach(f => f.noValidate = true)""")
    page.locator(".lt-widget--pledge form button[type=submit]").click()
    page.locator(".lt-widget--pledge .lt-errors").wait_for()


def confirm_link(message: Any) -> str:
    """The confirmation link of a pledge email."""
    found = [link for link, action, _ in LINK_RE.findall(message.get_body(("plain",))
                                                         .get_content()) if action == "confirm"]
    assert found, message.get_body(("plain",)).get_content()
    return str(found[0])


def counter_value(page: Any) -> int:
    """The number of confirmed signatures the counter widget shows."""
    counter = page.locator(".lt-widget--pledge-counter .lt-pledge__count").first
    counter.wait_for()
    progress = counter.locator("progress")
    if progress.count():
        return int(progress.get_attribute("value"))
    return int(re.sub(r"\D", "", counter.inner_text().split("confirmed")[0]))


def received(smtp: Any, address: str, seconds: float = 20) -> Any:
    """The first email the SMTP server received for ``address`` (waiting, bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = smtp.inbox.to(address)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no email to {address} within {seconds} s")


def confirm(page: Any, smtp: Any, email: str, axe_source: str, artifacts: Path,
            base: str) -> None:
    """Open the email's link (under ``base``), audit its page, press its one button."""
    link = confirm_link(received(smtp, email))
    assert link.startswith(base), (link, base)
    page.goto(link)
    page.locator(".lt-widget--pledge-confirm form button").wait_for()
    audit(page, axe_source)
    shoot(page, artifacts, "4-confirm-link")
    page.locator(".lt-widget--pledge-confirm form button").click()
    page.locator(".lt-widget--pledge-confirm [role=status]").wait_for()
    audit(page, axe_source)
    shoot(page, artifacts, "5-confirmed")


@dataclass
class Host:
    """A site that shows the widgets, as the journey needs it."""

    url: str  # the page with the widgets
    mount: str  # where the widgets are served: the emails' links start with it
    observatory: Any
    widgets: int  # how many the page shows
    send_mail: Callable[[], None]  # the site's worker
    ready: Callable[[Any], None] = lambda page: None  # waits until the widgets are in
    stays: bool = False  # forms are sent by script: the reader stays on the page


def walk(page: Any, host: Host, smtp: Any, axe_source: str, artifacts: Path, email: str,
         event: str, also: Callable[[Any], None] = lambda page: None) -> None:
    """A resident's journey: read the programme, get the form wrong, sign, confirm by email.

    Every widget is audited by axe-core at each step (blank, with errors,
    signed, the link's page, confirmed); ``also`` runs host-specific checks
    once the page is shown.
    """
    def show() -> None:
        page.goto(host.url)
        host.ready(page)

    show()
    check_programme(page, host.observatory, event)
    assert audit(page, axe_source) == host.widgets
    shoot(page, artifacts, "1-page")
    also(page)
    submit_empty(page)
    audit(page, axe_source)
    shoot(page, artifacts, "2-errors")
    assert (page.url == host.url) is host.stays
    show()
    before = counter_value(page)
    sign(page, email)
    if host.stays:
        assert page.url == host.url
    else:  # the plain form's post returns to its page, marked to show the thanks there
        assert page.url.split("?")[0] == host.url.split("?")[0], page.url
        assert page.url.endswith("#lt-pledge-thanks"), page.url
    # the focus moved to the answer (by the script, or by the page returned to)
    assert page.evaluate("document.activeElement.id") == "lt-pledge-thanks"
    audit(page, axe_source)
    shoot(page, artifacts, "3-signed")
    stored = host.observatory.signatures.list("universal-declaration").items
    assert [p.name for p in stored if p.email == email] == [CITIZEN["name"]]
    host.send_mail()
    confirm(page, smtp, email, axe_source, artifacts, host.mount)
    show()
    assert counter_value(page) == before + 1
    shoot(page, artifacts, "6-counted")
