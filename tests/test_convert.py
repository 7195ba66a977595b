"""The one converter: every model round-trips, and bad data is refused field by field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livingtogether import convert
from livingtogether.errors import ValidationError
from livingtogether.models import City, Event, Practice
from strategies import EVERY_MODEL


@pytest.mark.parametrize("model", list(EVERY_MODEL), ids=lambda m: m.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_model_round_trips_through_json(model: type, data: st.DataObject) -> None:
    record = data.draw(EVERY_MODEL[model])
    dumped = convert.unstructure(record)
    assert convert.structure(json.loads(json.dumps(dumped)), model) == record


def _problems(data: Any, model: type) -> dict[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        convert.structure(data, model)
    return dict(caught.value.problems)


CITY = {"slug": "izmir", "name": {"tr": "İzmir"}, "country": "TR"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"slug": "İzmir!"}, "slug", "not a valid slug"),
        ({"slug": 5}, "slug", "must be text"),
        ({"country": "XX"}, "country", "ISO 3166-1"),
        ({"country": "EU"}, "country", "ISO 3166-1"),
        ({"country": "ZZ"}, "country", "ISO 3166-1"),
        ({"name": "Izmir"}, "name", "mapping of language code"),
        ({"name": {"EN_us!": "x"}}, "name", "not a language code"),
        ({"name": {"en": "a\x00b"}}, "name.en", "control characters"),
        ({"name": {"en": "\ud800"}}, "name.en", "control characters"),
        ({"name": {"en": "x" * 301}}, "name.en", "the limit is 300"),
        ({"latitude": "38.4"}, "latitude", "must be a number"),
        ({"latitude": 91.0, "longitude": 1.0}, "latitude", "at most 90"),
        ({"latitude": 38.4}, "latitude", "both latitude and longitude"),
        ({"member_since": True}, "member_since", "whole number"),
        ({"status": "mayor"}, "status", "'founding_member'"),
        ({"partner_board": "abc"}, "partner_board", "must be a list"),
        ({"website": "javascript:alert(1)"}, "website", "http://"),
        ({"colour": "red"}, None, "unknown field 'colour'"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"timezone": "../../etc/passwd"}, "timezone", "IANA time zone"),
    ],
)
def test_bad_city_fields_are_named_with_what_to_fix(
    change: dict[str, Any], field: str | None, words: str
) -> None:
    problems = _problems({**CITY, **change}, City)
    assert field in problems, problems
    assert words in problems[field]


def test_missing_fields_and_wrong_shapes() -> None:
    assert _problems({"country": "TR"}, City) == {"slug": "is required", "name": "is required"}
    assert _problems([CITY], City) == {None: "must be an object, not a list"}
    assert "must be an object" in _problems(None, City)[None]


def test_nested_paths_point_at_the_bad_item() -> None:
    event = {
        "slug": "s", "title": {"en": "S"}, "host_zone": "Europe/Paris",
        "first_day": "2021-12-07", "last_day": "2021-12-08",
        "sessions": [
            {"key": "a", "title": {"en": "A"}, "day": "2021-12-07"},
            {"key": "b", "title": {"en": "B"}, "day": "2021-12-07",
             "people": [{"role": "boss", "name": "X"}],
             "starts_at": "2021-12-07T10:00:00", "ends_at": "2021-12-07T09:00:00Z"},
        ],
    }
    problems = _problems(event, Event)
    assert "sessions.1.people.0.role" in problems
    assert "no UTC offset" in problems["sessions.1.starts_at"]


def test_end_before_start_and_day_outside_the_event() -> None:
    base = {"slug": "s", "title": {"en": "S"}, "host_zone": "Europe/Paris",
            "first_day": "2021-12-07", "last_day": "2021-12-08"}
    late = {**base, "sessions": [{"key": "a", "title": {"en": "A"}, "day": "2021-12-07",
                                   "starts_at": "2021-12-07T10:00:00Z",
                                   "ends_at": "2021-12-07T09:00:00Z"}]}
    assert _problems(late, Event) == {"sessions.0.ends_at": "must be after starts_at"}
    outside = {**base, "sessions": [{"key": "a", "title": {"en": "A"}, "day": "2021-12-09"}]}
    assert "outside the event's days" in _problems(outside, Event)["sessions.0.day"]


def test_offsets_are_moved_to_utc_and_written_with_z() -> None:
    event = convert.structure({
        "slug": "s", "title": {"en": "S"}, "host_zone": "Europe/Istanbul",
        "first_day": "2021-12-07", "last_day": "2021-12-07",
        "sessions": [{"key": "a", "title": {"en": "A"}, "day": "2021-12-07",
                      "starts_at": "2021-12-07T16:00:00+03:00",
                      "ends_at": "2021-12-07T17:30:00+03:00"}],
    }, Event)
    dumped = convert.unstructure(event)["sessions"][0]
    assert dumped["starts_at"] == "2021-12-07T13:00:00Z"
    assert dumped["ends_at"] == "2021-12-07T14:30:00Z"


def test_rejected_practice_needs_a_reason() -> None:
    practice = {"slug": "p", "city": "izmir", "title": {"en": "P"}, "status": "rejected"}
    assert "needs a reason" in _problems(practice, Practice)["rejection_reason"]
