"""The site's active language reaches the widgets: ``LIVINGTOGETHER_LANGUAGE_SELECTOR``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import pytest
import requests
from livingtogether_flask import LivingTogether

from livingtogether import Observatory

PAGE = "{{ livingtogether_widget('cities') }}"


def lang_of(html: str) -> str:
    """The widget root's ``lang``."""
    start = html.index('<section class="lt-widget')
    return html[start:].split('lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "blueprint-view"])
def test_the_sites_language_comes_after_lang_and_before_the_browser(
        observatory: Observatory, serve: Callable[[Any], str], direct: bool) -> None:
    app = flask.Flask(__name__)

    def selector() -> str | None:  # the site's own choice: a URL prefix, a cookie, a user
        return flask.request.cookies.get("site_language")

    app.config.update(LIVINGTOGETHER_OBSERVATORY=observatory, LIVINGTOGETHER_DIRECT=direct,
                      LIVINGTOGETHER_LANGUAGE_SELECTOR=selector)
    LivingTogether(app)
    app.add_url_rule("/page", "page", lambda: flask.render_template_string(PAGE))
    base = serve(app)
    widget = f"{base}/livingtogether/widgets/cities"
    browser = {"Accept-Language": "de"}
    assert lang_of(requests.get(widget, headers=browser, timeout=10).text) == "de"
    chosen = {"site_language": "ar"}
    answer = requests.get(widget, headers=browser, cookies=chosen, timeout=10).text
    assert lang_of(answer) == "ar"
    assert 'dir="rtl"' in answer
    assert "المدن الأعضاء" in answer  # "Member cities", from the catalogs
    assert lang_of(requests.get(f"{widget}?lang=tr", headers=browser, cookies=chosen,
                                timeout=10).text) == "tr"
    # in the host's own template too
    page = requests.get(f"{base}/page", headers=browser, cookies=chosen, timeout=10).text
    assert lang_of(page) == "ar"
    # a language the site does not offer is passed over
    assert lang_of(requests.get(widget, headers=browser, cookies={"site_language": "ja"},
                                timeout=10).text) == "de"
