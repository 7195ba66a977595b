"""The programme (issue 3): times in every zone, the widget, exports, versions, changes, ETags.

The Izmir widget is checked against the reference programme text, parsed on
its own (``test_demo.parse_programme``); the iCalendar exports are read back
with vobject, a parser independent of the icalendar library that writes them,
which also computes instants from our generated VTIMEZONEs; the frab JSON is
validated against the shared schema with format checks. Everything runs on a
real SQLite file and a real PostgreSQL server, over a real HTTP server.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import jsonschema
import pytest
import vobject

from livingtogether import Conflict, NotFound, Observatory, ValidationError, programme_export
from livingtogether.demo import install
from livingtogether.demo.izmir import IZMIR_2021
from livingtogether.demo.synthetic import synthetic_event
from livingtogether.models import (
    ChangeKind,
    DisplayZone,
    Event,
    Mode,
    Person,
    Role,
    Session,
    SessionKind,
    Text,
)
from livingtogether.services.programme_changes import diff
from livingtogether.wsgi import make_app
from test_demo import PROGRAMME as REFERENCE_PROGRAMME
from test_demo import parse_programme
from test_web_support import Client, Tree, check_fragment, error_of, serving

SCHEMA = json.loads((Path(REFERENCE_PROGRAMME).parent / "frab-schedule.schema.json")
                    .read_text(encoding="utf-8"))
WIDGET = "/widgets/programme/izmir-2021"
API = "/api/v1/events/izmir-2021"
UTC = timezone.utc


@pytest.fixture
def obs(observatory: Any) -> Any:
    """The demo data on each database."""
    install(observatory)
    return observatory


@pytest.fixture
def client(obs: Any) -> Iterator[Client]:
    """A real server on 127.0.0.1."""
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base)


def articles(html: str) -> dict[str, dict[str, Any]]:
    """Each session article of a widget by its title: its zone lines and its marks."""
    found = {}
    for block in re.findall(r"<article class=\"lt-session.*?</article>", html, re.S):
        title = Tree(re.search(r"<h4.*?</h4>", block, re.S).group(0)).text  # type: ignore[union-attr]
        times = re.search(r"<ul class=\"lt-times[^\"]*\"[^>]*>(.*?)</ul>", block, re.S)
        lines = [Tree(li).text for li in re.findall(r"<li>.*?</li>", times.group(1), re.S)] \
            if times else []
        found[title] = {"times": lines, "instants": re.findall(r'<time datetime="([^"]+)"', block),
                        "text": Tree(block).text}
    return found


def clock(value: time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def utc_label(offset: timedelta) -> str:
    hours = int(offset.total_seconds() // 3600)
    return f"UTC{'+' if hours >= 0 else '-'}{abs(hours)}"


# -- the Izmir programme, as the reference prints it


def test_the_izmir_widget_prints_every_session_as_the_reference(client: Client) -> None:
    reference = parse_programme(REFERENCE_PROGRAMME.read_text(encoding="utf-8"))
    response = client.get(WIDGET)
    check_fragment(response.text, "programme")
    shown = articles(response.text)
    assert len(shown) == len(reference.sessions) == 7
    for printed in reference.sessions:
        widget = shown[printed.title]
        expected = []
        for line in printed.times:
            zone = f"{line.abbreviation} ({utc_label(line.offset)})"
            if line.start is None or line.end is None:
                expected.append(f"{line.city}: time to be announced {zone}")
            else:
                expected.append(f"{line.city}: {clock(line.start)}–{clock(line.end)} {zone}")
        assert widget["times"] == expected, printed.title
        timed = [t for t in printed.times if t.start is not None]
        instants = {datetime.fromisoformat(v) for v in widget["instants"] if "T" in v}
        if timed:
            # every zone's <time datetime> names the same two instants the text gives
            first = timed[0]
            assert first.start is not None
            assert first.end is not None
            offset = timezone(first.offset)
            assert instants == {datetime.combine(printed.day, first.start, offset),
                                datetime.combine(printed.day, first.end, offset)}
        else:
            assert not instants


@pytest.mark.parametrize(("lang", "day"), [
    ("en", "Tuesday, December 7, 2021"), ("fr", "mardi 7 décembre 2021"),
    ("es", "martes, 7 de diciembre de 2021"), ("de", "Dienstag, 7. Dezember 2021"),
    ("tr", "7 Aralık 2021 Salı"),
])
def test_days_in_the_readers_language(client: Client, lang: str, day: str) -> None:
    tree = check_fragment(client.get(WIDGET, params={"lang": lang}).text, "programme")
    assert day in tree.text
    assert tree.elements[0][1]["lang"] == lang


def test_filters_by_day_kind_and_mode(client: Client) -> None:
    def titles(**params: str) -> list[str]:
        response = client.get(WIDGET, params=params)
        check_fragment(response.text, "programme")
        return list(articles(response.text))

    assert titles(day="2021-12-08") == [s.title.get("en") for s in IZMIR_2021.sessions[2:5]]
    assert titles(kind="plenary") == ["Plenary session on Human Rights and Democracy"]
    # days left without a session are not shown at all
    plenary = Tree(client.get(WIDGET, params={"kind": "plenary"}).text)
    assert [s["aria-labelledby"] for s in plenary.find("section", class_="lt-day")] == [
        "lt-day-izmir-2021-2021-12-10"]
    assert len(titles(mode="on_site")) == 2
    assert titles(day="2021-12-10", kind="workshop") == []
    assert "No session matches these filters." in client.get(
        WIDGET, params={"day": "2021-12-09"}).text
    for name, value in (("day", "2022-01-01"), ("day", "7 Dec"), ("kind", "talk"),
                        ("mode", "online-ish"), ("since", "-1")):
        refused = client.get(WIDGET, params={name: value})
        assert refused.status_code == 400, (name, value)
        assert name in refused.text
        assert "lt-widget--error" in refused.text
    form = Tree(client.get(WIDGET).text)
    assert [a["name"] for a in form.find("select")] == ["day", "kind", "mode"]


def test_the_local_time_script_is_a_static_file_the_policy_allows(client: Client) -> None:
    response = client.get(WIDGET)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # one script to run; the JSON-LD is data (the policy does not apply to it)
    scripts = [s for s in Tree(response.text).find("script")
               if s.get("type") != "application/ld+json"]
    assert len(scripts) == 1
    script = client.get(scripts[0]["src"])
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "lt-times__local" in script.text
    # the widget names each session's instants for the script, and is whole without it
    assert 'data-lt-start="2021-12-07T13:00:00+00:00"' in response.text
    assert 'data-lt-local-label="Your time"' in response.text


# -- daylight saving time


def _dst_event() -> Event:
    def at(day: date, key: str) -> Session:
        return Session.at(day=day, start=time(14), end=time(15, 30), zone="Europe/Paris",
                          key=key, title=Text.of(f"Session {key}"))

    return Event(
        slug="dst", title=Text.of("Across the clock changes"), host_zone="Europe/Paris",
        first_day=date(2022, 3, 12), last_day=date(2022, 11, 6),
        display_zones=(DisplayZone(zone="Europe/Paris", label=Text.of("Paris")),
                       DisplayZone(zone="America/Montreal", label=Text.of("Montréal")),
                       DisplayZone(zone="Europe/Istanbul", label=Text.of("Izmir"))),
        sessions=(at(date(2022, 3, 12), "before-both"), at(date(2022, 3, 20), "america-moved"),
                  at(date(2022, 3, 27), "europe-moved"), at(date(2022, 10, 30), "europe-back"),
                  at(date(2022, 11, 6), "america-back")),
    )


#: 14:00 in Paris on each day, in each zone: the civil times of 2022.
DST_LINES = {
    "before-both": ["Paris: 14:00–15:30 CET (UTC+1)", "Montréal: 8:00–9:30 EST (UTC-5)",
                    "Izmir: 16:00–17:30 TRT (UTC+3)"],
    # North America moved on 13 March, Europe not yet: 5 hours apart, not 6
    "america-moved": ["Paris: 14:00–15:30 CET (UTC+1)", "Montréal: 9:00–10:30 EDT (UTC-4)",
                      "Izmir: 16:00–17:30 TRT (UTC+3)"],
    "europe-moved": ["Paris: 14:00–15:30 CEST (UTC+2)", "Montréal: 8:00–9:30 EDT (UTC-4)",
                     "Izmir: 15:00–16:30 TRT (UTC+3)"],
    "europe-back": ["Paris: 14:00–15:30 CET (UTC+1)", "Montréal: 9:00–10:30 EDT (UTC-4)",
                    "Izmir: 16:00–17:30 TRT (UTC+3)"],
    "america-back": ["Paris: 14:00–15:30 CET (UTC+1)", "Montréal: 8:00–9:30 EST (UTC-5)",
                     "Izmir: 16:00–17:30 TRT (UTC+3)"],
}


def test_times_across_the_march_and_october_clock_changes(client: Client, obs: Any) -> None:
    obs.programme.create(_dst_event())
    shown = articles(client.get("/widgets/programme/dst").text)
    for key, lines in DST_LINES.items():
        assert shown[f"Session {key}"]["times"] == lines, key
    calendar = vobject.readOne(client.get("/api/v1/events/dst/calendar.ics").text)
    starts = {entry.uid.value: entry.dtstart.value for entry in calendar.vevent_list}
    for session in _dst_event().sessions:
        start = starts[programme_export.session_uid(_dst_event(), session)]
        assert start.astimezone(UTC) == session.starts_at, session.key



@pytest.mark.parametrize(("zone", "starts"), [
    # the clocks go back: 02:30 comes twice in Paris (00:30Z and 01:30Z), 01:30 in Montréal
    ("Europe/Paris", [datetime(2022, 10, 30, 0, 30, tzinfo=UTC),
                      datetime(2022, 10, 30, 1, 30, tzinfo=UTC)]),
    ("America/Montreal", [datetime(2022, 11, 6, 5, 30, tzinfo=UTC),
                          datetime(2022, 11, 6, 6, 30, tzinfo=UTC)]),
    # the clocks go forward: just before the hour skipped, and the first time after it
    ("Europe/Paris", [datetime(2022, 3, 27, 0, 30, tzinfo=UTC),
                      datetime(2022, 3, 27, 1, 0, tzinfo=UTC)]),
    ("America/Montreal", [datetime(2022, 3, 13, 6, 30, tzinfo=UTC),
                          datetime(2022, 3, 13, 7, 0, tzinfo=UTC)]),
])
def test_times_near_a_clock_change_are_written_so_no_client_misreads_them(
        zone: str, starts: list[datetime]) -> None:
    """Each session's start and end, read back by icalendar and by vobject, is its own
    instant: a time near a clock change (one the clock shows twice, the first after a
    skip) is written in UTC; the same day's afternoon in its zone."""
    import icalendar

    afternoon = starts[0].replace(hour=15, minute=0)
    sessions = tuple(Session(key=f"s{n}", title=Text.of(f"Session {n}"),
                             day=start.astimezone(ZoneInfo(zone)).date(), starts_at=start,
                             ends_at=start + timedelta(minutes=20), zone=zone)
                     for n, start in enumerate([*starts, afternoon]))
    day = sessions[0].day
    event = Event(slug="clocks", title=Text.of("Clocks"), host_zone=zone, first_day=day,
                  last_day=day + timedelta(days=1), sessions=sessions)
    data = programme_export.icalendar(event)
    by_icalendar = {str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND"))
                    for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    # vobject keeps the first VTIMEZONE it read of each TZID for the whole process: each
    # export here has its own (the event's days), so it reads this one afresh
    registry = vars(vobject.icalendar)["__tzidMap"]
    kept = dict(registry)
    registry.clear()
    try:
        by_vobject = {e.uid.value: (e.dtstart.value, e.dtend.value)
                      for e in vobject.readOne(data.decode()).vevent_list}
    finally:
        registry.clear()
        registry.update(kept)
    for session in sessions:
        uid = programme_export.session_uid(event, session)
        for parsed in (by_icalendar[uid], by_vobject[uid]):
            assert [t.astimezone(UTC) for t in parsed] == [session.starts_at,
                                                           session.ends_at], (uid, parsed)
    text = data.decode()
    for start in starts:
        assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in text, text
    local = afternoon.astimezone(ZoneInfo(zone))
    assert f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}" in text, text


