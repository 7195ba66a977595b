"""Residents registering for a screening through the widget over a real HTTP server,
with the emails through a real SMTP server on loopback, on SQLite and PostgreSQL: the
form, the double opt-in by POST, the .ics, the cancellation moving the waiting list up
and mailing the next person; hostile fields answered with clear errors, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.mail import SMTPMailer
from livingtogether.models import Campaign, CampaignParticipation, City, Screening, Text
from livingtogether.services.screenings import LINK_PATHS
from livingtogether.store import now, schema
from livingtogether.wsgi import make_app
from pledge_support import SMTPServer, smtp_server
from test_web_support import Client, Tree, serving
from xss_vectors import VECTORS

PAGE = "/widgets/campaign/day/screenings/izmir/cinema"
LINK_RE = re.compile(r"https?://\S+/widgets/screening/(confirm|cancel)\?token=([A-Za-z0-9_-]+)")


def install_screening(obs: Observatory, capacity: int) -> None:
    """A city, a campaign and its screening of ``capacity`` seats, in 20 days."""
    obs.cities.create(City(slug="izmir", name=Text.of("İzmir"), country="TR"))
    obs.campaigns.create(Campaign(slug="day", title=Text.of("Living Together Day"),
                                  day=(now() + timedelta(days=20)).date()))
    obs.participations.save(CampaignParticipation(campaign="day", city="izmir", screenings=(
        Screening(key="cinema", venue="Cinema Karşıyaka", address="1 Quay Street",
                  starts_at=now() + timedelta(days=20), zone="Europe/Istanbul",
                  capacity=capacity, language="tr", subtitles=("en",)),)))


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Client, Observatory, SMTPServer]]:
    """A screening of 2 seats served over a threaded HTTP server, and an SMTP server."""
    obs = Observatory.open(database_url, base_url="http://city.example/embed",
                           secret_key="k" * 32, pledge_ip_limit=0, pledge_min_fill_seconds=0)
    install_screening(obs, capacity=2)
    try:
        with smtp_server() as smtp, serving(make_app(obs), threaded=True) as base:
            yield Client(base), obs, smtp
    finally:
        obs.close()


def send_all(obs: Observatory, smtp: SMTPServer) -> None:
    """Run the outbox worker until it is empty (bounded)."""
    mailer = SMTPMailer("127.0.0.1", smtp.port, security="none", timeout=5)
    for _ in range(20):
        if obs.outbox.send(mailer).claimed == 0:
            return
    raise AssertionError("the outbox did not empty")


def register(client: Client, name: str, email: str, seats: int | str = 1, **extra: str,
             ) -> Any:
    """Show the form, then post it."""
    page = client.get(PAGE)
    assert page.status_code == 200
    token = Tree(page.text).find("input", name="form_token")[0]["value"]
    return client.post(PAGE, data={"form_token": token, "name": name, "email": email,
                                   "seats": str(seats), **extra})


def links(message: EmailMessage) -> dict[str, str]:
    """``{"confirm": token, "cancel": token}`` from a registration's email."""
    body = message.get_body(("plain",))
    assert body is not None
    return dict(LINK_RE.findall(body.get_content()))


