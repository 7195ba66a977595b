"""Rules the models keep on their own, independent of storage."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from livingtogether.errors import ValidationError
from livingtogether.models import (
    CampaignParticipation,
    Declaration,
    Person,
    Pledge,
    Role,
    Session,
    SignerKind,
    Text,
    local_instant,
)


def test_text_resolves_along_the_fallback_chain_and_says_which_language() -> None:
    text = Text({"fr": "Vivre ensemble", "en": "Living together"})
    assert text.resolve("fr-ca").language == "fr"
    assert text.resolve("de").language == "en"
    assert text.resolve("de", fallbacks=("fr",)).text == "Vivre ensemble"
    assert Text({"tr": "Birlikte"}).resolve("ar").language == "tr"
    assert Text({}).resolve("en") is None
    assert not Text({"en": "  "})


def test_local_instant_uses_zoneinfo_for_the_date() -> None:
    # 16h in Izmir on 7 December 2021 is 13h UTC (TRT, UTC+3 all year).
    assert local_instant(date(2021, 12, 7), time(16), "Europe/Istanbul") == datetime(
        2021, 12, 7, 13, tzinfo=timezone.utc
    )
    # Paris is UTC+1 in winter and UTC+2 in summer.
    assert local_instant(date(2022, 1, 10), time(14), "Europe/Paris").hour == 13
    assert local_instant(date(2022, 7, 10), time(14), "Europe/Paris").hour == 12


def test_a_time_skipped_by_daylight_saving_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not exist in Europe/Paris"):
        local_instant(date(2022, 3, 27), time(2, 30), "Europe/Paris")
    with pytest.raises(ValidationError, match="does not exist in America/Montreal"):
        Session.at(key="k", title=Text.of("K"), day=date(2022, 3, 13), start=time(2, 15),
                   end=time(3, 30), zone="America/Montreal")


def test_an_ambiguous_time_takes_its_first_occurrence() -> None:
    # 2:30 happens twice in Paris on 30 October 2022: first at UTC+2.
    assert local_instant(date(2022, 10, 30), time(2, 30), "Europe/Paris") == datetime(
        2022, 10, 30, 0, 30, tzinfo=timezone.utc
    )


def test_session_needs_both_times_or_neither() -> None:
    with pytest.raises(ValidationError, match="both starts_at and ends_at"):
        Session(key="k", title=Text.of("K"), day=date(2021, 12, 7),
                starts_at=datetime(2021, 12, 7, 13, tzinfo=timezone.utc))


def test_person_needs_someone_unless_a_moderator_to_be_named() -> None:
    with pytest.raises(ValidationError, match="name, affiliation or city"):
        Person(role=Role.PANELIST)
    assert Person(role=Role.MODERATOR, to_be_confirmed=True).name is None


def test_institutional_signature_needs_the_institution() -> None:
    with pytest.raises(ValidationError, match="institution's details"):
        Pledge(declaration="d", kind=SignerKind.INSTITUTION, name="A", email="a@b.org",
               country="FR", consent_version="1")


def test_milestones_ascend_and_participation_needs_an_action() -> None:
    with pytest.raises(ValidationError, match="ascending"):
        Declaration(slug="d", title=Text.of("D"), milestones=(10, 5))
    with pytest.raises(ValidationError, match="at least one"):
        CampaignParticipation(campaign="c", city="x")