@pytest.mark.parametrize(("zone", "day", "start"), [
    ("Europe/Paris", date(2022, 3, 27), time(2, 30)),
    ("America/Montreal", date(2022, 3, 13), time(2, 0)),
    ("Australia/Sydney", date(2022, 10, 2), time(2, 15)),
])
def test_a_time_skipped_by_the_clocks_is_refused(zone: str, day: date, start: time) -> None:
    with pytest.raises(ValidationError, match="does not exist in"):
        Session.at(day=day, start=start, end=time(4), zone=zone, key="gap",
                   title=Text.of("Gap"))


def test_a_repeated_time_takes_its_first_occurrence() -> None:
    session = Session.at(day=date(2022, 10, 30), start=time(2, 30), end=time(4),
                         zone="Europe/Paris", key="twice", title=Text.of("Twice"))
    assert session.starts_at == datetime(2022, 10, 30, 0, 30, tzinfo=UTC)  # still CEST
    assert session.ends_at == datetime(2022, 10, 30, 3, 0, tzinfo=UTC)  # CET by then


def test_bad_times_are_refused_and_an_import_stores_nothing(obs: Any) -> None:
    with pytest.raises(ValidationError, match="is not an IANA time zone") as unknown_zone:
        Session.at(day=date(2022, 5, 16), start=time(9), end=time(10), zone="Europe/Izmir",
                   key="k", title=Text.of("T"))
    assert unknown_zone.value.field == "zone"
    with pytest.raises(ValidationError, match="must be after starts_at"):
        Session.at(day=date(2022, 5, 16), start=time(10), end=time(9), zone="Europe/Paris",
                   key="k", title=Text.of("T"))
    before = obs.export_bundle()
    bundle = json.loads(json.dumps(before))
    bundle["events"][0]["sessions"][0]["ends_at"] = "2021-12-07T12:00:00Z"  # before its start
    bundle["events"][0]["title"] = {"en": "Changed, but never stored"}
    with pytest.raises(ValidationError) as refused:
        obs.import_bundle(bundle)
    assert refused.value.field == "events.0.sessions.0.ends_at"
    assert "must be after starts_at" in str(refused.value)
    bundle["events"][0]["sessions"][0]["ends_at"] = before["events"][0]["sessions"][0]["ends_at"]
    bundle["events"][0]["host_zone"] = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as unknown:
        obs.import_bundle(bundle)
    assert unknown.value.field == "events.0.host_zone"
    assert obs.export_bundle() == before


