"""The catalogue over a real HTTP server: directory, map, chart, search, exports, feed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from attrs import evolve

from livingtogether.demo import CITIES, EXAMPLE_STUDY, PRACTICES
from livingtogether.models import City, Membership, ModerationStatus, Practice, Text
from livingtogether.web.charts import growth, world_map
from livingtogether.wsgi import make_app
from test_web_support import Client, error_of, serving
from test_web_widgets import text_of as widget

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLISHED = [p for p in (*PRACTICES, EXAMPLE_STUDY) if p.status is ModerationStatus.PUBLISHED]


@pytest.fixture
def obs(open_demo: Callable[..., Any]) -> Any:
    return open_demo()


@pytest.fixture
def client(obs: Any) -> Iterator[Client]:
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base)


# -- the directory, its map and its chart


def test_the_directory_draws_every_demo_city_on_the_map(client: Client) -> None:
    tree = widget(client.get("/widgets/cities"), "cities")
    assert len(tree.find("svg", role="img")) == 1  # the growth chart: a picture
    assert len(tree.find("svg", role="group")) == 1  # the map: its markers are links
    # Natural Earth's land, drawn offline from the vendored outline, under the cities
    [land] = tree.find("path", class_="lt-map__land")
    assert land["d"].count("M") > 100
    assert land["aria-hidden"] == "true"
    markers = tree.find("a", class_="lt-map__marker")
    assert len(markers) == len(CITIES)
    labels = tree.find("text", class_="lt-map__label")
    for city in CITIES:
        name = city.name.get("en")
        # each marker is focusable (a link to the city in the list), named, and labelled
        assert any(m["href"] == f"#lt-city-{city.slug}" and m["aria-label"].startswith(name)
                   for m in markers), city.slug
        assert tree.find("li", id=f"lt-city-{city.slug}")
    # a name goes where it covers no other; the few that find no room keep dot and list
    assert len(CITIES) - 3 <= len(labels) < len(CITIES)
    circles = tree.find("circle")
    located = [c for c in CITIES if c.latitude is not None]
    assert len(circles) == len(located) == len(CITIES)
    izmir = next(c for c in CITIES if c.slug == "izmir")
    assert any(float(c["cx"]) == pytest.approx(izmir.longitude + 180, abs=1e-3)
               and float(c["cy"]) == pytest.approx(90 - izmir.latitude, abs=1e-3)
               for c in circles)
    # The list names every city: the map's text alternative.
    for city in CITIES:
        assert city.name.get("en") in tree.text
    assert "Map of the member cities" in tree.text


def test_the_growth_chart_and_its_table_agree(client: Client) -> None:
    tree = widget(client.get("/widgets/cities"), "cities")
    bars = tree.find("rect", class_="lt-chart__bar")
    years = sorted({c.member_since for c in CITIES if c.member_since})
    assert len(bars) == years[-1] - years[0] + 1
    text = tree.text
    assert re.search(r"Year Joined Left Members 2015 1 0 1 2016 1 0 2", text), text
    unknown = sum(1 for c in CITIES if c.member_since is None)
    assert f"{unknown} cities have no joining year" in text
    heights = [float(bar["height"]) for bar in bars]
    assert heights == sorted(heights)
    assert heights[-1] == pytest.approx(120.0)


def test_map_framing_and_growth_from_data() -> None:
    def city(slug: str, lat: float, lon: float, since: int | None = None) -> City:
        return City(slug=slug, name=Text.of(slug), country="FR", latitude=lat, longitude=lon,
                    memberships=(Membership(joined=since),) if since else ())

    europe = world_map([city("paris", 48.85, 2.35), city("berlin", 52.5, 13.4)])
    left, top, width, height = europe.box
    assert width == pytest.approx(height * 2)
    assert width < 120  # framed around Europe, not the whole world
    for point in europe.points:
        assert left <= point.x <= left + width
        assert top <= point.y <= top + height
    world = world_map([city("a", 60, -170), city("b", -50, 170)])
    assert world.box[2] == 360.0
    assert world_map([]).points == ()
    chart = growth([city("a", 0, 0, 2015), city("b", 0, 0, 2015), city("c", 0, 0, 2018),
                    city("d", 0, 0)])
    assert [(y.year, y.joined, y.total) for y in chart.years] == [
        (2015, 2, 2), (2016, 0, 2), (2017, 0, 2), (2018, 1, 3)]
    assert chart.unknown == 1
    assert growth([city("d", 0, 0)]).years == ()


def test_geojson_is_a_feature_collection_of_the_members(client: Client) -> None:
    response = client.get("/api/v1/cities.geojson")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == len(CITIES)
    izmir = next(f for f in data["features"] if f["id"] == "izmir")
    assert izmir["geometry"] == {"type": "Point", "coordinates": [27.1384, 38.4127]}
    assert izmir["properties"]["name"] == {"en": "Izmir", "tr": "İzmir"}
    assert "latitude" not in izmir["properties"]


# -- the search widget


def test_the_search_widget_finds_without_accents_and_keeps_its_state(client: Client) -> None:
    response = client.get("/widgets/practices?q=montreal&kind=practice&lang=fr")
    tree = widget(response, "practices")
    assert len(tree.find("article", class_="lt-practice")) == 1
    assert "<mark>Montréal</mark>" in response.text
    assert tree.find("input", name="q", value="montreal")
    assert tree.find("option", value="practice", selected="")
    assert tree.find("input", type="hidden", name="lang", value="fr")
    status = tree.find("p", role="status")
    assert status
    assert status[0]["aria-live"] == "polite"
    assert "1 pratique trouvée" in tree.text or "1 practice found" in tree.text
    assert tree.find("form", method="get", role="search")


def test_the_search_widget_shows_facets_and_pages(client: Client) -> None:
    tree = widget(client.get("/widgets/practices?limit=2"), "practices")
    assert f"{len(PUBLISHED)} practices found" in tree.text
    assert len(tree.find("article", class_="lt-practice")) == 2
    cities = {p.city for p in PUBLISHED}
    options = [o for o in tree.find("option") if o["value"] in cities]
    assert len(options) == len(cities)
    assert tree.find("option", value="governance-and-participation")
    governance = sum("governance-and-participation" in p.themes for p in PUBLISHED)
    assert f"Governance and participation ({governance})" in tree.text
    nxt = tree.find("a", rel="next")[0]["href"]
    assert "after=" in nxt  # a cursor: the next page by keyset
    assert "offset" not in nxt
    second = widget(client.get(nxt), "practices")
    assert second.find("a", rel="prev")
    first_titles = {a["href"] for a in tree.find("a") if "/widgets/practices/" in a["href"]}
    second_titles = {a["href"] for a in second.find("a") if "/widgets/practices/" in a["href"]}
    assert first_titles.isdisjoint(second_titles)


def test_a_search_with_nothing_found_says_so(client: Client) -> None:
    tree = widget(client.get("/widgets/practices?q=zzzzqqq"), "practices")
    assert "0 practices found" in tree.text
    assert "Nothing matches this search" in tree.text


@pytest.mark.parametrize(("query", "field"), [
    ("country=XX", "country"), ("kind=poem", "kind"), ("theme=Not%20Slug", "theme"),
    ("limit=0", "limit"), ("q=" + "w%20" * 21, "q"), ("language=%21%21", "language"),
])
def test_bad_search_parameters_are_400_saying_what_to_fix(client: Client, query: str,
                                                           field: str) -> None:
    response = client.get(f"/widgets/practices?{query}")
    assert response.status_code == 400
    assert field in response.text
    api = client.get(f"/api/v1/practices?{query}")
    assert api.status_code == 400
    assert error_of(api)["field"] == field


def test_the_practice_page_shows_a_published_practice_whole(client: Client, obs: Any) -> None:
    practice = PUBLISHED[1]
    tree = widget(client.get(f"/widgets/practices/{practice.slug}?lang=fr"), "practice")
    assert practice.title.get("fr") in tree.text
    assert tree.find("ul")  # the body's list, kept by the sanitiser
    obs.practices.create(Practice(slug="draft", city="izmir", title=Text.of("Draft")))
    assert client.get("/widgets/practices/draft").status_code == 404
    assert client.get("/api/v1/practices/draft").status_code == 404


# -- the API


def test_the_api_searches_with_the_same_parameters(client: Client) -> None:
    data = client.get("/api/v1/practices?q=borough%20neighbourhood&country=CA").json()
    assert [p["slug"] for p in data["items"]] == ["example-neighbourhood-dialogue-circles"]
    assert data["total"] == 1
    assert data["facets"]["country"] == [{"value": "CA", "count": 1}]
    hit = data["hits"][0]
    assert hit["slug"] == data["items"][0]["slug"]
    assert "<mark>borough</mark>" in hit["snippet"]
    # A match in the title alone has no snippet: the title is shown anyway.
    title_only = client.get("/api/v1/practices?q=circles&country=CA").json()["hits"][0]
    assert title_only["snippet"] is None
    everything = client.get("/api/v1/practices").json()
    assert everything["total"] == len(PUBLISHED)
    assert sum(c["count"] for c in everything["facets"]["kind"]) == len(PUBLISHED)


def test_the_themes_taxonomy_is_listed(client: Client) -> None:
    items = client.get("/api/v1/themes").json()["items"]
    assert items[0] == {"slug": "social-development",
                        "label": {"en": "Social development", "fr": "Développement social"},
                        "description": {}}
    assert len(items) == 9


# -- open data and the feed


def test_csv_export_has_a_row_per_practice_and_language(client: Client, obs: Any) -> None:
    obs.practices.create(Practice(slug="formula", city="paris", title=Text.of("=HYPERLINK(1)"),
                                  summary=Text.of("+cmd|' /C calc'!A0"),
                                  status=ModerationStatus.PUBLISHED))
    response = client.get("/api/v1/practices.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = sum(len({*p.title.languages, *p.summary.languages, *p.body.languages})
                   for p in PUBLISHED) + 1
    assert len(rows) == expected
    formula = next(r for r in rows if r["slug"] == "formula")
    assert formula["title"] == "'=HYPERLINK(1)"
    assert formula["summary"].startswith("'+")
    assert formula["country"] == "FR"
    body = next(r for r in rows if r["slug"] == PUBLISHED[0].slug and r["language"] == "en")
    assert "<" not in body["body"]
    assert "volunteers" in body["body"]


def test_json_export_lists_every_published_practice(client: Client) -> None:
    data = client.get("/api/v1/practices.json").json()
    assert data["total"] == len(PUBLISHED)
    assert {p["slug"] for p in data["items"]} == {p.slug for p in PUBLISHED}


def test_the_atom_feed_lists_the_newest(client: Client, obs: Any) -> None:
    obs.practices.create(Practice(slug="newest", city="izmir", title=Text.of("Newest of all"),
                                  summary=Text.of("<b>bold</b> & more"),
                                  themes=("culture",), status=ModerationStatus.PUBLISHED))
    response = client.get("/api/v1/practices.atom")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(PUBLISHED) + 1
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == "Newest of all"
    assert first.findtext(f"{ATOM}summary") == "<b>bold</b> & more"
    assert first.find(f"{ATOM}category").get("term") == "culture"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Izmir"
    assert first.find(f"{ATOM}link").get("href").endswith("/widgets/practices/newest")
    assert feed.findtext(f"{ATOM}updated") == first.findtext(f"{ATOM}updated")


# -- the list's view (web/catalogue.SearchView): what the macros wrote, from Python


def test_the_list_writes_summaries_in_paragraphs_and_marks_their_language(
        client: Client, obs: Any) -> None:
    """The summary's markup is the paragraphs macro's: paragraphs at blank lines, lines
    at breaks, each escaped, marked with its language when it is not the reader's."""
    practice = PUBLISHED[0]
    summary = Text({"fr": "Une ligne <b>\r\net l'autre & la suite\n\nSecond paragraphe"})
    obs.practices.save(evolve(practice, summary=summary, title=Text({"en": "Hello"})))
    response = client.get(f"/widgets/practices?city={practice.city}&lang=en")
    assert ('<div class="lt-text lt-practice__summary" lang="fr">\n'
            "<p>Une ligne &lt;b&gt;<br>et l&#39;autre &amp; la suite</p>\n"
            "<p>Second paragraphe</p>\n</div>\n") in response.text
    arabic = client.get(f"/widgets/practices?city={practice.city}&lang=ar").text
    assert '<div class="lt-text lt-practice__summary" lang="fr" dir="ltr">' in arabic


def test_a_city_renamed_by_another_process_shows_at_once(client: Client, obs: Any,
                                                         sqlite_url: str) -> None:
    """The decoded cities are kept by the cities' data version: a write by any process
    (here another Observatory on the same file) moves it, and the list names it anew."""
    from livingtogether import Observatory

    practice = PUBLISHED[0]
    path = f"/widgets/practices?city={practice.city}&lang=en"
    city = obs.cities.get(practice.city)
    shown = '<span class="lt-practice__city">{}</span>'
    assert shown.format(city.name.get("en")) in client.get(path).text
    assert obs.cities.every() is obs.cities.every()  # decoded once, kept
    with Observatory.open(sqlite_url) as other:
        other.cities.save(evolve(city, name=Text({"en": "Renamed City"})))
    assert shown.format("Renamed City") in client.get(path).text
    assert [c.slug for c in obs.cities.every()] == sorted(c.slug for c in CITIES)
