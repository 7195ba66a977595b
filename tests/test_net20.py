"""Studies, the network's declarations, the series of summits and the open data of issue
20: the models' rules, the widgets and the city page (JSON-LD read by pyld), the JSON,
CSV and GeoJSON files, the DCAT catalogue (every file it lists answering), a version 13
database migrated, and the hub carrying every new kind, deletions included."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from hub_support import opened_hub
from ld_support import expand, page_ld, types
from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.errors import ConfigurationError, NotFound, ValidationError
from livingtogether.hub import HubClient
from livingtogether.models import (
    Attachment,
    BoardMember,
    Declaration,
    EventSeries,
    Organisation,
    OrganisationKind,
    Pledge,
    Practice,
    PracticeKind,
    Signatory,
    SignerKind,
    StudyDetails,
    Text,
)
from livingtogether.models.hub import FeedKind, NetworkScreening
from livingtogether.settings import OPEN_DATA_LICENCE, Settings
from livingtogether.store import Store, migrations, schema
from livingtogether.web.opendata import FILES
from livingtogether.wsgi import make_app
from test_web_support import Client, check_fragment, serving
from xss_vectors import VECTORS, html_problems

SCHEMA = "https://schema.org/"
STUDY = "example-study-living-together-policies"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Observatory, Client]]:
    """The demo over real HTTP, once for the module, with signatures in Izmir."""
    path = tmp_path_factory.mktemp("net20") / "demo.sqlite3"
    obs = Observatory.open(f"sqlite:///{path}", pledge_min_fill_seconds=0)
    install(obs)
    obs.organisations.create(Organisation(
        slug="ege-uni", name=Text({"en": "Ege University", "tr": "Ege Üniversitesi"}),
        kind=OrganisationKind.UNIVERSITY, city="izmir", website="https://ege.edu.tr/"))
    izmir = obs.cities.get("izmir")
    obs.cities.update(attrs.evolve(izmir, board=(BoardMember(organisation="ege-uni"),)))
    study = obs.practices.get(STUDY)
    obs.practices.update(attrs.evolve(study, attachments=(Attachment(
        url="/media/documents/policies.pdf", title=Text({"en": "The report"}),
        media_type="application/pdf", size=120_000),)))
    for index, city in enumerate(("İzmir", " izmir ", "Ankara")):
        signed = obs.signing.sign(Pledge(
            declaration="universal-declaration", kind=SignerKind.CITIZEN, name=f"K {index}",
            email=f"k{index}@example.org", country="TR", city=city,
            consent_version="2024-01"))
        assert signed.id is not None
        obs.signing.confirm(signed.id)
    obs.network_screenings.create(NetworkScreening(  # as Izmir's site reports it to the hub
        campaign="idltp-2022", city="izmir", key="cinema", country="TR",
        city_name=Text({"en": "Izmir"}), title=Text({"en": "Living Together Day"}),
        venue="Cinema", starts_at=datetime(2030, 5, 16, 16, tzinfo=timezone.utc),
        zone="Europe/Istanbul"))
    with serving(make_app(obs), threaded=True) as base:
        yield obs, Client(base)
    obs.close()


# -- the models' rules


def test_a_study_s_details_are_checked_field_by_field(site: tuple[Observatory, Client]) -> None:
    obs, _ = site
    study = obs.practices.get(STUDY)
    unknown = attrs.evolve(study, slug="s2", study=attrs.evolve(
        study.study, cities=("izmir", "atlantis")))
    with pytest.raises(ValidationError, match="'atlantis', which is no city") as caught:
        obs.practices.create(unknown)
    assert caught.value.field == "study.cities.1"
    with pytest.raises(ValidationError) as bulk:  # the bulk path checks them too
        obs.practices.create_many([unknown])
    assert bulk.value.field == "0.study.cities.1"
    cites = attrs.evolve(study, slug="s3", study=StudyDetails(cites=("no-such-entry",)))
    with pytest.raises(ValidationError, match="no entry of the catalogue") as caught:
        obs.practices.create(cites)
    assert caught.value.field == "study.cites.0"
    with pytest.raises(ValidationError, match="only a study has study details") as caught:
        Practice(slug="p", city="izmir", title=Text({"en": "P"}), study=StudyDetails())
    assert caught.value.field == "study"
    with pytest.raises(ValidationError, match="appears twice"):
        StudyDetails(cities=("izmir", "izmir"))
    assert [p.slug for p in obs.practices.list(kind=PracticeKind.STUDY).items] == [STUDY]


def test_a_declaration_signed_before_its_adoption_is_refused() -> None:
    with pytest.raises(ValidationError, match="before the declaration was adopted") as caught:
        Declaration(slug="d", title=Text({"en": "D"}), adopted=date(2019, 6, 1),
                    signatories=(Signatory(city="a", signed=date(2019, 6, 1)),
                                 Signatory(city="b", signed=date(2019, 5, 31))))
    assert caught.value.field == "signatories.1.signed"
    with pytest.raises(ValidationError, match=r"\(2015\)") as caught:
        Declaration(slug="d", title=Text({"en": "D"}), year=2015,
                    signatories=(Signatory(city="a", signed=date(2014, 12, 31)),))
    assert caught.value.field == "signatories.0.signed"
    with pytest.raises(ValidationError, match="not in the year of adoption") as caught:
        Declaration(slug="d", title=Text({"en": "D"}), year=2015, adopted=date(2016, 1, 1))
    assert caught.value.field == "adopted"
    with pytest.raises(ValidationError, match="appears twice"):
        Declaration(slug="d", title=Text({"en": "D"}), year=2015,
                    signatories=(Signatory(city="a"), Signatory(city="a")))


def test_a_declaration_names_known_cities_and_events(site: tuple[Observatory, Client]) -> None:
    obs, _ = site
    with pytest.raises(ValidationError, match="'atlantis' is no city") as caught:
        obs.declarations.create(Declaration(slug="d1", title=Text({"en": "D"}), year=2020,
                                            signatories=(Signatory(city="izmir"),
                                                         Signatory(city="atlantis"))))
    assert caught.value.field == "signatories.1.city"
    with pytest.raises(ValidationError, match="there is no event") as caught:
        obs.declarations.create(Declaration(slug="d1", title=Text({"en": "D"}), year=2020,
                                            event="no-summit"))
    assert caught.value.field == "event"
    with pytest.raises(NotFound, match="no declaration"):
        obs.declarations.get("d1")  # nothing stored by the refusals


# -- the widgets, the city page and their JSON-LD


def test_the_declarations_widget_lists_the_network_s_own(
        site: tuple[Observatory, Client]) -> None:
    _, client = site
    response = client.get("/widgets/declarations", params={"lang": "fr"})
    assert response.status_code == 200
    tree = check_fragment(response.text, "declarations")
    assert not html_problems(response.text)
    articles = [a["id"] for a in tree.find("article")]
    assert articles == ["lt-declaration-montreal-declaration",
                        "lt-declaration-dusseldorf-declaration"]  # not the Universal one
    assert "Adoptée en 2015" in tree.text
    assert "Signée par 1 ville" in tree.text
    assert tree.find("a", href="/widgets/cities/montreal?lang=fr")
    (expanded,) = page_ld(response.text)
    works = [n for n in expanded if SCHEMA + "CreativeWork" in n.get("@type", [])]
    assert len(works) == 2
    montreal = next(w for w in works if w["@id"].endswith("#montreal-declaration"))
    assert montreal[SCHEMA + "dateCreated"] == [{"@value": "2015"}]
    assert SCHEMA + "Place" in types(montreal[SCHEMA + "locationCreated"])


def test_the_series_archive_shows_its_summits(site: tuple[Observatory, Client]) -> None:
    _, client = site
    response = client.get("/widgets/series/mayors-summits", params={"lang": "en"})
    assert response.status_code == 200
    tree = check_fragment(response.text, "series")
    assert not html_problems(response.text)
    assert "Past events" in tree.text
    assert tree.find("a", href="/widgets/programme/izmir-2021?lang=en")
    assert tree.find("a", href="/widgets/cities/izmir?lang=en")
    (expanded,) = page_ld(response.text)
    assert SCHEMA + "EventSeries" in types(expanded)
    event = expanded[0][SCHEMA + "subEvent"][0]
    assert event[SCHEMA + "startDate"] == [{"@value": "2021-12-07"}]
    assert SCHEMA + "Place" in types(event[SCHEMA + "location"])
    assert client.get("/widgets/series/none", params={"lang": "en"}).status_code == 404


def test_the_city_page_lists_its_studies_and_counts_its_signatures(
        site: tuple[Observatory, Client]) -> None:
    _, client = site
    response = client.get("/widgets/cities/izmir", params={"lang": "en"})
    tree = check_fragment(response.text, "city")
    assert tree.find("section", **{"class": "lt-city__studies"})
    assert tree.find("a", href=f"/widgets/practices/{STUDY}?lang=en")
    # "İzmir" and " izmir " are Izmir's; Ankara is not
    assert "2 confirmed signatures in Izmir" in tree.text
    assert "3 confirmed signatures in Türkiye" in tree.text
    (expanded,) = page_ld(response.text)
    assert {SCHEMA + "City", SCHEMA + "Report", SCHEMA + "Event",
            SCHEMA + "Place"} <= types(expanded)
    montreal = client.get("/widgets/cities/montreal", params={"lang": "fr"})
    assert "Déclarations signées par la ville" in montreal.text
    assert "Déclaration de Montréal" in montreal.text
    page_ld(montreal.text)


def test_a_study_page_shows_its_details(site: tuple[Observatory, Client]) -> None:
    _, client = site
    response = client.get(f"/widgets/practices/{STUDY}", params={"lang": "en"})
    tree = check_fragment(response.text, "practice")
    assert "Cities covered" in tree.text
    assert tree.find("a", href="/widgets/cities/dusseldorf?lang=en")
    assert tree.find("a", href="/widgets/practices/example-heatwave-neighbour-checks?lang=en")
    found = client.get("/api/v1/practices", params={"q": "policies", "kind": "study"}).json()
    assert [item["slug"] for item in found["items"]] == [STUDY]


#: The schema.org types each widget page's JSON-LD holds (at least); the others may
#: carry none.
EXPECTED_LD = {
    "widget-programme": {"Event", "Place", "EventSeries"},
    "widget-cities": {"City", "GeoCoordinates"},
    "widget-practice": {"CreativeWork", "Place"},
    "widget-partners": {"Organization", "Place"},
    "widget-board": {"Organization"},
    "widget-city": {"City", "Report", "Event"},
    "widget-declarations": {"CreativeWork", "Place"},
    "widget-series": {"EventSeries", "Event"},
}


def widget_pages(obs: Observatory) -> Iterator[tuple[str, str]]:
    """Every public widget page of the site, with each record of the demo it shows."""
    from livingtogether.web.app import build_routes

    records = {
        "event": [e.slug for e in obs.programme.list(limit=200).items],
        "slug": {"widget-practice": [p.slug for p in obs.practices.list(limit=200).items],
                 "widget-campaign": [c.slug for c in obs.campaigns.list().items],
                 "widget-campaign-report": [c.slug for c in obs.campaigns.list().items],
                 "widget-series": [s.slug for s in obs.series.list().items]},
    }
    cities = [c.slug for c in obs.cities.list(limit=200).items]
    for route in build_routes():
        if route.method != "GET" or not route.path.startswith("/widgets/"):
            continue
        if "{event}" in route.path:
            values = [route.path.replace("{event}", e) for e in records["event"]]
        elif route.name in ("widget-city", "widget-board"):
            values = [route.path.replace("{slug}", c) for c in cities]
        elif "{slug}" in route.path and "{key}" not in route.path:
            values = [route.path.replace("{slug}", s) for s in records["slug"][route.name]]
        elif "{" in route.path:  # a screening's page: the demo takes no registrations
            continue
        else:
            values = [route.path]
        assert values, route.name
        for path in values:
            yield route.name, path


def test_every_widget_page_s_structured_data_reads_as_json_ld(
        site: tuple[Observatory, Client]) -> None:
    obs, client = site
    seen: dict[str, set[str]] = {}
    pages = 0
    for name, path in widget_pages(obs):
        response = client.get(path, params={"lang": "fr"})
        assert response.status_code < 500, path
        for document in page_ld(response.text, required=False):
            seen.setdefault(name, set()).update(
                t.removeprefix(SCHEMA) for t in types(document))
        pages += 1
    assert pages >= 30
    for name, wanted in EXPECTED_LD.items():
        assert wanted <= seen.get(name, set()), (name, seen.get(name))
    # a study is a Report with its authors, year, the cities it covers and its PDF
    (study,) = page_ld(client.get(f"/widgets/practices/{STUDY}").text)
    (report,) = study
    assert report["@type"] == [SCHEMA + "Report"]
    assert report[SCHEMA + "datePublished"] == [{"@value": "2020"}]
    assert report[SCHEMA + "author"][0][SCHEMA + "name"] == [{"@value": "Example author"}]
    covered = [a[SCHEMA + "address"][0][SCHEMA + "addressCountry"][0]["@value"]
               for a in report[SCHEMA + "about"]]
    assert covered == ["CA", "TR", "DE"]
    (media,) = report[SCHEMA + "associatedMedia"]
    assert media[SCHEMA + "encodingFormat"] == [{"@value": "application/pdf"}]
    assert media[SCHEMA + "contentUrl"][0]["@value"].endswith("/media/documents/policies.pdf")
    assert media[SCHEMA + "contentUrl"][0]["@value"].startswith("http")
    assert report[SCHEMA + "citation"][0]["@id"].endswith(
        "/widgets/practices/example-heatwave-neighbour-checks")
    (partners,) = page_ld(client.get("/widgets/partners", params={"city": "izmir"}).text)
    (ege,) = partners
    assert ege[SCHEMA + "sameAs"] == [{"@value": "https://ege.edu.tr/"}]
    assert ege["@id"].endswith("/widgets/partners#lt-partner-ege-uni")


def test_hostile_texts_stay_text(site: tuple[Observatory, Client]) -> None:
    obs, client = site
    vectors = [" ".join(v.split())[:250] for v in VECTORS[:12]]
    obs.series.create(EventSeries(slug="hostile", title=Text({"en": vectors[0]}),
                                  description=Text({"en": vectors[1]})))
    for index, vector in enumerate(vectors):
        obs.declarations.create(Declaration(
            slug=f"hostile-{index}", title=Text({"en": vector}), year=2022,
            place=Text({"en": vector}), text=Text({"en": vector}),
            signatories=(Signatory(city="izmir", signed=date(2022, 1, 1)),)))
    try:
        for path in ("/widgets/declarations", "/widgets/series/hostile",
                     "/widgets/cities/izmir"):
            response = client.get(path, params={"lang": "en"})
            assert response.status_code == 200
            assert not html_problems(response.text), (path, html_problems(response.text))
            page_ld(response.text)  # the JSON-LD whole: no text broke out
    finally:
        obs.series.delete("hostile")
        for index in range(len(vectors)):
            obs.declarations.delete(f"hostile-{index}")


# -- open data and the DCAT catalogue


def test_the_open_data_files(site: tuple[Observatory, Client]) -> None:
    _, client = site
    studies = client.get("/api/v1/studies.json").json()
    assert [s["slug"] for s in studies["items"]] == [STUDY]
    assert studies["items"][0]["study"]["cities"] == ["montreal", "izmir", "dusseldorf"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/studies.csv").text.lstrip(
        "\ufeff"))))
    assert [(r["slug"], r["cities"]) for r in rows] == [(STUDY, "montreal;izmir;dusseldorf")]
    geo = client.get("/api/v1/studies.geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["features"][0]["geometry"]["type"] == "MultiPoint"
    assert len(geo.json()["features"][0]["geometry"]["coordinates"]) == 3
    declarations = client.get("/api/v1/declarations.json").json()
    assert [d["slug"] for d in declarations["items"]] == ["montreal-declaration",
                                                          "dusseldorf-declaration"]
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/declarations.csv").text.lstrip("\ufeff"))))
    assert [(r["declaration"], r["year"], r["city"]) for r in rows] == [
        ("montreal-declaration", "2015", "montreal"), ("dusseldorf-declaration", "2019", "")]
    features = client.get("/api/v1/declarations.geojson").json()["features"]
    assert [f["geometry"] and f["geometry"]["type"] for f in features] == ["Point", None]
    series = client.get("/api/v1/series.json").json()
    assert series["items"][0]["events"] == ["izmir-2021"]
    point = client.get("/api/v1/series.geojson").json()["features"][0]["geometry"]
    assert point == {"type": "Point", "coordinates": [27.1384, 38.4127]}
    assert "izmir-2021" in client.get("/api/v1/series.csv").text


def test_the_dcat_catalogue_lists_every_file_and_each_answers(
        site: tuple[Observatory, Client]) -> None:
    _, client = site
    response = client.get("/api/v1/catalogue.jsonld")
    assert response.headers["content-type"].startswith("application/ld+json")
    expanded = expand(response.json())
    dcat, dct = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
    (catalog,) = expanded
    assert catalog["@type"] == [dcat + "Catalog"]
    datasets = catalog[dcat + "dataset"]
    assert len(datasets) == len(FILES)
    for dataset in datasets:
        (licence,) = dataset[dct + "license"]
        assert licence["@id"] == OPEN_DATA_LICENCE
        (modified,) = dataset[dct + "modified"]
        assert modified["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
        datetime.fromisoformat(modified["@value"].replace("Z", "+00:00"))
        (distribution,) = dataset[dcat + "distribution"]
        (url,) = distribution[dcat + "downloadURL"]
        answer = client.session.get(url["@id"], timeout=30)
        assert answer.status_code == 200, url
        (media,) = distribution[dcat + "mediaType"]
        assert answer.headers["content-type"].startswith(media["@value"]), url


def test_the_catalogue_names_the_licence_the_observatory_chose(tmp_path: Path) -> None:
    odbl = "https://opendatacommons.org/licenses/odbl/1-0/"
    dct = "http://purl.org/dc/terms/license"
    with Observatory.open(f"sqlite:///{tmp_path / 'odbl.sqlite3'}",
                          open_data_licence=odbl) as obs, \
            serving(make_app(obs)) as base:
        (catalog,) = expand(Client(base).get("/api/v1/catalogue.jsonld").json())
        licences = {catalog[dct][0]["@id"]} | {
            d[dct][0]["@id"] for d in catalog["http://www.w3.org/ns/dcat#dataset"]}
        assert licences == {odbl}
    for bad in ("CC-BY-4.0", "javascript:alert(1)", "", 5):
        with pytest.raises(ConfigurationError, match=r"not an http|must be text") as caught:
            Settings.build(open_data_licence=bad)
        assert caught.value.field == "open_data_licence"
    assert Settings.from_environ({"LIVINGTOGETHER_OPEN_DATA_LICENCE": odbl}
                                 ).open_data_licence == odbl


# -- the hub


def test_the_hub_carries_every_new_kind_and_its_deletions(database_url: str,
                                                          tmp_path: Path) -> None:
    for hub in opened_hub(database_url):
        hub.organisations.create(Organisation(slug="ege", name=Text({"en": "Ege"})))
        hub.series.create(EventSeries(slug="youth-forums", title=Text({"en": "Forums"})))
        member = Observatory.open(f"sqlite:///{tmp_path / 'member.sqlite3'}")
        try:
            with serving(make_app(hub), threaded=True) as hub_url, \
                    HubClient(hub_url, page_size=50) as puller:
                report = puller.pull(member)
                assert not report.problems
                for kind in (FeedKind.ORGANISATIONS, FeedKind.SERIES, FeedKind.DECLARATIONS):
                    assert report.counts[kind].added >= 1, kind
                assert member.series.get("mayors-summits") == hub.series.get("mayors-summits")
                assert member.declarations.get("montreal-declaration").signatories == (
                    Signatory(city="montreal"),)
                assert member.practices.get(STUDY).study == hub.practices.get(STUDY).study
                assert member.programme.get("izmir-2021").series == "mayors-summits"
                assert member.organisations.get("ege").name == Text({"en": "Ege"})
                hub.declarations.delete("dusseldorf-declaration")
                hub.organisations.delete("ege")
                hub.practices.delete(STUDY)
                hub.series.delete("youth-forums")
                again = puller.pull(member)
                assert not again.problems
                assert again.counts[FeedKind.DECLARATIONS].removed == 1
                assert again.counts[FeedKind.ORGANISATIONS].removed == 1
                assert again.counts[FeedKind.PRACTICES].removed == 1
                assert again.counts[FeedKind.SERIES].removed == 1
                assert member.series.get("mayors-summits").title == hub.series.get(
                    "mayors-summits").title
                with pytest.raises(NotFound):
                    member.series.get("youth-forums")
                with pytest.raises(NotFound):
                    member.declarations.get("dusseldorf-declaration")
                with pytest.raises(NotFound):
                    member.practices.get(STUDY)
        finally:
            member.close()


# -- the migration from version 13


def test_a_version_13_database_migrates_keeping_everything(database_url: str) -> None:
    """Events, declarations and studies as version 13 stored them (none of the new
    fields) read back with the new fields' defaults after the upgrade; the series table
    is made."""
    version = migrations.MIGRATIONS.index(migrations.m0015_net20) + 1
    with Observatory.open(database_url) as obs:
        install(obs)
        with obs.store.read() as connection:
            before = {t.name: sorted(map(tuple, connection.execute(
                sa.select(t.c.slug, t.c.data)).all()), key=lambda r: r[0])
                for t in (schema.events, schema.declarations, schema.practices)}
        with obs.store.write() as connection:
            for table, fields in ((schema.events, ("series", "outcomes")),
                                  (schema.declarations, ("year", "adopted", "place", "event",
                                                         "signatories")),
                                  (schema.practices, ("study",))):
                for slug, data in connection.execute(sa.select(table.c.slug, table.c.data)):
                    old = {k: v for k, v in data.items() if k not in fields}
                    connection.execute(table.update().where(table.c.slug == slug)
                                       .values(data=old))
            connection.execute(schema.event_series.delete())
            connection.execute(schema.schema_version.delete().where(
                schema.schema_version.c.version == version))  # the later ones stay applied
            schema.event_series.drop(connection)
    store = Store(database_url)
    try:
        assert store.upgrade() == [version]
    finally:
        store.close()
    with Observatory.open(database_url) as obs:
        assert obs.programme.get("izmir-2021").series is None
        assert obs.programme.get("izmir-2021").outcomes == Text({})
        universal = obs.declarations.get("universal-declaration")
        assert not universal.of_network
        assert obs.declarations.get("montreal-declaration").signatories == ()
        assert obs.practices.get(STUDY).study is None
        assert obs.series.list().total == 0
        with obs.store.read() as connection:
            after = {t.name: sorted(connection.execute(sa.select(t.c.slug)).scalars())
                     for t in (schema.events, schema.declarations, schema.practices)}
        assert after == {name: [row[0] for row in rows] for name, rows in before.items()}
        obs.series.create(EventSeries(slug="again", title=Text({"en": "Again"})))
        assert obs.series.get("again").title == Text({"en": "Again"})