def test_the_programme_round_trips_through_export_and_import(obs: Any, tmp_path: Path) -> None:
    event = attrs.evolve(synthetic_event(sessions=40, days=2),
                         sessions=tuple(attrs.evolve(s, cancelled=i == 3)
                                        for i, s in enumerate(synthetic_event(
                                            sessions=40, days=2).sessions)))
    obs.programme.create(event)
    exported = obs.export_bundle()
    with Observatory.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}") as copy:
        copy.import_bundle(json.loads(json.dumps(exported)))
        assert copy.programme.get("synthetic") == event
        assert copy.programme.get("izmir-2021") == IZMIR_2021
        assert copy.export_bundle() == exported


# -- exports


def _vevents(text: str) -> list[Any]:
    return list(vobject.readOne(text).vevent_list)


def test_the_izmir_calendar_reads_back_with_another_parser(client: Client) -> None:
    response = client.get(f"{API}/calendar.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = vobject.readOne(response.text)
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == ["Europe/Istanbul"]
    entries = {entry.uid.value: entry for entry in calendar.vevent_list}
    assert len(entries) == len(IZMIR_2021.sessions)
    for session in IZMIR_2021.sessions:
        entry = entries[programme_export.session_uid(IZMIR_2021, session)]
        description = entry.description.value
        if session.starts_at is not None:
            assert entry.dtstart.value.astimezone(UTC) == session.starts_at
            assert entry.dtend.value.astimezone(UTC) == session.ends_at
        else:
            # all day, and it says so
            assert entry.dtstart.value == session.day
            assert not isinstance(entry.dtstart.value, datetime)
            assert entry.dtend.value == session.day + timedelta(days=1)
            assert "time to be announced" in entry.summary.value
            assert description.startswith("Time to be announced")
        for question in session.questions:
            assert f"- {question.get('en')}" in description
        for person in session.people:
            assert programme_export.person_line(person) in description
    # times name the IANA zone, whose VTIMEZONE vobject used to compute the instants above
    timed = sum(1 for s in IZMIR_2021.sessions if s.has_time)
    assert response.text.count("DTSTART;TZID=Europe/Istanbul:") == timed
    assert response.text.count("DTEND;TZID=Europe/Istanbul:") == timed
    ramos = entries["izmir-2021.mayors-dialogue@livingtogether"].description.value
    assert "Ms. Gabriela Ramos, Assistant Director-General" in ramos
    assert "UNESCO (to be confirmed)" in ramos
    # the same UIDs and bytes on every export
    assert client.get(f"{API}/calendar.ics").text == response.text


def test_one_session_as_a_calendar(client: Client) -> None:
    response = client.get(f"{API}/sessions/workshop-2-diversity-equity-inclusion/calendar.ics")
    (entry,) = _vevents(response.text)
    assert entry.uid.value == "izmir-2021.workshop-2-diversity-equity-inclusion@livingtogether"
    assert entry.dtstart.value.astimezone(UTC) == datetime(2021, 12, 8, 14, 45, tzinfo=UTC)
    missing = client.get(f"{API}/sessions/no-such-session/calendar.ics")
    assert missing.status_code == 404
    assert "no session 'no-such-session'" in error_of(missing)["message"]


def test_a_large_calendar_reads_back(obs: Any) -> None:
    event = synthetic_event(sessions=120, days=5)
    entries = {e.uid.value: e for e in _vevents(programme_export.icalendar(event).decode())}
    assert len(entries) == 120
    for session in event.sessions:
        entry = entries[programme_export.session_uid(event, session)]
        if session.starts_at is not None:
            assert entry.dtstart.value.astimezone(UTC) == session.starts_at
        else:
            assert entry.dtstart.value == session.day


def test_folding_keeps_characters_and_escapes_whole() -> None:
    line = "DESCRIPTION:" + "é" * 40 + "\\n" * 40 + "İzmir " * 20
    folded = programme_export.fold(line)
    assert all(len(part) <= 75 for part in folded.split(b"\r\n"))
    parts = folded.split(b"\r\n ")
    assert all(part.decode("utf-8") for part in parts)  # never inside a character
    assert not any(part.endswith(b"\\") for part in parts)
    assert b"".join(parts).decode("utf-8") == line


def _validate(data: Any) -> None:
    validator = jsonschema.Draft6Validator(
        SCHEMA, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
    problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not problems, problems[:5]


def test_the_frab_schedule_validates_and_keeps_the_instants(client: Client) -> None:
    data = client.get(f"{API}/schedule.json").json()
    _validate(data)
    conference = data["schedule"]["conference"]
    assert conference["time_zone_name"] == "Europe/Istanbul"
    assert [day["date"] for day in conference["days"]] == [
        "2021-12-07", "2021-12-08", "2021-12-09", "2021-12-10"]
    events = [e for day in conference["days"] for room in day["rooms"].values() for e in room]
    timed = [s for s in IZMIR_2021.sessions if s.starts_at]
    assert len(events) == len(timed)
    for entry, session in zip(sorted(events, key=lambda e: e["date"]), timed, strict=True):
        assert datetime.fromisoformat(entry["date"]) == session.starts_at
        assert session.ends_at is not None
        assert session.starts_at is not None
        hours, minutes = map(int, entry["duration"].split(":"))
        assert timedelta(hours=hours, minutes=minutes) == session.ends_at - session.starts_at
    untimed = conference["meta"]["sessions_without_time"]
    assert [u["slug"] for u in untimed] == [s.key for s in IZMIR_2021.sessions if not s.has_time]


@pytest.mark.parametrize("event", [synthetic_event(sessions=60, days=3), _dst_event()],
                         ids=["synthetic", "dst"])
def test_other_programmes_validate_as_frab(event: Event) -> None:
    data = programme_export.frab(event, url="https://example.org/programme", language="fr",
                                 fallbacks=("en",))
    _validate(data)
    assert data["schedule"]["conference"]["daysCount"] == (
        event.last_day - event.first_day).days + 1


# -- published versions and changes


def _edited(event: Event) -> Event:
    """Izmir with one session moved, one speaker confirmed, one added, one cancelled, one gone."""
    sessions = {s.key: s for s in event.sessions}
    moved = sessions["workshop-1-resilience"]
    assert moved.starts_at is not None
    assert moved.ends_at is not None
    moved = attrs.evolve(moved, starts_at=moved.starts_at + timedelta(minutes=30),
                         ends_at=moved.ends_at + timedelta(minutes=30))
    first = sessions["mayors-dialogue"]
    first = attrs.evolve(first, people=tuple(
        attrs.evolve(p, to_be_confirmed=False) if p.name == "Gabriela Ramos" else p
        for p in first.people))
    cancelled = attrs.evolve(sessions["city-dialogue"], cancelled=True)
    added = Session.at(day=date(2021, 12, 8), start=time(20, 45), end=time(21, 30),
                       zone="Europe/Istanbul", key="closing-remarks",
                       title=Text.of("Closing remarks of the online days"),
                       kind=SessionKind.OTHER, mode=Mode.ONLINE, part="online")
    kept = [first, cancelled, moved, sessions["workshop-2-diversity-equity-inclusion"],
            added, *[s for s in event.sessions if s.day == date(2021, 12, 10)]]
    return attrs.evolve(event, sessions=tuple(kept))


def test_publishing_versions_and_their_changes(client: Client, obs: Any) -> None:
    empty = client.get(f"{API}/changes").json()
    assert empty == {"event": "izmir-2021", "versions": [], "since": None, "changes": []}
    assert "Version" not in client.get(WIDGET).text

    first = obs.programme.publish("izmir-2021", note="Preliminary programme")
    assert first.number == 1
    with pytest.raises(Conflict, match="nothing changed since version 1"):
        obs.programme.publish("izmir-2021")
    assert "Version 1, published on" in client.get(WIDGET).text

    obs.programme.update(_edited(IZMIR_2021))
    # the public still sees version 1 until the next one is published
    assert "Closing remarks" not in client.get(WIDGET).text
    assert obs.programme.publish("izmir-2021").number == 2
    assert [v.number for v in obs.programme.versions("izmir-2021")] == [1, 2]
    assert obs.programme.version("izmir-2021", 1) == IZMIR_2021
    with pytest.raises(NotFound):
        obs.programme.version("izmir-2021", 3)

    found = client.get(f"{API}/changes").json()
    assert [v["number"] for v in found["versions"]] == [1, 2]
    assert found["versions"][0]["note"] == "Preliminary programme"
    kinds = {(c["kind"], c["session"], c["person"]) for c in found["changes"]}
    assert kinds == {
        ("person_confirmed", "mayors-dialogue", "Gabriela Ramos"),
        ("cancelled", "city-dialogue", None),
        ("moved", "workshop-1-resilience", None),
        ("added", "closing-remarks", None),
        ("removed", "workshop-3-dialogue-solidarity", None),
    }
    moved = next(c for c in found["changes"] if c["kind"] == "moved")
    assert (moved["before"], moved["after"]) == ("2021-12-08T13:00:00Z", "2021-12-08T13:30:00Z")
    assert all(c["version"] == 2 for c in found["changes"])
    assert client.get(f"{API}/changes", params={"since": 2}).json()["changes"] == []
    too_far = client.get(f"{API}/changes", params={"since": 3})
    assert too_far.status_code == 400
    assert error_of(too_far)["field"] == "since"
    assert client.get("/api/v1/events/no-such-event/changes").status_code == 404

    html = client.get(WIDGET).text
    check_fragment(html, "programme")
    shown = articles(html)
    assert "Version 2, published on" in html
    assert "Changed since version 1: new time" in shown[
        "Thematic workshop 1: Building resilience in cities"]["text"]
    assert "Izmir: 16:30–18:00 TRT (UTC+3)" in shown[
        "Thematic workshop 1: Building resilience in cities"]["times"]
    assert "confirmed (Gabriela Ramos)" in shown[
        "Mayors Dialogue on the state of social cohesion in cities"]["text"]
    dialogue = next(v for k, v in shown.items() if k.startswith("Interactive City Dialogue"))
    assert "Cancelled" in dialogue["text"]
    assert "Removed: Thematic workshop 3: Promoting dialogue and solidarity" in Tree(html).text
    assert "Changed since version" not in client.get(WIDGET, params={"since": 2}).text

    feed = ET.fromstring(client.get(f"{API}/changes.atom").content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")]
    assert len(titles) == 5
    assert "Speaker confirmed: Mayors Dialogue on the state of social cohesion in cities " \
           "(Gabriela Ramos)" in titles
    assert "Session removed: Thematic workshop 3: Promoting dialogue and solidarity" in titles


def test_the_command_publishes(obs: Any, database_url: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    from livingtogether import cli

    assert cli.main(["--database-url", database_url, "publish", "izmir-2021",
                     "--note", "Preliminary"]) == 0
    assert "published version 1 of izmir-2021 (0 change(s)" in capsys.readouterr().out
    assert cli.main(["--database-url", database_url, "publish", "izmir-2021"]) == 2
    assert "nothing changed since version 1" in capsys.readouterr().err
    obs.programme.update(_edited(IZMIR_2021))
    assert cli.main(["--database-url", database_url, "publish", "izmir-2021"]) == 0
    assert "published version 2 of izmir-2021 (5 change(s)" in capsys.readouterr().out
    assert cli.main(["--database-url", database_url, "publish", "no-such-event"]) == 2
    assert "there is no event 'no-such-event'" in capsys.readouterr().err
    assert [v.note for v in obs.programme.versions("izmir-2021")] == ["Preliminary", None]


def test_changes_between_two_versions() -> None:
    old = _dst_event()
    person = Person(role=Role.PANELIST, name="Ana", to_be_confirmed=True)
    base = attrs.evolve(old.sessions[0], people=(person,))
    old = attrs.evolve(old, sessions=(base, *old.sessions[1:]))
    new = attrs.evolve(old, sessions=(
        attrs.evolve(base, title=Text.of("Renamed"), venue="Hall A",
                     people=(attrs.evolve(person, to_be_confirmed=False),
                             Person(role=Role.MODERATOR, name="Bo"))),
        *old.sessions[1:]))
    changes = diff(old, new, 7)
    assert [(c.kind, c.person, c.fields) for c in changes] == [
        (ChangeKind.PERSON_CONFIRMED, "Ana", ()), (ChangeKind.PERSON_ADDED, "Bo", ()),
        (ChangeKind.UPDATED, None, ("title", "venue"))]
    assert all(c.version == 7 and c.title == Text.of("Renamed") for c in changes)
    assert diff(new, old, 8)[-2:][0].kind is ChangeKind.PERSON_REMOVED
    assert diff(old, old, 9) == []


# -- caching


@pytest.mark.parametrize("path", [
    WIDGET, f"{WIDGET}?lang=fr", f"{API}/calendar.ics", f"{API}/schedule.json",
    f"{API}/sessions/mayors-dialogue/calendar.ics", f"{API}/changes", f"{API}/changes.atom",
])
def test_unchanged_content_answers_304_and_publishing_changes_the_etag(
        client: Client, obs: Any, path: str) -> None:
    first = client.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    obs.programme.publish("izmir-2021")
    obs.programme.update(_edited(IZMIR_2021))
    obs.programme.publish("izmir-2021")
    fresh = client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag
    assert fresh.content
