"""The shipped demo data, checked against the reference texts it comes from.

The Izmir 2021 programme is parsed here on its own, line by line, so that every
session's times, questions, people and "to be confirmed" marks in the demo are
compared with what the programme prints, not with a second copy of the demo.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from livingtogether import convert
from livingtogether.demo import RECORDS, bundle, install
from livingtogether.demo.campaign import IDLTP_2022, UNIVERSAL_DECLARATION
from livingtogether.demo.cities import CITIES
from livingtogether.demo.izmir import IZMIR_2021
from livingtogether.demo.practices import PRACTICES
from livingtogether.models import (
    THEMES,
    City,
    CityStatus,
    Mode,
    ModerationStatus,
    Role,
    Session,
    SessionKind,
    Text,
)
from livingtogether.observatory import BUNDLE_KEYS

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
PROGRAMME = REFERENCE / "izmir-summit-2021-programme.txt"
CAMPAIGN = REFERENCE / "idltp-2022-campaign.txt"
ABOUT = REFERENCE / "observatory-about.txt"

if not PROGRAMME.exists():
    # The reference texts live in shared/ beside the clone; CI always has them.
    if os.environ.get("CI"):
        raise FileNotFoundError(f"{REFERENCE} is missing; the demo tests need the reference texts")
    pytest.skip(f"no reference texts at {REFERENCE}", allow_module_level=True)

#: The zone of each city whose clock the programme prints.
PRINTED_ZONES = {
    "Izmir": "Europe/Istanbul",
    "Paris": "Europe/Paris",
    "Montréal": "America/Montreal",
}
MODELS: dict[str, type] = dict(BUNDLE_KEYS)

TBC_RE = re.compile(r"\b(tbc|tbd|to be confirmed)\b", re.IGNORECASE)
TBC_MARK_RE = re.compile(r"\((tbc|tbd|to be confirmed)\)", re.IGNORECASE)
HEADING_RE = re.compile(r"^3rd MAYORS SUMMIT ON LIVING TOGETHER, .*\((?P<mode>online|on-site)\)")
DATE_RE = re.compile(r"^Date: \*\*(?P<day>[A-Z][a-z]+ \d{1,2}, \d{4})\*\*$")
CLOCK = r"\d{1,2}h(?:\d{2})?|XhX"
TIME_RE = re.compile(
    rf"^(?P<city>[^:]+): (?P<start>{CLOCK})-(?P<end>{CLOCK}) (?P<abbr>[A-Z]+) "
    r"\(UTC(?P<offset>[+-]\d{1,2})\)$"
)
LABELLED_RE = re.compile(r"^(?P<label>(?:Presentation|Special message)[^:]*): (?P<rest>.+)$")
SECTIONS = {
    "Welcome and opening": Role.OPENING,
    "Keynote speeches": Role.KEYNOTE,
    "Introduction": Role.INTRODUCTION,
    "Introduction Panel": Role.INTRODUCTION,
    "Panel - Cities Good practices": Role.PANELIST,
    "Panel - Cities good practices": Role.PANELIST,
    "Discussion": Role.DISCUSSANT,
}


@dataclass
class PrintedTime:
    """One "City: 16h-17h30 TRT (UTC+3)" line."""

    city: str
    start: time | None
    end: time | None
    abbreviation: str
    offset: timedelta


@dataclass
class PrintedPerson:
    """One line naming someone (or a city, or a post yet to fill)."""

    role: Role
    text: str
    label: str | None = None


@dataclass
class PrintedSession:
    """A session as the programme prints it."""

    day: date
    mode: Mode
    times: list[PrintedTime] = field(default_factory=list)
    title: str = ""
    description: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    people: list[PrintedPerson] = field(default_factory=list)


@dataclass
class Programme:
    """The whole programme text, parsed."""

    intro: list[str]
    sessions: list[PrintedSession]


def _clock(value: str) -> time | None:
    if value == "XhX":
        return None
    hours, _, minutes = value.partition("h")
    return time(int(hours), int(minutes or 0))


def parse_programme(text: str) -> Programme:
    """Parse the programme: one ``PrintedSession`` per "Date:" line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    intro: list[str] = []
    sessions: list[PrintedSession] = []
    mode = Mode.ONLINE
    state = "intro"
    role: Role | None = None
    for line in lines:
        heading = HEADING_RE.match(line)
        dated = DATE_RE.match(line)
        if heading:
            mode = Mode.ONLINE if heading["mode"] == "online" else Mode.ON_SITE
            state = "heading" if state == "intro" else "between"
            continue
        if line.startswith("Preliminary programme"):
            state = "intro"
            continue
        if dated:
            day = datetime.strptime(dated["day"], "%B %d, %Y").date()
            sessions.append(PrintedSession(day=day, mode=mode))
            state, role = "times", None
            continue
        if state == "intro":
            intro.append(line)
            continue
        session = sessions[-1]
        if state == "times":
            printed = TIME_RE.match(line)
            if line == "Time:":
                continue
            if printed:
                session.times.append(PrintedTime(
                    city=printed["city"],
                    start=_clock(printed["start"]),
                    end=_clock(printed["end"]),
                    abbreviation=printed["abbr"],
                    offset=timedelta(hours=int(printed["offset"])),
                ))
                continue
            session.title, state = line, "description"
        elif state == "description":
            if line == "Questions:":
                state = "questions"
            else:
                session.description.append(line)
        elif state == "questions" and line.startswith("- "):
            session.questions.append(line[2:])
        else:
            state = "people"
            role = _person_line(session, line, role)
    return Programme(intro=intro, sessions=sessions)


