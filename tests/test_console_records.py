"""The console's generic record screens over real HTTP, on SQLite and PostgreSQL: cities,
partner organisations, themes, declarations (the network's, with their signing cities),
series of summits, campaigns and a city's participation in a campaign.

Each kind goes from a form with a mistake (422 at the field, everything typed kept) to a
draft, its preview, its publication (seen on the public API or widget), an edit, and the
restore of its first revision; then the permissions (a city's staff on another city's
record, the secretariat's kinds refused to a city's staff) and the XSS vectors in every
text field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.errors import NotFound
from livingtogether.models import Organisation, Text
from livingtogether.wsgi import make_app
from test_console_http import base_of, problems, token_of
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

PEOPLE = {
    "secretariat": Principal.with_roles(id="admin@observatory", name="Sam",
                                        roles=["secretariat-admin"]),
    "publisher": Principal.with_roles(id="publisher@izmir", name="Ayşe",
                                      roles=["city-publisher"], cities=["izmir"]),
    "officer": Principal.with_roles(id="officer@izmir", name="Deniz",
                                    roles=["city-campaign-officer"], cities=["izmir"]),
    "editor": Principal.with_roles(id="editor@izmir", name="Elif", roles=["city-editor"],
                                   cities=["izmir"]),
}


def authenticate(environ: dict[str, Any]) -> Principal | None:
    """The test host's authentication: the user its proxy names."""
    return PEOPLE.get(environ.get("HTTP_X_TEST_USER", ""))


@pytest.fixture
def obs(database_url: str) -> Iterator[Observatory]:
    observatory = Observatory.open(database_url)
    demo.install(observatory)
    try:
        yield observatory
    finally:
        observatory.close()


@pytest.fixture
def base(obs: Observatory) -> Iterator[str]:
    with serving(make_app(obs, console_auth=authenticate)) as url:
        yield url


def client(base: str, who: str) -> Client:
    browser = Client(base)
    browser.session.headers["X-Test-User"] = who
    return browser


@attrs.frozen
class Case:
    """One kind's journey: who, the form (fixed), the mistake and the field it names, the
    text that shows it was kept, the public address, and an edit."""

    plural: str
    who: str
    key: str
    form: dict[str, str]
    mistake: dict[str, str]
    error_at: str
    kept: str
    public: str
    shown: str
    edit: dict[str, str]
    edited: str


