"""The network as it really is: cities' periods of membership, counted year by year,
validated, migrated from the one-year shape, and carried by the API, exports and hub."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory, convert
from livingtogether.errors import ValidationError
from livingtogether.hub import HubClient
from livingtogether.models import City, CityStatus, Membership, MembershipStatus, Text
from livingtogether.store import Store, migrations, schema
from livingtogether.web.charts import growth
from livingtogether.wsgi import make_app
from test_web_support import Client, serving
from test_web_widgets import text_of as widget

FOUNDING, MEMBER, PARTNER = (MembershipStatus.FOUNDING_MEMBER, MembershipStatus.MEMBER,
                             MembershipStatus.PARTNER)


def _city(slug: str, *periods: Membership) -> City:
    return City(slug=slug, name=Text({"en": slug.title()}), country="FR", memberships=periods)


#: A network where cities join, leave and come back (and two whose years are unknown).
NETWORK = (
    _city("aa", Membership(joined=2015, status=FOUNDING)),
    _city("bb", Membership(joined=2015, left=2018)),
    _city("cc", Membership(joined=2016, left=2017), Membership(joined=2020)),
    _city("dd", Membership(joined=2016, status=PARTNER)),  # a partner: not a member
    _city("ee", Membership(status=FOUNDING)),  # joined in a year not recorded
    _city("ff", Membership(joined=2016, ended=True)),  # left in a year not recorded
    _city("gg", Membership(joined=2019, left=2019)),  # in and out within the year
)

#: Counted by hand from NETWORK: (year, joined, left, members at the year's end).
BY_HAND = [(2015, 2, 0, 2),   # aa bb
           (2016, 1, 0, 3),   # aa bb cc
           (2017, 0, 1, 2),   # cc left
           (2018, 0, 1, 1),   # bb left
           (2019, 1, 1, 1),   # gg came and went
           (2020, 1, 0, 2)]   # cc came back


def test_the_growth_chart_counts_members_by_year_as_by_hand() -> None:
    chart = growth(NETWORK)
    assert [(y.year, y.joined, y.left, y.total) for y in chart.years] == BY_HAND
    assert chart.unknown == 2  # ee and ff: their years are not all recorded
    tallest = max(y.height for y in chart.years)
    assert [y.height for y in chart.years if y.total == 3] == [tallest]


def _item(html: str, slug: str) -> str:
    """The text of the directory's entry for ``slug``, whitespace collapsed."""
    [found] = re.findall(rf'<li [^>]*id="lt-city-{slug}".*?</li>', html, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", found).split())


def test_the_directory_shows_the_count_the_founders_and_the_former(tmp_path: Path) -> None:
    with Observatory.open(f"sqlite:///{tmp_path / 'network.sqlite3'}") as obs:
        for city in NETWORK:
            obs.cities.create(city)
        obs.cities.create(_city("hh", Membership(joined=2015, left=2019, status=FOUNDING)))
        with serving(make_app(obs)) as base:
            response = Client(base).get("/widgets/cities")
    tree = widget(response, "cities")
    html = response.text
    # hh, a founder that left in 2019, joins 2015's count and leaves it in 2019
    hand = [(y, j + (y == 2015), gone + (y == 2019), n + (2015 <= y < 2019))
            for y, j, gone, n in BY_HAND]
    table = " ".join(" ".join(str(value) for value in year) for year in hand)
    assert f"Year Joined Left Members {table}" in tree.text
    assert "2 cities have no joining year" in tree.text
    former = [li["id"] for li in tree.find("li") if "lt-city--former" in li.get("class", "")]
    assert sorted(former) == ["lt-city-bb", "lt-city-ff", "lt-city-gg", "lt-city-hh"]
    founders = [li["id"] for li in tree.find("li")
                if "lt-city--founding" in li.get("class", "").split()]
    assert sorted(founders) == ["lt-city-aa", "lt-city-ee", "lt-city-hh"]
    hh = _item(html, "hh")
    assert "Founding member Former member" in hh
    assert "Membership: 2015–2019 (Founding member)" in hh
    assert "Membership: 2016–2017 , 2020–" in _item(html, "cc")
    assert "Membership: 2016–?" in _item(html, "ff")
    aa = _item(html, "aa")
    assert "Founding member" in aa
    assert "Former" not in aa
    assert "Membership:" not in aa


# -- bad periods: clear errors naming the field


@pytest.mark.parametrize(("periods", "field", "words"), [
    ([{"joined": 2015, "left": 2010}], "memberships.0.left", "comes before the year it joined"),
    ([{"joined": 2015, "left": 2019}, {"joined": 2017}], "memberships.1.joined", "overlaps"),
    ([{"joined": 2015}, {"joined": 2019}], "memberships.0.left", "has not ended"),
    ([{"joined": 2015, "left": 2016}, {"joined": None}], "memberships.1.joined",
     "only the first period"),
    ([{"joined": 2015, "left": 2016, "ended": False}], "memberships.0.ended", "has ended"),
    ([{"joined": "2015"}], "memberships.0.joined", "whole number"),
    ([{"joined": 1200}], "memberships.0.joined", "at least 1900"),
    ([{"joined": 2015, "status": "former_member"}], "memberships.0.status", "'partner'"),
    ([{"joined": 2015, "status": "<script>alert(1)</script>"}], "memberships.0.status",
     "is not one of"),
    ([{"joined": 2015, "colour": "red"}], "memberships.0", "unknown field 'colour'"),
    ("2015", "memberships", "must be a list"),
    ([[2015]], "memberships.0", "must be an object"),
    ([{"joined": 2015}] * 51, "memberships", "the limit is 50"),
])
def test_bad_periods_are_refused_naming_the_field(periods: Any, field: str,
                                                  words: str) -> None:
    data = {"slug": "izmir", "name": {"en": "Izmir"}, "country": "TR", "memberships": periods}
    with pytest.raises(ValidationError) as caught:
        convert.structure(data, City)
    fields = {problem[0]: problem[1] for problem in caught.value.problems} or {
        caught.value.field: caught.value.message}
    assert field in fields, fields
    assert words in fields[field], fields


def test_the_derived_fields_agree_with_the_periods_or_name_what_to_change() -> None:
    city = _city("cc", Membership(joined=2016, left=2017), Membership(joined=2020))
    data = convert.unstructure(city)
    assert (data["member_since"], data["status"]) == (2016, "member")
    assert convert.structure(data, City) == city  # a client's GET, PUT back unchanged
    with pytest.raises(ValidationError, match="member_since is derived") as caught:
        convert.structure({**data, "member_since": 2015}, City)
    assert caught.value.field == "member_since"
    with pytest.raises(ValidationError, match="change memberships instead"):
        convert.structure({**data, "status": "founding_member"}, City)


@pytest.mark.parametrize(("since", "status", "periods", "standing"), [
    (2015, "founding_member", [Membership(joined=2015, status=FOUNDING)],
     CityStatus.FOUNDING_MEMBER),
    (2017, "member", [Membership(joined=2017)], CityStatus.MEMBER),
    (2018, "partner", [Membership(joined=2018, status=PARTNER)], CityStatus.PARTNER),
    (2016, "former_member", [Membership(joined=2016, ended=True)], CityStatus.FORMER_MEMBER),
    (None, "member", [], CityStatus.MEMBER),
    (None, "former_member", [Membership(ended=True)], CityStatus.FORMER_MEMBER),
    (None, None, [], CityStatus.MEMBER),
])
def test_data_of_the_earlier_shape_becomes_its_periods(
        since: int | None, status: str | None, periods: list[Membership],
        standing: CityStatus) -> None:
    """Old clients, bundles and hubs send ``member_since`` and ``status`` alone."""
    data: dict[str, Any] = {"slug": "izmir", "name": {"en": "Izmir"}, "country": "TR",
                            "member_since": since}
    if status is not None:
        data["status"] = status
    city = convert.structure(data, City)
    assert list(city.memberships) == periods
    assert (city.member_since, city.status) == (since, standing)
    for bad, field in (({"member_since": True}, "member_since"),
                       ({"status": "mayor"}, "status")):
        with pytest.raises(ValidationError) as caught:
            convert.structure({**data, **bad}, City)
        assert caught.value.field == field


# -- the migration from version 10


def _version_10(slug: str, since: int | None, status: str, **extra: Any) -> dict[str, Any]:
    """A city's ``data`` as version 10 wrote it."""
    return {"slug": slug, "name": {"en": slug.title(), "fr": f"{slug.title()} (fr)"},
            "country": "FR", "region": "Occitanie", "latitude": 43.6, "longitude": 1.44,
            "timezone": "Europe/Paris", "member_since": since, "status": status,
            "partner_board": [f"{slug} partner"], "languages": ["fr"],
            "website": f"https://{slug}.example", **extra}


VERSION_10 = [
    _version_10("founder", 2015, "founding_member"),
    _version_10("member", 2017, "member"),
    _version_10("partner", 2019, "partner"),
    _version_10("gone", 2016, "former_member"),
    _version_10("unknown", None, "member"),
    _version_10("founder-unknown", None, "founding_member"),
]


def migrate_from_version_10(database_url: str, cities: list[dict[str, Any]]) -> None:
    """Store ``cities`` (their ``data`` as version 10 wrote it) in a database put back to
    version 10 (migration 13, the network's, undone and its table dropped; migrations 11
    and 12 left cities as version 10 wrote them), then migrate it."""
    version = migrations.MIGRATIONS.index(migrations.m0013_network) + 1
    with Observatory.open(database_url) as obs, obs.store.write() as connection:
        moment = datetime(2024, 5, 1, tzinfo=timezone.utc)
        connection.execute(schema.cities.insert(), [
            {"slug": data["slug"], "country": data["country"], "status": data["status"],
             "data": data, "created_at": moment, "updated_at": moment}
            for data in cities])
        connection.execute(schema.schema_version.delete().where(
            schema.schema_version.c.version == version))  # the later ones stay applied
        schema.organisations.drop(connection)
    store = Store(database_url)
    try:
        assert store.upgrade() == [version]
    finally:
        store.close()


def test_migrating_a_version_10_database_keeps_every_city(database_url: str) -> None:
    migrate_from_version_10(database_url, VERSION_10)
    with Observatory.open(database_url) as obs:
        cities = {city.slug: city for city in obs.cities.every()}
        assert sorted(cities) == sorted(d["slug"] for d in VERSION_10)
        for old in VERSION_10:
            city = cities[old["slug"]]
            again = convert.unstructure(city)
            # every field as it was, the derived ones included
            assert {key: again[key] for key in old} == old, old["slug"]
            assert (city.member_since, city.status.value) == (old["member_since"],
                                                              old["status"])
        assert cities["gone"].memberships == (Membership(joined=2016, ended=True),)
        assert cities["unknown"].memberships == ()
        assert cities["founder-unknown"].memberships == (Membership(status=FOUNDING),)
        assert cities["founder"].founding
        assert not cities["member"].founding
        found = obs.cities.list(status=CityStatus.FORMER_MEMBER)
        assert [c.slug for c in found.items] == ["gone"]
        chart = growth(cities.values())
        # the partner (2019) is not a member: the count ends with the last member's year
        assert [(y.year, y.total) for y in chart.years] == [(2015, 1), (2016, 1), (2017, 2)]
        assert chart.unknown == 3  # gone (left when?), unknown, founder-unknown
        with obs.store.read() as connection:
            stored = dict(connection.execute(
                sa.select(schema.cities.c.slug, schema.cities.c.data)).all())
        assert all("memberships" in data for data in stored.values())


# -- the API, the exports and the hub carry the periods


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Observatory]:
    with Observatory.open(f"sqlite:///{tmp_path / 'network.sqlite3'}") as obs:
        for index, city in enumerate(NETWORK):
            obs.cities.create(city if index % 2 else City(
                slug=city.slug, name=city.name, country=city.country,
                latitude=40.0 + index, longitude=2.0 + index, memberships=city.memberships))
        yield obs


