"""The network's campaign through the hub over real HTTP: a member site (Izmir) reports its
participation and public screenings to a hub served on 127.0.0.1, the hub lists them as
JSON, GeoJSON, an iCalendar feed and a widget, and another member (Montréal) pulls them
with ``hub pull``; on SQLite and PostgreSQL for the hub's store.

Incremental reports (a change of seats sends one screening, nothing sends nothing), a
cancellation travelling as a tombstone, an answer lost on the way (the proxy of
``hub_support``) counting nothing twice, a hub that was down caught up with after;
forged tokens, another city's report and hostile bodies answered with a clear 4xx.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pytest
import requests

from hub_support import FaultyProxy
from livingtogether import Observatory
from livingtogether.hub import HubClient, HubError
from livingtogether.models import Campaign, CampaignParticipation, City, Screening, Text
from livingtogether.models.hub import FeedKind
from livingtogether.programme_export import screening_icalendar
from livingtogether.wsgi import make_app
from serve_support import free_port
from test_web_support import serving
from xss_vectors import VECTORS, html_problems

#: 16 May 2030, 19:00 in Izmir (UTC+3 all year since 2016): a programme-like time.
EVENING = datetime(2030, 5, 16, 16, 0, tzinfo=timezone.utc)
HOSTILE = VECTORS[0]
IZMIR = City(slug="izmir", name=Text({"en": "Izmir", "tr": "İzmir"}), country="TR",
             latitude=38.42, longitude=27.14)
MONTREAL = City(slug="montreal", name=Text({"en": "Montréal"}), country="CA",
                latitude=45.5, longitude=-73.57)
DAY = Campaign(slug="day-2030", title=Text({"en": "Living Together Day",
                                           "fr": "Journée du vivre ensemble"}),
               day=EVENING.date())


def screenings(*, hall: bool = True) -> tuple[Screening, ...]:
    """Izmir's screenings: the cinema residents register for, a hall named with markup
    (unless ``hall`` is false: cancelled), and a private one that never leaves the site."""
    found = [Screening(key="cinema", venue="Cinema Karşıyaka", address="1 Quay Street",
                       starts_at=EVENING, zone="Europe/Istanbul", capacity=40, language="tr",
                       subtitles=("en", "fr"), accessibility="Step-free; induction loop"),
             Screening(key="private", venue="Town hall", starts_at=EVENING,
                       zone="Europe/Istanbul", public=False)]
    if hall:
        found.append(Screening(venue=f"Hall {HOSTILE}", address=f"2 {HOSTILE} Street",
                               starts_at=EVENING + timedelta(days=1), zone="Europe/Istanbul",
                               accessibility=HOSTILE,
                               registration_url="https://izmir.example.org/register"))
    return tuple(found)


@attrs.define
class Network:
    hub: Observatory
    url: str
    izmir: Observatory
    tokens: dict[str, str]

    def client(self, city: str = "izmir", url: str | None = None, **options: Any) -> HubClient:
        return HubClient(url or self.url, token=self.tokens[city], **options)

    def listed(self, **params: Any) -> dict[str, Any]:
        answer = requests.get(f"{self.url}/api/v1/network/screenings", params=params,
                              timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
def network(database_url: str, tmp_path: Path) -> Iterator[Network]:
    """A hub on ``database_url`` served on 127.0.0.1 and two member sites (SQLite)."""
    hub = Observatory.open(database_url)
    izmir = Observatory.open(f"sqlite:///{tmp_path / 'izmir.sqlite3'}",
                             base_url="https://izmir.example.org/")
    try:
        tokens = {}
        for city in (IZMIR, MONTREAL):
            hub.cities.create(city)
            tokens[city.slug] = hub.tokens.create(name=city.slug, city=city.slug,
                                                  scopes=["submit"])[1]
        izmir.cities.create(IZMIR)
        izmir.campaigns.create(DAY)
        izmir.participations.save(CampaignParticipation(
            campaign=DAY.slug, city="izmir", screenings=screenings(), signed=True))
        with serving(make_app(hub), threaded=True) as url:
            yield Network(hub=hub, url=url, izmir=izmir, tokens=tokens)
    finally:
        for obs in (hub, izmir):
            obs.close()


def test_a_member_reports_its_screenings_and_the_network_shows_them(network: Network,
                                                                   tmp_path: Path) -> None:
    with network.client() as client:
        sent = client.report_campaign(network.izmir)
    assert (sent.participations, sent.screenings, sent.withdrawn) == (1, 2, 0)
    found = network.listed()
    assert found["total"] == 2
    cinema, hall = found["items"]
    assert (cinema["venue"], cinema["seats_left"]) == ("Cinema Karşıyaka", 40)
    assert cinema["url"] == ("https://izmir.example.org/widgets/campaign/day-2030/screenings/"
                             "izmir/cinema")
    assert (cinema["latitude"], cinema["country"], cinema["zone"]) == (38.42, "TR",
                                                                        "Europe/Istanbul")
    assert hall["venue"] == f"Hall {HOSTILE}"  # text, as typed: escaped where it is shown
    assert "Town hall" not in str(found)  # the private screening stays on the site
    assert [network.listed(**q)["total"] for q in (
        {"country": "TR"}, {"country": "CA"}, {"campaign": "other"}, {"city": "izmir"},
        {"after": "2030-05-17T00:00:00Z"})] == [2, 0, 0, 2, 1]
    assert [i["key"] for i in network.listed(limit=1, offset=1)["items"]] == [hall["key"]]
    parts = requests.get(f"{network.url}/api/v1/network/participations", timeout=10).json()
    assert parts["items"] == [{"campaign": DAY.slug, "city": "izmir",
                               "actions": ["screening", "signing"]}]

    # A resident registers on Izmir's site: only the seats left travel, at the next report.
    _, token = network.izmir.screenings.register(
        DAY.slug, "izmir", "cinema", name="Ada Lovelace", email="ada@example.org", seats=3,
        language="en")
    network.izmir.screenings.confirm(token)
    with network.client() as client:
        again = client.report_campaign(network.izmir)
        assert (again.participations, again.screenings) == (0, 1)
        assert client.report_campaign(network.izmir).summary() == (
            "izmir: 0 participations sent, 0 left; 0 screenings sent, 0 withdrawn (0 batches)")
    listed = network.listed()
    assert listed["items"][0]["seats_left"] == 37
    assert "ada" not in str(listed).lower()
    assert "lovelace" not in str(listed).lower()

    # The iCalendar feed: one VEVENT a screening, at 19:00 in Izmir's zone, with the UID of
    # the city's own export of the screening.
    ics = requests.get(f"{network.url}/api/v1/network/screenings.ics",
                       params={"lang": "fr"}, timeout=10)
    assert ics.headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    start = events[0].decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (19, 0, "Europe/Istanbul")
    assert start == EVENING
    assert "TZID=Europe/Istanbul" in ics.text
    assert "BEGIN:VTIMEZONE" in ics.text
    own = icalendar.Calendar.from_ical(screening_icalendar(
        screenings()[0], campaign=DAY.slug, city="izmir", title="x"))
    assert events[0]["UID"] == own.walk("VEVENT")[0]["UID"]
    assert str(events[0]["SUMMARY"]) == "Journée du vivre ensemble - Cinema Karşıyaka (Izmir)"
    assert str(events[1]["LOCATION"]) == f"Hall {HOSTILE}, 2 {HOSTILE} Street"
    assert f"LOCATION:Hall {HOSTILE}\\, 2 " in ics.text.replace("\r\n ", "")  # RFC 5545

    geo = requests.get(f"{network.url}/api/v1/network/screenings.geojson", timeout=10).json()
    assert geo["features"][0]["geometry"] == {"type": "Point", "coordinates": [27.14, 38.42]}

    # The widget, in French and in Arabic (right to left), every hostile text inert.
    for lang in ("fr", "ar"):
        html = requests.get(f"{network.url}/widgets/network/screenings",
                            params={"lang": lang}, timeout=10).text
        assert html_problems(html) == []
        assert "Cinema Karşıyaka" in html
        assert "lt-map__marker" in html
        assert "19:00" in html or "١٩:٠٠" in html
    assert 'dir="rtl"' in html
    assert "href=\"https://izmir.example.org/widgets/campaign/day-2030/screenings/izmir/" \
           "cinema\"" in html

    # Montréal's site pulls the network's screenings and shows the same list.
    with Observatory.open(f"sqlite:///{tmp_path / 'montreal.sqlite3'}") as montreal:
        montreal_shows(network, montreal)


def montreal_shows(network: Network, montreal: Observatory) -> None:
    """Montréal pulls the screenings before and after Izmir cancels its hall."""
    with HubClient(network.url) as hub:
        pulled = hub.pull(montreal, kinds=[FeedKind.CITIES, FeedKind.SCREENINGS])
    assert pulled.counts[FeedKind.SCREENINGS].added == 2
    assert montreal.network_screenings.find().total == 2

    # Izmir cancels its hall: a tombstone at the next report, and at Montréal's next pull.
    network.izmir.participations.save(CampaignParticipation(
        campaign=DAY.slug, city="izmir", screenings=screenings(hall=False), signed=True))
    with network.client() as client:
        assert client.report_campaign(network.izmir).withdrawn == 1
    assert [i["key"] for i in network.listed()["items"]] == ["cinema"]
    with HubClient(network.url) as hub:
        pulled = hub.pull(montreal, kinds=[FeedKind.SCREENINGS])
    assert pulled.counts[FeedKind.SCREENINGS].removed == 1
    widget = requests.get(f"{network.url}/widgets/network/screenings", timeout=10).text
    assert "Hall" not in widget
    member = make_app(montreal)
    with serving(member) as montreal_url:
        shown = requests.get(f"{montreal_url}/widgets/network/screenings",
                             params={"lang": "en"}, timeout=10).text
    assert "Cinema Karşıyaka" in shown
    assert "Hall" not in shown


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_lost_answer_a_hub_down_and_bad_reports(network: Network) -> None:
    # The hub is down: the report fails and the ledger keeps nothing.
    with network.client(url=f"http://127.0.0.1:{free_port()}", retries=0) as down, \
            pytest.raises(HubError):
        down.report_campaign(network.izmir)
    # Back up, through a proxy that loses the hub's answer to the first report after the
    # hub applied it: the retry sends the batch again, and the hub keeps it once.
    proxy = FaultyProxy(network.url, ["pass", "cut"])
    with proxy.serving() as proxied, network.client(url=proxied, retries=2,
                                                     backoff=0.01) as client:
        sent = client.report_campaign(network.izmir)
    assert [action for action, _ in proxy.seen[:3]] == ["pass", "cut", "pass"]
    assert sent.screenings == 2
    assert network.listed()["total"] == 2
    # Izmir cancels its hall and stops signing, then reports with the command, to the
    # hub's own address: another ledger, which never saw the hall. The hub's view of what
    # it holds brings the tombstone all the same; the cinema goes again, changing nothing.
    network.izmir.participations.save(CampaignParticipation(
        campaign=DAY.slug, city="izmir", screenings=screenings(hall=False)))

    def command() -> str:
        result = subprocess.run(
            [sys.executable, "-m", "livingtogether.cli", "--database-url",
             network.izmir.store.engine.url.render_as_string(hide_password=False), "hub",
             "report-campaign", "--to", network.url, "--retries", "0", "--timeout", "10"],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "LIVINGTOGETHER_HUB_TOKEN": network.tokens["izmir"],
                 "LIVINGTOGETHER_BASE_URL": "https://izmir.example.org/"})
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    assert "1 participations sent, 0 left; 1 screenings sent, 1 withdrawn" in command()
    with network.client() as client:  # the same ledger: nothing left to send
        assert client.report_campaign(network.izmir).batches == 0
    assert [i["key"] for i in network.listed()["items"]] == ["cinema"]
    parts = requests.get(f"{network.url}/api/v1/network/participations", timeout=10).json()
    assert parts["items"][0]["actions"] == ["screening"]
    bad_reports_get_a_clear_4xx(network)


def bad_reports_get_a_clear_4xx(network: Network) -> None:
    """Forged tokens, another city's report, hostile fields: a 4xx each, nothing changed."""
    url = f"{network.url}/api/v1/network/campaign"
    token = network.tokens["izmir"]
    before = network.listed()
    good = dict(before["items"][0])
    good.pop("slug")

    def post(body: Any, secret: str = token) -> requests.Response:
        return requests.post(url, json=body, timeout=10,
                             headers={"Authorization": f"Bearer {secret}"})

    def report(**screening: Any) -> requests.Response:
        return post({"city": "izmir", "screenings": [{**good, **screening}]})

    cases: list[tuple[requests.Response, int, str]] = [
        (post({"city": "izmir"}, "lt_" + "A" * 43), 401, "not known"),
        (requests.get(url, timeout=10), 401, "token"),
        (post({"city": "montreal"}), 403, "montreal"),
        (post({"city": "izmir", "screenings": [{**good, "city": "montreal"}]}), 422,
         "screenings.0.city"),
        (report(url="javascript:alert(1)"), 422, "screenings.0.url"),
        (report(registration_url="data:text/html,<script>alert(1)</script>"), 422,
         "registration_url"),
        (report(slug="0" * 32), 422, "network's name"),
        (report(zone="Mars/Olympus"), 422, "zone"),
        (report(starts_at="2030-05-16T19:00:00"), 422, "starts_at"),
        (report(venue="x" * 301), 422, "limit is 300"),
        (report(venue="Hall\u0000"), 422, "control characters"),
        (report(capacity="40"), 422, "capacity"),
        (report(seats_left=-1), 422, "seats_left"),
        (report(latitude=91.0), 422, "latitude"),
        (report(key="cinema'; DROP TABLE lt_network_screenings; --"), 422, "slug"),
        (report(country="<script>"), 422, "country"),
        (post({"city": "izmir", "participations": [
            {"campaign": DAY.slug, "city": "izmir", "actions": []}]}), 422, "action"),
        (post({"city": "izmir", "left": ["day"] * 201}), 422, "limit is 200"),
        (post(["not", "an", "object"]), 422, "JSON object"),
        (requests.post(url, data=b"\xff\xfe{", timeout=10,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"}), 400, ""),
    ]
    for answer, status, words in cases:
        assert answer.status_code == status, (status, words, answer.text)
        if words:
            assert words in answer.text, answer.text
    assert network.listed() == before
