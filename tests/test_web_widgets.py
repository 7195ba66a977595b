"""The widgets over a real HTTP server: content, languages, the pledge form, escaping."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, time
from typing import Any

import jinja2
import pytest
from attrs import evolve

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.models import (
    City,
    Declaration,
    DisplayZone,
    Event,
    ModerationStatus,
    Person,
    Practice,
    Role,
    Session,
    Text,
)
from livingtogether.web.pledge_form import pledge_from_form
from livingtogether.wsgi import make_app
from test_web_support import Client, Tree, check_fragment, serving

PROGRAMME = "/widgets/programme/izmir-2021"
FORM = {"kind": "citizen", "name": "Jean Tremblay", "email": "jean@example.org",
        "country": "CA", "city": "Montréal", "consent": "yes"}
SIGN = "/widgets/pledge/universal-declaration"


@pytest.fixture
def obs(open_demo: Callable[..., Any]) -> Any:
    """An Observatory on a fresh SQLite file with the demo data."""
    return open_demo(max_body_bytes=4096, pledge_min_fill_seconds=0)


@pytest.fixture
def client(obs: Any) -> Iterator[Client]:
    """A server with the demo page."""
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base)


def token(client: Client) -> dict[str, str]:
    """The guard token of a freshly shown pledge form, as a browser would send it back."""
    tree = Tree(client.get("/widgets/pledge").text)
    return {"form_token": tree.find("input", name="form_token")[0]["value"]}


LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def without_our_script(html: str) -> str:
    """``html`` without the programme's own static script (the only one a widget may have)
    and without its JSON-LD, each block checked first to be whole JSON holding no ``<``
    (no text typed in can close the element)."""
    for block in LD_BLOCK.findall(html):
        assert "<" not in block
        json.loads(block)
    html = LD_BLOCK.sub("", html)
    return re.sub(r'<script src="/static/programme\.js\?v=[0-9a-f]+" defer></script>', "", html)


def text_of(response: Any, name: str) -> Tree:
    """The widget's parsed fragment, checked."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return check_fragment(response.text, name)


# -- cities and practices


def test_cities_are_grouped_by_country(client: Client) -> None:
    tree = text_of(client.get("/widgets/cities"), "cities")
    headings = [attrs["id"] for attrs in tree.find("h3")]
    assert "lt-country-tr" in headings
    assert "lt-country-ca" in headings
    text = tree.text
    assert "Member cities" in text
    assert re.search(r"Canada Montréal Founding member member since 2015 Québec", text), text
    listed = text[text.index("Belgium Namur"):]  # the list, after the map's own titles
    assert listed.index("Belgium") < listed.index("Canada") < listed.index("Türkiye Izmir")


def test_practices_list_published_only(client: Client, obs: Any) -> None:
    obs.practices.create(Practice(slug="hidden", city="izmir", title=Text.of("Hidden draft"),
                                  status=ModerationStatus.DRAFT))
    tree = text_of(client.get("/widgets/practices"), "practices")
    assert "Hidden draft" not in tree.text
    assert len(tree.find("article", class_="lt-practice")) == 6  # five, and the example study
    assert "Paris" in tree.text
    assert "Case study" in tree.text
    only = text_of(client.get("/widgets/practices?kind=case_study"), "practices")
    assert len(only.find("article", class_="lt-practice")) == 1


def test_practices_pages_link_under_the_mount_point(client: Client) -> None:
    first = text_of(client.get("/widgets/practices?limit=1&theme=governance-and-participation"),
                    "practices")
    links = first.find("a", rel="next")
    assert links
    assert links[0]["href"].startswith("/widgets/practices?")
    assert "theme=governance-and-participation" in links[0]["href"]
    second = text_of(client.get("/widgets/practices?limit=1&offset=1"), "practices")
    assert second.find("a", rel="prev")
    assert second.find("a", rel="next")


# -- the programme