def _person_line(session: PrintedSession, line: str, role: Role | None) -> Role | None:
    """Record the person ``line`` names, or the section it opens; return the current role."""
    labelled = LABELLED_RE.match(line)
    if line.startswith("Moderator"):
        session.people.append(
            PrintedPerson(Role.MODERATOR, line.removeprefix("Moderator").lstrip(": "))
        )
        return None
    if labelled:
        kind = Role.OTHER if labelled["label"].startswith("Presentation") else Role.SPECIAL_MESSAGE
        session.people.append(PrintedPerson(kind, labelled["rest"], labelled["label"]))
        return None
    if line.startswith("- "):
        assert role is not None, f"a person outside any section: {line!r}"
        session.people.append(PrintedPerson(role, line[2:]))
        return role
    assert line.endswith((":", ".")), f"unexpected line {line!r}"
    assert len(line) < 60, f"unexpected line {line!r}"
    # Headings such as "Mayors Dialogue:" open a part of the session, not a list.
    return SECTIONS.get(line.rstrip(":."))


#: Words the printed programme lost, which the demo puts back (issue 21): the demo
#: reads "as well as to foster solidarity, cooperation and resilience".
CORRECTIONS = {"as well as to e, cooperation": "as well as to foster solidarity, cooperation"}


def corrected(text: str) -> str:
    """The reference ``text`` with the :data:`CORRECTIONS` made (each must be found)."""
    for wrong, right in CORRECTIONS.items():
        assert wrong in text, f"the reference no longer has {wrong!r}: drop the correction"
        text = text.replace(wrong, right)
    return text


@pytest.fixture(scope="module")
def programme() -> Programme:
    """The reference programme, parsed (with its missing words put back)."""
    return parse_programme(corrected(PROGRAMME.read_text(encoding="utf-8")))


def _pairs(programme: Programme) -> Iterator[tuple[int, PrintedSession, Session]]:
    assert len(programme.sessions) == len(IZMIR_2021.sessions)
    yield from (
        (index, printed, session)
        for index, (printed, session) in enumerate(
            zip(programme.sessions, IZMIR_2021.sessions, strict=True)
        )
    )


def test_the_parser_reads_the_whole_programme(programme: Programme) -> None:
    assert len(programme.sessions) == 7
    assert [len(s.times) for s in programme.sessions] == [3, 3, 3, 3, 3, 1, 1]
    assert [len(s.questions) for s in programme.sessions] == [3, 4, 3, 3, 3, 0, 0]
    assert [len(s.people) for s in programme.sessions] == [6, 4, 8, 8, 8, 0, 0]
    assert len(programme.intro) == 4


