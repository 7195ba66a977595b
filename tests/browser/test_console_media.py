"""The console's media library in headless Chromium: upload a photo (after a refused SVG),
choose it in a practice, publish, and see it on the public widget; axe-core finds no
violation on the media screens in English and Arabic. The screenshots of the staff
guide (docs/guide-media.md) are taken here."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit

AYSE = Principal.with_roles(id="ayse@izmir", name="Ayşe", roles=["city-publisher"],
                            cities=["izmir"])
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


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


def photo(tmp_path: Path) -> Path:
    image = Image.new("RGB", (1600, 1000), (230, 180, 60))
    for x in range(0, 1600, 80):
        image.paste((40, 90, 160), (x, 300, x + 40, 700))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (38.0, 25.0, 12.0), 3: "E", 4: (27.0, 8.0, 30.0)}
    path = tmp_path / "street-party.jpg"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"console-media-{name}.png"), full_page=True)


def test_upload_choose_publish_and_see_it_on_the_widget(page: Any, site: str, axe_source: str,
                                                        tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(site + "/console/practices")
    page.get_by_role("link", name="Media library").click()
    audit(page, axe_source, "html")
    # an SVG with a script: refused, nothing stored, what was typed kept
    svg = tmp_path / "logo.svg"
    svg.write_bytes(SVG)
    page.locator("#lt-media-file").set_input_files(str(svg))
    page.locator("#lt-media-alt-en").fill("Neighbours at the street party")
    page.get_by_role("button", name="Upload", exact=True).click()
    assert page.get_by_text("SVG images are not accepted").is_visible()
    assert page.get_by_text("No file yet.").is_visible()
    assert page.locator("#lt-media-alt-en").input_value() == "Neighbours at the street party"
    audit(page, axe_source, "html")
    shoot(page, "1-refused")
    # the photo
    page.locator("#lt-media-file").set_input_files(str(photo(tmp_path)))
    page.locator("#lt-media-alt-fr").fill("Des voisins à la fête de quartier")
    page.locator("#lt-media-credit").fill("Ville d'Izmir")
    page.get_by_role("button", name="Upload", exact=True).click()
    assert page.get_by_text("The image is uploaded").is_visible()
    assert page.locator(".lt-console__media img").count() == 1
    audit(page, axe_source, "html")
    shoot(page, "2-library")
    # chosen in a new practice (the menu offers "New practice" on the practices' pages)
    page.get_by_role("link", name="Practices").first.click()
    page.get_by_role("link", name="New practice").first.click()
    page.get_by_label("Short name in addresses").fill("street-party")
    page.locator("#f-title-en").fill("The street party")
    page.locator(".lt-console__images input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Save the draft").click()
    assert page.get_by_text("The draft is saved.").is_visible()
    assert page.locator("#f-images-0-alt-en").input_value() == "Neighbours at the street party"
    audit(page, axe_source, "html")
    page.locator(".lt-console__image").screenshot(
        path=str(SCREENSHOTS / "console-media-3-practice-form.png"))
    page.get_by_role("button", name="Publish the draft").click()
    assert page.get_by_text("The practice is published.").is_visible()
    # the public widget, in French: the French alt text, srcset, no layout shift
    page.goto(site + "/widgets/practices/street-party?lang=fr")
    img = page.locator(".lt-practice__image img")
    assert img.get_attribute("alt") == "Des voisins à la fête de quartier"
    assert img.get_attribute("width") == "1600"
    assert img.get_attribute("height") == "1000"
    assert "480w" in (img.get_attribute("srcset") or "")
    assert img.get_attribute("loading") == "lazy"
    img.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.lt-practice__image img').complete "
                           "&& document.querySelector('.lt-practice__image img').naturalWidth > 0")
    assert page.get_by_text("Image : Ville d'Izmir").is_visible()
    audit(page, axe_source)
    shoot(page, "4-widget")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_media_screens_pass_axe(page: Any, site: str, axe_source: str, language: str,
                                    tmp_path: Path) -> None:
    page.goto(f"{site}/console/media?lang={language}")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    audit(page, axe_source, "html")
    page.locator("#lt-media-file").set_input_files(str(photo(tmp_path)))
    page.locator("#lt-media-alt-en").fill("A street party")
    page.locator("form[enctype] button[type=submit]").first.click()
    audit(page, axe_source, "html")  # the library with an image
    page.goto(f"{site}/console/practices/new?lang={language}")
    audit(page, axe_source, "html")  # the form with the library's images to choose
    if language == "ar":
        shoot(page.locator("html").page, "5-ar")
