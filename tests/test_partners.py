"""Partner organisations as records, each city's board as seats with roles and dates:
validated, listed by kind and city, exported, in the bundle, migrated from the names."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from admin_support import principal, two_cities
from livingtogether import Observatory, convert
from livingtogether.admin import Principal
from livingtogether.admin.forms import FormSpec
from livingtogether.errors import LivingTogetherError, ValidationError
from livingtogether.models import BoardMember, City, Organisation, OrganisationKind, Text
from livingtogether.wsgi import make_app
from test_network import migrate_from_version_10
from test_web_support import Client, error_of, serving
from test_web_widgets import text_of as widget
from xss_vectors import VECTORS

NGO, UNIVERSITY, PUBLIC = (OrganisationKind.NGO, OrganisationKind.UNIVERSITY,
                           OrganisationKind.PUBLIC_BODY)

ORGANISATIONS = (
    Organisation(slug="concertation", name=Text({"fr": "Concertation Montréal"}),
                 kind=PUBLIC, city="montreal", website="https://concertationmtl.ca"),
    Organisation(slug="uqam", name=Text({"fr": "UQAM", "en": "UQAM"}), kind=UNIVERSITY,
                 city="montreal", logo="https://uqam.ca/logo.png"),
    Organisation(slug="caritas", name=Text({"de": "Caritas Düsseldorf"}), kind=NGO,
                 city="dusseldorf"),
    Organisation(slug="unesco", name=Text({"en": "UNESCO"}), kind=OrganisationKind.OTHER),
)


def _cities() -> list[City]:
    return [
        City(slug="montreal", name=Text({"fr": "Montréal"}), country="CA", board=(
            BoardMember(organisation="concertation", role=Text({"fr": "présidence"}),
                        since=date(2016, 1, 1)),
            BoardMember(organisation="unesco", since=date(2015, 6, 1),
                        until=date(2019, 12, 31)))),
        City(slug="dusseldorf", name=Text({"de": "Düsseldorf"}), country="DE",
             board=(BoardMember(organisation="caritas"),
                    BoardMember(organisation="unesco", since=date(2020, 1, 1)))),
    ]


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Observatory]:
    with Observatory.open(f"sqlite:///{tmp_path / 'partners.sqlite3'}") as obs:
        for city in _cities():
            obs.cities.create(city)
        for organisation in ORGANISATIONS:
            obs.organisations.create(organisation)
        yield obs


def test_the_directory_of_partners_filters_by_kind_and_city(network: Observatory) -> None:
    organisations = network.organisations
    assert [o.slug for o in organisations.list().items] == [
        "caritas", "concertation", "unesco", "uqam"]
    assert [o.slug for o in organisations.list(kind=UNIVERSITY).items] == ["uqam"]
    montreal, dusseldorf = (network.cities.get(s) for s in ("montreal", "dusseldorf"))
    # based there, or on its board
    assert [o.slug for o in organisations.list(city=montreal).items] == [
        "concertation", "unesco", "uqam"]
    assert [o.slug for o in organisations.list(city=dusseldorf, kind=NGO).items] == ["caritas"]
    board = organisations.board_of(montreal)
    assert [(seat.organisation, org.slug if org else None) for seat, org in board] == [
        ("concertation", "concertation"), ("unesco", "unesco")]
    assert board[1][0].current(date(2019, 6, 1))
    assert not board[1][0].current(date(2020, 1, 1))
    with pytest.raises(ValueError, match="'mosque'"):
        organisations.list(kind="mosque")


@pytest.mark.parametrize(("seats", "field", "words"), [
    ([{"organisation": "a", "since": "2020-01-01", "until": "2019-01-01"}], "board.0.until",
     "ends (2019-01-01) before it starts (2020-01-01)"),
    ([{"organisation": "a"}, {"organisation": "a", "since": "2020-01-01"}],
     "board.1.organisation", "on the board twice at the same time"),
    ([{"organisation": "<script>"}], "board.0.organisation", "slug"),
    ([{"organisation": "a", "since": "2020-02-30"}], "board.0.since", "not a real date"),
    ([{"organisation": "a", "role": "chair"}], "board.0.role", ""),
])
def test_bad_seats_are_refused_naming_the_field(seats: Any, field: str, words: str) -> None:
    data = {"slug": "izmir", "name": {"en": "Izmir"}, "country": "TR", "board": seats}
    with pytest.raises(ValidationError) as caught:
        convert.structure(data, City)
    fields = {problem[0]: problem[1] for problem in caught.value.problems} or {
        caught.value.field: caught.value.message}
    assert any(key.startswith(field) for key in fields), fields
    assert any(words in message for message in fields.values()), fields


def test_seats_one_after_another_are_fine() -> None:
    city = convert.structure({"slug": "izmir", "name": {"en": "Izmir"}, "country": "TR",
                              "board": [{"organisation": "a", "until": "2019-12-31"},
                                        {"organisation": "a", "since": "2020-01-01"}]}, City)
    assert len(city.board) == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "mosque"}, "kind"), ({"website": "javascript:alert(1)"}, "website"),
    ({"logo": "data:image/png;base64,AAAA"}, "logo"), ({"city": "Not A Slug"}, "city"),
    ({"name": {"en": "x" * 301}}, "name.en"), ({"name": {}}, "name"),
])
def test_bad_organisations_are_refused_naming_the_field(change: dict[str, Any],
                                                        field: str) -> None:
    data = {"slug": "ngo", "name": {"en": "An NGO"}, "kind": "ngo", **change}
    with pytest.raises(ValidationError) as caught:
        convert.structure(data, Organisation)
    fields = {problem[0] for problem in caught.value.problems} or {caught.value.field}
    assert field in fields, fields


def test_organisations_have_staff_forms() -> None:
    spec = FormSpec(Organisation, languages=("en", "fr", "de"))
    for organisation in ORGANISATIONS:
        assert spec.parse(spec.form_data(organisation)) == organisation
    assert [field.label for field in spec.fields()][:3] == ["Short name in addresses",
                                                           "Name", "Kind"]
    city = FormSpec(City, languages=("fr",))
    montreal = _cities()[0]
    assert city.parse(city.form_data(montreal)) == montreal


def test_the_exports_list_the_partners_and_their_boards(network: Observatory) -> None:
    network.organisations.create(Organisation(slug="evil", name=Text({"en": VECTORS[0]}),
                                              kind=NGO))
    network.organisations.create(Organisation(slug="formula", name=Text({"en": "=1+1"}),
                                              kind=NGO))
    with serving(make_app(network)) as base:
        client = Client(base)
        every = client.get("/api/v1/organisations.json").json()
        assert every["total"] == 6
        unesco = next(o for o in every["items"] if o["slug"] == "unesco")
        assert unesco["boards"] == ["dusseldorf", "montreal"]
        assert next(o for o in every["items"] if o["slug"] == "evil")["name"]["en"] == VECTORS[0]
        mine = client.get("/api/v1/organisations.json",
                          params={"city": "dusseldorf", "kind": "ngo"}).json()
        assert [o["slug"] for o in mine["items"]] == ["caritas"]
        response = client.get("/api/v1/organisations.csv", params={"city": "montreal"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["slug"] for r in rows] == ["concertation", "unesco", "uqam"]
        assert rows[0]["kind"] == "public_body"
        assert rows[2]["logo"] == "https://uqam.ca/logo.png"
        formula = client.get("/api/v1/organisations.csv", params={"kind": "ngo"})
        assert "'=1+1" in formula.content.decode("utf-8-sig")  # never run by a spreadsheet
        for params, status, field in (({"kind": "mosque"}, 400, "kind"),
                                      ({"city": "atlantis"}, 404, "city"),
                                      ({"city": "' OR 1=1 --"}, 400, "city")):
            answer = client.get("/api/v1/organisations.json", params=params)
            assert answer.status_code == status, answer.text
            assert error_of(answer)["field"] == field


def test_the_bundle_carries_the_organisations(network: Observatory, tmp_path: Path) -> None:
    bundle = network.export_bundle()
    assert [o["slug"] for o in bundle["organisations"]] == [
        "caritas", "concertation", "unesco", "uqam"]
    with Observatory.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}") as copy:
        report = copy.import_bundle(bundle)
        assert report.created["organisations"] == 4
        assert copy.export_bundle() == bundle
        assert copy.cities.get("montreal").board == _cities()[0].board


def test_migration_11_makes_the_partner_names_organisations(database_url: str) -> None:
    old = [
        {"slug": "izmir", "name": {"tr": "İzmir"}, "country": "TR", "member_since": 2015,
         "status": "member", "languages": ["tr", "en"],
         "partner_board": ["İzmir Büyükşehir Belediyesi", "UCLG-MEWA", "UCLG MEWA"]},
        {"slug": "paris", "name": {"fr": "Paris"}, "country": "FR", "member_since": None,
         "status": "member", "partner_board": ["UCLG-MEWA"]},
        {"slug": "lyon", "name": {"fr": "Lyon"}, "country": "FR", "status": "member"},
    ]
    migrate_from_version_10(database_url, old)
    with Observatory.open(database_url) as obs:
        organisations = {o.slug: o for o in obs.organisations.list().items}
        assert organisations == {
            "izmir-buyuksehir-belediyesi": Organisation(
                slug="izmir-buyuksehir-belediyesi",
                name=Text({"tr": "İzmir Büyükşehir Belediyesi"})),
            "uclg-mewa": Organisation(slug="uclg-mewa", name=Text({"tr": "UCLG-MEWA"})),
            "uclg-mewa-2": Organisation(slug="uclg-mewa-2", name=Text({"tr": "UCLG MEWA"})),
        }
        izmir, paris, lyon = (obs.cities.get(s) for s in ("izmir", "paris", "lyon"))
        assert [s.organisation for s in izmir.board] == [
            "izmir-buyuksehir-belediyesi", "uclg-mewa", "uclg-mewa-2"]
        assert izmir.partner_board == tuple(old[0]["partner_board"])  # nothing lost
        assert [s.organisation for s in paris.board] == ["uclg-mewa"]  # the same one
        assert lyon.board == ()
        assert [o.slug for o in obs.organisations.list(city=paris).items] == ["uclg-mewa"]


def test_city_staff_edit_their_city_s_organisations_only(tmp_path: Path) -> None:
    with Observatory.open(f"sqlite:///{tmp_path / 'staff.sqlite3'}") as obs:
        staff = two_cities(obs)
        izmir = principal("city-publisher", city="izmir")
        ours = Organisation(slug="izmir-ngo", name=Text({"tr": "Bir dernek"}), kind=NGO,
                            city="izmir")
        assert staff.organisations.save_and_publish(izmir, ours, base=0) == ours
        assert obs.organisations.get("izmir-ngo") == ours
        theirs = Organisation(slug="mtl-ngo", name=Text({"fr": "Un organisme"}), kind=NGO,
                              city="montreal")
        with pytest.raises(LivingTogetherError):
            staff.organisations.save_and_publish(izmir, theirs, base=0)
        with pytest.raises(LivingTogetherError):  # no city: the secretariat's
            staff.organisations.save_and_publish(izmir, ORGANISATIONS[3], base=0)
        admin = Principal.with_roles(id="sec", name="Sec", roles=["secretariat-admin"],
                                     cities=[])
        staff.organisations.save_and_publish(admin, ORGANISATIONS[3], base=0)
        assert obs.organisations.list().total == 2


@pytest.mark.parametrize("lang", ["en", "fr", "es", "de", "tr", "ar"])
def test_the_partner_widgets_in_every_language(network: Observatory, lang: str) -> None:
    network.organisations.create(Organisation(slug="evil", name=Text({"en": VECTORS[0]}),
                                              kind=NGO, website="https://evil.example"))
    with serving(make_app(network)) as base:
        client = Client(base)
        board = client.get("/widgets/cities/montreal/partners", params={"lang": lang})
        directory = client.get("/widgets/partners", params={"lang": lang})
        chosen = client.get("/widgets/partners",
                            params={"lang": lang, "kind": "university", "city": "montreal"})
        bad = client.get("/widgets/partners", params={"lang": lang, "kind": "mosque"})
        missing = client.get("/widgets/cities/atlantis/partners", params={"lang": lang})
    tree = widget(board, "partners")
    assert tree.elements[0][1]["lang"] == lang
    assert [li["id"] for li in tree.find("li")] == ["lt-partner-concertation",
                                                    "lt-partner-unesco"]
    assert "Montréal" in tree.text
    assert "présidence" in tree.text
    assert tree.find("span", class_="lt-partner__role")[0].get("lang", lang) == "fr"
    everyone = widget(directory, "partners")
    assert len(everyone.find("li")) == 5
    assert "<script>" not in directory.text  # the XSS vector is shown as text
    assert len(everyone.find("select")) == 2
    assert len(everyone.find("label")) == 2
    assert [li["id"] for li in widget(chosen, "partners").find("li")] == ["lt-partner-uqam"]
    selected = [o for o in widget(chosen, "partners").find("option") if "selected" in o]
    assert [o["value"] for o in selected] == ["university", "montreal"]
    assert bad.status_code == 400
    assert missing.status_code == 404
    if lang == "fr":
        assert "Organisations partenaires" in everyone.text
        assert "Université" in everyone.text


def test_a_seat_reads_as_one_line(network: Observatory) -> None:
    with serving(make_app(network)) as base:
        tree = widget(Client(base).get("/widgets/cities/montreal/partners",
                                       params={"lang": "en"}), "partners")
    assert "présidence since 2016" in tree.text
    assert "since 2015 until 2019" in tree.text
