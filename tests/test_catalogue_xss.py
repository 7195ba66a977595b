"""The OWASP XSS filter-evasion vectors, typed into every field of the catalogue.

Every rich-text field (a practice's body, in each language) is sanitised on the
way in; every widget showing text a user typed (directory, map, chart, search
form and results with snippets, facets, practice page, error fragment; the
programme, the declaration, its signatories and counter) and the Atom feed
are rendered with the vectors in them, on SQLite and PostgreSQL, and
read back with an HTML parser: no foreign element, no event handler, no style
attribute, no ``javascript:``/``data:`` URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest

from livingtogether import (
    City,
    Declaration,
    DisplayZone,
    Event,
    Institution,
    InstitutionKind,
    Link,
    Membership,
    ModerationStatus,
    Observatory,
    Person,
    Pledge,
    Practice,
    Role,
    Session,
    SignerKind,
    Text,
    Theme,
)
from livingtogether.sanitize import clean_html
from livingtogether.web.catalogue import FEED_SIZE
from livingtogether.wsgi import make_app
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

ATOM = "{http://www.w3.org/2005/Atom}"


def line(vector: str) -> str:
    """The vector as single-line text (what a one-line field accepts), at most 300 long."""
    return re.sub(r"[\x00-\x1f]", " ", vector)[:300]


@pytest.fixture
def hostile(observatory: Observatory) -> Iterator[tuple[Client, Observatory]]:
    obs = observatory
    for index, vector in enumerate(VECTORS):
        text = line(vector)
        obs.cities.create(City(slug=f"c{index}", name=Text({"en": text, "fr": text}),
                               country="FR", region=text, partner_board=(text,),
                               latitude=45.0 + index / 10, longitude=index / 10,
                               memberships=(Membership(joined=2015 + index % 5),)))
        obs.themes.create(Theme(slug=f"t{index}", label=Text.of(text),
                                description=Text.of(vector)))
        obs.practices.create(Practice(
            slug=f"p{index}", city=f"c{index}", status=ModerationStatus.PUBLISHED,
            title=Text({"en": f"alert {text}"}), summary=Text({"en": f"alert {vector}"}),
            body=Text({"en": f"<p>alert</p>{vector}", "fr": vector}), themes=(f"t{index}",),
            partners=(text,), contact=text,
            links=(Link(url="https://example.org/x", label=Text.of(text)),)))
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base), obs


def assert_safe(html: str, where: str) -> None:
    problems = html_problems(html)
    assert not problems, (where, problems[:5])


def test_the_checker_sees_what_it_must() -> None:
    assert html_problems("<p onclick=x>a</p>") == ["event handler onclick on <p>"]
    assert html_problems('<a href=" jav&#x09;ascript:alert(1)">x</a>') == [
        "javascript: URL in href of <a>"]
    assert html_problems("<script>1</script>") == ["element <script>"]
    assert html_problems('<svg><circle cx="1"/></svg><mark>a</mark>') == []


@pytest.mark.parametrize("vector", VECTORS)
def test_the_sanitiser_leaves_nothing_that_runs(vector: str) -> None:
    assert_safe(clean_html(vector), vector)
    assert_safe(clean_html(f"<p>{vector}</p><ul><li>{vector}</li></ul>"), vector)


def test_stored_bodies_are_clean(hostile: tuple[Client, Observatory]) -> None:
    _, obs = hostile
    for index in range(len(VECTORS)):
        practice = obs.practices.get(f"p{index}")
        for html in practice.body.values.values():
            assert_safe(html, f"p{index}")


def test_every_widget_with_user_text_is_safe(hostile: tuple[Client, Observatory]) -> None:
    client, _ = hostile
    pages = ["/widgets/cities", "/widgets/practices?limit=200",
             "/widgets/practices?q=alert&limit=200", "/widgets/practices?q=alert&lang=fr",
             "/widgets/practices?q=script&limit=200", "/widgets/practices?q=javascript",
             "/", *(f"/widgets/practices/p{i}" for i in range(len(VECTORS))),
             *(f"/widgets/practices/p{i}?lang=fr" for i in range(0, len(VECTORS), 7))]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.text
        if page == "/":  # the demo page: its own head, then every widget in <main>
            html = html[html.index("<main "):html.index("</main>") + len("</main>")]
        assert_safe(html, page)
    # The map draws every city and the snippets mark the words found, escaped.
    assert client.get("/widgets/cities").text.count("<circle") == len(VECTORS)
    found = client.get("/widgets/practices?q=alert&limit=200").text
    assert found.count("<mark>") >= len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS[::4])
def test_search_input_comes_back_escaped(hostile: tuple[Client, Observatory],
                                         vector: str) -> None:
    client, _ = hostile
    response = client.get(f"/widgets/practices?q={quote(line(vector))}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:  # more words than a search takes, and it says so
        assert "search with at most 20" in response.text
    assert_safe(response.text, vector)
    bad = client.get(f"/widgets/practices?theme={quote(vector)}")
    assert bad.status_code == 400
    assert_safe(bad.text, vector)


def test_the_feed_keeps_user_text_as_text(hostile: tuple[Client, Observatory]) -> None:
    client, _ = hostile
    feed = ET.fromstring(client.get("/api/v1/practices.atom").content)
    for element in feed.iter():
        assert isinstance(element.tag, str)
        assert element.tag.startswith(ATOM), element.tag
    titles = {e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")}
    assert len(titles) == min(FEED_SIZE, len(VECTORS))
    assert titles <= {f"alert {line(v)}" for v in VECTORS}


def test_data_answers_are_never_documents(hostile: tuple[Client, Observatory]) -> None:
    client, _ = hostile
    for path in ("/api/v1/practices?q=alert", "/api/v1/practices.json", "/api/v1/practices.csv",
                 "/api/v1/cities.geojson", "/api/v1/practices.atom", "/api/v1/themes"):
        response = client.get(path)
        assert "sandbox" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    hits: list[Any] = client.get("/api/v1/practices?q=alert&limit=200").json()["hits"]
    for hit in hits:
        assert_safe(hit["snippet"], hit["slug"])


@pytest.fixture
def hostile_elsewhere(sqlite_observatory: Observatory) -> Iterator[Client]:
    """The vectors in the other domains' texts a person types: an event's sessions and
    people, a declaration, and the names of public signatories."""
    obs = sqlite_observatory
    obs.cities.create(City(slug="host", name=Text.of(line(VECTORS[0])), country="TR"))
    day = date(2021, 12, 7)
    sessions = tuple(
        Session.at(key=f"s{index}", title=Text.of(line(vector)),
                   description=Text.of(vector), day=day, start=time(9 + index % 12),
                   end=time(10 + index % 12), zone="Europe/Istanbul", venue=line(vector)[:200],
                   questions=(Text.of(vector),),
                   people=(Person(role=Role.PANELIST, name=line(vector)[:200],
                                  affiliation=line(vector)[:200], topic=Text.of(vector)),))
        for index, vector in enumerate(VECTORS))
    obs.programme.create(Event(
        slug="summit", title=Text.of(line(VECTORS[1])), description=Text.of(VECTORS[2]),
        host_zone="Europe/Istanbul", host_city="host", first_day=day, last_day=day,
        display_zones=(DisplayZone(zone="Europe/Paris", label=Text.of(line(VECTORS[3]))),),
        sessions=sessions))
    obs.declarations.create(Declaration(
        slug="universal-declaration", title=Text.of(line(VECTORS[4])),
        text=Text.of("\n\n".join(VECTORS))))
    for index, vector in enumerate(VECTORS):
        signed = obs.signing.sign(Pledge(
            declaration="universal-declaration", kind=SignerKind.INSTITUTION,
            name=line(vector)[:200], email=f"signer{index}@example.org", country="FR",
            city=line(vector)[:200], public=True, consent_version="2022-1",
            institution=Institution(name=line(vector), kind=InstitutionKind.NGO,
                                    representative_role=line(vector))))
        assert signed.id is not None
        obs.signing.confirm(signed.id)
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base)


def test_the_other_widgets_with_user_text_are_safe(hostile_elsewhere: Client) -> None:
    client = hostile_elsewhere
    for page in ("/widgets/programme/summit", "/widgets/pledge",
                 "/widgets/pledge/signatories?limit=200", "/widgets/pledge/counter"):
        response = client.get(page)
        assert response.status_code == 200, page
        # The programme's one script is its own static file (the local-time helper).
        html = re.sub(r'<script src="/static/programme\.js\?v=[0-9a-f]+" defer></script>', "",
                      response.text)
        assert_safe(html, page)
    names = client.get("/widgets/pledge/signatories?limit=200").text
    assert names.count("&lt;") >= len(VECTORS)  # every name shown, as text
