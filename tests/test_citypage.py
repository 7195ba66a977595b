"""A city's page as one widget (/widgets/cities/{slug}): every part over HTTP in six
languages, parts with nothing left out, hostile texts, the JSON-LD, caching."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import attrs
import pytest

from livingtogether import Observatory
from livingtogether.models import (
    BoardMember,
    CampaignParticipation,
    City,
    Dissemination,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Pledge,
    Signatory,
    SignerKind,
    Text,
)
from livingtogether.web.structured import json_ld
from livingtogether.wsgi import make_app
from test_web_support import Client, Tree, check_fragment, serving
from xss_vectors import VECTORS, html_problems

LANGUAGES = ["en", "fr", "es", "de", "tr", "ar"]
HEADINGS = {"en": "Events hosted by the city", "fr": "Événements accueillis par la ville",
            "es": "Eventos acogidos por la ciudad",
            "de": "Von der Stadt ausgerichtete Veranstaltungen",
            "tr": "Kentin ev sahipliği yaptığı etkinlikler",
            "ar": "الفعاليات التي استضافتها المدينة"}
SIGNED = {"en": "2 confirmed signatures in Türkiye", "fr": "2 signatures confirmées en Turquie",
          "es": "2 firmas confirmadas en Turquía", "de": "2 bestätigte Unterschriften in Türkei",
          "tr": "Türkiye içinde 2 onaylı imza", "ar": "توقيعان مؤكدان في تركيا"}
LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def enrich(obs: Observatory) -> None:
    """Izmir with two periods of membership, a board, the Düsseldorf Declaration signed,
    a campaign and two signatures (the demo's study covers it, it hosted a summit)."""
    obs.organisations.create(Organisation(slug="ege-uni", name=Text({"tr": "Ege Üniversitesi",
                                                                     "en": "Ege University"}),
                                          kind=OrganisationKind.UNIVERSITY, city="izmir"))
    izmir = obs.cities.get("izmir")
    obs.cities.update(attrs.evolve(
        izmir, region="Ege",
        memberships=(Membership(joined=2015, left=2018, status=MembershipStatus.FOUNDING_MEMBER),
                     Membership(joined=2020)),
        board=(BoardMember(organisation="ege-uni", role=Text({"en": "chair"}),
                           since=date(2019, 3, 1)),)))
    dusseldorf = obs.declarations.get("dusseldorf-declaration")
    obs.declarations.update(attrs.evolve(dusseldorf, signatories=(
        *dusseldorf.signatories, Signatory(city="izmir", signed=date(2019, 11, 28)))))
    obs.participations.save(CampaignParticipation(
        campaign="idltp-2022", city="izmir",
        dissemination=Dissemination(channels=("tv",)), signed=True))
    for index, country in enumerate(("TR", "TR", "FR")):
        signed = obs.signing.sign(Pledge(
            declaration="universal-declaration", kind=SignerKind.CITIZEN, name=f"Kişi {index}",
            email=f"kisi{index}@example.org", country=country, consent_version="2024-01"))
        assert signed.id is not None
        obs.signing.confirm(signed.id)


@pytest.fixture
def demo(open_demo: Callable[..., Any]) -> Iterator[tuple[Observatory, Client]]:
    obs = open_demo(pledge_min_fill_seconds=0)
    enrich(obs)
    with serving(make_app(obs)) as base:
        yield obs, Client(base)


def structured_data(html: str) -> dict[str, Any]:
    found = LD.findall(html)
    assert len(found) == 1, found
    data = json.loads(found[0])
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("lang", LANGUAGES)
def test_izmir_s_page_has_every_part_in_every_language(
        demo: tuple[Observatory, Client], lang: str) -> None:
    _, client = demo
    response = client.get("/widgets/cities/izmir", params={"lang": lang})
    assert response.status_code == 200
    tree = check_fragment(response.text, "city")
    root = tree.elements[0][1]
    assert (root["lang"], root["dir"]) == (lang, "rtl" if lang == "ar" else "ltr")
    assert not html_problems(response.text), html_problems(response.text)
    headings = [tag for tag, _ in tree.elements if tag in ("h2", "h3", "h4")]
    assert headings[0] == "h2"
    assert set(headings[1:]) == {"h3"}
    sections = [a["class"] for a in tree.find("section")][1:]
    assert sections == ["lt-city__membership", "lt-city__board", "lt-city__practices",
                        "lt-city__studies", "lt-city__events", "lt-city__declarations",
                        "lt-city__campaigns", "lt-city__signatures"]
    assert HEADINGS[lang] in tree.text
    assert ("İzmir" if lang == "tr" else "Izmir") in tree.text
    assert tree.find("svg", role="img")
    assert tree.find("figcaption")  # the map's text alternative: where the city is
    assert "38.4127" in response.text.split("<figcaption")[1].split("</figcaption>")[0]
    periods = [li for li in tree.elements if li[1].get("class") == "lt-period"]
    assert len(periods) == 2
    assert tree.find("li", id="lt-city-partner-ege-uni")
    assert tree.find("a", href=f"/widgets/practices?city=izmir&lang={lang}")
    assert tree.find("a", href=f"/widgets/programme/izmir-2021?lang={lang}")
    assert tree.find("a", href=f"/widgets/campaign/idltp-2022?lang={lang}")
    assert SIGNED[lang] in tree.text
    data = structured_data(response.text)
    assert data["@type"] == "City"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 38.4127,
                           "longitude": 27.1384}
    assert data["memberOf"]["@type"] == "Organization"
    assert data["memberOf"]["startDate"] == "2015"
    assert data["address"] == {"@type": "PostalAddress", "addressCountry": "TR",
                               "addressRegion": "Ege"}


