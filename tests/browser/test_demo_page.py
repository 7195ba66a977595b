"""The demo page as a newcomer sees it, in headless Chromium: axe-core (WCAG 2.2 A and
AA) finds nothing on the whole page in any language; on a phone the map keeps a readable
scale, the growth chart stays small, radios and checkboxes are 24 pixels at least; the
screenshots in docs/screenshots/ (1280 and 390 pixels wide, English and Arabic: the
first screen, and the signing form) are taken here, so that they always show the page as it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n_support import language_site
from livingtogether import i18n

from .journeys import audit

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: the screens: width and height in CSS pixels (a laptop; a phone such as an iPhone 14)
SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with language_site(Path(tmp_path_factory.mktemp("demo-page"))) as found:
        yield found


def test_the_whole_demo_page_passes_axe_in_every_language(site: dict[str, Any], page: Any,
                                                          axe_source: str) -> None:
    for lang in i18n.CATALOG_LANGUAGES:
        page.goto(f"{site['base']}/?lang={lang}")
        assert audit(page, axe_source, where="body") == 1, lang


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("device", list(SCREENS))
def test_the_demo_page_on_a_desk_and_on_a_phone(site: dict[str, Any], browser: Any,
                                               lang: str, device: str) -> None:
    width, height = SCREENS[device]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{site['base']}/?lang={lang}")
        page.wait_for_load_state("networkidle")
        # nothing wider than the screen but the map, which scrolls in its own frame
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        chart = page.locator(".lt-chart svg").bounding_box()
        assert chart["height"] <= 170, chart
        svg = page.locator(".lt-map svg").bounding_box()
        assert svg["width"] >= min(width - 64, 560), svg  # a readable scale, even at 390
        label = page.locator(".lt-map__label").first.bounding_box()
        assert label["height"] >= 10, label  # the city names can be read
        for box in page.locator(".lt-widget input[type=radio], .lt-widget input[type=checkbox]"
                                ).evaluate_all("els => els.map(e => e.getBoundingClientRect())"
                                               " .map(r => [r.width, r.height])"):
            assert min(box) >= 24, box
        header = page.locator(".lt-page__header").bounding_box()
        assert header["height"] > 40
        if lang == "ar":
            # the path is isolated: it reads /widgets/cities, left to right
            assert page.locator(".lt-page__source code").first.inner_text() == "/widgets/cities"
        SCREENSHOTS.mkdir(exist_ok=True)
        # the first screen, as a visitor first sees it (the whole page is several MB)
        page.screenshot(path=str(SCREENSHOTS / f"demo-{lang}-{width}.png"),
                        animations="disabled")
        page.evaluate("document.getElementById('lt-demo-pledge').scrollIntoView()")
        page.screenshot(path=str(SCREENSHOTS / f"demo-{lang}-{width}-pledge.png"),
                        animations="disabled")
    finally:
        context.close()