def test_the_izmir_programme_prints_times_as_the_reference(client: Client) -> None:
    tree = text_of(client.get(PROGRAMME), "programme")
    text = tree.text
    for line in ("Izmir: 16:00–17:30 TRT (UTC+3)", "Paris: 14:00–15:30 CET (UTC+1)",
                 "Montréal: 8:00–9:30 EST (UTC-5)", "Izmir: 17:45–19:00 TRT (UTC+3)",
                 "Montréal: 11:15–12:30 EST (UTC-5)"):
        assert line in text, line
    days = [attrs["datetime"] for attrs in tree.find("time") if len(attrs["datetime"]) == 10]
    assert days[1:] == ["2021-12-07", "2021-12-08", "2021-12-10"]
    assert "Tuesday, December 7, 2021" in text
    assert "Friday, December 10, 2021" in text
    assert text.count("Izmir: time to be announced TRT (UTC+3)") == 2
    assert "(to be confirmed)" in text
    assert "Moderator Ayten Alkan, Associate Professor" in text
    assert "Guiding questions" in text
    assert "Priorities: Short-term or long-term resilience?" in text
    start = tree.find("time", datetime="2021-12-07T16:00+03:00")
    assert start, "a machine-readable start time"
    # sessions in order within a day
    assert text.index("Thematic workshop 1") < text.index("Thematic workshop 2") < \
        text.index("Thematic workshop 3")


def test_programme_in_french_and_arabic(client: Client) -> None:
    french = text_of(client.get(PROGRAMME, params={"lang": "fr"}), "programme")
    assert french.elements[0][1]["lang"] == "fr"
    assert "mardi 7 décembre 2021" in french.text
    assert "3e Sommet des maires sur le vivre-ensemble" in french.text
    # content that has no French falls back to English and says so
    assert any(attrs.get("lang") == "en" for _, attrs in french.elements[1:])
    arabic = text_of(client.get(PROGRAMME, headers={"Accept-Language": "ar, fr;q=0.5"}),
                     "programme")
    root = arabic.elements[0][1]
    assert (root["lang"], root["dir"]) == ("ar", "rtl")
    marked = [attrs for _, attrs in arabic.elements[1:] if attrs.get("lang") == "en"]
    assert marked
    assert all(attrs.get("dir") == "ltr" for attrs in marked)


