"""The campaign report over a real server, on SQLite and PostgreSQL: a hand-counted
campaign (three cities, four screenings, registrations, attendance entered by staff,
signatures before, during and after the campaign's week) matches the report exactly
as JSON, CSV (formula cells defused) and the page; staff enter attendance through the
console with the permissions of their city, the audit, and clear 4xx for bad input."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import Forbidden, NotFound, ValidationError
from livingtogether.models import (
    Campaign,
    CampaignParticipation,
    City,
    Declaration,
    Dissemination,
    Pledge,
    Screening,
    SignerKind,
    Text,
)
from livingtogether.services.campaign_report import campaign_report
from livingtogether.store import now, schema
from livingtogether.wsgi import make_app
from test_console_http import problems, token_of
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

UTC = timezone.utc
DAY = date(2026, 5, 16)  # Istanbul's zone, UTC+3: the week is May 9 21:00Z to May 16 21:00Z
OFFICER = Principal.with_roles(id="officer@izmir", name="Deniz",
                               roles=["city-campaign-officer"], cities=["izmir"])
SECRETARIAT = Principal.with_roles(id="sec@observatory", name="Sam",
                                   roles=["secretariat-admin"])
#: (country, city as the signer wrote it, confirmed at, withdrawn afterwards)
SIGNATURES = [
    ("TR", "İzmir", datetime(2026, 5, 9, 20, 59, tzinfo=UTC), False),  # before: its last minute
    ("TR", "izmir", datetime(2026, 5, 9, 21, 0, tzinfo=UTC), False),  # the week's first minute
    ("TR", " IZMIR ", datetime(2026, 5, 16, 20, 59, tzinfo=UTC), False),  # its last minute
    ("TR", "Izmir", datetime(2026, 5, 12, 8, 0, tzinfo=UTC), True),  # withdrawn: not counted
    ("TR", "İzmir", datetime(2026, 5, 16, 21, 0, tzinfo=UTC), False),  # after the week
    ("CA", "Montréal", datetime(2026, 5, 12, 15, 0, tzinfo=UTC), False),  # during
    ("CA", "montreal", datetime(2026, 5, 5, 15, 0, tzinfo=UTC), False),  # before (its slug)
    ("CA", "Laval", datetime(2026, 5, 14, 15, 0, tzinfo=UTC), False),  # during, no city's
    ("DE", "Berlin", datetime(2026, 5, 4, 12, 0, tzinfo=UTC), False),  # before, no city's
    ("FR", "Lyon", datetime(2026, 5, 2, 20, 0, tzinfo=UTC), False),  # before the week before
    ("FR", None, datetime(2026, 5, 15, 20, 0, tzinfo=UTC), False),  # during, no city given
]
HELD = datetime(2026, 5, 16, 16, 0, tzinfo=UTC)


def _screenings(held: datetime) -> tuple[tuple[Screening, ...], tuple[Screening, ...]]:
    later = now() + timedelta(days=30)
    izmir = (Screening(key="cinema", venue="=Cinema Karşıyaka", address="1 Quay",
                       starts_at=held, zone="Europe/Istanbul", capacity=3),
             Screening(key="later", venue="Park", starts_at=later, zone="Europe/Istanbul",
                       capacity=10))
    montreal = (Screening(key="library", venue="Library", starts_at=held - timedelta(hours=2),
                          zone="America/Toronto"),
                Screening(key="school", venue="A school", starts_at=held, public=False,
                          zone="America/Toronto"))
    return izmir, montreal


def install(obs: Observatory) -> None:
    """The hand-counted campaign; the registrations are made while the cinema's screening
    is still to come, then staff move it to the campaign day."""
    obs.cities.create(City(slug="izmir", name=Text({"en": "Izmir", "tr": "İzmir"}),
                           country="TR"))
    obs.cities.create(City(slug="montreal", name=Text({"fr": "Montréal"}), country="CA"))
    obs.cities.create(City(slug="lyon", name=Text({"fr": "Lyon"}), country="FR"))
    for slug in ("universal-declaration", "other"):
        obs.declarations.create(Declaration(slug=slug, title=Text({"en": "D"})))
    obs.campaigns.create(Campaign(slug="day-2026", title=Text({"en": "Living Together Day"}),
                                  day=DAY, zone="Europe/Istanbul",
                                  declaration="universal-declaration"))
    obs.campaigns.create(Campaign(slug="coming", title=Text({"en": "Next"}),
                                  day=(now() + timedelta(days=40)).date()))
    izmir, montreal = _screenings(now() + timedelta(days=20))
    obs.participations.save(CampaignParticipation(
        campaign="day-2026", city="izmir", signed=True, screenings=izmir,
        dissemination=Dissemination(channels=("@handle", "radio"))))
    tokens = [obs.screenings.register("day-2026", "izmir", "cinema", name=name, seats=seats,
                                      email=f"{name}@example.org", language="tr")[1]
              for name, seats in (("ayse", 2), ("jean", 1), ("wait", 1), ("pending", 1))]
    for token in tokens[:3]:
        obs.screenings.confirm(token)  # 2 + 1 seats taken; the third waits
    izmir, montreal = _screenings(HELD)
    obs.participations.save(CampaignParticipation(
        campaign="day-2026", city="izmir", signed=True, screenings=izmir,
        dissemination=Dissemination(channels=("@handle", "radio"))))
    obs.participations.save(CampaignParticipation(campaign="day-2026", city="montreal",
                                                  screenings=montreal))
    obs.participations.save(CampaignParticipation(
        campaign="day-2026", city="lyon", dissemination=Dissemination(channels=("web",))))
    for n, (country, city, moment, withdrawn) in enumerate(
            [*SIGNATURES, ("TR", "İzmir", datetime(2026, 5, 12, tzinfo=UTC), False)]):
        declaration = "other" if n == len(SIGNATURES) else "universal-declaration"
        pledge = obs.signing.sign(Pledge(
            declaration=declaration, kind=SignerKind.CITIZEN, name="=1+1",
            email=f"p{n}@example.org", country=country, city=city, consent_version="1"))
        assert pledge.id is not None
        obs.signing.confirm(pledge.id)
        with obs.store.write() as connection:
            connection.execute(sa.update(schema.pledges).where(
                schema.pledges.c.id == pledge.id).values(confirmed_at=moment))
        if withdrawn:
            obs.signing.withdraw(pledge.id)


def who(environ: dict[str, Any]) -> Principal | None:
    return {"officer": OFFICER, "secretariat": SECRETARIAT}.get(
        environ.get("HTTP_X_TEST_USER", ""))


@contextlib.contextmanager
def served(url: str) -> Iterator[tuple[Client, Observatory]]:
    """The hand-counted campaign on the database at ``url``, served with its console."""
    obs = Observatory.open(url, base_url="http://city.example/embed", secret_key="k" * 32)
    try:
        install(obs)
        with serving(make_app(obs, console_auth=who)) as base:
            yield Client(base), obs
    finally:
        obs.close()


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Client, Observatory]]:
    with served(database_url) as found:
        yield found


@pytest.fixture
def sqlite_site(sqlite_url: str) -> Iterator[tuple[Client, Observatory]]:
    """The same on SQLite only: the console's checks do not depend on the database (the
    attendance's writes are tested on both by the hand count)."""
    with served(sqlite_url) as found:
        yield found


