"""The console's signature and moderation screens in headless Chromium: search a
signature, withdraw it on request, export the CSV; claim and approve a submitted
practice; axe-core (WCAG 2.2 A and AA) finding no violation on these screens in English
and Arabic (mirrored). The screenshots of docs/guide-review.md are taken here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, demo, i18n
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import NotFound
from livingtogether.models import ModerationStatus, Pledge, Practice, SignerKind, Text
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit, shoot

SECRETARIAT = Principal.with_roles(id="sam@observatory", name="Sam",
                                   roles=["secretariat-admin"])
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Observatory, str]]:
    obs = Observatory.open(f"sqlite:///{tmp_path / 'review.sqlite3'}")
    demo.install(obs)
    for name, email, city in (("Ayşe Yılmaz", "ayse@example.org", "Izmir"),
                              ("Jean Tremblay", "jean@example.ca", "Montréal"),
                              ("Lena Schmidt", "lena@example.de", "Düsseldorf")):
        signed = obs.signing.sign(Pledge(declaration="universal-declaration",
                                         kind=SignerKind.CITIZEN, name=name, email=email,
                                         country="TR", city=city, consent_version="2024-01"))
        assert signed.id is not None
        obs.signing.confirm(signed.id)
    editor = Principal.with_roles(id="elif@izmir", name="Elif", roles=["city-editor"],
                                  cities=["izmir"])
    staff = Staff(obs)
    staff.practices.save_draft(editor, Practice(
        slug="tea-and-talk", city="izmir", title=Text.of("Tea and talk"),
        summary=Text.of("Neighbours meet over tea every Friday.")), base=0)
    staff.practices.submit(editor, "tea-and-talk", base=1)
    try:
        with serving(make_app(obs, console_auth=lambda environ: SECRETARIAT),
                     threaded=True) as url:
            yield obs, url
    finally:
        obs.close()


def keep(page: Any, artifacts: Path, name: str) -> None:
    """A screenshot for the test's artifacts and for the guide."""
    shoot(page, artifacts, name)
    DOCS.mkdir(exist_ok=True)
    shutil.copyfile(artifacts / f"{name}.png", DOCS / f"console-review-{name}.png")


def test_search_withdraw_and_export_signatures(page: Any, site: tuple[Observatory, str],
                                               axe_source: str, artifacts: Path) -> None:
    obs, url = site
    page.goto(url + "/console/practices")
    page.get_by_role("link", name="Signatures").click()
    audit(page, axe_source, "html")
    page.get_by_label("Name, email address or city").fill("yılmaz")
    page.get_by_role("button", name="Search").click()
    rows = page.locator(".lt-console__table tbody tr")
    assert rows.count() == 1
    assert "ayse@example.org" in rows.first.inner_text()
    keep(page, artifacts, "signatures")
    page.get_by_role("link", name="Withdraw the signature of Ayşe Yılmaz").click()
    audit(page, axe_source, "html")
    assert page.locator("#f-reason").get_attribute("required") is not None
    page.get_by_label("Reason (e.g. the resident's request and its date)").fill(
        "Her email of 3 December asking to withdraw")
    keep(page, artifacts, "withdraw")
    page.get_by_role("button", name="Withdraw the signature").click()
    assert page.get_by_text("The signature was withdrawn").is_visible()
    with pytest.raises(NotFound):
        Staff(obs).signatures.find(SECRETARIAT, "universal-declaration", "ayse@example.org")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export the confirmed signatures (CSV)").click()
    download = waiting.value
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "Jean Tremblay" in text
    assert "Ayşe" not in text
    page.get_by_role("link", name="Retention of personal data").click()
    audit(page, axe_source, "html")


def test_moderate_a_submitted_practice(page: Any, site: tuple[Observatory, str],
                                       axe_source: str, artifacts: Path) -> None:
    obs, url = site
    page.goto(url + "/console/practices")
    page.get_by_role("link", name="Moderation queue").click()
    audit(page, axe_source, "html")
    keep(page, artifacts, "queue")
    page.get_by_role("link", name="Tea and talk").click()
    page.get_by_role("button", name="Claim it for review").click()
    assert page.get_by_text("You are reviewing this item until").is_visible()
    page.get_by_label("A note for the moderators (never shown to the city)").fill(
        "Checked with the city's office: the Friday meetings run.")
    page.get_by_role("button", name="Add the note").click()
    assert page.get_by_text("Checked with the city's office").is_visible()
    audit(page, axe_source, "html")
    keep(page, artifacts, "review")
    page.get_by_role("button", name="Reject").click()  # no reason: stays, says why
    assert page.locator("#f-reason-error").is_visible()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.get_by_text("Decided: tea-and-talk.").is_visible()
    assert obs.practices.get("tea-and-talk").status is ModerationStatus.PUBLISHED
    page.goto(url + "/widgets/practices/tea-and-talk")
    assert "Tea and talk" in page.inner_text("body")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_review_screens_pass_axe(page: Any, site: tuple[Observatory, str],
                                     axe_source: str, language: str) -> None:
    obs, url = site
    pledge = obs.signatures.list("universal-declaration").items[0]
    for path in ("/console/signatures", "/console/signatures?q=nobody-at-all",
                 f"/console/signatures/{pledge.id}/withdraw", "/console/signatures/retention",
                 "/console/moderation", "/console/moderation/tea-and-talk"):
        joiner = "&" if "?" in path else "?"
        page.goto(f"{url}{path}{joiner}lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == i18n.text_direction(language)
        audit(page, axe_source, "html")
