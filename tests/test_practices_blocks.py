"""The practices list built from blocks kept rendered is byte for byte the list of one template.

``tests/data/practices_before.html`` is the widget's template as it was before
its facets and hits became blocks (``_practice_facet.html``, ``_practice_hit.html``)
rendered once per what they show: every query, filter, page and language below
must come out the same, from a fresh render and from the blocks kept, and a
change of the data must show at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import attrs
import pytest

from livingtogether.web import catalogue
from livingtogether.web.app import WebApp
from livingtogether.web.http import Request
from livingtogether.web.localizer import Localizer
from livingtogether.web.practices_view import SearchView
from livingtogether.web.render import text_of

BEFORE = (Path(__file__).parent / "data" / "practices_before.html").read_text(encoding="utf-8")
QUERIES = ["", "q=montreal", "q=youth+city", "theme=governance-and-participation",
           "kind=practice", "country=CA", "language=fr", "limit=2", "limit=2&offset=2",
           "q=zzzzqqq", "lang=fr", "lang=ar&limit=3", "city=montreal&lang=es",
           "theme=no-such-theme"]
LANGUAGES = ["en", "fr", "ar", "es", "pt", "ca"]


def before(web: WebApp, request: Request, lang: str, params: dict[str, Any]) -> str:
    """The widget as the one template rendered it."""
    results = catalogue.run_search(web, params, reader_language=lang)
    state = catalogue.search_state(params)
    localizer = Localizer(web, request, lang)
    view = SearchView(web, localizer, catalogue.theme_labels(web))
    return text_of(web.templates.from_string(BEFORE), L=localizer, request=request,
                   results=results, state=state, facets=view.facets(results, state),
                   hits=view.hits(results, state), max_offset=catalogue.MAX_OFFSET)


def both(web: WebApp, query: str, lang: str) -> tuple[str, str]:
    """(before, now) of the widget for ``query`` read in ``lang``."""
    request = Request.build(method="GET", path="/widgets/practices", query_string=query,
                            headers=[("Accept-Language", lang)], script_name="/city")
    route, _ = web.router.match("GET", "/widgets/practices")
    params = {p.name: p.parse(request.query.get_all(p.name), web.settings)
              for p in route.params}
    with web.observatory.store.pinned():
        now = catalogue.search_html(web, request, lang, params)
    return before(web, request, lang, params), now


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_query_renders_as_the_one_template_did(open_demo: Callable[..., Any],
                                                     lang: str) -> None:
    web = WebApp(open_demo(widget_cache_seconds=0))
    found = 0
    for query in QUERIES:
        old, fresh = both(web, query, lang)
        assert fresh == old, (query, lang)
        found += fresh.count('<article class="lt-practice">')
        _, kept = both(web, query, lang)  # from the blocks kept
        assert kept == old, (query, lang)
    assert found > 10  # the queries show practices, not only empty lists
    assert any(key[0] == "hit" for key in web.answers)  # blocks were kept


def test_a_change_shows_at_once_through_the_blocks_kept(open_demo: Callable[..., Any]) -> None:
    obs = open_demo(widget_cache_seconds=0)
    web = WebApp(obs)
    _, first = both(web, "", "en")
    practice = next(p for p in obs.practices.list(limit=100).items
                    if p.title.get("en") and p.title.get("en", "") in first)
    title = practice.title.get("en")
    renamed = attrs.evolve(practice, title=attrs.evolve(
        practice.title, values={**practice.title.values, "en": "Renamed & <kept>"}))
    obs.practices.save(renamed)
    old, now = both(web, "", "en")
    assert now == old
    assert "Renamed &amp; &lt;kept&gt;" in now
    assert f">{title}<" not in now
    city = obs.cities.get(practice.city)
    obs.cities.save(attrs.evolve(city, name=attrs.evolve(
        city.name, values={**city.name.values, "en": "Cityname Changed"})))
    old, now = both(web, urlencode({"q": ""}), "en")
    assert now == old
    assert "Cityname Changed" in now
