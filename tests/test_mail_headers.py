"""No way into an email's headers through a signer's name (issue 14, item 1).

Some CPython releases (3.10.13, 3.11.7, 3.12.1) decode an RFC 2047 encoded word
in a display name and write the decoded line breaks back into the header. The
names below are refused at signing through the JSON API and the form, and a
hostile name already stored (legacy data) goes out through a real SMTP server
without adding a header. Run this file on those interpreters too.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory, Pledge, SignerKind
from livingtogether.errors import ValidationError
from livingtogether.mail import (
    SMTPMailer,
    UnsafeMessage,
    check_headers,
    header_problem,
    header_text,
)
from livingtogether.store import schema
from livingtogether.wsgi import make_app
from pledge_support import SMTPServer, smtp_server
from test_pledges_http import API_SIGN, FORM, SIGN, form_token, open_site, snapshot
from test_web_support import Client, serving

#: The vector of the issue: a Bcc to the attacker.
BCC = "=?utf-8?q?evil=0d=0aBcc:_e@attacker.example?="
#: A longer one: Reply-To, a second Content-Type and a body of the attacker's choosing.
BODY = ("=?utf-8?q?Jean=0d=0aReply-To:_boss@attacker.example=0d=0aContent-Type:_text/html"
        "=0d=0a=0d=0a<a_href=3D=22https://attacker.example/=22>Confirm_here</a>?=")
#: The same in base64, and an encoded word glued to text (no space before it).
BASE64 = "=?utf-8?b?ZXZpbA0KQmNjOiBlQGF0dGFja2VyLmV4YW1wbGU=?="
GLUED = "Jean=?utf-8?q?=0d=0aBcc:_e@attacker.example?="
VECTORS = (BCC, BODY, BASE64, GLUED)

#: Every header a confirmation email has, each once.
EXPECTED = sorted(["subject", "from", "to", "date", "message-id", "auto-submitted",
                   "x-livingtogether-outbox", "content-type", "content-transfer-encoding",
                   "mime-version", "content-language"])


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Client, Observatory]]:
    """The demo site over a real HTTP server, on each database."""
    obs = open_site(database_url, pledge_min_fill_seconds=0)
    try:
        with serving(make_app(obs), threaded=True) as base:
            yield Client(base), obs
    finally:
        obs.close()


def pledge(name: str, email_address: str = "jean@example.org", **fields: Any) -> Pledge:
    """A signature of the demo's declaration (a citizen's unless ``fields`` say otherwise)."""
    fields.setdefault("kind", SignerKind.CITIZEN)
    return Pledge(declaration="universal-declaration", name=name, email=email_address,
                  country="CA", consent_version="2022-1", **fields)


# -- the check itself


@pytest.mark.parametrize("name", VECTORS)
def test_encoded_words_that_decode_to_line_breaks_are_named(name: str) -> None:
    problem = header_problem(name)
    assert problem is not None
    assert "encoded word" in problem


@pytest.mark.parametrize(("name", "code"), [
    ("Jean\r\nBcc: e@attacker.example", "U+000D"), ("Jean\u2028Bcc: x", "U+2028"),
    ("Jean\u2029x", "U+2029"), ("Jean\x85x", "U+0085"), ("Jean\u202ex", "U+202E"),
    ("Jean\u200bx", "U+200B"), ("Jean\tTremblay", "U+0009"),
])
def test_control_and_line_breaking_characters_are_named(name: str, code: str) -> None:
    problem = header_problem(name)
    assert problem is not None
    assert code in problem


def test_plain_encoded_words_are_refused_too() -> None:
    # "=?" itself: a harmless encoded word is refused as well (decided: no name needs one)
    problem = header_problem("=?utf-8?q?Ay=C5=9Fe?=")
    assert problem is not None
    assert "'=?'" in problem
    assert header_problem("=?broken") is not None


@pytest.mark.parametrize("name", [
    "Ayşe Yılmaz", "Jean-François O'Brien", "نرگس\u200cها", "李小龍", "👩\u200d👩\u200d👧 family",
    "Ruth = Question?", "? = ?",
])
def test_real_names_pass(name: str) -> None:
    assert header_problem(name) is None
    assert header_text(name) == name


@pytest.mark.parametrize("name", VECTORS)
def test_header_text_makes_any_stored_name_fit(name: str) -> None:
    assert header_problem(header_text(name)) is None


def test_check_headers_names_an_unexpected_header() -> None:
    message = EmailMessage()
    message["Subject"] = "hello"
    message["Bcc"] = "e@attacker.example"
    message.set_content("body")
    with pytest.raises(UnsafeMessage, match="bcc"):
        check_headers(message, ("Subject", "Content-Type", "Content-Transfer-Encoding",
                                "MIME-Version"))
    del message["Bcc"]
    assert check_headers(message, ("Subject", "Content-Type", "Content-Transfer-Encoding",
                                   "MIME-Version"))["Subject"] == "hello"


# -- refused at signing, by Python, the API and the form


@pytest.mark.parametrize("name", VECTORS)
def test_python_signing_refuses_the_name(observatory: Any, name: str) -> None:
    from livingtogether.demo import install

    install(observatory)
    with pytest.raises(ValidationError, match="encoded word") as raised:
        observatory.signing.sign(pledge(name))
    assert raised.value.field == "name"
    assert observatory.signatures.list("universal-declaration").total == 0


def test_every_name_field_is_checked(observatory: Any) -> None:
    from livingtogether.demo import install
    from livingtogether.models import Institution, InstitutionKind

    install(observatory)
    with pytest.raises(ValidationError) as raised:
        observatory.signing.sign(pledge(
            "Jean", kind=SignerKind.INSTITUTION, city=BCC,
            institution=Institution(name="Ville", kind=InstitutionKind.CITY,
                                    representative_role=BODY)))
    assert [field for field, _ in raised.value.problems] == [
        "city", "institution.representative_role"]
    assert observatory.signatures.list("universal-declaration").total == 0


@pytest.mark.parametrize("name", [BCC, BODY])
def test_the_json_api_refuses_the_name_and_stores_nothing(site: tuple[Client, Observatory],
                                                          name: str) -> None:
    client, obs = site
    before = snapshot(obs)
    response = client.post(API_SIGN, json={"kind": "citizen", "name": name,
                                           "email": "jean@example.org", "country": "CA",
                                           "consent_version": "2022-1"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["field"] == "name", body
    assert "encoded word" in body["error"]["message"]
    assert snapshot(obs) == before


@pytest.mark.parametrize("name", [BCC, BODY])
def test_the_form_refuses_the_name_and_stores_nothing(site: tuple[Client, Observatory],
                                                      name: str) -> None:
    client, obs = site
    before = snapshot(obs)
    response = client.post(SIGN, data={**FORM, "name": name, "form_token": form_token(client)})
    assert response.status_code == 422
    assert "Enter your name as you want it shown" in response.text
    assert "Thank you for signing" not in response.text
    assert snapshot(obs) == before


# -- a hostile name stored before the check still goes out clean


@pytest.mark.parametrize("name", VECTORS)
def test_a_stored_hostile_name_adds_no_header(database_url: str, smtp: SMTPServer,
                                              name: str) -> None:
    obs = open_site(database_url)
    try:
        signed = obs.signing.sign(pledge("Jean Tremblay"))
        table = schema.pledges
        with obs.store.write() as connection:  # legacy data, written before the check
            data = connection.scalar(sa.select(table.c.data).where(table.c.id == signed.id))
            connection.execute(table.update().where(table.c.id == signed.id)
                               .values(data={**data, "name": name}))
        assert obs.signatures.get(signed.id).name == name
        mailer = SMTPMailer("127.0.0.1", smtp.port, security="none", timeout=5)
        report = obs.outbox.send(mailer)
        assert report.sent == (1,)
        assert not report.retried
        assert not report.failed
        assert len(smtp.inbox.wait(1)) == 1
        [raw] = smtp.inbox.raw
        assert smtp.inbox.recipients == [["jean@example.org"]]
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert sorted(key.lower() for key in parsed) == EXPECTED
        assert len(parsed.items()) == len(EXPECTED)
        [to] = parsed["To"].addresses
        assert to.addr_spec == "jean@example.org"
        # the name made fit, or no name where this Python folds it out of its quotes
        assert to.display_name in (header_text(name), "")
        assert parsed.get_content_type() == "text/plain"
        assert not parsed.is_multipart()
        for header in ("bcc", "reply-to", "cc"):
            assert header not in {key.lower() for key in parsed}
        assert "Content-Type: text/html" not in parsed.get_content()
    finally:
        obs.close()