def test_event_frame(programme: Programme) -> None:
    event = IZMIR_2021
    assert event.slug == "izmir-2021"
    assert event.host_zone == "Europe/Istanbul"
    assert event.host_city == "izmir"
    days = sorted({s.day for s in programme.sessions})
    assert (event.first_day, event.last_day) == (date(2021, 12, 7), date(2021, 12, 10))
    assert (days[0], days[-1]) == (event.first_day, event.last_day)
    assert event.description.get("en") == "\n\n".join(programme.intro)
    printed_cities = [t.city for t in programme.sessions[0].times]
    assert [(z.zone, z.label.get("en")) for z in event.display_zones] == [
        (PRINTED_ZONES[city], city) for city in printed_cities
    ]
    modes = {p.key: p.mode for p in event.parts}
    assert modes == {"online": Mode.ONLINE, "on-site": Mode.ON_SITE}
    on_site = next(p for p in event.parts if p.mode is Mode.ON_SITE)
    assert on_site.city == "izmir"


def test_session_times_match_every_printed_clock(programme: Programme) -> None:
    for index, printed, session in _pairs(programme):
        where = f"session {index} ({printed.title})"
        assert session.day == printed.day, where
        assert (session.zone or IZMIR_2021.host_zone) == PRINTED_ZONES["Izmir"], where
        for clock in printed.times:
            zone = ZoneInfo(PRINTED_ZONES[clock.city])
            noon = datetime.combine(printed.day, time(12), tzinfo=zone)
            assert noon.utcoffset() == clock.offset, f"{where}: UTC offset in {clock.city}"
            if clock.start is None:
                assert clock.end is None
                assert session.starts_at is None, where
                assert session.ends_at is None, where
                assert not session.has_time
                continue
            assert clock.end is not None
            assert session.starts_at is not None, where
            assert session.ends_at is not None, where
            for instant, printed_clock in ((session.starts_at, clock.start),
                                           (session.ends_at, clock.end)):
                local = instant.astimezone(zone)
                assert (local.hour, local.minute) == (printed_clock.hour, printed_clock.minute), (
                    f"{where}: {clock.city} shows {local:%H:%M}, the programme {printed_clock}"
                )
                assert local.date() == printed.day, where
                assert local.utcoffset() == clock.offset, where
                name = local.tzname() or ""
                # tzdata names Turkey's zone "+03" where the programme says "TRT".
                assert name == clock.abbreviation or name.lstrip("+-").isdigit(), where


def test_sessions_titles_descriptions_questions_and_modes(programme: Programme) -> None:
    part_modes = {p.key: p.mode for p in IZMIR_2021.parts}
    for index, printed, session in _pairs(programme):
        where = f"session {index}"
        assert session.title.get("en") == printed.title, where
        assert session.description.get("en") == "\n\n".join(printed.description), where
        assert [q.get("en") for q in session.questions] == printed.questions, where
        assert all(q.languages == ("en",) for q in session.questions), where
        assert session.mode is printed.mode, where
        assert session.part is not None, where
        assert part_modes[session.part] is printed.mode, where
        title = printed.title.lower()
        if "workshop" in title:
            assert session.kind is SessionKind.WORKSHOP, where
        elif "dialogue" in title:
            assert session.kind is SessionKind.DIALOGUE, where
        elif "closing ceremony" in title:
            assert session.kind is SessionKind.CEREMONY, where
        elif "plenary" in title:
            assert session.kind is SessionKind.PLENARY, where


def _city_names() -> dict[str, City]:
    return {name: city for city in CITIES for name in city.name.values.values()}


def test_people_match_the_printed_lines(programme: Programme) -> None:
    cities = {city.slug: city for city in CITIES}
    by_name = _city_names()
    for index, printed, session in _pairs(programme):
        assert len(session.people) == len(printed.people), f"session {index}"
        for number, (line, person) in enumerate(zip(printed.people, session.people, strict=True)):
            where = f"session {index}, person {number}: {line.text!r}"
            plain = line.text.replace("**", "")
            assert person.role is line.role, where
            assert person.to_be_confirmed is bool(TBC_RE.search(line.text)), where
            rest = TBC_MARK_RE.sub("", plain)
            if person.honorific:
                assert plain.startswith(person.honorific + " "), where
                rest = rest.removeprefix(person.honorific)
            bold = re.search(r"\*\*(.+?)\*\*", line.text)
            if bold:
                assert person.name == bold[1], where
            for part in (person.name, person.affiliation):
                if part:
                    assert part in rest, where
                    rest = rest.replace(part, "", 1)
            # Nothing printed is lost, nothing is added: only punctuation remains.
            assert not rest.strip(" ,.;"), f"{where}: {rest!r} not in the demo"
            if line.label is not None:
                assert person.topic.get("en").lower() in line.label.lower(), where
            else:
                assert not person.topic, where
            if person.city is not None:
                city = cities[person.city]
                assert any(name in plain for name in city.name.values.values()), where
            if person.name in by_name:
                assert person.city == by_name[person.name].slug, where