def test_language_negotiation(client: Client) -> None:
    def lang(**kwargs: Any) -> str:
        return text_of(client.get("/widgets/cities", **kwargs), "cities").elements[0][1]["lang"]

    assert lang() == "en"
    assert lang(headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.8"}) == "tr"
    assert lang(headers={"Accept-Language": "ja, de;q=0.5"}) == "de"
    assert lang(headers={"Accept-Language": "ja"}) == "en"
    assert lang(params={"lang": "fr-CA"}, headers={"Accept-Language": "de"}) == "fr"
    refused = client.get("/widgets/cities?lang=ja")
    assert refused.status_code == 400
    assert "lt-widget--error" in refused.text
    assert "en, fr, es, de, tr, ar" in refused.text


def test_programme_across_midnight_and_without_display_zones(client: Client, obs: Any) -> None:
    obs.programme.create(Event(
        slug="late", title=Text.of("Late talk"), host_zone="Asia/Kolkata",
        first_day=date(2022, 5, 16), last_day=date(2022, 5, 16),
        sessions=(Session.at(key="s", title=Text.of("Night"), day=date(2022, 5, 16),
                             start=time(5, 0), end=time(6, 0), zone="Asia/Kolkata"),),
    ))
    text = text_of(client.get("/widgets/programme/late"), "programme").text
    assert "Kolkata: 5:00–6:00 IST (UTC+5:30)" in text
    obs.programme.update(Event(
        slug="late", title=Text.of("Late talk"), host_zone="Asia/Kolkata",
        first_day=date(2022, 5, 16), last_day=date(2022, 5, 16),
        display_zones=(DisplayZone(zone="America/Vancouver", label=Text.of("Vancouver")),),
        sessions=(Session.at(key="s", title=Text.of("Night"), day=date(2022, 5, 16),
                             start=time(5, 0), end=time(6, 0), zone="Asia/Kolkata"),),
    ))
    text = text_of(client.get("/widgets/programme/late"), "programme").text
    assert "Vancouver: 16:30–17:30 PDT (UTC-7) (May 15, 2022)" in text


def test_unknown_programme_is_a_404_fragment(client: Client) -> None:
    response = client.get("/widgets/programme/no-such-event")
    assert response.status_code == 404
    tree = check_fragment(response.text, "error")
    assert "no-such-event" in tree.text


# -- the pledge form


def test_pledge_widget_shows_the_declaration_and_an_accessible_form(client: Client) -> None:
    tree = text_of(client.get("/widgets/pledge"), "pledge")
    assert "Universal Declaration of Living Together in Peace" in tree.text
    assert "0 confirmed signatures" in tree.text
    form = tree.find("form")[0]
    assert form["method"] == "post"
    assert form["enctype"] == "application/x-www-form-urlencoded"
    assert form["action"] == "/widgets/pledge/universal-declaration?lang=en"
    assert tree.find("input", name="email", type="email")
    countries = {attrs["value"] for tag, attrs in tree.elements if tag == "option"}
    assert {"TR", "FR", "CA", "UY"} <= countries
    assert not {"ZZ", "EU", "UN"} & countries
    assert not tree.find("script")
    named = text_of(client.get("/widgets/pledge?declaration=universal-declaration"), "pledge")
    assert named.text == tree.text
    assert client.get("/widgets/pledge?declaration=nope").status_code == 404


def test_pledge_form_errors_sit_next_to_their_fields(client: Client, obs: Any) -> None:
    response = client.post(SIGN, data={"kind": "citizen", "name": " ", "email": "jean@",
                                       "country": ""})
    assert response.status_code == 422
    tree = check_fragment(response.text, "pledge")
    for field in ("name", "country", "consent"):
        control = tree.find("input", id=f"lt-pledge-{field}") or \
            tree.find("select", id=f"lt-pledge-{field}")
        assert control[0]["aria-invalid"] == "true", field
        assert f"lt-pledge-{field}-error" in control[0]["aria-describedby"]
    assert tree.find("div", role="alert")
    assert "Consent: Tick the box to agree" in tree.text
    assert "Enter your name." in tree.text
    assert "Tick the box to agree" in tree.text
    # what was typed is kept
    assert tree.find("input", id="lt-pledge-email")[0]["value"] == "jean@"
    # the model's own checks (here the address) also land next to their field
    bad_email = client.post(SIGN, data={**FORM, **token(client), "email": "jean@"})
    assert bad_email.status_code == 422
    email = check_fragment(bad_email.text, "pledge").find("input", id="lt-pledge-email")[0]
    assert email["aria-invalid"] == "true"
    institution = client.post(SIGN, data={**FORM, **token(client), "kind": "institution"})
    tree = check_fragment(institution.text, "pledge")
    assert tree.find("input", id="lt-pledge-institution_name")[0]["aria-invalid"] == "true"
    assert obs.signatures.list("universal-declaration").total == 0


def test_pledge_form_signs_and_thanks_identically(client: Client, obs: Any) -> None:
    first = client.post(SIGN, data={**FORM, **token(client)})
    assert first.status_code == 200
    tree = check_fragment(first.text, "pledge")
    assert tree.find("div", role="status")
    assert "Thank you for signing" in tree.text
    assert "jean@example.org" not in first.text
    # the answer is the thanks and the count, not the declaration's text and a new form
    assert not tree.find("form")
    assert "lt-declaration" not in first.text
    assert tree.find("div", class_="lt-pledge__count")
    assert tree.find("h2", id="lt-pledge-title")
    again = client.post(SIGN, data={**FORM, **token(client), "email": "JEAN@example.org",
                                    "name": "Someone"})
    assert again.text == first.text
    stored = obs.signatures.list("universal-declaration").items
    assert len(stored) == 1
    assert stored[0].country == "CA"
    assert stored[0].city == "Montréal"
    institution = client.post(SIGN, data={
        **FORM, **token(client), "email": "office@example.org", "kind": "institution",
        "institution_name": "Association", "institution_kind": "ngo",
        "representative_role": "Chair", "institution_website": "https://example.org"})
    assert institution.status_code == 200
    assert obs.signatures.list("universal-declaration").total == 2


def test_pledge_form_refuses_what_it_cannot_read(client: Client) -> None:
    assert client.post(SIGN, json=FORM).status_code == 415
    status, _, body = client.raw("POST", SIGN.encode(), b"name=%FF",
                                 {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert b"UTF-8" in body
    assert client.post("/widgets/pledge/nope",
                       data={**FORM, **token(client)}).status_code == 404
    assert client.post(SIGN, data={"name": "x" * 5000}).status_code == 413


def test_opened_directly_a_widget_comes_in_a_page(client: Client) -> None:
    response = client.post(SIGN, data={**FORM, **token(client)},
                           headers={"Sec-Fetch-Dest": "document"})
    assert response.text.startswith("<!DOCTYPE html>")
    tree = Tree(response.text)
    assert not tree.problems
    assert tree.find("link", rel="stylesheet")[0]["href"].startswith(
        "/static/livingtogether.css?v=")
    assert "Thank you for signing" in tree.text


# -- the demo page and the static files


def test_demo_page_shows_every_widget(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    tree = Tree(response.text)
    assert not tree.problems, tree.problems
    classes = [attrs.get("class", "") for tag, attrs in tree.elements if tag == "section"]
    for name in ("cities", "practices", "programme", "pledge"):
        assert f"lt-widget lt-widget--{name}" in classes, name
    assert tree.find("h1")
    assert tree.find("link", rel="stylesheet")
    assert "Content-Security-Policy" in response.headers


def test_demo_page_is_off_by_default(obs: Any) -> None:
    with serving(make_app(obs)) as base:
        assert Client(base).get("/").status_code == 404


def test_static_files(client: Client) -> None:
    css = client.get("/static/livingtogether.css")
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "max-age" in css.headers["Cache-Control"]
    assert ".lt-widget" in css.text
    assert "--lt-accent" in css.text
    # no property defines a default, so every use carries its own (a bare var() is unset)
    assert re.findall(r"var\(--lt-[\w-]+\)", css.text) == []
    assert "margin-inline" in css.text
    selectors = re.findall(r"^([^\s@/*}][^{]*)\{", css.text, flags=re.MULTILINE)
    assert all(s.strip().startswith((".lt-widget", ".lt-page")) for s in selectors), selectors
    cached = client.get("/static/livingtogether.css",
                        headers={"If-None-Match": css.headers["ETag"]})
    assert cached.status_code == 304
    assert cached.content == b""
    for path in (b"/static/../app.py", b"/static/..%2fapp.py", b"/static/%2e%2e/app.py",
                 b"/static/", b"/static/nothing.css", b"/static/livingtogether.css%00.py",
                 b"/static/../../web/app.py"):
        status, _, body = client.raw("GET", path)
        assert status == 404, path
        assert b"import" not in body


# -- escaping


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def evil(obs: Any) -> Iterator[Client]:
    """Content with markup typed in everywhere a person can type."""
    obs.cities.create(City(slug="evil", name=Text.of(EVIL), country="FR",
                           partner_board=(EVIL,)))
    obs.practices.create(Practice(slug="evil", city="evil", title=Text.of(EVIL),
                                  summary=Text.of(EVIL), body=Text.of(EVIL),
                                  status=ModerationStatus.PUBLISHED, themes=("culture",)))
    obs.programme.create(Event(
        slug="evil", title=Text.of(EVIL), description=Text.of(EVIL), host_zone="Europe/Paris",
        host_city="evil", first_day=date(2022, 5, 16), last_day=date(2022, 5, 16),
        display_zones=(DisplayZone(zone="Europe/Paris", label=Text.of(EVIL)),),
        sessions=(Session.at(
            key="s", title=Text.of(EVIL), description=Text.of(EVIL), day=date(2022, 5, 16),
            start=time(10), end=time(11), zone="Europe/Paris", venue=EVIL,
            questions=(Text.of(EVIL),),
            people=(Person(role=Role.PANELIST, name=EVIL, honorific=EVIL[:60],
                           affiliation=EVIL, topic=Text.of(EVIL)),
                    Person(role=Role.OTHER, city="evil")),
        ),),
    ))
    obs.declarations.create(Declaration(slug="evil", title=Text.of(EVIL),
                                                text=Text.of(EVIL)))
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base)


@pytest.mark.parametrize(("path", "name"), [
    ("/widgets/cities", "cities"), ("/widgets/practices", "practices"),
    ("/widgets/programme/evil", "programme"), ("/widgets/pledge?declaration=evil", "pledge"),
])
def test_markup_in_content_is_escaped(evil: Client, path: str, name: str) -> None:
    response = evil.get(path)
    tree = text_of(response, name)
    assert "<script" not in without_our_script(response.text)
    assert "<img" not in response.text
    assert "&lt;script&gt;" in response.text
    assert all(found["src"].startswith("/static/programme.js?v=") for found in tree.find("script")
               if found.get("type") != "application/ld+json")
    assert not tree.find("img")
    assert EVIL in tree.text


def test_markup_in_form_input_is_escaped(evil: Client) -> None:
    response = evil.post("/widgets/pledge/evil", data={"name": EVIL, "email": EVIL,
                                                       "city": EVIL, "country": EVIL})
    assert response.status_code == 422
    assert "<script" not in response.text
    assert "<img" not in response.text
    check_fragment(response.text, "pledge")


def test_markup_on_the_demo_page_is_escaped(evil: Client) -> None:
    page = evil.get("/").text
    assert "<script" not in without_our_script(page)
    assert "<img" not in page


# -- revalidation: ETags from the data's versions, the widget cache keyed by them

COUNTER = "/widgets/pledge/counter"
BROKEN = jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: "{{ 1 // 0 }}"))


def counted(html: str) -> int:
    """The number of confirmed signatures a counter widget shows."""
    return int(check_fragment(html, "pledge-counter").find("progress")[0]["value"])


def confirmed_signature(obs: Any, email: str) -> None:
    """A signature stored and confirmed through ``obs`` (not through any server)."""
    pledge = obs.signing.sign(pledge_from_form({**FORM, "email": email},
                                               "universal-declaration"))
    obs.signing.confirm(pledge.id)


@pytest.mark.parametrize("seconds", [0, 10])
def test_revalidation_is_answered_without_rendering(open_demo: Callable[..., Any],
                                                    seconds: int) -> None:
    app = make_app(open_demo(widget_cache_seconds=seconds))
    with serving(app) as base:
        client = Client(base, allow_5xx=True)
        paths = (PROGRAMME, "/widgets/cities", "/widgets/practices?q=dialogue", COUNTER,
                 "/widgets/pledge/signatories?kind=citizen")
        first = {path: client.get(path) for path in paths}
        for path, response in first.items():
            assert response.status_code == 200, path
            assert response.headers["ETag"].startswith('"')
            assert response.headers["Vary"] == "Accept-Language, Sec-Fetch-Dest"
        for path, response in first.items():  # HEAD: the same answer without its body
            head = client.request("HEAD", path)
            assert head.content == b""
            assert head.headers["ETag"] == response.headers["ETag"]
            assert client.get(path).content == response.content
        # From now on, every render fails: what still answers did not render.
        app.web.templates = BROKEN
        for path, response in first.items():
            again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
            assert again.status_code == 304, (path, again.text[:300])
            assert again.content == b""
            assert again.headers["ETag"] == response.headers["ETag"]
            assert again.headers["Vary"] == "Accept-Language, Sec-Fetch-Dest"
            assert again.headers["Cache-Control"] == "no-cache"
            # a 304's headers replace the stored ones: the widget's own policy, not the data's
            assert again.headers["Content-Security-Policy"] == response.headers[
                "Content-Security-Policy"]
            # "*" is no proof of holding this version, a stale tag neither: these render
            for other in ("*", '"0123"'):
                assert client.get(path, headers={"If-None-Match": other}).status_code == (
                    200 if seconds else 500)
            plain = client.get(path)
            if seconds:  # the cache serves the same bytes under the same tag
                assert plain.status_code == 200
                assert plain.content == response.content
                assert plain.headers["ETag"] == response.headers["ETag"]
            else:  # no cache: the request renders, and so reaches the broken templates
                assert plain.status_code == 500


def test_a_write_changes_the_tag_and_the_body_of_what_it_shows(
        open_demo: Callable[..., Any]) -> None:
    obs = open_demo()
    with serving(make_app(obs)) as base:
        client = Client(base)
        counter, programme = client.get(COUNTER), client.get(PROGRAMME)
        confirmed_signature(obs, "a@example.org")
        after = client.get(COUNTER, headers={"If-None-Match": counter.headers["ETag"]})
        assert after.status_code == 200
        assert counted(after.text) == counted(counter.text) + 1
        assert after.headers["ETag"] != counter.headers["ETag"]
        # a signature changes nothing the programme shows: its copy is still current
        assert client.get(PROGRAMME, headers={
            "If-None-Match": programme.headers["ETag"]}).status_code == 304
        # a pending signature changes nothing the counter shows either
        obs.signing.sign(pledge_from_form({**FORM, "email": "b@example.org"},
                                          "universal-declaration"))
        assert client.get(COUNTER, headers={
            "If-None-Match": after.headers["ETag"]}).status_code == 304
        # a city renamed shows in the programme (its people's cities) at once
        city = obs.cities.get("izmir")
        obs.cities.save(evolve(city, name=Text({"en": "Smyrna", "tr": "İzmir"})))
        renamed = client.get(PROGRAMME, headers={"If-None-Match": programme.headers["ETag"]})
        assert renamed.status_code == 200
        assert renamed.headers["ETag"] != programme.headers["ETag"]


def test_tags_differ_by_language_and_by_how_the_widget_is_opened(client: Client) -> None:
    tags = {
        client.get(PROGRAMME, headers=headers).headers["ETag"]
        for headers in ({}, {"Accept-Language": "fr"}, {"Accept-Language": "ar"},
                        {"Sec-Fetch-Dest": "iframe"})
    }
    assert len(tags) == 4
    french = client.get(PROGRAMME + "?lang=fr")
    assert french.headers["ETag"] != client.get(PROGRAMME).headers["ETag"]
    # the French copy is not current for a reader of English
    assert client.get(PROGRAMME, headers={"If-None-Match": french.headers["ETag"]}
                      ).status_code == 200
    assert client.get(PROGRAMME + "?lang=fr", headers={
        "If-None-Match": french.headers["ETag"]}).status_code == 304


def test_apps_on_one_database_see_each_others_writes(database_url: str) -> None:
    """Two apps (two engines, as two processes or hosts would have) on one database."""
    opened = [Observatory.open(database_url, widget_cache_seconds=60) for _ in range(2)]
    try:
        writer, reader = opened
        install(writer)
        with serving(make_app(writer)) as base_w, serving(make_app(reader)) as base_r:
            here, there = Client(base_w), Client(base_r)
            site = {"Host": "www.example.org"}  # both behind one name, as behind a proxy
            seen = there.get(COUNTER, headers=site)
            assert here.get(COUNTER, headers=site).headers["ETag"] == seen.headers["ETag"]
            confirmed_signature(writer, "a@example.org")
            cached = there.get(COUNTER, headers=site)  # kept for a minute, but...
            assert counted(cached.text) == counted(seen.text) + 1
            assert cached.headers["ETag"] != seen.headers["ETag"]
            assert there.get(COUNTER, headers={
                **site, "If-None-Match": seen.headers["ETag"]}).status_code == 200
            assert here.get(COUNTER, headers={
                **site, "If-None-Match": cached.headers["ETag"]}).status_code == 304
            cities = there.get("/widgets/cities")
            city = writer.cities.get("izmir")
            writer.cities.save(evolve(city, name=Text({"en": "Smyrna"})))
            renamed = there.get("/widgets/cities")
            assert "Smyrna" not in cities.text
            assert "Smyrna" in renamed.text
    finally:
        for obs in opened:
            obs.close()


def test_cached_answers_to_member_sites_vary_by_origin_once(open_demo: Callable[..., Any]) -> None:
    obs = open_demo(allowed_origins=("https://www.izmir.bel.tr",))
    with serving(make_app(obs)) as base:
        client = Client(base)
        for origin in ("https://www.izmir.bel.tr", "https://evil.example", None) * 2:
            answer = client.get(COUNTER, headers={"Origin": origin} if origin else {})
            assert answer.headers["Vary"] == "Accept-Language, Sec-Fetch-Dest, Origin"
            assert answer.headers.get("Access-Control-Allow-Origin") == (
                origin if origin == "https://www.izmir.bel.tr" else None)