def test_the_api_and_the_exports_carry_the_periods(network: Observatory) -> None:
    with serving(make_app(network)) as base:
        client = Client(base)
        one = client.get("/api/v1/cities/cc").json()
        assert one["memberships"] == [
            {"joined": 2016, "left": 2017, "status": "member", "ended": True},
            {"joined": 2020, "left": None, "status": "member", "ended": False}]
        assert (one["member_since"], one["status"]) == (2016, "member")
        listed = client.get("/api/v1/cities", params={"status": "former_member"}).json()
        assert [c["slug"] for c in listed["items"]] == ["bb", "ff", "gg"]
        features = client.get("/api/v1/cities.geojson").json()["features"]
        assert {f["id"]: f["properties"]["memberships"] for f in features} == {
            city.slug: convert.unstructure(city.memberships)
            for index, city in enumerate(NETWORK) if index % 2 == 0}
        exported = client.get("/api/v1/cities.json").json()
        assert exported["total"] == len(NETWORK)
        assert [c["memberships"] for c in exported["items"]] == [
            convert.unstructure(c.memberships) for c in NETWORK]
        response = client.get("/api/v1/cities.csv")
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["cc"]["memberships"] == "2016-2017 member; 2020- member"
    assert by_slug["cc"]["member_since"] == "2016"
    assert by_slug["ff"]["memberships"] == "2016-? member"
    assert by_slug["ee"]["memberships"] == "?- founding_member"
    assert by_slug["aa"]["status"] == "founding_member"
    assert by_slug["gg"]["status"] == "former_member"


def test_the_hub_feed_and_pull_carry_the_periods(network: Observatory, tmp_path: Path) -> None:
    with serving(make_app(network), threaded=True) as hub_url:
        feed = Client(hub_url).get("/api/v1/sync/cities").json()
        record = {item["slug"]: item["record"] for item in feed["items"]}["cc"]
        assert record["memberships"][1] == {"joined": 2020, "left": None, "status": "member",
                                            "ended": False}
        assert record["member_since"] == 2016  # older members read the first year
        with Observatory.open(f"sqlite:///{tmp_path / 'member.sqlite3'}") as member:
            with HubClient(hub_url, timeout=(2.0, 0.5), retries=2, backoff=0.01) as puller:
                puller.pull(member)
            pulled = {city.slug: city for city in member.cities.every()}
    assert {slug: city.memberships for slug, city in pulled.items()} == {
        city.slug: city.memberships for city in NETWORK}
