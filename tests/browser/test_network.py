"""The network's widgets in headless Chromium: the directory with cities that joined,
left and came back, a city's board of partners and the directory of partners, in
every language, with axe-core finding no violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, i18n
from livingtogether.wsgi import make_app
from test_network import NETWORK
from test_partners import ORGANISATIONS, _cities
from test_web_support import serving

from .journeys import audit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = Path(tmp_path_factory.mktemp("network"))
    with Observatory.open(f"sqlite:///{folder / 'network.sqlite3'}") as obs:
        for city in (*NETWORK, *_cities()):
            obs.cities.create(city)
        for organisation in ORGANISATIONS:
            obs.organisations.create(organisation)
        with serving(make_app(obs), threaded=True) as url:
            yield url


PATHS = ("/widgets/cities", "/widgets/partners", "/widgets/partners?kind=university",
         "/widgets/cities/montreal/partners")


@pytest.mark.parametrize("lang", i18n.CATALOG_LANGUAGES)
def test_the_network_s_widgets_pass_axe_in_every_language(base: str, page: Any,
                                                          axe_source: str, lang: str) -> None:
    for path in PATHS:
        separator = "&" if "?" in path else "?"
        page.goto(f"{base}{path}{separator}lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang, path
        assert audit(page, axe_source) == 1, path
    page.goto(f"{base}/widgets/partners?lang={lang}")
    page.select_option("#lt-partners-kind", "university")
    page.click("button[type=submit]")
    page.wait_for_url("**kind=university**")
    assert page.locator(".lt-partner").count() == 1
    if lang == "en":
        page.goto(f"{base}/widgets/cities/montreal/partners?lang=en")
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / "console-network-board.png"),
                        full_page=True)