def test_every_tbc_mark_is_a_person_to_be_confirmed() -> None:
    text = PROGRAMME.read_text(encoding="utf-8")
    marked = [line for line in text.splitlines() if TBC_RE.search(line)]
    flagged = [p for s in IZMIR_2021.sessions for p in s.people if p.to_be_confirmed]
    assert len(marked) == len(flagged) == 14
    nameless = [p for s in IZMIR_2021.sessions for p in s.people if not p.name]
    assert all(p.role is Role.MODERATOR or p.affiliation or p.city for p in nameless)


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if attrs.has(type(value)) and not isinstance(value, Text):
        for attribute in attrs.fields(type(value)):
            yield from _walk(getattr(value, attribute.name), f"{path}.{attribute.name}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}")


def _texts() -> Iterator[tuple[str, Text]]:
    for key, models in RECORDS.items():
        for index, model in enumerate(models):
            for path, value in _walk(model, f"{key}.{index}"):
                if isinstance(value, Text):
                    yield path, value


def test_every_text_validates_and_has_english() -> None:
    texts = list(_texts())
    assert len(texts) > 100
    for path, value in texts:
        assert Text(dict(value.values)) == value, path
        if not value.values:
            continue
        assert "en" in value.values, path
        for language, body in value.values.items():
            assert body, f"{path}.{language}"
            assert body.strip() == body, f"{path}.{language}"


def test_bundle_round_trips_through_the_converter() -> None:
    data = bundle()
    assert list(data) == list(MODELS)
    assert json.loads(json.dumps(data)) == data
    for key, kind in MODELS.items():
        assert len(data[key]) == len(RECORDS[key])
        for record, model in zip(data[key], RECORDS[key], strict=True):
            structured: object = convert.structure(record, kind)
            assert structured == model
            assert convert.unstructure(structured) == record
    assert bundle() is not data
    assert bundle() == data


def test_every_city_referred_to_is_in_the_demo() -> None:
    slugs = {city.slug for city in CITIES}
    assert len(slugs) == len(CITIES) == 13
    referred = {IZMIR_2021.host_city} | {p.city for p in IZMIR_2021.parts}
    referred |= {p.city for s in IZMIR_2021.sessions for p in s.people}
    referred |= {p.city for p in PRACTICES}
    assert referred - {None} <= slugs


def test_cities_follow_the_texts() -> None:
    texts = "\n".join(path.read_text(encoding="utf-8") for path in (PROGRAMME, CAMPAIGN, ABOUT))
    assert "Düsseldorf is an active member since 2016" in texts
    assert "2015 Living Together Summit in Montreal during which the founding members" in texts
    for city in CITIES:
        assert any(name in texts for name in city.name.values.values()), city.slug
        assert city.latitude is not None
        assert city.longitude is not None
        assert round(city.latitude, 4) == city.latitude
        assert round(city.longitude, 4) == city.longitude
        assert city.timezone is not None
        assert city.languages
        # A sign slip in a coordinate puts a city hours away from its own clock.
        offset = ZoneInfo(city.timezone).utcoffset(datetime(2021, 12, 7, 12))
        assert offset is not None
        assert abs(offset.total_seconds() / 240 - city.longitude) < 30, city.slug
        expected = CityStatus.FOUNDING_MEMBER if city.slug == "montreal" else CityStatus.MEMBER
        assert city.status is expected, city.slug
        # Düsseldorf's year is in the texts; Montréal's founding members signed in 2015.
        expected_year = {"dusseldorf": 2016, "montreal": 2015}.get(city.slug)
        assert city.member_since == expected_year, city.slug


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attributes)))


