"""An editor picks an event for a block through the Wagtail chooser, in headless Chromium.

The demo Wagtail site under gunicorn (``wagtail_site`` of test_journeys.py): the editor
logs in, opens the demo page, adds a programme block, searches the event chooser for an
event, picks it, publishes; the live page shows that event's programme. Screenshots for
docs/wagtail.md: docs/screenshots/wagtail-chooser-*.png.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs

from livingtogether import Observatory
from livingtogether.models import Text

from .conftest import ROOT
from .test_journeys import WAGTAIL, wagtail_site  # noqa: F401 (the fixture, imported)

SCREENSHOTS = ROOT / "docs" / "screenshots"
TITLE = "Living Together Forum"


def test_an_editor_picks_the_event_of_a_block_in_the_chooser(
        wagtail_site: tuple[str, Observatory, dict[str, str]],  # noqa: F811
        page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect  # here: the fixtures skip without Playwright

    base, observatory, env = wagtail_site
    izmir = observatory.programme.get("izmir-2021")
    observatory.programme.create(attrs.evolve(izmir, slug="forum-2024", title=Text.of(TITLE)))
    found = subprocess.run([sys.executable, "manage.py", "setup_demo"], cwd=WAGTAIL, env=env,
                           check=True, timeout=120, capture_output=True, text=True)
    page_id = re.search(r"\(id (\d+)\)", found.stdout)
    assert page_id, found.stdout
    assert TITLE not in page.goto(f"{base}/").text()

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/pages/{page_id.group(1)}/edit/")
    blocks = page.locator("[data-streamfield-child]")
    blocks.first.wait_for()
    before = blocks.count()
    page.locator("button.c-sf-add-button").last.click()
    page.get_by_role("option", name=re.compile("^Programme")).click()
    page.wait_for_function(f"document.querySelectorAll('[data-streamfield-child]').length"
                           f" > {before}")
    added = blocks.last
    added.get_by_role("button", name="Choose an event").click()

    modal = page.locator(".modal-dialog")
    modal.locator("input[name=q]").fill("forum")
    choice = modal.locator("a[data-chooser-modal-choice]", has_text=TITLE)
    expect(modal.locator("a[data-chooser-modal-choice]")).to_have_count(1)  # the search's
    expect(modal.get_by_role("alert")).to_contain_text("There is 1 match")
    modal.screenshot(path=str(SCREENSHOTS / "wagtail-chooser-1-modal.png"))
    choice.click()
    modal.wait_for(state="hidden")
    assert TITLE in added.inner_text()
    added.screenshot(path=str(SCREENSHOTS / "wagtail-chooser-2-chosen.png"))
    assert added.locator("input[type=hidden][value='forum-2024']").count() == 1

    page.locator("footer [data-w-dropdown-target='toggle']").last.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    page.goto(f"{base}/")
    programmes = page.locator(".lt-widget--programme")
    assert programmes.filter(has_text=TITLE).count() == 1
    programmes.filter(has_text=TITLE).screenshot(
        path=str(SCREENSHOTS / "wagtail-chooser-3-live.png"))
    page.screenshot(path=str(artifacts / "live.png"), full_page=True)
