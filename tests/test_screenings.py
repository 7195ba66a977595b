"""Residents registering for a screening, on SQLite and PostgreSQL: double opt-in,
seats never above the capacity however many confirm at once, the waiting list moving up
on a cancellation, retention, bad input and forged tokens."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether.errors import NotFound, ValidationError
from livingtogether.models import Campaign, CampaignParticipation, City, Screening, Text
from livingtogether.services.screenings import CONFIRMED, PENDING, WAITING
from livingtogether.store import now, schema
from xss_vectors import VECTORS

AT = ("day", "izmir", "cinema")


def _screening(obs: Any, capacity: int = 40) -> None:
    obs.cities.create(City(slug="izmir", name=Text.of("İzmir"), country="TR"))
    obs.campaigns.create(Campaign(slug="day", title=Text.of("Day"),
                                  day=(now() + timedelta(days=20)).date()))
    obs.participations.save(CampaignParticipation(campaign="day", city="izmir", screenings=(
        Screening(key="cinema", venue="Cinema", starts_at=now() + timedelta(days=20),
                  zone="Europe/Istanbul", capacity=capacity, language="tr",
                  subtitles=("en", "fr"), accessibility="Step-free access"),)))


def _register(obs: Any, n: int, seats: int = 1) -> str:
    return obs.screenings.register(*AT, name=f"Resident {n}", email=f"r{n}@example.org",
                                   seats=seats, language="en")[1]


@pytest.mark.postgres
def test_100_confirming_at_once_for_40_seats_give_40_and_60_waiting(observatory: Any) -> None:
    _screening(observatory)
    tokens: list[str] = []
    start, errors = threading.Barrier(20), []

    def register(batch: range) -> None:  # 100 residents registering at once, 20 threads
        try:
            start.wait(timeout=30)
            tokens.extend(_register(observatory, n) for n in batch)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=register, args=(range(i, 100, 20),))
               for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(tokens) == 100
    with observatory.store.read() as connection:  # each with its confirmation email
        assert connection.scalar(sa.select(sa.func.count()).select_from(schema.outbox)) == 100
    start = threading.Barrier(20)

    def confirm(batch: list[str]) -> None:
        try:
            start.wait(timeout=30)
            for token in batch:
                observatory.screenings.confirm(token)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=confirm, args=(tokens[i::20],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    statuses = [r.status for r in observatory.screenings.list(*AT)]
    assert statuses.count(CONFIRMED) == 40
    assert statuses.count(WAITING) == 60
    seats = observatory.screenings.seats(*AT)
    assert (seats.taken, seats.left, seats.waiting) == (40, 0, 60)


@pytest.mark.postgres
def test_a_cancellation_moves_the_list_up_first_come_first_served(observatory: Any) -> None:
    _screening(observatory, capacity=3)
    first = _register(observatory, 1, seats=2)
    second = _register(observatory, 2, seats=1)
    big = _register(observatory, 3, seats=2)
    small = _register(observatory, 4, seats=1)
    assert observatory.screenings.list(*AT)[0].status == PENDING  # nothing held before
    assert [observatory.screenings.confirm(t).status for t in (first, second, big, small)] \
        == [CONFIRMED, CONFIRMED, WAITING, WAITING]
    assert observatory.screenings.confirm(first).status == CONFIRMED  # again: no change
    cancelled, moved = observatory.screenings.cancel(second)
    assert cancelled.email is None
    assert cancelled.name is None
    assert moved == []  # the head of the list needs 2, one is free: nobody skips it
    cancelled, moved = observatory.screenings.cancel(first)
    assert [(m.name, m.email) for m in moved] == [("Resident 3", "r3@example.org"),
                                                 ("Resident 4", "r4@example.org")]
    assert observatory.screenings.seats(*AT).taken == 3
    assert observatory.screenings.cancel(first) == (cancelled, [])
    with observatory.store.read() as connection:  # a cancellation keeps nobody's address
        emails = connection.execute(sa.select(schema.screening_registrations.c.email).where(
            schema.screening_registrations.c.status == "cancelled")).scalars().all()
    assert emails == [None, None]


@pytest.mark.parametrize("token", ["", "x" * 43, "' OR 1=1 --", "é" * 30, "a" * 1000])
def test_forged_tokens_are_not_found(sqlite_observatory: Any, token: str) -> None:
    _screening(sqlite_observatory)
    _register(sqlite_observatory, 1)
    with pytest.raises(NotFound, match="open the link from the email in full"):
        sqlite_observatory.screenings.confirm(token)
    with pytest.raises(NotFound):
        sqlite_observatory.screenings.cancel(token)


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"), ({"name": "\x00\u2028 \x01"}, "name"),
    ({"name": "x" * 201}, "name"), ({"email": "not an address"}, "email"),
    ({"email": "a@" + "b" * 400 + ".org"}, "email"), ({"email": 5}, "email"),
    ({"seats": 0}, "seats"), ({"seats": 11}, "seats"), ({"seats": "2"}, "seats"),
    ({"seats": True}, "seats"), ({"seats": 41}, "seats"), ({"language": "<b>"}, "language"),
])
def test_bad_registrations_say_which_field(sqlite_observatory: Any, changes: dict[str, Any],
                                           field: str) -> None:
    _screening(sqlite_observatory)
    given: dict[str, Any] = {"name": "Ada", "email": "ada@example.org", "seats": 1,
                             "language": "en", **changes}
    with pytest.raises(ValidationError) as raised:
        sqlite_observatory.screenings.register(*AT, **given)
    assert raised.value.field == field
    assert sqlite_observatory.screenings.list(*AT) == []


def test_an_unknown_or_closed_screening_is_refused(sqlite_observatory: Any) -> None:
    _screening(sqlite_observatory)
    with pytest.raises(NotFound, match="no screening 'nope'"):
        sqlite_observatory.screenings.register("day", "izmir", "nope", name="Ada",
                                               email="ada@example.org", seats=1,
                                               language="en")
    sqlite_observatory.participations.save(CampaignParticipation(
        campaign="day", city="izmir", screenings=(Screening(
            key="cinema", venue="Cinema", starts_at=now() - timedelta(hours=1),
            zone="UTC", capacity=40),)))
    with pytest.raises(ValidationError, match="has begun"):
        _register(sqlite_observatory, 1)


@pytest.mark.parametrize("vector", VECTORS[:10])
def test_markup_in_a_name_is_kept_as_text(sqlite_observatory: Any, vector: str) -> None:
    _screening(sqlite_observatory)
    registration, _ = sqlite_observatory.screenings.register(
        *AT, name=vector, email="ada@example.org", seats=1, language="en")
    assert registration.name == " ".join(vector.split())


def test_retention_deletes_old_registrations_only(sqlite_observatory: Any) -> None:
    _screening(sqlite_observatory)
    old, recent = _register(sqlite_observatory, 1), _register(sqlite_observatory, 2)
    table = schema.screening_registrations
    with sqlite_observatory.store.write() as connection:
        connection.execute(table.update().where(table.c.name == "Resident 1").values(
            created_at=now() - timedelta(days=91)))
    assert sqlite_observatory.screenings.purge() == 1
    assert [r.name for r in sqlite_observatory.screenings.list(*AT)] == ["Resident 2"]
    with pytest.raises(NotFound):
        sqlite_observatory.screenings.confirm(old)
    assert sqlite_observatory.screenings.confirm(recent).status == CONFIRMED
    with pytest.raises(ValidationError, match="whole number of days"):
        sqlite_observatory.screenings.purge(days=0)
    with sqlite_observatory.store.write() as connection:
        connection.execute(table.update().values(created_at=now() - timedelta(days=31)))
    report = sqlite_observatory.retention.run(registration_days=30)
    assert report.registrations == 1
    assert report.summary() == "0 unconfirmed deleted, 0 anonymised, " \
        "1 screening registrations deleted"
    assert sqlite_observatory.screenings.list(*AT) == []
    with pytest.raises(ValidationError):
        sqlite_observatory.retention.run(registration_days=-5)