CASES = [
    Case(plural="cities", who="secretariat", key="lyon", form={
        "slug": "lyon", "name.en": "Lyon", "name.fr": "Lyon la ville", "country": "FR",
        "latitude": "45.76", "longitude": "4.84", "timezone": "Europe/Paris",
        "status": "member", "partner_board.0": "Mairie de Lyon",
        "partner_board.1": "Maison des associations", "languages": "fr\nen",
        "website": "https://www.lyon.fr/"},
        mistake={"latitude": "north", "partner_board.1": "Maison des associations"},
        error_at="latitude", kept="Maison des associations", public="/api/v1/cities/lyon",
        shown="Lyon la ville", edit={"partner_board.2": "Conseil des quartiers"},
        edited="Conseil des quartiers"),
    Case(plural="themes", who="secretariat", key="sport", form={
        "slug": "sport", "label.en": "Sport together", "description.en": "Clubs."},
        mistake={"slug": "Sport!", "description.en": "Clubs for everyone"},
        error_at="slug", kept="Clubs for everyone", public="/api/v1/themes?limit=100",
        shown="Sport together", edit={"label.en": "Sport and play"}, edited="Sport and play"),
    Case(plural="declarations", who="secretariat", key="city-pact", form={
        "slug": "city-pact", "title.en": "The city pact", "text.en": "We live together.",
        "version": "1", "milestones": "10\n100", "year": "2022", "place.en": "Izmir",
        "signatories.0.city": "izmir", "signatories.0.signed": "2022-05-01"},
        mistake={"milestones": "ten", "text.en": "We live together, kept."},
        error_at="milestones", kept="We live together, kept.",
        public="/api/v1/declarations/city-pact", shown="The city pact",
        edit={"text.en": "We live together, all of us."}, edited="all of us"),
    Case(plural="organisations", who="publisher", key="izmir-youth", form={
        "slug": "izmir-youth", "name.en": "Izmir Youth Council", "name.tr": "İzmir Gençlik Meclisi",
        "kind": "public_body", "city": "izmir", "website": "https://genclik.izmir.example/"},
        mistake={"website": "not an address", "name.tr": "Gençlik kept"},
        error_at="website", kept="Gençlik kept", public="/widgets/partners?city=izmir&lang=en",
        shown="Izmir Youth Council", edit={"name.en": "Izmir Youth Assembly"},
        edited="Izmir Youth Assembly"),
    Case(plural="series-list", who="secretariat", key="youth-forums", form={
        "slug": "youth-forums", "title.en": "Youth forums", "description.en": "Each spring."},
        mistake={"slug": "Youth!", "description.en": "Each spring, kept."},
        error_at="slug", kept="Each spring, kept.", public="/widgets/series/youth-forums",
        shown="Youth forums", edit={"title.en": "Youth forums of the network"},
        edited="Youth forums of the network"),
    Case(plural="campaigns", who="secretariat", key="spring-days", form={
        "slug": "spring-days", "title.en": "Spring days", "description.en": "Films.",
        "day": "2027-03-21", "declaration": "universal-declaration",
        "film_url": "https://example.org/film"},
        mistake={"day": "tomorrow", "title.en": "Spring days kept"},
        error_at="day", kept="Spring days kept", public="/widgets/campaign/spring-days",
        shown="Spring days", edit={"title.en": "Spring days again"},
        edited="Spring days again"),
    Case(plural="participations", who="officer", key="idltp-2022/izmir", form={
        "campaign": "idltp-2022", "city": "izmir",
        "dissemination.channels": "website\nradio",
        "dissemination.links.0": "https://izmir.example/film",
        "screenings.0.venue": "Ahmed Adnan Saygun Hall",
        "screenings.0.starts_at": "2030-05-21T19:00", "screenings.0.zone": "Europe/Istanbul",
        "screenings.0.capacity": "300", "screenings.0.public": "yes", "signed": "yes"},
        mistake={"screenings.0.starts_at": "soon", "screenings.0.venue": "Hall kept"},
        error_at="screenings.0.starts_at", kept="Hall kept",
        public="/widgets/campaign/idltp-2022", shown="Ahmed Adnan Saygun Hall",
        edit={"screenings.1.venue": "Kültürpark", "screenings.1.starts_at": "2030-05-22T18:00",
              "screenings.1.zone": "Europe/Istanbul", "screenings.1.public": "yes"},
        edited="Kültürpark"),
]


def fid(name: str) -> str:
    return "f-" + name.replace(".", "-")


@pytest.mark.parametrize("case", CASES, ids=[case.plural for case in CASES])
def test_a_record_from_a_mistake_to_the_public_and_back(base: str, case: Case) -> None:
    browser = client(base, case.who)
    new = browser.get(f"/console/{case.plural}/new")
    assert new.status_code == 200
    token = token_of(new.text)
    form = {"csrf_token": token, "base": "0", **case.form}
    # a deliberate mistake: 422 at the field, everything typed kept, nothing stored
    refused = browser.post(f"/console/{case.plural}/new", data={**form, **case.mistake})
    assert refused.status_code == 422, refused.text[:2000]
    assert f'id="{fid(case.error_at)}-error"' in refused.text
    assert case.kept in refused.text
    assert browser.get(f"/console/{case.plural}/{case.key}").status_code == 404
    # fixed: a draft, not public yet
    saved = browser.post(f"/console/{case.plural}/new", data=form)
    assert saved.status_code == 303, saved.text[:3000]
    assert saved.headers["Location"].endswith(f"/console/{case.plural}/{case.key}?saved=1")
    assert case.shown not in browser.get(case.public).text
    preview = browser.get(f"/console/{case.plural}/{case.key}/preview")
    assert preview.status_code == 200
    assert case.shown in preview.text
    page = browser.get(f"/console/{case.plural}/{case.key}")
    assert browser.post(f"/console/{case.plural}/{case.key}/publish", data={
        "csrf_token": token, "base": base_of(page.text),
        "summary": "first version"}).status_code == 303
    public = browser.get(case.public)
    assert public.status_code == 200
    assert case.shown in public.text
    # an edit on the base revision, published
    page = browser.get(f"/console/{case.plural}/{case.key}")
    edited = browser.post(f"/console/{case.plural}/{case.key}", data={
        **form, **case.edit, "base": base_of(page.text)})
    assert edited.status_code == 303, edited.text[:3000]
    page = browser.get(f"/console/{case.plural}/{case.key}")
    assert case.edited in page.text
    assert browser.post(f"/console/{case.plural}/{case.key}/publish", data={
        "csrf_token": token, "base": base_of(page.text)}).status_code == 303
    assert case.edited in browser.get(case.public).text
    # restore the first revision: its content comes back as a draft
    history = browser.get(f"/console/{case.plural}/{case.key}/history")
    assert "first version" in history.text
    restored = browser.post(f"/console/{case.plural}/{case.key}/restore", data={
        "csrf_token": token, "number": "1", "base": base_of(history.text)})
    assert restored.status_code == 303
    page = browser.get(f"/console/{case.plural}/{case.key}")
    assert case.edited not in page.text
    assert "A draft is in progress" in page.text


