"""Each language's typography and direction in the widgets, over real HTTP: French puts
a no-break space before ":", Arabic writes the Arabic comma, a path shown in right-to-left
text is isolated, a resident's 404 names no field (docs/languages.md, issue 21)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from i18n_support import fetch, language_site
from livingtogether.i18n import colon, translations

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with language_site(Path(tmp_path_factory.mktemp("typography"))) as found:
        yield found


def test_the_label_separator_of_each_language() -> None:
    assert colon(translations("fr")) == NBSP + ": "
    for lang in ("en", "es", "de", "tr", "ar"):
        assert colon(translations(lang)) == ": ", lang


def test_french_titles_put_a_no_break_space_before_the_colon(site: dict[str, Any]) -> None:
    base = site["base"]
    site["obs"].programme.publish("izmir-2021", note="first")
    feed = requests.get(f"{base}/api/v1/events/izmir-2021/changes.atom?lang=fr", timeout=10)
    assert feed.status_code == 200
    assert f"{NBSP}: modifications du programme</title>" in feed.text
    assert ": modifications du programme" not in feed.text.replace(NBSP + ":", "")
    english = requests.get(f"{base}/api/v1/events/izmir-2021/changes.atom?lang=en", timeout=10)
    assert ": programme changes</title>" in english.text
    assert f"{NBSP}:" not in english.text
    page = fetch(base, "GET", "/widgets/programme/izmir-2021", None, "fr", 200)
    assert f"</span>{NBSP}: <time" in page  # "Heure d'Izmir : 10:00-11:00"
    assert "</span>: <time" not in page


def test_arabic_writes_the_arabic_comma_in_your_time(site: dict[str, Any]) -> None:
    page = fetch(site["base"], "GET", "/widgets/programme/izmir-2021", None, "ar", 200)
    assert 'data-lt-comma="، "' in page  # programme.js joins the reader's day and time with it
    assert 'data-lt-colon=": "' in page
    french = fetch(site["base"], "GET", "/widgets/programme/izmir-2021", None, "fr", 200)
    assert f'data-lt-colon="{NBSP}: "' in french


def test_paths_in_arabic_text_are_isolated(site: dict[str, Any]) -> None:
    page = fetch(site["base"], "GET", "/", None, "ar", 200)
    assert '<code translate="no" dir="ltr">/widgets/cities</code>' in page


def test_a_residents_404_names_no_field(site: dict[str, Any]) -> None:
    page = fetch(site["base"], "GET", "/widgets/programme/nope", None, "en", 404)
    assert "there is no event &#39;nope&#39;" in page
    assert "slug:" not in page
    api = requests.get(f"{site['base']}/api/v1/events/nope", timeout=10)
    assert api.status_code == 404
    assert api.json()["error"]["field"] == "slug"  # the API keeps its field