def test_the_report_matches_the_hand_count(site: tuple[Client, Observatory]) -> None:
    client, obs = site
    staff = Staff(obs)
    staff.screenings.record_attendance(OFFICER, "day-2026", "izmir", "cinema", attended=45,
                                       note="=rain; moved indoors")
    staff.screenings.record_attendance(SECRETARIAT, "day-2026", "montreal", "library",
                                       attended=20)
    staff.screenings.record_attendance(SECRETARIAT, "day-2026", "montreal", "school",
                                       attended=7)
    staff.screenings.record_attendance(SECRETARIAT, "day-2026", "montreal", "school",
                                       attended=30, note="")  # corrected: the last counts
    report = client.get("/api/v1/campaigns/day-2026/report").json()
    assert report["provisional"] is False
    assert (report["before_start"], report["week_start"], report["week_end"]) == (
        "2026-05-02T21:00:00Z", "2026-05-09T21:00:00Z", "2026-05-16T21:00:00Z")
    assert report["totals"] == {"cities": 3, "disseminating": 2, "screening": 2, "signing": 1,
                                "screenings": 4, "held": 3, "attendance_entered": 3,
                                "attended": 95, "seats_taken": 3}
    # before: 20:59 in Izmir, montreal, Berlin; during: 21:00 and 20:59 in Izmir, Montréal,
    # Laval, the one without a city (the withdrawn one, the one after, Lyon's, the other
    # declaration's are not counted)
    assert report["signatures"] == {"before": 3, "during": 5, "ratio": 1.67}
    cities = {c["city"]: c for c in report["cities"]}
    assert list(cities) == ["izmir", "lyon", "montreal"]
    assert cities["izmir"] == {
        "city": "izmir", "country": "TR", "disseminated": True,
        "channels": ["@handle", "radio"], "screenings": 2, "held": 1, "signed": True,
        "signatures": {"before": 1, "during": 2, "ratio": 2.0}}
    assert cities["montreal"]["signatures"] == {"before": 1, "during": 1, "ratio": 1.0}
    assert (cities["montreal"]["disseminated"], cities["montreal"]["held"]) == (False, 2)
    assert cities["lyon"]["signatures"] == {"before": 0, "during": 0, "ratio": None}
    lines = [(s["city"], s["key"], s["held"], s["capacity"], s["seats_taken"], s["waiting"],
              s["attended"], s["note"]) for s in report["screenings"]]
    assert lines == [  # by time; the school's (not public) counts in the totals only
        ("montreal", "library", True, None, 0, 0, 20, None),
        ("izmir", "cinema", True, 3, 3, 1, 45, "=rain; moved indoors"),
        ("izmir", "later", False, 10, 0, 0, None, None)]
    again = _unstructured(obs)  # the service's model, as the API gives it
    assert {**report, "generated_at": None} == {**again, "generated_at": None}

    answer = client.get("/api/v1/campaigns/day-2026/report.csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["section"] for r in rows] == ["total", "city", "city", "city", "screening",
                                           "screening", "screening"]
    total = rows[0]
    assert (total["cities"], total["cities_disseminating"], total["screenings"],
            total["held"], total["attended"], total["signatures_before"],
            total["signatures_during"], total["signatures_ratio"]) == (
        "3", "2", "4", "3", "95", "3", "5", "1.67")
    assert (rows[1]["city"], rows[1]["channels"], rows[1]["signatures_during"]) == (
        "izmir", "'@handle; radio", "2")
    assert rows[5]["venue"] == "'=Cinema Karşıyaka"
    assert rows[5]["note"].startswith("'=")
    for row in rows:
        assert not any(cell and cell[0] in "=+-@\t\r" for cell in row.values())

    page = client.get("/widgets/campaign/day-2026/report", params={"lang": "fr"})
    assert page.status_code == 200
    assert html_problems(page.text) == []
    assert "provisoire" not in page.text.casefold()
    for figure in ("=rain; moved indoors", "=Cinema Karşıyaka", "Montréal",
                   "http://127.0.0.1", "/api/v1/campaigns/day-2026/report.csv"):
        assert figure in page.text or figure.replace("=", "&#61;") in page.text, figure
    assert "A school" not in page.text
    arabic = client.get("/widgets/campaign/day-2026/report", params={"lang": "ar"})
    assert 'dir="rtl"' in arabic.text
    coming = client.get("/api/v1/campaigns/coming/report").json()
    assert coming["provisional"] is True
    assert coming["signatures"] is None
    assert "provisoire" in client.get("/widgets/campaign/coming/report",
                                      params={"lang": "fr"}).text.casefold()
    for path in ("/api/v1/campaigns/nothing/report", "/api/v1/campaigns/nothing/report.csv",
                 "/widgets/campaign/nothing/report"):
        assert client.get(path).status_code == 404


