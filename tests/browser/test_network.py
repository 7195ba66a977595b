"""The network's widgets in headless Chromium: the directory with cities that joined,
left and came back, a city's board of partners, the directory of partners and the
network's screenings (a map and a list, each in its own zone), in every language,
with axe-core finding no violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, i18n
from livingtogether.models import Text
from livingtogether.models.hub import NetworkScreening
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
        for screening in SCREENINGS:  # as member sites report them to the hub
            obs.network_screenings.create(screening)
        with serving(make_app(obs), threaded=True) as url:
            yield url


PATHS = ("/widgets/cities", "/widgets/partners", "/widgets/partners?kind=university",
         "/widgets/cities/montreal/partners", "/widgets/network/screenings")
SOON = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
SCREENINGS = (
    NetworkScreening(campaign="day", city="izmir", key="cinema", country="TR",
                     city_name=Text({"en": "Izmir", "tr": "İzmir"}),
                     title=Text({"en": "Living Together Day", "fr": "Journée du vivre ensemble"}),
                     venue="Cinema Karşıyaka", address="1 Quay Street", latitude=38.42,
                     longitude=27.14, starts_at=SOON, zone="Europe/Istanbul", language="tr",
                     subtitles=("en", "ar"), accessibility="Step-free", capacity=40,
                     seats_left=0, url="https://izmir.example.org/screening"),
    NetworkScreening(campaign="day", city="montreal", key="hall", country="CA",
                     city_name=Text({"en": "Montréal"}), title=Text({"en": "Living Together Day"}),
                     venue="<script>alert(1)</script> Hall", latitude=45.5, longitude=-73.57,
                     starts_at=SOON + timedelta(hours=9), zone="America/Toronto",
                     registration_url="https://montreal.example.org/register"),
)


@pytest.mark.parametrize("lang", i18n.CATALOG_LANGUAGES)
def test_the_network_s_widgets_pass_axe_in_every_language(base: str, page: Any,
                                                          axe_source: str, lang: str) -> None:
    for path in PATHS:
        separator = "&" if "?" in path else "?"
        page.goto(f"{base}{path}{separator}lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang, path
        assert audit(page, axe_source) == 1, path
    if lang == "ar":  # the screenings right to left, and their map from the keyboard
        page.goto(f"{base}/widgets/network/screenings?lang={lang}")
        assert page.locator(".lt-nscreen__item").count() == 2
        assert page.locator(".lt-widget").get_attribute("dir") == "rtl"
        page.locator(".lt-map__marker").first.focus()  # a marker leads to its screening
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash").startswith("#lt-nscreen-")
    page.goto(f"{base}/widgets/partners?lang={lang}")
    page.select_option("#lt-partners-kind", "university")
    page.click("button[type=submit]")
    page.wait_for_url("**kind=university**")
    assert page.locator(".lt-partner").count() == 1
    if lang == "en":
        page.goto(f"{base}/widgets/cities/montreal/partners?lang=en")
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / "console-network-board.png"),
                        full_page=True)