def test_example_practices() -> None:
    words = {"en": "Example", "fr": "Exemple", "de": "Beispiel", "tr": "Örnek", "es": "Ejemplo"}
    cities = {city.slug for city in CITIES}
    assert 4 <= len(PRACTICES) <= 6
    assert {p.city for p in PRACTICES} <= cities
    for practice in PRACTICES:
        assert practice.example is True
        assert practice.status is ModerationStatus.PUBLISHED
        assert practice.themes
        assert set(practice.themes) <= set(THEMES)
        languages = practice.title.languages
        assert len(languages) >= 2
        assert "en" in languages
        assert practice.summary.languages == practice.body.languages == languages
        for language in languages:
            assert words[language] in practice.title.get(language), practice.slug
            parser = _Tags()
            parser.feed(practice.body.get(language))
            assert {tag for tag, _ in parser.tags} <= {"p", "ul", "li", "a"}, practice.slug
            for tag, attributes in parser.tags:
                if tag == "a":
                    assert (attributes.get("href") or "").startswith("https://")


def test_example_practice_bodies_are_already_clean() -> None:
    sanitize = pytest.importorskip("livingtogether.sanitize")
    for practice in PRACTICES:
        for language, body in practice.body.values.items():
            assert sanitize.clean_html(body) == body, (practice.slug, language)


def test_declaration_and_campaign() -> None:
    text = CAMPAIGN.read_text(encoding="utf-8")
    assert UNIVERSAL_DECLARATION.slug == "universal-declaration"
    assert set(UNIVERSAL_DECLARATION.title.languages) >= {"en", "fr", "es", "de", "tr", "ar"}
    title = UNIVERSAL_DECLARATION.title.get("en")
    assert title == "Universal Declaration of Living Together in Peace"
    assert title in text
    assert UNIVERSAL_DECLARATION.milestones == (1000, 10000)
    assert IDLTP_2022.slug == "idltp-2022"
    assert IDLTP_2022.title.get("en") == "International Day of Living Together in Peace 2022"
    assert IDLTP_2022.day == date(2022, 5, 16)
    assert "On May 16, 2022" in text
    assert IDLTP_2022.declaration == UNIVERSAL_DECLARATION.slug
    assert RECORDS["participations"] == ()
    # The description is the call as published, line for line (spacing normalised).
    printed = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    body = printed[next(i for i, line in enumerate(printed) if line.startswith("On the occasion")):]
    shown = [line for line in IDLTP_2022.description.get("en").splitlines() if line]
    assert shown == [line for line in body if line]


def _has_observatory() -> bool:
    try:
        from livingtogether import Observatory  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _has_observatory(), reason="livingtogether.Observatory not written yet")
def test_install_imports_everything_once(observatory: Any) -> None:
    report = install(observatory)
    for key, models in RECORDS.items():
        assert report.created.get(key, 0) == len(models), key
    again = install(observatory)
    assert sum(again.created.values()) == 0
    assert observatory.programme.get("izmir-2021") == IZMIR_2021
    for city in CITIES:
        assert observatory.cities.get(city.slug) == city
    for practice in PRACTICES:
        assert observatory.practices.get(practice.slug) == practice
    assert observatory.declarations.get("universal-declaration") == UNIVERSAL_DECLARATION
    assert observatory.campaigns.get("idltp-2022") == IDLTP_2022
    exported = observatory.export_bundle()

    def canonical(records: list[Any]) -> list[str]:
        # PostgreSQL's jsonb keeps no key order, so languages may come back reordered.
        return sorted(json.dumps(record, sort_keys=True) for record in records)

    for key, records in bundle().items():
        if key == "themes":  # the demo adds none to the taxonomy every database starts with
            assert [t["slug"] for t in exported[key]] == list(THEMES)
            continue
        assert canonical(exported[key]) == canonical(records), key


def test_no_sentence_of_the_demo_misses_a_word() -> None:
    description = IZMIR_2021.description.get("en") or ""
    assert "as well as to foster solidarity, cooperation and resilience." in description
    assert " to e," not in description