def test_the_counts_are_the_city_s_country_s(demo: tuple[Observatory, Client]) -> None:
    _, client = demo
    tree = Tree(client.get("/widgets/cities/izmir", params={"lang": "en"}).text)
    assert "2 confirmed signatures in Türkiye" in tree.text
    assert "disseminated the film" in tree.text
    assert "signed the declaration" in tree.text
    assert "chair since 2019" in tree.text
    assert "2015–2018 Founding member" in tree.text


def test_a_city_with_nothing_shows_only_its_name(demo: tuple[Observatory, Client]) -> None:
    obs, client = demo
    obs.cities.create(City(slug="nowhere", name=Text({"en": "Nowhere"}), country="PT"))
    response = client.get("/widgets/cities/nowhere", params={"lang": "en"})
    tree = check_fragment(response.text, "city")
    assert [a.get("class") for a in tree.find("section")] == ["lt-widget lt-widget--city"]
    assert not tree.find("svg")
    assert not tree.find("ul")
    assert not tree.find("h3")
    data = structured_data(response.text)
    assert "geo" not in data
    assert "startDate" not in data["memberOf"]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_an_unknown_city_is_a_404_in_the_reader_s_language(
        demo: tuple[Observatory, Client], lang: str) -> None:
    _, client = demo
    response = client.get("/widgets/cities/atlantis", params={"lang": lang})
    assert response.status_code == 404
    tree = check_fragment(response.text, "error")
    assert tree.elements[0][1]["lang"] == lang
    assert "atlantis" in tree.text


def test_hostile_names_regions_and_boards_stay_text(demo: tuple[Observatory, Client]) -> None:
    obs, client = demo
    for index, vector in enumerate(VECTORS):
        line = " ".join(vector.split())[:200]
        obs.organisations.create(Organisation(slug=f"o{index}", name=Text({"en": line}),
                                              kind=OrganisationKind.NGO))
        obs.cities.create(City(
            slug=f"x{index}", name=Text({"en": line, "fr": f"{line} fr"}), country="FR",
            region=line, latitude=45.0, longitude=3.0,
            memberships=(Membership(joined=2019),),
            board=(BoardMember(organisation=f"o{index}", role=Text({"en": line})),)))
        response = client.get(f"/widgets/cities/x{index}", params={"lang": "en"})
        assert response.status_code == 200
        check_fragment(response.text, "city")
        assert not html_problems(response.text), (vector, html_problems(response.text))
        data = structured_data(response.text)  # the JSON is whole: nothing broke out
        assert data["name"] == line
        assert data["address"]["addressRegion"] == line


def test_a_name_with_script_end_tags_cannot_leave_the_json() -> None:
    name = '</script><script>alert(1)</script><!-- & </SCRIPT '
    text = str(json_ld({"name": name}))
    assert not set("<>&") & set(text)
    assert json.loads(text) == {"name": name}
    # the checker flags a script that is not JSON-LD, and this one
    assert html_problems('<script type="application/ld+json">{}</script>') == []
    assert html_problems(f'<script type="application/ld+json">{{"n": "{name}"}}</script>')


def test_the_page_is_cached_until_its_data_moves(demo: tuple[Observatory, Client]) -> None:
    obs, client = demo
    first = client.get("/widgets/cities/izmir", params={"lang": "en"})
    tag = first.headers["ETag"]
    again = client.get("/widgets/cities/izmir", params={"lang": "en"},
                       headers={"If-None-Match": tag})
    assert again.status_code == 304
    signed = obs.signing.sign(Pledge(
        declaration="universal-declaration", kind=SignerKind.CITIZEN, name="Yeni",
        email="yeni@example.org", country="TR", consent_version="2024-01"))
    assert signed.id is not None
    obs.signing.confirm(signed.id)
    moved = client.get("/widgets/cities/izmir", params={"lang": "en"},
                       headers={"If-None-Match": tag})
    assert moved.status_code == 200
    assert "3 confirmed signatures in Türkiye" in Tree(moved.text).text


def test_the_embed_names_the_city_widget(demo: tuple[Observatory, Client]) -> None:
    _, client = demo
    script = client.get("/static/embed.js").text
    assert 'city: { path: "/widgets/cities/{slug}"' in script
    spec = client.get("/openapi.json").json()
    assert "/widgets/cities/{slug}" in spec["paths"]
