"""The staff console's screening screens over real HTTP, with the emails through a real
SMTP server on loopback: a city's campaign officer sees a screening's registrations and
their counts, exports them as CSV (audited, formula cells defused), mails the confirmed
registrants an update through the outbox; hostile input gets clear errors. Retention
keeps the seat counts true."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.store import now, schema
from livingtogether.wsgi import make_app
from pledge_support import SMTPServer, smtp_server
from test_console_http import problems, token_of
from test_screening_http import install_screening, send_all
from test_web_support import Client, serving
from xss_vectors import VECTORS

OFFICER = Principal.with_roles(id="officer@izmir", name="Deniz",
                               roles=["city-campaign-officer"], cities=["izmir"])
AT = ("day", "izmir", "cinema")
PAGE = "/console/screenings/day/izmir/cinema"


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Client, Observatory, SMTPServer]]:
    """A screening of 3 seats: two confirmed (2 seats and 1), one waiting, one pending,
    one cancelled; the console served for a campaign officer of Izmir."""
    obs = Observatory.open(database_url, base_url="http://city.example/embed",
                           secret_key="k" * 32)
    install_screening(obs, capacity=3)
    tokens = [obs.screenings.register(*AT, name=name, seats=seats, language=language,
                                      email=f"{name.lower().strip('=()1')}@example.org")[1]
              for name, seats, language in (("Ayse", 2, "tr"), ("Jean", 1, "fr"),
                                            ("=HYPERLINK(1)", 1, "en"), ("Pending", 1, "en"),
                                            ("Gone", 1, "en"))]
    for token in tokens[:3]:
        obs.screenings.confirm(token)
    obs.screenings.cancel(tokens[4])

    def who(environ: dict[str, Any]) -> Principal | None:
        return OFFICER if environ.get("HTTP_X_TEST_USER") == "officer" else None

    try:
        with smtp_server() as smtp, serving(make_app(obs, console_auth=who)) as base:
            browser = Client(base)
            browser.session.headers["X-Test-User"] = "officer"
            yield browser, obs, smtp
    finally:
        obs.close()


def test_the_list_export_and_update(site: tuple[Client, Observatory, SMTPServer]) -> None:
    client, obs, smtp = site
    index = client.get("/console/screenings")
    assert index.status_code == 200
    assert PAGE in index.text
    page = client.get(PAGE)
    assert page.status_code == 200
    assert problems(page.text) == []
    for count in ("confirmed: 2", "on the waiting list: 1", "not confirmed yet: 1",
                  "cancelled: 1"):
        assert count in page.text
    assert "ayse@example.org" in page.text
    assert "gone@example.org" not in page.text  # a cancellation keeps no address
    send_all(obs, smtp)  # the residents' own emails, before staff's
    before = len(smtp.inbox.messages)

    token = token_of(page.text)
    exported = client.post(f"{PAGE}/export", data={"csrf_token": token})
    assert exported.status_code == 200
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["status", "name", "email", "seats", "language"]
    assert [row[:2] for row in rows[1:]] == [
        ["confirmed", "Ayse"], ["confirmed", "Jean"], ["waiting", "'=HYPERLINK(1)"],
        ["pending", "Pending"]]
    assert client.get(f"{PAGE}/export").status_code in (404, 405)  # a POST only
    with obs.store.read() as connection:
        audited = connection.execute(sa.select(schema.audit.c.action, schema.audit.c.key)
                                     ).all()
    assert ("export", "day/izmir/cinema") in [tuple(row) for row in audited]

    sent = client.post(f"{PAGE}/update", data={
        "csrf_token": token, "subject": "Doors open at 18:30",
        "text": "Bring your ticket.\nThe café is open."})
    assert sent.status_code == 303
    assert "sent=2" in sent.headers["Location"]
    send_all(obs, smtp)
    updates = smtp.inbox.messages[before:]
    assert sorted(str(m["To"]) for m in updates) == ["Ayse <ayse@example.org>",
                                                    "Jean <jean@example.org>"]
    assert {str(m["Subject"]) for m in updates} == {"Doors open at 18:30"}
    body = updates[0].get_body(("plain",))
    assert body is not None
    assert "The café is open." in body.get_content()
    assert "/widgets/screening/cancel?token=" in body.get_content()


def test_bad_updates_are_named_and_queue_nothing(
        site: tuple[Client, Observatory, SMTPServer]) -> None:
    client, obs, _smtp = site
    token = token_of(client.get(PAGE).text)
    with obs.store.read() as connection:
        queued = connection.scalar(sa.select(sa.func.count()).select_from(schema.outbox))
    for subject, text in (("", "x"), ("Hi", ""), ("x" * 151, "x"),
                          ("Hi\r\nBcc: e@attacker.example", "x"),
                          ("=?utf-8?q?a=0D=0AB?=", "x"), ("Hi", "x" * 5001),
                          ("Hi", "nul \x00 byte")):
        answer = client.post(f"{PAGE}/update", data={"csrf_token": token, "subject": subject,
                                                     "text": text})
        assert answer.status_code == 422, (subject[:20], text[:20])
        assert 'aria-describedby="lt-console-update-error"' in answer.text
    for vector in VECTORS[:5]:
        answer = client.post(f"{PAGE}/update", data={"csrf_token": token,
                                                     "subject": vector[:150], "text": vector})
        assert answer.status_code in (303, 422)
        assert problems(client.get(PAGE).text) == []
    assert client.get("/console/screenings/day/izmir/nope").status_code == 404
    assert client.get("/console/screenings/day/montreal/cinema").status_code in (403, 404)
    with obs.store.read() as connection:
        after = connection.scalar(sa.select(sa.func.count()).select_from(schema.outbox))
    assert after - queued <= 2 * 5  # only the accepted vectors, to the two confirmed


def test_retention_frees_the_seats_of_the_registrations_it_deletes(
        site: tuple[Client, Observatory, SMTPServer]) -> None:
    _client, obs, _smtp = site
    table = schema.screening_registrations
    assert obs.screenings.seats(*AT).taken == 3
    with obs.store.write() as connection:  # Ayse's registration (2 seats) is old
        connection.execute(table.update().where(table.c.name == "Ayse").values(
            created_at=now() - timedelta(days=91)))
    assert obs.screenings.purge() == 1
    seats = obs.screenings.seats(*AT)
    assert seats.taken == 1  # was 3 before this change: the deleted seats stayed taken
    assert sum(r.seats for r in obs.screenings.list(*AT) if r.status == "confirmed") == 1