def test_add_another_row_grows_a_group_without_saving(base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    page = browser.get("/console/cities/izmir")
    form = {"csrf_token": token_of(page.text), "base": base_of(page.text), "name.en": "Izmir",
            "country": "TR", "partner_board.0": "Typed, not saved", "add_row": "partner_board"}
    grown = browser.post("/console/cities/izmir", data=form)
    assert grown.status_code == 200
    assert "Typed, not saved" in grown.text
    # the row the form had and one blank row more
    assert re.findall(r'name="(partner_board\.\d+)"', grown.text) == [
        "partner_board.0", "partner_board.1"]
    grown = browser.post("/console/cities/izmir", data={**form, "partner_board.1": ""})
    assert re.findall(r'name="(partner_board\.\d+)"', grown.text) == [
        "partner_board.0", "partner_board.1", "partner_board.2"]
    grown = browser.post("/console/cities/izmir", data={
        k: v for k, v in form.items() if not k.startswith("partner_board")})
    assert re.findall(r'name="(partner_board\.\d+)"', grown.text) == [
        "partner_board.0", "partner_board.1"]
    assert "Typed, not saved" not in " ".join(obs.cities.get("izmir").partner_board)
    refused = browser.post("/console/cities/izmir", data={**form, "add_row": "<x>"})
    assert refused.status_code == 422


def test_overlapping_periods_and_a_seat_ending_before_it_starts_are_422_at_the_field(
        base: str, obs: Observatory) -> None:
    obs.organisations.create(Organisation(slug="ege", name=Text({"en": "Ege"}), city="izmir"))
    browser = client(base, "publisher")
    page = browser.get("/console/cities/izmir")
    before = obs.cities.get("izmir")
    form = {"csrf_token": token_of(page.text), "base": base_of(page.text), "name.en": "Izmir",
            "country": "TR", "memberships.0.joined": "2015", "memberships.0.left": "2019",
            "memberships.0.ended": "yes",
            "memberships.1.joined": "2020", "board.0.organisation": "ege",
            "board.0.since": "2019-03-01"}
    for mistake, field, words in (
            ({"memberships.1.joined": "2017"}, "memberships.1.joined", "overlaps"),
            ({"board.0.until": "2018-12-31"}, "board.0.until", "before it starts")):
        refused = browser.post("/console/cities/izmir", data={**form, **mistake})
        assert refused.status_code == 422, refused.text[:2000]
        error = refused.text.partition(f'id="{fid(field)}-error"')[2][:400]
        assert words in error, error
        assert 'value="2019-03-01"' in refused.text  # what was typed is kept
        assert obs.cities.get("izmir") == before
    assert browser.post("/console/cities/izmir", data=form).status_code == 303


def test_a_study_is_a_practice_with_its_details(base: str, obs: Observatory) -> None:
    browser = client(base, "secretariat")
    new = browser.get("/console/practices/new")
    for name in ("study.year", "study.authors", "study.cities"):
        assert f'id="{fid(name)}"' in new.text, name
    form = {"csrf_token": token_of(new.text), "base": "0", "slug": "twelve-cities",
            "city": "montreal", "kind": "study", "title.en": "Living Together in 12 cities",
            "study.year": "2017", "study.authors": "A. Author\nB. Author",
            "study.cities": "montreal\nizmir"}
    # a draft naming no city is kept; its publication is refused, saying which
    draft = browser.post("/console/practices/new", data={**form,
                                                        "study.cities": "izmir\natlantis"})
    assert draft.status_code == 303, draft.text[:2000]
    page = browser.get("/console/practices/twelve-cities")
    refused = browser.post("/console/practices/twelve-cities/publish", data={
        "csrf_token": form["csrf_token"], "base": base_of(page.text)})
    assert refused.status_code == 422
    assert "atlantis" in refused.text, refused.text[-1200:]
    with pytest.raises(NotFound):
        obs.practices.get("twelve-cities")
    saved = browser.post("/console/practices/twelve-cities", data={
        **form, "base": base_of(page.text)})
    assert saved.status_code == 303, saved.text[:2000]
    page = browser.get("/console/practices/twelve-cities")
    assert browser.post("/console/practices/twelve-cities/publish", data={
        "csrf_token": form["csrf_token"], "base": base_of(page.text)}).status_code == 303
    study = obs.practices.get("twelve-cities").study
    assert study is not None
    assert (study.year, study.authors, study.cities) == (2017, ("A. Author", "B. Author"),
                                                        ("montreal", "izmir"))


def test_a_city_s_staff_cannot_touch_another_city(base: str, obs: Observatory) -> None:
    publisher = client(base, "publisher")
    assert publisher.get("/console/cities/izmir").status_code == 200
    assert publisher.get("/console/cities/dusseldorf").status_code == 403
    token = token_of(publisher.get("/console/cities/izmir").text)
    before = obs.cities.get("dusseldorf")
    assert publisher.post("/console/cities/dusseldorf", data={
        "csrf_token": token, "base": "0", "name.en": "Hacked", "country": "DE",
    }).status_code == 403
    assert obs.cities.get("dusseldorf") == before
    listed = publisher.get("/console/cities")
    assert "/console/cities/izmir" in listed.text
    assert "/console/cities/dusseldorf" not in listed.text
    # a partner organisation of another city (or of none) is not theirs either
    obs.organisations.create(Organisation(slug="dus-org", name=Text({"en": "Düsseldorf org"}),
                                          city="dusseldorf"))
    assert publisher.get("/console/organisations/dus-org").status_code == 403
    assert "dus-org" not in publisher.get("/console/organisations").text
    for city in ("dusseldorf", ""):
        assert publisher.post("/console/organisations/new", data={
            "csrf_token": token, "base": "0", "slug": "mine", "name.en": "Mine",
            "kind": "ngo", "city": city}).status_code == 403
    assert [o.slug for o in obs.organisations.list().items] == ["dus-org"]
    officer = client(base, "officer")
    token = token_of(officer.get("/console/participations/new").text)
    assert officer.post("/console/participations/new", data={
        "csrf_token": token, "base": "0", "campaign": "idltp-2022", "city": "dusseldorf",
        "signed": "yes"}).status_code == 403
    assert list(obs.participations.list().items) == []


@pytest.mark.parametrize("plural", ["themes", "declarations", "campaigns"])
def test_the_secretariat_s_kinds_are_refused_to_a_city_s_staff(base: str, plural: str,
                                                               obs: Observatory) -> None:
    for who in ("publisher", "editor", "officer"):
        browser = client(base, who)
        assert browser.get(f"/console/{plural}").status_code == 403
        assert browser.get(f"/console/{plural}/new").status_code == 403
        page = browser.get("/console/")
        home = browser.get(page.headers["Location"])
        assert f"/console/{plural}\"" not in home.text, who  # not in the navigation
        own = "participations" if who == "officer" else "practices"
        token = token_of(browser.get(f"/console/{own}/new").text)
        assert browser.post(f"/console/{plural}/new", data={
            "csrf_token": token, "base": "0", "slug": "mine", "title.en": "Mine",
            "label.en": "Mine", "day": "2027-01-01"}).status_code == 403
    assert [t.slug for t in obs.themes.list().items if t.slug == "mine"] == []


def test_the_navigation_lists_what_the_principal_may_edit(base: str) -> None:
    shown = {}
    for who in PEOPLE:
        browser = client(base, who)
        home = browser.get(browser.get("/console/").headers["Location"])
        nav = home.text.partition('aria-label="Console"')[2].partition("</nav>")[0]
        shown[who] = set(re.findall(r'href="/console/([a-z]+)"', nav))
    assert shown["secretariat"] >= {"practices", "events", "cities", "themes",
                                    "declarations", "campaigns", "participations"}
    # the media library comes with the practices, whose images it holds
    assert shown["publisher"] == {"practices", "media", "events", "cities", "organisations"}
    assert shown["officer"] == {"participations"}
    assert shown["editor"] == {"practices", "media", "events"}


#: The free-text fields of each form (the others are slugs, zones, numbers, addresses).
TEXT_FIELDS = {
    "cities": ("name.en", "name.ar", "region", "partner_board.0"),
    "themes": ("label.en", "label.fr", "description.en"),
    "organisations": ("name.en", "name.ar"),
    "series-list": ("title.en", "description.en"),
    "declarations": ("title.en", "text.en", "text.tr", "place.en"),
    "campaigns": ("title.en", "title.fr", "description.en"),
    "participations": ("dissemination.channels", "screenings.0.venue",
                       "screenings.0.address"),
}


#: The kinds whose XSS sweep runs on SQLite only (their journey runs on both databases).
ONE_DATABASE = ("organisations", "series-list")


@pytest.mark.parametrize("case", CASES, ids=[case.plural for case in CASES])
def test_xss_vectors_in_every_text_field_come_back_harmless(base: str, case: Case,
                                                           database_url: str) -> None:
    if case.plural in ONE_DATABASE and not database_url.startswith("sqlite"):
        pytest.skip("the escaping is the templates', the same on either database (CI time)")
    browser = client(base, case.who)
    token = token_of(browser.get(f"/console/{case.plural}/new").text)
    vectors = dict.fromkeys(TEXT_FIELDS[case.plural])
    accepted = 0
    for index, vector in enumerate(VECTORS):
        typed = dict.fromkeys(vectors, vector)
        form = {"csrf_token": token, "base": "0", **case.form, **typed}
        if "slug" in form:
            form["slug"] = f"xss-{index}"
        # with a mistake: the typed vectors come back escaped
        refused = browser.post(f"/console/{case.plural}/new",
                               data={**form, **case.mistake, **typed})
        assert refused.status_code == 422, vector
        assert problems(refused.text) == [], vector
        target = f"/console/{case.plural}/new"
        if case.plural == "participations" and accepted:  # one record: saved over again
            target = f"/console/{case.plural}/{case.key}"
            form["base"] = base_of(browser.get(target).text)
        answer = browser.post(target, data=form)
        if answer.status_code != 303:  # a text the models refuse (a control character)
            assert answer.status_code == 422, vector
            assert problems(answer.text) == [], vector
            continue
        accepted += 1
        path = answer.headers["Location"].partition("?")[0]
        for page in (path, path + "/preview"):
            shown = browser.get(page)
            assert shown.status_code == 200
            assert problems(shown.text) == [], (vector, page)
        if case.plural == "participations":
            assert browser.post(path + "/publish", data={
                "csrf_token": token, "base": base_of(browser.get(path).text)}
            ).status_code == 303
            public = browser.get(case.public)
            assert public.status_code == 200
            assert html_problems(public.text) == [], vector
    assert accepted > len(VECTORS) // 2


def test_a_theme_is_withdrawn_and_restored_and_a_used_one_is_kept(base: str,
                                                                   obs: Observatory) -> None:
    browser = client(base, "secretariat")
    token = token_of(browser.get("/console/themes/new").text)
    assert browser.post("/console/themes/new", data={
        "csrf_token": token, "base": "0", "slug": "sport",
        "label.en": "Sport together"}).status_code == 303
    page = browser.get("/console/themes/sport")
    assert browser.post("/console/themes/sport/publish", data={
        "csrf_token": token, "base": base_of(page.text)}).status_code == 303
    page = browser.get("/console/themes/sport")
    withdrawn = browser.post("/console/themes/sport/delete", data={
        "csrf_token": token, "base": base_of(page.text)})
    assert withdrawn.status_code == 303
    assert "Sport together" not in browser.get("/api/v1/themes?limit=100").text
    history = browser.get(withdrawn.headers["Location"])
    assert "Withdrawn from the public" in history.text
    assert browser.post("/console/themes/sport/restore", data={
        "csrf_token": token, "number": "2", "base": base_of(history.text)}).status_code == 303
    assert "A draft is in progress" in browser.get("/console/themes/sport").text
    # a theme practices use: a clear refusal, nothing withdrawn
    used = next(iter(obs.practices.list(limit=1).items)).themes[0]
    page = browser.get(f"/console/themes/{used}")
    refused = browser.post(f"/console/themes/{used}/delete", data={
        "csrf_token": token, "base": base_of(page.text)})
    assert refused.status_code == 409
    assert "remove it from them first" in refused.text
    assert obs.themes.get(used).slug == used