def _unstructured(obs: Observatory) -> Any:
    from livingtogether import convert

    return convert.unstructure(campaign_report(obs.store, obs.campaigns.get("day-2026")))


def test_staff_enter_attendance_in_the_console(sqlite_site: tuple[Client, Observatory],
                                               ) -> None:
    client, obs = sqlite_site
    client.session.headers["X-Test-User"] = "officer"
    page_path = "/console/screenings/day-2026/izmir/cinema"
    page = client.get(page_path)
    assert page.status_code == 200
    assert problems(page.text) == []
    token = token_of(page.text)
    url = f"{page_path}/attendance"
    for bad in ("-5", "abc", "12.5", "100001", "", " ", "1e3", "٣", "9" * 40):
        answer = client.post(url, data={"csrf_token": token, "attended": bad, "note": "x"})
        assert answer.status_code == 422, bad
        assert "whole number of people from 0 to 100,000" in answer.text
        assert 'aria-describedby="lt-console-attendance-error"' in answer.text
    answer = client.post(url, data={"csrf_token": token, "attended": "5", "note": "n" * 1001})
    assert answer.status_code == 422
    assert "the limit is 1000" in answer.text
    later = client.post("/console/screenings/day-2026/izmir/later/attendance",
                        data={"csrf_token": token, "attended": "5"})
    assert later.status_code == 422
    assert "once it has begun" in later.text
    assert client.post("/console/screenings/day-2026/izmir/nope/attendance",
                       data={"csrf_token": token, "attended": "5"}).status_code == 404
    other = client.post("/console/screenings/day-2026/montreal/library/attendance",
                        data={"csrf_token": token, "attended": "5"})
    assert other.status_code == 403  # another city's screening
    assert client.post(url, data={"attended": "5"}).status_code in (400, 403)  # no CSRF
    with obs.store.read() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(
            schema.screening_attendance)) == 0  # nothing refused was stored
    for vector in VECTORS[:8]:
        answer = client.post(url, data={"csrf_token": token, "attended": "45",
                                        "note": vector})
        assert answer.status_code == 303, vector
        shown = client.get(page_path)
        assert problems(shown.text) == []
        assert html_problems(client.get("/widgets/campaign/day-2026/report").text) == []
    done = client.post(url, data={"csrf_token": token, "attended": "45", "note": " rain "})
    assert done.status_code == 303
    shown = client.get(done.headers["Location"].removeprefix(client.base))
    assert "The attendance is recorded." in shown.text
    assert 'value="45"' in shown.text
    client.session.headers["X-Test-User"] = "secretariat"
    page = client.get("/console/screenings/day-2026/montreal/library")
    answer = client.post("/console/screenings/day-2026/montreal/library/attendance",
                         data={"csrf_token": token_of(page.text), "attended": "0"})
    assert answer.status_code == 303
    figures = client.get("/api/v1/campaigns/day-2026/report").json()["totals"]
    assert (figures["attendance_entered"], figures["attended"]) == (2, 45)
    with obs.store.read() as connection:
        audited = connection.execute(sa.select(schema.audit.c.actor_id, schema.audit.c.key)
                                     .where(schema.audit.c.action == "attendance")).all()
    assert len(audited) == 8 + 1 + 1
    assert set(audited) == {("officer@izmir", "day-2026/izmir/cinema"),
                            ("sec@observatory", "day-2026/montreal/library")}
    campaign = client.get("/console/campaigns/day-2026")
    assert campaign.status_code == 200
    assert "/widgets/campaign/day-2026/report" in campaign.text
    # the service refuses what the console cannot send
    staff = Staff(obs)
    for value in (True, "12", -1, 100_001, 3.0):
        with pytest.raises(ValidationError):
            staff.screenings.record_attendance(OFFICER, "day-2026", "izmir", "cinema",
                                               attended=value)
    with pytest.raises(ValidationError):
        staff.screenings.record_attendance(OFFICER, "day-2026", "izmir", "cinema",
                                           attended=1, note="a\x00b")
    with pytest.raises(Forbidden):
        staff.screenings.record_attendance(OFFICER, "day-2026", "montreal", "school",
                                           attended=1)
    with pytest.raises(NotFound):
        staff.screenings.record_attendance(SECRETARIAT, "day-2026", "lyon", "cinema",
                                           attended=1)