def press(client: Client, action: str, token: str) -> str:
    """Open an email's link (which changes nothing), then press its page's button."""
    page = client.get(f"{LINK_PATHS[action]}?token={token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    form = Tree(page.text).find("form")[0]
    posted = client.post(form["action"].replace("http://city.example/embed", ""),
                         data={"token": token})
    assert posted.status_code == 200
    return str(posted.text)


def calendar_of(message: EmailMessage) -> Any:
    """The .ics attached to ``message``, parsed."""
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_filename() == "invite.ics"
    return icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def test_register_confirm_cancel_and_the_list_moves_up(
        site: tuple[Client, Observatory, SMTPServer]) -> None:
    client, obs, smtp = site
    page = Tree(client.get(PAGE).text)
    assert page.find("label", **{"for": "lt-screening-name"})
    assert [o["value"] for o in page.find("option")] == ["1", "2"]  # no more than are left
    answer = register(client, "Ayşe Yılmaz", "ayse@example.org", seats=2)
    assert answer.status_code == 200
    assert "Check your email" in answer.text
    assert obs.screenings.seats("day", "izmir", "cinema").taken == 0  # nothing before the POST
    send_all(obs, smtp)
    (first,) = smtp.inbox.to("ayse@example.org")
    assert first["Subject"] == "Please confirm your registration: Living Together Day"
    opened = client.get(f"{LINK_PATHS['confirm']}?token={links(first)['confirm']}")
    assert obs.screenings.seats("day", "izmir", "cinema").taken == 0  # a GET confirms nothing
    assert "Confirm my registration" in opened.text
    assert "Your seats are booked" in press(client, "confirm", links(first)["confirm"])
    send_all(obs, smtp)
    booked = smtp.inbox.to("ayse@example.org")[1]
    assert booked["Subject"] == "Your seats are booked: Living Together Day"
    (event,) = calendar_of(booked).walk("VEVENT")
    assert str(event["LOCATION"]) == "Cinema Karşıyaka, 1 Quay Street"
    assert event.decoded("DTSTART").tzinfo is not None

    assert "Join the waiting list" in client.get(PAGE).text
    register(client, "Jean Tremblay", "jean@example.org", seats=1)
    send_all(obs, smtp)
    (request,) = smtp.inbox.to("jean@example.org")
    assert "You are on the waiting list" in press(client, "confirm", links(request)["confirm"])
    send_all(obs, smtp)
    waiting = smtp.inbox.to("jean@example.org")[1]
    assert waiting["Subject"] == "You are on the waiting list: Living Together Day"
    assert not list(waiting.iter_attachments())

    # the cancel link of the booking's email (an earlier email's link works as well)
    assert "Your registration is cancelled" in press(client, "cancel", links(booked)["cancel"])
    send_all(obs, smtp)
    moved = smtp.inbox.to("jean@example.org")[2]
    assert moved["Subject"] == "Seats were freed for you: Living Together Day"
    assert calendar_of(moved).walk("VEVENT")
    seats = obs.screenings.seats("day", "izmir", "cinema")
    assert (seats.taken, seats.waiting) == (1, 0)
    gone = client.get(f"{LINK_PATHS['cancel']}?token={links(first)['cancel']}")
    assert gone.status_code == 200  # the registration is kept, cancelled, without its data
    assert "Your registration is cancelled" in gone.text
    with obs.store.read() as connection:
        emails = connection.execute(sa.select(schema.screening_registrations.c.email)).all()
    assert sorted(e or "" for (e,) in emails) == ["", "jean@example.org"]


def test_hostile_fields_are_named_next_to_their_field_or_kept_as_text(
        site: tuple[Client, Observatory, SMTPServer]) -> None:
    client, obs, smtp = site
    cases = [({"name": ""}, "name"), ({"name": "x" * 201}, "name"),
             ({"name": "=?utf-8?q?J=0D=0ABcc:_e@attacker.example?="}, "name"),
             ({"email": "not an address"}, "email"), ({"email": ""}, "email"),
             ({"email": "a@" + "b" * 400 + ".org"}, "email"),
             ({"seats": "0"}, "seats"), ({"seats": "two"}, "seats"), ({"seats": "3"}, "seats"),
             ({"seats": "9" * 50}, "seats"), ({"seats": "\u0663"}, "seats")]
    for fields, field in cases:  # one site for all (each a fresh form)
        values = {"name": "Ada", "email": "ada@example.org", "seats": "1", **fields}
        answer = register(client, values["name"], values["email"], seats=values["seats"])
        assert answer.status_code == 422, fields
        tree = Tree(answer.text)
        described = tree.find("select" if field == "seats" else "input",
                              id=f"lt-screening-{field}")[0]
        assert described["aria-invalid"] == "true"
        assert tree.find("p", id=described["aria-describedby"])
    assert obs.screenings.list("day", "izmir", "cinema") == []
    for vector in VECTORS[:6]:
        answer = register(client, vector, "ada@example.org")
        assert answer.status_code in (200, 422)
        assert "<script" not in answer.text.lower()
    send_all(obs, smtp)
    assert smtp.inbox.messages
    assert all(r == ["ada@example.org"] for r in smtp.inbox.recipients)


def test_a_line_break_in_the_name_never_makes_a_header(
        site: tuple[Client, Observatory, SMTPServer]) -> None:
    client, obs, smtp = site
    assert register(client, "Jean\r\nBcc: e@attacker.example", "jean@example.org",
                    ).status_code == 200
    send_all(obs, smtp)
    (message,) = smtp.inbox.messages
    assert message["Bcc"] is None
    assert smtp.inbox.recipients == [["jean@example.org"]]
    assert [a.addr_spec for a in message["To"].addresses] == ["jean@example.org"]


def test_forged_tokens_reused_forms_and_bots_store_nothing(
        site: tuple[Client, Observatory, SMTPServer]) -> None:
    client, obs, _smtp = site
    for token in ("", "x" * 43, "' OR 1=1 --", "é" * 30):
        answer = client.get(f"{LINK_PATHS['confirm']}?token={token}")
        assert answer.status_code in (400, 404)
        posted = client.post(LINK_PATHS["cancel"], data={"token": token})
        assert posted.status_code in (400, 404)
    forged = client.post(PAGE, data={"form_token": "forged", "name": "Ada",
                                     "email": "ada@example.org", "seats": "1"})
    assert forged.status_code == 422
    assert register(client, "Bot", "bot@example.org", homepage="http://spam").status_code == 200
    assert obs.screenings.list("day", "izmir", "cinema") == []
    assert client.post(PAGE, data=b"\xff\xfe", headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code in (400, 422)
    assert client.get("/widgets/campaign/day/screenings/izmir/nope").status_code == 404
