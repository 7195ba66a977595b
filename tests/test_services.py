"""The Python API of every domain, on SQLite and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import attrs
import pytest

from livingtogether import Observatory
from livingtogether.errors import Conflict, NotFound, ValidationError
from livingtogether.models import (
    Campaign,
    CampaignParticipation,
    City,
    CityStatus,
    Declaration,
    Dissemination,
    Event,
    Membership,
    MembershipStatus,
    ModerationStatus,
    Person,
    Pledge,
    PledgeStatus,
    Practice,
    Role,
    Session,
    SignerKind,
    Text,
)

IZMIR = City(slug="izmir", name=Text({"tr": "İzmir", "en": "Izmir"}), country="TR",
             latitude=38.4237, longitude=27.1428, timezone="Europe/Istanbul")
PARIS = City(slug="paris", name=Text.of("Paris", "fr"), country="FR",
             memberships=(Membership(status=MembershipStatus.FOUNDING_MEMBER),))


def _event(slug: str = "summit", first: date = date(2021, 12, 7)) -> Event:
    sessions = (
        Session.at(key="opening", title=Text.of("Opening"), day=first, start=time(16),
                   end=time(17, 30), zone="Europe/Istanbul",
                   people=(Person(role=Role.OPENING, name="Tunç Soyer"),)),
        Session(key="closing", title=Text.of("Closing"), day=first),
    )
    return Event(slug=slug, title=Text.of("Summit"), host_zone="Europe/Istanbul",
                 first_day=first, last_day=first, sessions=sessions)


def test_cities_crud(observatory: Observatory) -> None:
    cities = observatory.cities
    assert cities.create(IZMIR) == IZMIR
    cities.create(PARIS)
    assert cities.get("izmir") == IZMIR
    assert [c.slug for c in cities.list().items] == ["izmir", "paris"]
    assert [c.slug for c in cities.list(country="fr").items] == ["paris"]
    assert cities.list(status=CityStatus.FOUNDING_MEMBER).total == 1
    page = cities.list(limit=1, offset=1)
    assert (page.total, [c.slug for c in page.items]) == (2, ["paris"])
    moved = attrs.evolve(IZMIR, memberships=(Membership(joined=2015),))
    assert cities.update(moved) == moved
    assert cities.get("izmir").member_since == 2015
    with pytest.raises(Conflict, match="exists already"):
        cities.create(IZMIR)
    cities.delete("paris")
    with pytest.raises(NotFound, match="no city 'paris'"):
        cities.get("paris")
    with pytest.raises(NotFound):
        cities.delete("paris")
    with pytest.raises(NotFound):
        cities.update(PARIS)
    with pytest.raises(ValidationError, match="limit"):
        cities.list(limit=0)


def test_practices_need_their_city_and_keep_it(observatory: Observatory) -> None:
    practice = Practice(slug="open-doors", city="izmir", title=Text.of("Open doors"),
                        body=Text.of('<p onmouseover="x()">Hi<script>alert(1)</script></p>'),
                        themes=("culture",), status=ModerationStatus.PUBLISHED)
    with pytest.raises(ValidationError, match="no city 'izmir'"):
        observatory.practices.create(practice)
    observatory.cities.create(IZMIR)
    stored = observatory.practices.create(practice)
    assert stored.body.get() == "<p>Hi</p>"
    assert observatory.practices.get("open-doors") == stored
    draft = attrs.evolve(practice, slug="draft", status=ModerationStatus.DRAFT, themes=())
    observatory.practices.create(draft)
    assert [p.slug for p in observatory.practices.list().items] == ["open-doors"]
    assert observatory.practices.list(status=None).total == 2
    assert observatory.practices.list(theme="culture").total == 1
    observatory.practices.update(attrs.evolve(practice, themes=("resilience",)))
    assert observatory.practices.list(theme="culture").total == 0
    assert observatory.practices.list(theme="resilience").total == 1
    with pytest.raises(Conflict, match="still referred to"):
        observatory.cities.delete("izmir")
    assert observatory.cities.get("izmir") == IZMIR


def test_moderating_an_unknown_practice_names_it(observatory: Observatory) -> None:
    practices = observatory.practices
    for act in (practices.submit, practices.publish, practices.unpublish, practices.revision,
                lambda slug: practices.reject(slug, "off topic"),
                lambda slug: practices.edit(Practice(slug=slug, city="izmir",
                                                     title=Text.of("Nowhere")))):
        with pytest.raises(NotFound) as caught:
            act("nowhere")
        assert (caught.value.message, caught.value.field) == (
            "there is no practice 'nowhere'", "slug")


def test_save_creates_then_updates(observatory: Observatory) -> None:
    assert observatory.cities.save(IZMIR) == IZMIR
    moved = attrs.evolve(IZMIR, memberships=(Membership(joined=2015),))
    assert observatory.cities.save(moved) == moved
    assert observatory.cities.list().total == 1
    assert observatory.cities.get("izmir").member_since == 2015


def test_events_keep_their_sessions_in_order(observatory: Observatory) -> None:
    event = observatory.programme.create(_event())
    assert observatory.programme.get("summit") == event
    assert [s.key for s in observatory.programme.get("summit").sessions] == ["opening", "closing"]
    later = observatory.programme.create(_event("later", date(2022, 5, 16)))
    assert [e.slug for e in observatory.programme.list().items] == ["later", "summit"]
    shorter = attrs.evolve(event, sessions=event.sessions[1:])
    observatory.programme.update(shorter)
    assert observatory.programme.get("summit").sessions == shorter.sessions
    observatory.programme.delete("later")
    assert observatory.programme.list().items == (shorter,)
    assert later.sessions[0].starts_at is not None


def test_signatures_one_per_person_and_counted_when_confirmed(observatory: Observatory) -> None:
    observatory.declarations.create(Declaration(slug="ud", title=Text.of("UD"),
                                                milestones=(2, 10)))
    signing = observatory.signing
    first = signing.sign(Pledge(declaration="ud", kind=SignerKind.CITIZEN, name="Ayşe",
                                email="ayse@Example.ORG", country="TR", consent_version="1"))
    again = signing.sign(Pledge(declaration="ud", kind=SignerKind.CITIZEN, name="Other",
                                email="AYSE@example.org", country="FR", consent_version="1"))
    assert (again.id, again.name) == (first.id, "Ayşe")
    assert first.status is PledgeStatus.PENDING
    assert first.signed_at is not None
    assert observatory.pledge_stats.stats("ud").confirmed == 0
    confirmed = signing.confirm(first.id)  # type: ignore[arg-type]
    assert confirmed.status is PledgeStatus.CONFIRMED
    stats = observatory.pledge_stats.stats("ud")
    assert (stats.confirmed, stats.by_country, stats.next_milestone) == (1, {"TR": 1}, 2)
    observatory.signing.withdraw(first.id)  # type: ignore[arg-type]
    assert observatory.pledge_stats.stats("ud").confirmed == 0
    with pytest.raises(NotFound):
        observatory.signatures.get(first.id)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="valid email"):
        observatory.signing.sign(attrs.evolve(first, email="not an address"))
    with pytest.raises(NotFound, match="declaration"):
        observatory.signing.sign(attrs.evolve(first, declaration="nope"))


def test_concurrent_signers_with_one_address_make_one_signature(
    observatory: Observatory,
) -> None:
    observatory.declarations.create(Declaration(slug="ud", title=Text.of("UD")))
    forms = ["zoë@example.org", "ZOË@example.org", "zoe\u0308@EXAMPLE.org"] * 4

    def sign(email: str) -> int | None:
        return observatory.signing.sign(Pledge(
            declaration="ud", kind=SignerKind.CITIZEN, name="Zoë", email=email, country="FR",
            consent_version="1",
        )).id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(sign, forms))
    assert len(ids) == 1
    assert observatory.signatures.list("ud").total == 1


def test_campaigns_and_participations(observatory: Observatory) -> None:
    observatory.cities.create(IZMIR)
    observatory.declarations.create(Declaration(slug="ud", title=Text.of("UD")))
    campaign = Campaign(slug="idltp-2022", title=Text.of("IDLTP 2022"), day=date(2022, 5, 16),
                        declaration="ud")
    observatory.campaigns.create(campaign)
    with pytest.raises(NotFound, match="declaration"):
        observatory.campaigns.create(attrs.evolve(campaign, slug="x", declaration="no"))
    joined = CampaignParticipation(campaign="idltp-2022", city="izmir", signed=True,
                                   dissemination=Dissemination(channels=("website",)))
    observatory.participations.save(joined)
    observatory.participations.save(attrs.evolve(joined, signed=False))
    page = observatory.participations.list("idltp-2022")
    assert page.total == 1
    assert page.items[0].signed is False
    assert observatory.participations.list(city="izmir").total == 1
    assert observatory.participations.list("idltp-2022", city="dusseldorf").total == 0
    with pytest.raises(NotFound, match="city"):
        observatory.participations.save(attrs.evolve(joined, city="nowhere"))
    observatory.participations.delete("idltp-2022", "izmir")
    assert observatory.participations.list().total == 0


def test_languages_keep_the_order_they_were_given_in(observatory: Observatory) -> None:
    # The first language given is the last fallback, so storage must keep it first.
    city = City(slug="rabat", name=Text({"ar": "الرباط", "fr": "Rabat", "en": "Rabat"}),
                country="MA")
    observatory.cities.create(city)
    assert observatory.cities.get("rabat").name.languages == ("ar", "fr", "en")
