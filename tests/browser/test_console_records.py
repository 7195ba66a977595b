"""The console's generic record screens in headless Chromium, one journey per kind: a form
with a mistake (the error at its field, what was typed kept), fixed, previewed, published,
seen in public, and the first revision restored; axe-core (WCAG 2.2 A and AA) finds no
violation on any of the screens, in English and in Arabic (mirrored). The screenshots of
the staff guide (docs/guide-records.md) are taken here, into docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: the form's visible save button (not "add a row", not the unseen default one first)
SAVE = "form.lt-console__form button[type=submit]:not([name]):not([aria-hidden])"
SAM = Principal.with_roles(id="sam@observatory", name="Sam", roles=["secretariat-admin"])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    obs = Observatory.open(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    demo.install(obs)
    try:
        with serving(make_app(obs, console_auth=lambda environ: SAM), threaded=True) as url:
            yield url
    finally:
        obs.close()


@attrs.frozen
class Journey:
    plural: str
    key: str
    fill: dict[str, str]  # input id -> text
    mistake: tuple[str, str]  # input id -> a wrong text
    right: str  # the right text for it
    public: str
    shown: str


JOURNEYS = [
    Journey(plural="cities", key="lyon", fill={
        "f-slug": "lyon", "f-name-en": "Lyon", "f-country": "FR",
        "f-partner_board-0": "Mairie de Lyon", "f-timezone": "Europe/Paris",
        "f-longitude": "4.84"},
        mistake=("f-latitude", "95"), right="45.76", public="/api/v1/cities/lyon",
        shown="Mairie de Lyon"),
    Journey(plural="themes", key="sport", fill={"f-slug": "sport",
                                                "f-label-en": "Sport together"},
            mistake=("f-slug", "Sport!"), right="sport", public="/api/v1/themes?limit=100",
            shown="Sport together"),
    Journey(plural="declarations", key="city-pact", fill={
        "f-slug": "city-pact", "f-title-en": "The city pact", "f-text-en": "We live together."},
        mistake=("f-milestones", "ten"), right="10", public="/api/v1/declarations/city-pact",
        shown="The city pact"),
    Journey(plural="campaigns", key="spring-days", fill={
        "f-slug": "spring-days", "f-title-en": "Spring days", "f-description-en": "Films."},
        mistake=("f-day", "tomorrow"), right="2027-03-21",
        public="/widgets/campaign/spring-days", shown="Spring days"),
    Journey(plural="participations", key="idltp-2022/izmir", fill={
        "f-campaign": "idltp-2022", "f-screenings-0-venue": "Ahmed Adnan Saygun Hall",
        "f-screenings-0-zone": "Europe/Istanbul", "f-screenings-0-public": "yes",
        "f-signed": "yes"},
        mistake=("f-screenings-0-starts_at", "soon"), right="2030-05-21T19:00",
        public="/widgets/campaign/idltp-2022", shown="Ahmed Adnan Saygun Hall"),
]


def _fill(page: Any, field: str, value: str) -> None:
    target = page.locator(f"#{field}")
    kind = target.get_attribute("type")
    if kind == "checkbox":
        target.check()
    elif target.evaluate("e => e.tagName") == "SELECT":
        target.select_option(value)
    else:
        target.fill(value)


def _check(page: Any, axe_source: str) -> None:
    audit(page, axe_source, "html")
    page.goto(page.url + ("&" if "?" in page.url else "?") + "lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    audit(page, axe_source, "html")
    page.go_back()


def _mistake(page: Any, site: str, journey: Journey, lang: str) -> None:
    """The new form filled with the journey's mistake and sent, in ``lang``."""
    page.goto(f"{site}/console/{journey.plural}/new?lang={lang}")
    if journey.plural == "participations":  # the secretariat's chooser lists every city
        page.locator("#f-city").select_option("izmir")
    for field, value in journey.fill.items():
        _fill(page, field, value)
    _fill(page, *journey.mistake)
    page.locator(SAVE).click()
    assert page.locator(f"#{journey.mistake[0]}-error").is_visible()
    for field, value in {**journey.fill, journey.mistake[0]: journey.mistake[1]}.items():
        if page.locator(f"#{field}").get_attribute("type") != "checkbox":  # nothing is lost
            assert page.locator(f"#{field}").input_value() == value


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.plural for j in JOURNEYS])
def test_a_record_from_a_mistake_to_the_public(page: Any, site: str, axe_source: str,
                                               journey: Journey) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{site}/console/{journey.plural}")
    _check(page, axe_source)
    _mistake(page, site, journey, "ar")
    audit(page, axe_source, "html")
    page.screenshot(path=str(SCREENSHOTS / f"console-records-{journey.plural}-ar.png"),
                    full_page=True)
    _mistake(page, site, journey, "en")
    audit(page, axe_source, "html")
    page.screenshot(path=str(SCREENSHOTS / f"console-records-{journey.plural}-mistake.png"),
                    full_page=True)
    _fill(page, journey.mistake[0], journey.right)
    page.locator(SAVE).click()
    page.wait_for_load_state()
    assert page.get_by_text("The draft is saved.").is_visible(), page.inner_text("main")[:2000]
    _check(page, axe_source)
    page.get_by_role("link", name="Preview").click()
    assert journey.shown in page.inner_text("main")
    _check(page, axe_source)
    page.get_by_role("link", name="Back to the form").click()
    page.get_by_label("What changed (for the history)").fill("first version")
    page.get_by_role("button", name="Publish the draft").click()
    assert page.get_by_text("The draft is published.").is_visible()
    page.get_by_role("link", name="History").click()
    _check(page, axe_source)
    if journey.plural == "cities":
        page.screenshot(path=str(SCREENSHOTS / "console-records-history.png"), full_page=True)
    page.goto(site + journey.public)
    assert journey.shown in page.inner_text("body")


def test_add_another_row_without_a_script(page: Any, site: str, axe_source: str) -> None:
    page.goto(f"{site}/console/cities/izmir")
    before = page.locator("input[id^=f-partner_board-]").count()
    page.get_by_role("button", name="Add another row to Partner board").click()
    assert page.locator("input[id^=f-partner_board-]").count() == before + 1
    page.screenshot(path=str(SCREENSHOTS / "console-records-add-row.png"), full_page=True)
    audit(page, axe_source, "html")
    page.goto(f"{site}/console/cities/izmir?lang=ar")
    page.locator("button[name=add_row][value=partner_board]").click()
    assert page.locator("input[id^=f-partner_board-]").count() == before + 1
    assert page.locator("html").get_attribute("dir") == "rtl"
    audit(page, axe_source, "html")
