"""Enter in a text field of a console form saves it (issue 16), in headless Chromium: the
form's first submit button is its unseen default one, so Enter never presses "Add another
row" (the first visible button of a form with a repeatable group). A new form starts from
the model's defaults: a screening saved without touching its box is listed publicly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit

SAM = Principal.with_roles(id="sam@observatory", name="Sam", roles=["secretariat-admin"])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Observatory]]:
    obs = Observatory.open(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    demo.install(obs)
    try:
        with serving(make_app(obs, console_auth=lambda environ: SAM), threaded=True) as url:
            yield url, obs
    finally:
        obs.close()


def test_enter_in_a_text_field_saves_the_form(page: Any, site: tuple[str, Observatory],
                                              axe_source: str) -> None:
    url, obs = site
    page.goto(f"{url}/console/cities/izmir")
    before = obs.cities.get("izmir").partner_board
    blank = page.locator("input[id^=f-partner_board-]").last  # the row to add one
    blank.fill("Saved by Enter")
    blank.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_text("The draft is saved.").is_visible(), page.inner_text("main")[:2000]
    draft = Staff(obs).cities.get(SAM, "izmir").current
    assert draft.partner_board == (*before, "Saved by Enter")
    audit(page, axe_source, "html")  # the unseen button breaks no rule


def test_a_new_screening_typed_and_entered_is_listed_publicly(
        page: Any, site: tuple[str, Observatory]) -> None:
    url, obs = site
    page.goto(f"{url}/console/participations/new")
    assert page.locator("#f-screenings-0-public").is_checked()
    page.locator("#f-city").select_option("izmir")
    page.locator("#f-campaign").select_option("idltp-2022")  # a chooser of the campaigns
    page.locator("#f-screenings-0-zone").fill("Europe/Istanbul")
    page.locator("#f-screenings-0-starts_at").fill("2030-05-21T19:00")
    page.locator("#f-screenings-0-venue").fill("Ahmed Adnan Saygun Hall")
    page.locator("#f-screenings-0-venue").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_text("The draft is saved.").is_visible(), page.inner_text("main")[:2000]
    draft = Staff(obs).participations.get(SAM, "idltp-2022/izmir").current
    assert [(s.venue, s.public) for s in draft.screenings] == [
        ("Ahmed Adnan Saygun Hall", True)]
