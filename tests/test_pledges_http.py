"""Pledges over real HTTP: concurrent signers, the email links, the form's guards, privacy."""

from __future__ import annotations

import ipaddress
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.errors import ConfigurationError
from livingtogether.mail import SMTPMailer
from livingtogether.settings import Settings
from livingtogether.store import schema
from livingtogether.web.guard import client_ip
from livingtogether.web.http import Headers, Request
from livingtogether.wsgi import make_app
from pledge_support import SMTPServer, in_parallel, links, smtp_server
from test_web_support import Client, Tree, check_fragment, serving

SIGN = "/widgets/pledge/universal-declaration"
API_SIGN = "/api/v1/declarations/universal-declaration/signatures"
STATS = "/api/v1/declarations/universal-declaration/stats"
FORM = {"kind": "citizen", "name": "Jean Tremblay", "email": "jean@example.org",
        "country": "CA", "city": "Montréal", "consent": "yes"}


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1."""
    with smtp_server() as server:
        yield server


def open_site(url: str, **settings: Any) -> Observatory:
    """The demo data on ``url``, served with the settings of these tests."""
    obs = Observatory.open(url, base_url="http://city.example/embed", secret_key="k" * 32,
                           pledge_ip_limit=0, **settings)
    install(obs)
    return obs


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Client, Observatory]]:
    """A threaded real HTTP server over each database."""
    obs = open_site(database_url, pledge_min_fill_seconds=0)
    try:
        with serving(make_app(obs, demo_page=True), threaded=True) as base:
            yield Client(base), obs
    finally:
        obs.close()


def form_token(client: Client) -> str:
    """The guard token of the pledge form as shown."""
    tree = Tree(client.get("/widgets/pledge").text)
    return tree.find("input", name="form_token")[0]["value"]


def send_all(obs: Observatory, server: SMTPServer) -> None:
    """Run the worker until the outbox is empty (bounded)."""
    mailer = SMTPMailer("127.0.0.1", server.port, security="none", timeout=5)
    for _ in range(100):
        if obs.outbox.send(mailer).claimed == 0:
            return
    raise AssertionError("the outbox did not empty")


def snapshot(obs: Observatory) -> list[Any]:
    """Every row of the pledge tables, to prove that a request changed nothing."""
    tables = (schema.pledges, schema.pledge_tokens, schema.outbox, schema.pledge_counts)
    with obs.store.read() as connection:
        return [sorted(map(tuple, connection.execute(sa.select(t)).all()), key=repr)
                for t in tables]


def confirmed(client: Client) -> int:
    """The confirmed count the API serves."""
    return int(client.get(STATS).json()["confirmed"])


def test_fifty_concurrent_signers_one_signature_each(site: tuple[Client, Observatory],
                                                     smtp: SMTPServer) -> None:
    client, obs = site
    people = [f"person{i}" for i in range(34)]
    attempts: list[dict[str, str]] = []
    for i, person in enumerate(people):
        attempts.append({**FORM, "name": f"Zoë {i}", "email": f"zoë.{person}@example.org",
                         "form_token": form_token(client)})
    for i, person in enumerate(people[:16]):  # a third repeat, in another case or Unicode form
        variant = unicodedata.normalize("NFD", f"zoë.{person}") if i % 2 else \
            f"zoë.{person}".upper().replace("Ë", "ë")
        attempts.append({**FORM, "name": f"Again {i}",
                         "email": f"{variant}@{'EXAMPLE.org' if i % 3 else 'example.org'}",
                         "form_token": form_token(client)})
    assert len(attempts) == 50
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(50, timeout=30)

    def sign(data: dict[str, str]) -> None:
        own = Client(client.base)
        barrier.wait()
        if int(data["name"].split()[-1]) % 2:  # half through the form, half through the API
            response = own.post(SIGN, data=data, timeout=60)
        else:
            body = {key: data[key] for key in ("kind", "name", "email", "country")}
            response = own.post(API_SIGN, json={**body, "consent_version": "2022-1"},
                                timeout=60)
        with lock:
            statuses.append(response.status_code)

    in_parallel(sign, attempts)
    assert len(statuses) == 50
    assert set(statuses) <= {200, 202}, Counter(statuses)
    assert obs.signatures.list("universal-declaration").total == 34
    # every person gets mail; confirming every first link makes the count equal the rows
    send_all(obs, smtp)
    by_person: dict[str, str] = {}
    for message in smtp.inbox.messages:
        address = message["To"].addresses[0].addr_spec
        by_person.setdefault(address.casefold(), links(message)["confirm"])
    assert len(by_person) == 34
    for token_value in by_person.values():
        response = client.post("/widgets/pledge/confirm", data={"token": token_value})
        assert response.status_code == 200
    rows = obs.signatures.list("universal-declaration", limit=200).items
    assert all(p.status.value == "confirmed" for p in rows)
    assert confirmed(client) == len(rows) == 34
    assert obs.pledge_stats.recount(fix=False) == []


def test_sign_email_confirm_page_counter_withdraw(site: tuple[Client, Observatory],
                                                  smtp: SMTPServer) -> None:
    client, obs = site
    signed = client.post(SIGN, data={**FORM, "form_token": form_token(client)})
    assert signed.status_code == 200
    assert "Thank you for signing" in signed.text
    send_all(obs, smtp)
    [message] = smtp.inbox.messages
    assert "http://city.example/embed/widgets/pledge/confirm?token=" in message.get_content()
    found = links(message)
    page_url = f"/widgets/pledge/confirm?token={found['confirm']}"
    # a mail scanner (or anyone) opening the link changes nothing, however often
    before = snapshot(obs)
    for _ in range(3):
        page = client.get(page_url)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        tree = check_fragment(page.text, "pledge-confirm")
        [form] = tree.find("form")
        assert form["method"] == "post"
        assert form["action"].startswith("/widgets/pledge/confirm")
        assert tree.find("input", type="hidden", name="token")[0]["value"] == found["confirm"]
        assert len(tree.find("button")) == 1
    assert client.request("HEAD", page_url).status_code == 200
    assert snapshot(obs) == before
    assert confirmed(client) == 0
    assert obs.signatures.list("universal-declaration").items[0].status.value == "pending"
    done = client.post("/widgets/pledge/confirm", data={"token": found["confirm"]})
    assert done.status_code == 200
    assert "Your signature is confirmed" in done.text
    assert confirmed(client) == 1
    counter = check_fragment(client.get("/widgets/pledge/counter").text, "pledge-counter")
    assert "1 confirmed signature" in counter.text
    assert counter.find("progress", max="1000", value="1")
    assert counter.find("div", role="status")
    # the link again: spent
    assert client.get(page_url).status_code == 404
    assert client.post("/widgets/pledge/confirm",
                       data={"token": found["confirm"]}).status_code == 404
    assert confirmed(client) == 1
    # withdrawal: GET changes nothing, the button erases
    withdraw_url = f"/widgets/pledge/withdraw?token={found['withdraw']}"
    before = snapshot(obs)
    for _ in range(2):
        page = check_fragment(client.get(withdraw_url).text, "pledge-withdraw")
        assert page.find("input", type="hidden", name="token")
    assert snapshot(obs) == before
    assert confirmed(client) == 1
    gone = client.post("/widgets/pledge/withdraw", data={"token": found["withdraw"]})
    assert gone.status_code == 200
    assert "Your signature is withdrawn" in gone.text
    assert confirmed(client) == 0
    assert obs.signatures.list("universal-declaration").total == 0
    assert client.get(withdraw_url).status_code == 404


def test_link_pages_refuse_bad_tokens_clearly(site: tuple[Client, Observatory]) -> None:
    client, _ = site
    assert client.get("/widgets/pledge/confirm").status_code == 400
    bad = client.get("/widgets/pledge/confirm?token=<script>alert(1)</script>")
    assert bad.status_code == 400
    assert "<script>" not in bad.text
    assert client.get("/widgets/pledge/confirm?token=" + "A" * 43).status_code == 404
    assert client.post("/widgets/pledge/confirm", data={}).status_code == 415  # no body at all
    missing = client.post("/widgets/pledge/confirm", data={"other": "x"})
    assert missing.status_code == 400
    assert "open the link from the email in full" in missing.text
    assert client.post("/widgets/pledge/confirm", json={"token": "x"}).status_code == 415
    assert client.post("/widgets/pledge/withdraw", data={"token": "A" * 5000}).status_code \
        in (404, 413)
    status, _, _ = client.raw("POST", b"/widgets/pledge/confirm", b"token=%FF%FE",
                              {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400


def test_the_form_s_guards(database_url: str) -> None:
    obs = open_site(database_url, pledge_min_fill_seconds=2)
    try:
        with serving(make_app(obs), threaded=True) as base:
            client = Client(base)
            token = form_token(client)
            # too fast: shown again with a message, nothing stored, every value kept
            fast = client.post(SIGN, data={**FORM, "form_token": token})
            assert fast.status_code == 422
            assert "sent very quickly" in fast.text
            assert Tree(fast.text).find("input", name="email")[0]["value"] == FORM["email"]
            # forged or missing token
            for forged in ("", "123.abc", f"{int(time.time()) - 60}.{'0' * 32}"):
                response = client.post(SIGN, data={**FORM, "form_token": forged})
                assert response.status_code == 422
                assert "expired" in response.text
            # the honeypot: thanked, nothing stored
            old = obs.keys.form_token(time.time() - 10)
            bot = client.post(SIGN, data={**FORM, "form_token": old,
                                          "homepage": "http://spam.example"})
            assert bot.status_code == 200
            assert "Thank you for signing" in bot.text
            assert obs.signatures.list("universal-declaration").total == 0
            # a person who took their time
            person = client.post(SIGN, data={**FORM, "form_token": old})
            assert person.status_code == 200
            assert obs.signatures.list("universal-declaration").total == 1
            # the honeypot is out of sight, labelled, and out of the tab order
            tree = Tree(client.get("/widgets/pledge").text)
            trap = tree.find("input", name="homepage")[0]
            assert trap["tabindex"] == "-1"
            assert tree.find("div", class_="lt-hp", aria_hidden="true")
    finally:
        obs.close()


def test_rate_limits_answer_429_with_retry_after(database_url: str) -> None:
    obs = Observatory.open(database_url, secret_key="k" * 32, pledge_ip_limit=2,
                           pledge_min_fill_seconds=0, trusted_proxies=("127.0.0.1",))
    install(obs)
    try:
        with serving(make_app(obs), threaded=True) as base:
            client = Client(base)
            for i in range(2):
                assert client.post(API_SIGN, json={
                    "kind": "citizen", "name": "N", "email": f"r{i}@example.org",
                    "country": "TR", "consent_version": "2022-1"}).status_code == 202
            refused = client.post(API_SIGN, json={
                "kind": "citizen", "name": "N", "email": "r9@example.org", "country": "TR",
                "consent_version": "2022-1"})
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) > 0
            assert "try again later" in refused.json()["error"]["message"]
            form = client.post(SIGN, data={**FORM, "form_token": form_token(client)})
            assert form.status_code == 429
            # behind the trusted proxy, the forwarded client is another one
            other = client.post(SIGN, data={**FORM, "form_token": form_token(client)},
                                headers={"X-Forwarded-For": "198.51.100.20"})
            assert other.status_code == 200
        with obs.store.read() as connection:
            hashes = connection.execute(sa.select(schema.pledges.c.ip_hash)).scalars().all()
        assert len(hashes) == 3
        assert all(h and len(h) == 64 and "127.0.0.1" not in h for h in hashes)
    finally:
        obs.close()


def test_client_ip_believes_forwarded_for_only_behind_trusted_proxies() -> None:
    def request(peer: str, *forwarded: str) -> Request:
        return Request(method="GET", path="/", remote_addr=peer,
                       headers=Headers([("X-Forwarded-For", f) for f in forwarded]))

    nobody, behind = Settings(), Settings(trusted_proxies=("10.0.0.0/8",))
    spoofed = request("203.0.113.5", "1.2.3.4")
    assert client_ip(spoofed, nobody) == "203.0.113.5"
    assert client_ip(spoofed, behind) == "203.0.113.5"
    proxied = request("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9")
    assert client_ip(proxied, behind) == "198.51.100.7"
    assert client_ip(request("10.0.0.2", "garbage"), behind) == "10.0.0.2"
    assert client_ip(request("10.0.0.2"), behind) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "2001:db8::1"), behind) == "2001:db8::1"


def test_trusted_proxies_are_parsed_once_when_the_settings_are_built() -> None:
    settings = Settings.build(trusted_proxies=("10.0.0.1", "2001:db8::/32"))
    assert settings.proxy_networks == (ipaddress.ip_network("10.0.0.1/32"),
                                       ipaddress.ip_network("2001:db8::/32"))
    assert settings.proxy_networks is settings.proxy_networks
    assert settings.trusted_proxies == ("10.0.0.1", "2001:db8::/32")  # as given
    for bad in ("10.0.0.300", "proxy.example.org", "10.0.0.0/33"):
        with pytest.raises(ConfigurationError) as caught:
            Settings.build(trusted_proxies=("10.0.0.0/8", bad))
        assert caught.value.field == "trusted_proxies"
        assert caught.value.message == (f"{bad!r} is not an IP address or network, "
                                        "e.g. 10.0.0.0/8")
    with pytest.raises(ConfigurationError, match="'nope' is not an IP address"):
        Settings.from_environ({"LIVINGTOGETHER_TRUSTED_PROXIES": "10.0.0.1, nope"})



def test_list_settings_given_as_text_are_comma_separated_lists() -> None:
    # A Flask or Django config often gives one string; it is never split into characters.
    settings = Settings.build(trusted_proxies="10.0.0.0/8", languages="fr, en",
                              fallback_languages="en",
                              allowed_origins="https://a.example.org, https://b.example.org")
    assert settings.trusted_proxies == ("10.0.0.0/8",)
    assert settings.proxy_networks == (ipaddress.ip_network("10.0.0.0/8"),)
    assert settings.languages == ("fr", "en")
    assert settings.fallback_languages == ("en",)
    assert settings.allowed_origins == ("https://a.example.org", "https://b.example.org")
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_public_lists_never_expose_an_email_and_escape_markup(
        site: tuple[Client, Observatory]) -> None:
    client, obs = site
    signed = client.post(SIGN, data={
        **FORM, "form_token": form_token(client), "kind": "institution", "public": "yes",
        "email": "secret.person@example.org", "institution_name": EVIL,
        "institution_kind": "ngo", "representative_role": "Chair\x00\u202e",
        "institution_website": "https://example.org", "name": "Rep\u0007 Name",
        "city": "'; DROP TABLE lt_pledges; --"})
    assert signed.status_code == 200
    [pledge] = obs.signatures.list("universal-declaration").items
    assert pledge.name == "Rep Name"  # control characters stripped
    assert pledge.institution is not None
    assert pledge.institution.representative_role == "Chair"
    obs.signing.confirm(pledge.id)  # type: ignore[arg-type]
    widget = client.get("/widgets/pledge/signatories")
    tree = check_fragment(widget.text, "pledge-signatories")
    assert EVIL in tree.text
    assert "'; DROP TABLE lt_pledges; --" in tree.text  # stored as text, nothing run
    assert not tree.find("script")
    assert not tree.find("img")
    for path in ("/widgets/pledge/signatories", "/widgets/pledge/counter", STATS,
                 "/api/v1/pledges/stats", "/widgets/pledge", "/"):
        assert "secret.person" not in client.get(path).text, path


def test_the_campaign_widget_lists_cities_and_screenings(site: tuple[Client, Observatory],
                                                         ) -> None:
    client, _ = site
    tree = check_fragment(client.get("/widgets/campaign/idltp-2022").text, "campaign")
    assert "Cities taking part" in tree.text
    assert client.get("/widgets/campaign/nope").status_code == 404


def test_campaign_and_signatory_api_match_the_openapi_document(
        site: tuple[Client, Observatory]) -> None:
    import jsonschema

    from livingtogether import CampaignParticipation, Screening

    client, obs = site
    starts = datetime.now(timezone.utc) + timedelta(days=3)
    obs.participations.save(CampaignParticipation(
        campaign="idltp-2022", city="izmir", signed=True, screenings=(
            Screening(venue="Kültürpark", starts_at=starts, zone="Europe/Istanbul",
                      capacity=300),
            Screening(venue="Private", starts_at=starts, zone="Europe/Istanbul",
                      public=False),
            Screening(venue="Past", starts_at=starts - timedelta(days=30),
                      zone="Europe/Istanbul"))))
    spec = client.get("/openapi.json").json()

    def valid(path: str, name: str) -> Any:
        response = client.get(path)
        assert response.status_code == 200, path
        schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        jsonschema.Draft202012Validator(schema).validate(response.json())
        return response.json()

    assert valid("/api/v1/campaigns", "CampaignPage")["total"] >= 1
    valid("/api/v1/campaigns/idltp-2022", "Campaign")
    taking = valid("/api/v1/campaigns/idltp-2022/participations", "CampaignParticipationList")
    assert "izmir" in [p["city"] for p in taking["items"]]
    screenings = valid("/api/v1/campaigns/idltp-2022/screenings", "UpcomingScreeningList")
    assert [s["screening"]["venue"] for s in screenings["items"]] == ["Kültürpark"]
    valid("/api/v1/declarations/universal-declaration/signatories", "PublicSignatoryPage")
    assert client.get("/api/v1/campaigns/nope/screenings").status_code == 404
    widget = check_fragment(client.get("/widgets/campaign/idltp-2022").text, "campaign")
    assert "Kültürpark" in widget.text
    assert "Private" not in widget.text
    assert "(UTC+3)" in widget.text
