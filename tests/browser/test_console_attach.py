"""Practice attachments in headless Chromium: a PDF with JavaScript refused (nothing
stored, the title kept), a good PDF uploaded, attached in a practice, published, and
listed for download on the public widget; axe-core finds no violation on these screens
in English and Arabic. The screenshots of docs/guide-media.md's documents part are
taken here (docs/screenshots/console-attach-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.wsgi import make_app
from test_console_attachments import pdf
from test_web_support import serving

from .journeys import audit

AYSE = Principal.with_roles(id="ayse@izmir", name="Ayşe", roles=["city-publisher"],
                            cities=["izmir"])
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    obs = Observatory.open(f"sqlite:///{tmp_path / 'console.sqlite3'}",
                           media_folder=str(tmp_path / "media"))
    demo.install(obs)
    try:
        with serving(make_app(obs, console_auth=lambda environ: AYSE), threaded=True) as url:
            yield url
    finally:
        obs.close()


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"console-attach-{name}.png"), full_page=True)


def test_upload_attach_publish_and_download_from_the_widget(
        page: Any, site: str, axe_source: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(site + "/console/media")
    bad = tmp_path / "report.pdf"
    bad.write_bytes(pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "))
    page.locator("#lt-media-doc-file").set_input_files(str(bad))
    page.locator("#lt-media-doc-title-en").fill("Report of the dialogues")
    page.get_by_role("button", name="Upload the document").click()
    assert page.get_by_text("the PDF carries active content").is_visible()
    assert page.get_by_text("No file yet.").is_visible()
    assert page.locator("#lt-media-doc-title-en").input_value() == "Report of the dialogues"
    audit(page, axe_source, "html")
    shoot(page, "1-refused")
    good = tmp_path / "dialogues-report.pdf"
    good.write_bytes(pdf())
    page.locator("#lt-media-doc-file").set_input_files(str(good))
    page.locator("#lt-media-doc-title-fr").fill("Rapport des dialogues")
    page.get_by_role("button", name="Upload the document").click()
    assert page.get_by_text("The document is uploaded").is_visible()
    assert page.locator(".lt-console__media a[download]").count() == 1
    audit(page, axe_source, "html")
    shoot(page, "2-library")
    page.get_by_role("link", name="Practices").first.click()
    page.get_by_role("link", name="New practice").first.click()
    page.get_by_label("Short name in addresses").fill("dialogues")
    page.locator("#f-title-en").fill("Neighbourhood dialogues")
    page.locator(".lt-console__attachments input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Save the draft").click()
    assert page.get_by_text("The draft is saved.").is_visible()
    assert page.locator("#f-attachments-0-title-fr").input_value() == "Rapport des dialogues"
    audit(page, axe_source, "html")
    page.locator(".lt-console__attachment").screenshot(
        path=str(SCREENSHOTS / "console-attach-3-practice-form.png"))
    page.get_by_role("button", name="Publish the draft").click()
    assert page.get_by_text("The practice is published.").is_visible()
    page.goto(site + "/widgets/practices/dialogues?lang=fr")
    link = page.locator(".lt-attachments a[download]")
    assert link.inner_text() == "Rapport des dialogues"
    assert (link.get_attribute("href") or "").startswith("/media/")
    assert "PDF" in page.locator(".lt-attachments").inner_text()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == pdf()
    audit(page, axe_source)
    shoot(page, "4-widget")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_document_screens_pass_axe(page: Any, site: str, axe_source: str,
                                       language: str, tmp_path: Path) -> None:
    good = tmp_path / "report.pdf"
    good.write_bytes(pdf())
    page.goto(f"{site}/console/media?lang={language}")
    page.locator("#lt-media-doc-file").set_input_files(str(good))
    page.locator("#lt-media-doc-title-en").fill("A report")
    page.locator("form[enctype] button[type=submit]").nth(1).click()
    audit(page, axe_source, "html")  # the library with a document
    page.goto(f"{site}/console/practices/new?lang={language}")
    audit(page, axe_source, "html")  # the form with the library's documents to attach
