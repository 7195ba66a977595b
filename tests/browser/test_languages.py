"""Every widget in every language in headless Chromium: axe-core finds no violation,
and Arabic mirrors the layout.

The pages are those of ``tests/test_i18n_widgets.py`` (every widget in each of
its states), opened as a browser opens them; axe-core audits each in en, fr,
es, de, tr and ar. Screenshots of a widget in English and in Arabic show its
ink against opposite edges (kept in ``test-artifacts/browser/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n_support import cases, fetch, ink_columns, language_site
from livingtogether import i18n

from .journeys import audit

LANGUAGES = i18n.CATALOG_LANGUAGES


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The site with every widget in every state (see ``i18n_support``)."""
    with language_site(Path(tmp_path_factory.mktemp("languages"))) as found:
        yield found


def test_every_widget_passes_axe_in_every_language(site: dict[str, Any], page: Any,
                                                   axe_source: str) -> None:
    base = site["base"]
    audited = 0
    for name, method, path, form, status in cases(site):
        if name == "demo":
            continue  # every widget of it is audited on its own
        for lang in LANGUAGES:
            separator = "&" if "?" in path else "?"
            if method == "GET":
                page.goto(f"{base}{path}{separator}lang={lang}")
            else:  # a form's answer, shown where the browser would show it
                html = fetch(base, method, path, form, lang, status)
                page.goto(f"{base}/widgets/cities?lang={lang}")
                page.set_content(html)
            assert page.evaluate("document.documentElement.lang") == lang, (name, lang)
            assert page.evaluate("document.documentElement.dir") == i18n.text_direction(lang)
            audited += audit(page, axe_source)
    assert audited >= 17 * len(LANGUAGES)


SELECTORS = ("h2", ".lt-signatories li >> nth=0", ".lt-total")


def test_arabic_mirrors_the_layout(site: dict[str, Any], page: Any, artifacts: Path) -> None:
    """The signatories widget's title, list and total sit against the right edge in
    Arabic and the left edge in English, at the same distance: CSS logical
    properties, no rules per direction."""
    edges = {}
    for lang in ("en", "ar"):
        page.goto(f"{site['base']}/widgets/pledge/signatories?lang={lang}")
        widget = page.locator(".lt-widget")
        box = widget.bounding_box()
        page.screenshot(path=str(artifacts / f"signatories-{lang}.png"), full_page=True)
        for selector in SELECTORS:
            element = widget.locator(selector).first
            _, first, last = ink_columns(element.screenshot(animations="disabled"))
            found = element.bounding_box()
            # where the ink starts and ends, from the widget's left and right edges
            edges[(lang, selector)] = (found["x"] - box["x"] + first,
                                       box["x"] + box["width"] - (found["x"] + last))
        direction = page.evaluate(
            "getComputedStyle(document.querySelector('.lt-widget')).direction")
        assert direction == ("rtl" if lang == "ar" else "ltr")
    for selector in SELECTORS:
        en_left, en_right = edges[("en", selector)]
        ar_left, ar_right = edges[("ar", selector)]
        # against the start edge: the left one in English, the right one in Arabic
        assert en_left < min(60, en_right), (selector, edges)
        assert ar_right < min(60, ar_left), (selector, edges)
        # the list's indent mirrors too: the same distance from the start edge
        assert abs(en_left - ar_right) < 12, (selector, edges)
