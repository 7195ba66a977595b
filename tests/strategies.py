"""Hypothesis strategies that build valid instances of every model."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from livingtogether.models import (
    THEMES,
    Campaign,
    CampaignParticipation,
    City,
    Declaration,
    DisplayZone,
    Dissemination,
    Event,
    EventPart,
    Institution,
    InstitutionKind,
    Link,
    Membership,
    MembershipStatus,
    Mode,
    ModerationStatus,
    Person,
    Pledge,
    PledgeStatus,
    Practice,
    PracticeKind,
    Role,
    Screening,
    Session,
    SessionKind,
    SignerKind,
    Text,
)

ZONES = ["Europe/Istanbul", "Europe/Paris", "America/Montreal", "Africa/Douala", "Asia/Tokyo"]
COUNTRIES = ["TR", "FR", "CA", "DE", "BF", "MA", "UY", "CM"]
LANGUAGES = ["en", "fr", "es", "de", "tr", "ar", "pt-br"]

slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
# Printable text of any script: letters, marks, numbers, punctuation, symbols, spaces.
line = st.text(
    st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=40
).filter(str.strip)
optional_line = st.none() | line
texts = st.dictionaries(st.sampled_from(LANGUAGES), line, min_size=1, max_size=3).map(Text)
optional_texts = st.dictionaries(st.sampled_from(LANGUAGES), line, max_size=2).map(Text)


@st.composite
def _memberships(draw: st.DrawFn) -> tuple[Membership, ...]:
    """Periods that follow one another: each joins in or after the year the last left."""
    periods: list[Membership] = []
    year = draw(st.integers(1990, 2030))
    for index in range(draw(st.integers(0, 3))):
        status = draw(st.sampled_from(MembershipStatus))
        joined = None if index == 0 and draw(st.booleans()) else year
        if (index == 2 or draw(st.booleans())) and draw(st.booleans()):
            periods.append(Membership(joined=joined, status=status))
            break
        left = year + draw(st.integers(0, 6))
        periods.append(Membership(joined=joined, left=left, status=status))
        year = left + draw(st.integers(0, 3))
    return tuple(periods)


memberships = _memberships()
urls = st.builds(lambda s: f"https://example.org/{s}", slugs)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(timezone.utc)
).map(lambda d: d.replace(microsecond=0))

cities = st.builds(
    City,
    slug=slugs,
    name=texts,
    country=st.sampled_from(COUNTRIES),
    region=optional_line,
    latitude=st.floats(-90, 90),
    longitude=st.floats(-180, 180),
    timezone=st.none() | st.sampled_from(ZONES),
    memberships=memberships,
    partner_board=st.lists(line, max_size=3).map(tuple),
    languages=st.lists(st.sampled_from(LANGUAGES), max_size=3, unique=True).map(tuple),
    website=st.none() | urls,
)

practices = st.builds(
    Practice,
    slug=slugs,
    city=slugs,
    kind=st.sampled_from(PracticeKind),
    title=texts,
    summary=optional_texts,
    body=optional_texts,
    themes=st.lists(st.sampled_from(THEMES), max_size=3, unique=True).map(tuple),
    year_started=st.none() | st.integers(1950, 2030),
    status=st.sampled_from([s for s in ModerationStatus if s is not ModerationStatus.REJECTED]),
    partners=st.lists(line, max_size=3).map(tuple),
    contact=optional_line,
    links=st.lists(st.builds(Link, url=urls, label=optional_texts), max_size=2).map(tuple),
    example=st.booleans(),
)

people = st.builds(
    Person,
    role=st.sampled_from(Role),
    name=line,
    honorific=optional_line,
    affiliation=optional_line,
    city=st.none() | slugs,
    topic=optional_texts,
    to_be_confirmed=st.booleans(),
)


@st.composite
def events(draw: st.DrawFn) -> Event:
    """An event of one to three days with sessions inside them, timed or not."""
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 1, 1)))
    last = first + timedelta(days=draw(st.integers(0, 2)))
    keys = draw(st.lists(slugs, max_size=4, unique=True))
    sessions = []
    for key in keys:
        day = first + timedelta(days=draw(st.integers(0, (last - first).days)))
        timed = draw(st.booleans())
        fields = {
            "key": key, "title": draw(texts), "description": draw(optional_texts),
            "kind": draw(st.sampled_from(SessionKind)), "mode": draw(st.sampled_from(Mode)),
            "questions": tuple(draw(st.lists(texts, max_size=2))),
            "people": tuple(draw(st.lists(people, max_size=3))),
            "join_url": draw(st.none() | urls),
        }
        if timed:
            from datetime import time

            start = time(draw(st.integers(8, 20)), draw(st.sampled_from([0, 15, 30, 45])))
            end = time(start.hour + draw(st.integers(1, 3)), start.minute)
            from livingtogether.errors import ValidationError

            try:
                sessions.append(Session.at(day=day, start=start, end=end, zone=zone, **fields))
                continue
            except ValidationError:  # a wall-clock time skipped by a DST change
                pass
        sessions.append(Session(day=day, zone=zone, **fields))
    return Event(
        slug=draw(slugs), title=draw(texts), description=draw(optional_texts), host_zone=zone,
        host_city=draw(st.none() | slugs), first_day=first, last_day=last,
        display_zones=tuple(
            DisplayZone(zone=z, label=Text.of(z.split("/")[1]))
            for z in draw(st.lists(st.sampled_from(ZONES), max_size=3, unique=True))
        ),
        parts=(EventPart(key="main", title=Text.of("Main"), mode=Mode.HYBRID),),
        sessions=tuple(sessions),
    )


declarations = st.builds(
    Declaration,
    slug=slugs,
    title=texts,
    text=optional_texts,
    version=st.integers(1, 20),
    milestones=st.lists(st.integers(1, 10**6), max_size=3, unique=True).map(
        lambda values: tuple(sorted(values))
    ),
)

institutions = st.builds(
    Institution, name=line, kind=st.sampled_from(InstitutionKind), representative_role=line,
    website=st.none() | urls,
)


@st.composite
def pledges(draw: st.DrawFn) -> Pledge:
    """A citizen's or an institution's signature."""
    kind = draw(st.sampled_from(SignerKind))
    return Pledge(
        declaration=draw(slugs), kind=kind, name=draw(line),
        email=f"{draw(slugs)}@example.org", country=draw(st.sampled_from(COUNTRIES)),
        city=draw(optional_line), public=draw(st.booleans()), consent_version="2022-1",
        institution=draw(institutions) if kind is SignerKind.INSTITUTION else None,
        status=draw(st.sampled_from(PledgeStatus)), id=draw(st.none() | st.integers(1, 10**6)),
        signed_at=draw(st.none() | instants),
    )


campaigns = st.builds(
    Campaign, slug=slugs, title=texts, description=optional_texts,
    day=st.dates(min_value=date(2018, 1, 1), max_value=date(2035, 1, 1)),
    declaration=st.none() | slugs, film_url=st.none() | urls,
)

screenings = st.builds(
    Screening, venue=line, address=optional_line, starts_at=instants,
    zone=st.sampled_from(ZONES), capacity=st.none() | st.integers(1, 5000),
    public=st.booleans(), registration_url=st.none() | urls,
)

participations = st.builds(
    CampaignParticipation,
    campaign=slugs,
    city=slugs,
    dissemination=st.builds(
        Dissemination, channels=st.lists(line, max_size=2).map(tuple),
        links=st.lists(urls, max_size=2).map(tuple),
    ),
    screenings=st.lists(screenings, max_size=2).map(tuple),
    signed=st.booleans(),
)

EVERY_MODEL = {
    City: cities,
    Practice: practices,
    Event: events(),
    Declaration: declarations,
    Pledge: pledges(),
    Campaign: campaigns,
    CampaignParticipation: participations,
}
