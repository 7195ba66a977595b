"""Pledges on both databases: the outbox and its workers, tokens, counts, withdrawal, privacy."""

from __future__ import annotations

import contextlib
import csv
import io
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from livingtogether import (
    Campaign,
    ConfigurationError,
    Declaration,
    Institution,
    InstitutionKind,
    NotFound,
    Observatory,
    Pledge,
    PledgeStatus,
    SignerKind,
    Text,
    TooManyRequests,
    ValidationError,
)
from livingtogether.mail import SMTPMailer
from livingtogether.services.signing import FormTokenUsed
from livingtogether.store import now, schema
from pledge_support import SMTPServer, in_parallel, links, smtp_server

BASE = "https://city.example/observatory"


def citizen(email: str, country: str = "TR", **fields: Any) -> Pledge:
    """A citizen's signature of the declaration ``ud``."""
    return Pledge(declaration="ud", kind=SignerKind.CITIZEN, name=fields.pop("name", "Ayşe"),
                  email=email, country=country, consent_version="2022-1", **fields)


@pytest.fixture
def obs(database_url: str) -> Iterator[Observatory]:
    """An Observatory with the declaration ``ud`` and a base URL for links."""
    with Observatory.open(database_url, base_url=BASE, outbox_retry_seconds=0,
                          secret_key="test-secret") as opened:
        opened.declarations.create(Declaration(
            slug="ud", title=Text.of("Universal Declaration"), milestones=(2, 100)))
        yield opened


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1."""
    with smtp_server() as server:
        yield server


def mailer(server: SMTPServer) -> SMTPMailer:
    """An SMTP mailer for the loopback server (no TLS there)."""
    return SMTPMailer("127.0.0.1", server.port, security="none", timeout=5)


def table_text(obs: Observatory) -> str:
    """Every row of every table as text, to look for what must never be stored."""
    parts = []
    with obs.store.read() as connection:
        for table in schema.metadata.sorted_tables:
            parts += [repr(tuple(row)) for row in connection.execute(sa.select(table))]
    return "\n".join(parts)


def test_signing_writes_the_email_and_the_worker_sends_it(obs: Observatory,
                                                          smtp: SMTPServer) -> None:
    signed = obs.signing.sign(citizen("Ayse@Example.org"), language="fr", ip="203.0.113.9")
    assert signed.status is PledgeStatus.PENDING
    report = obs.outbox.send(mailer(smtp))
    assert (len(report.sent), report.retried, report.failed) == (1, (), ())
    [message] = smtp.inbox.wait(1)
    assert message["To"].addresses[0].addr_spec == "Ayse@example.org"
    assert "Universal Declaration" in message["Subject"]
    found = links(message)
    assert set(found) == {"confirm", "withdraw"}
    assert f"{BASE}/widgets/pledge/confirm?token={found['confirm']}" in message.get_content()
    # nothing left to send; no token nor IP in clear anywhere in the database
    assert obs.outbox.send(mailer(smtp)).claimed == 0
    stored = table_text(obs)
    for secret in (*found.values(), "203.0.113.9"):
        assert secret not in stored
    assert obs.pledge_stats.stats("ud").confirmed == 0


def test_a_confirmation_token_counts_once_then_is_spent(obs: Observatory,
                                                        smtp: SMTPServer) -> None:
    obs.signing.sign(citizen("a@example.org"))
    obs.outbox.send(mailer(smtp))
    token = links(smtp.inbox.wait(1)[0])["confirm"]
    assert obs.signing.check_token("confirm", token).state == "valid"
    assert obs.signing.check_token("confirm", token).state == "valid"  # reading changes nothing
    assert obs.pledge_stats.stats("ud").confirmed == 0
    assert obs.signing.confirm_token(token).state == "valid"
    assert obs.pledge_stats.stats("ud").confirmed == 1
    assert obs.signing.confirm_token(token).state == "invalid"
    assert obs.pledge_stats.stats("ud").confirmed == 1
    assert obs.signing.confirm_token("x" * 43).state == "invalid"
    assert obs.signing.check_token("withdraw", token).state == "invalid"  # purposes differ


def test_an_expired_link_confirms_nothing(obs: Observatory, smtp: SMTPServer) -> None:
    obs.signing.sign(citizen("late@example.org"))
    obs.outbox.send(mailer(smtp))
    token = links(smtp.inbox.wait(1)[0])["confirm"]
    with obs.store.write() as connection:
        connection.execute(schema.pledge_tokens.update().values(
            expires_at=now() - timedelta(seconds=1)))
    assert obs.signing.confirm_token(token).state == "invalid"
    assert obs.pledge_stats.stats("ud").confirmed == 0


def test_signing_again_sends_already_signed_within_a_daily_limit(obs: Observatory,
                                                                 smtp: SMTPServer) -> None:
    first = obs.signing.sign(citizen("dup@example.org", name="First"))
    for variant in ("DUP@example.org", "dup@EXAMPLE.ORG", "Dup@Example.Org", "dup@example.org"):
        again = obs.signing.sign(citizen(variant, name="Other"))
        assert again.id == first.id
        assert again.name == "First"
    obs.outbox.send(mailer(smtp))
    received = smtp.inbox.wait(3)
    time.sleep(0.2)
    assert len(smtp.inbox.messages) == 3  # pledge_email_limit: 3 a day, the first included
    assert [m["Subject"].startswith("Please confirm") for m in received] == [True] * 3
    assert "asked to sign" in received[1].get_content()
    assert obs.signatures.list("ud").total == 1
    assert obs.signing.resend(first.id) is False  # type: ignore[arg-type]


def test_withdrawal_erases_the_signature_and_updates_the_counts(obs: Observatory,
                                                                smtp: SMTPServer) -> None:
    obs.signing.sign(citizen("w@example.org", country="FR"))
    obs.signing.sign(citizen("k@example.org", country="FR"))
    obs.outbox.send(mailer(smtp))
    tokens = {str(m["To"].addresses[0].addr_spec): links(m) for m in smtp.inbox.wait(2)}
    for found in tokens.values():
        obs.signing.confirm_token(found["confirm"])
    stats = obs.pledge_stats.stats("ud")
    assert (stats.confirmed, stats.by_country, stats.next_milestone) == (2, {"FR": 2}, 100)
    assert obs.signing.check_token("withdraw", tokens["w@example.org"]["withdraw"]).state == \
        "done"
    assert obs.signing.withdraw_token(tokens["w@example.org"]["withdraw"]).state != "invalid"
    assert obs.pledge_stats.stats("ud").confirmed == 1
    assert "w@example.org" not in table_text(obs)
    assert obs.signing.withdraw_token(tokens["w@example.org"]["withdraw"]).state == "invalid"
    assert obs.pledge_stats.recount(fix=False) == []
    # the address may sign again afterwards, as a new signature
    assert obs.signing.sign(citizen("w@example.org")).status is PledgeStatus.PENDING


def test_counts_stay_exact_under_concurrent_confirmations_and_withdrawals(
        obs: Observatory, database_url: str) -> None:
    signed = [obs.signing.sign(citizen(f"p{i}@example.org", country="TR" if i % 2 else "UY"))
              for i in range(40)]
    ids = [p.id for p in signed]
    others = [Observatory.open(database_url, secret_key="test-secret") for _ in range(4)]
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            signing = others[worker].signing
            for pledge_id in ids:  # every worker confirms every signature: once counts
                with contextlib.suppress(NotFound):  # withdrawn by another worker already
                    signing.confirm(pledge_id)  # type: ignore[arg-type]
                if pledge_id in ids[worker::8]:
                    signing.withdraw(pledge_id)  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)

    in_parallel(work, range(4))
    for other in others:
        other.close()
    assert not errors, errors
    withdrawn = {ids[i] for n in range(4) for i in range(n, 40, 8)}
    rows = obs.signatures.list("ud", status=PledgeStatus.CONFIRMED, limit=200).total
    assert rows == 40 - len(withdrawn)
    assert obs.pledge_stats.stats("ud").confirmed == rows
    assert obs.pledge_stats.recount(fix=False) == []


def test_signing_stays_exact_under_concurrent_signers(obs: Observatory,
                                                     database_url: str) -> None:
    """Signers in four processes at once (one Observatory each), all from one network
    and some with one address, each confirming what they signed: the rate counter,
    the dedupe, the form tokens and the confirmed counters stay exact."""
    others = [Observatory.open(database_url, secret_key="test-secret", pledge_ip_limit=25)
              for _ in range(4)]
    accepted: list[Pledge] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    token = obs.keys.form_token()
    token_used: list[bool] = []

    def work(worker: int) -> None:
        try:
            signing = others[worker].signing
            for i in range(11):
                address = "same@example.org" if i == 5 else f"c{worker}.{i}@example.org"
                try:
                    signed = signing.sign(citizen(address, country="UY" if i % 2 else "TR"),
                                          ip="198.51.100.9")
                except TooManyRequests:
                    refused.append(worker)
                    continue
                accepted.append(signed)
                signing.confirm(signed.id)  # type: ignore[arg-type]
            try:  # one form token posted by every worker at once: one post passes
                signing.sign(citizen(f"form{worker}@example.org"), form_token=token)
                token_used.append(True)
            except FormTokenUsed:
                token_used.append(False)
        except BaseException as error:
            errors.append(error)

    in_parallel(work, range(4))
    for other in others:
        other.close()
    assert not errors, errors
    with obs.store.read() as connection:
        windows = connection.execute(sa.select(schema.rate_limits.c.hits)).scalars().all()
    # every signature let through counted once (a refused one rolls its hit back)
    assert sum(windows) == len(accepted)
    assert len(accepted) + len(refused) == 44
    if len(windows) == 1:  # (not across the turn of an hour, which starts a new window)
        assert len(accepted) == 25
    assert sorted(token_used) == [False, False, False, True]
    distinct = {p.email for p in accepted}
    stored = obs.signatures.list("ud", limit=200).items
    assert sorted(p.email for p in stored if not p.email.startswith("form")) == sorted(distinct)
    assert len({p.id for p in accepted}) == len(distinct)  # one address, one signature
    confirmed = obs.signatures.list("ud", status=PledgeStatus.CONFIRMED, limit=200).total
    assert confirmed == len(distinct)
    stats = obs.pledge_stats.stats("ud")
    assert stats.confirmed == confirmed
    assert sum(stats.by_country.values()) == confirmed
    assert obs.pledge_stats.recount(fix=False) == []
    with obs.store.write() as connection:  # drift made by hand is found and fixed
        connection.execute(schema.pledge_counts.update().values(confirmed=1000))
    assert obs.pledge_stats.recount() != []
    assert obs.pledge_stats.stats("ud").confirmed == confirmed
    assert obs.pledge_stats.recount(fix=False) == []


def test_signing_sends_the_fewest_statements_in_one_transaction(obs: Observatory) -> None:
    """A new signature (with its form token, rate counter and email): BEGIN, the token, the
    counter, the signature and its email, COMMIT; no read. On PostgreSQL the four are
    one statement (a data-modifying WITH), one round trip between BEGIN and COMMIT."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split())[:60].upper())

    with Observatory.open(obs.store.url, secret_key="test-secret",
                          pledge_ip_limit=10) as counted:
        sa.event.listen(counted.store.engine, "before_cursor_execute", seen)
        counted.signing.sign(citizen("few@example.org"), ip="198.51.100.1",
                             form_token=counted.keys.form_token())
        writes = [s for s in sent if not s.startswith(("BEGIN", "SELECT 1"))]
        assert not any(s.startswith("SELECT") for s in writes), writes
        assert not any(s.startswith(("SAVEPOINT", "RELEASE")) for s in writes), writes
        expected = 1 if counted.store.dialect == "postgresql" else 4
        assert len(writes) == expected, writes
        with counted.store.read() as connection:  # and each of the four was written
            assert connection.scalar(sa.select(sa.func.count()).select_from(
                schema.form_tokens)) == 1
            assert connection.scalar(sa.select(schema.rate_limits.c.hits)) == 1
            assert connection.scalar(sa.select(sa.func.count()).select_from(
                schema.outbox)) == 1
        sent.clear()
        counted.signing.sign(citizen("few@example.org"))  # again: finds the first
        assert any(s.startswith("SELECT") for s in sent)
        with pytest.raises(NotFound, match="no declaration 'nope'"):
            counted.signing.sign(attrs.evolve(citizen("new@example.org"), declaration="nope"))
    assert obs.signatures.list("ud").total == 1
    assert obs.outbox.counts()["pending"] == 2  # the confirmation and "already signed"


def test_a_declaration_kept_by_get_shows_another_process_s_change(obs: Observatory,
                                                                  database_url: str) -> None:
    first = obs.declarations.get("ud")
    assert obs.declarations.get("ud") is first  # kept: read once while nothing changed
    with Observatory.open(database_url) as other:
        other.declarations.update(attrs.evolve(first, milestones=(5, 50)))
    assert obs.declarations.get("ud").milestones == (5, 50)
    assert obs.pledge_stats.stats("ud").next_milestone == 5
    with Observatory.open(database_url) as other:  # counted by another process
        signed = other.signing.sign(citizen("kept@example.org"))
        assert obs.pledge_stats.stats("ud").confirmed == 0  # a pending one counts nothing
        other.signing.confirm(signed.id)  # type: ignore[arg-type]
    assert obs.pledge_stats.stats("ud").confirmed == 1
    with Observatory.open(database_url) as other:
        other.signing.withdraw(signed.id)  # type: ignore[arg-type]
    with Observatory.open(database_url) as other:
        other.declarations.delete("ud")
    with pytest.raises(NotFound, match="no declaration 'ud'"):
        obs.declarations.get("ud")
    with pytest.raises(NotFound, match="no declaration 'ud'"):
        obs.pledge_stats.stats("ud")
    assert obs.pledge_stats.all_stats() == []


def test_a_declaration_cannot_take_the_slug_of_a_pledge_page(obs: Observatory) -> None:
    with pytest.raises(ValidationError, match="choose another slug"):
        obs.declarations.create(Declaration(slug="confirm", title=Text.of("C")))


def test_recount_reports_and_fixes_drift(obs: Observatory) -> None:
    signed = obs.signing.sign(citizen("r@example.org"))
    obs.signing.confirm(signed.id)  # type: ignore[arg-type]
    with obs.store.write() as connection:
        connection.execute(schema.pledge_counts.update().values(confirmed=7))
    [drift] = obs.pledge_stats.recount()
    assert (drift.declaration, drift.kind, drift.country, drift.counted, drift.actual) == (
        "ud", "citizen", "TR", 7, 1)
    assert obs.pledge_stats.recount() == []
    assert obs.pledge_stats.stats("ud").confirmed == 1


def test_the_ip_limit_holds_across_processes(database_url: str) -> None:
    with Observatory.open(database_url, pledge_ip_limit=3) as one, \
            Observatory.open(database_url, pledge_ip_limit=3) as two:
        one.declarations.create(Declaration(slug="ud", title=Text.of("UD")))
        one.signing.sign(citizen("1@example.org"), ip="198.51.100.7")
        two.signing.sign(citizen("2@example.org"), ip="198.51.100.7")
        one.signing.sign(citizen("3@example.org"), ip="198.51.100.7")
        with pytest.raises(TooManyRequests, match="too many signatures") as refused:
            two.signing.sign(citizen("4@example.org"), ip="198.51.100.7")
        assert refused.value.retry_after > 0
        two.signing.sign(citizen("4@example.org"), ip="198.51.100.8")  # another client
        assert one.signatures.list("ud").total == 4


def test_several_workers_at_once_send_nothing_twice(obs: Observatory, database_url: str,
                                                    smtp: SMTPServer) -> None:
    for i in range(60):
        obs.signing.sign(citizen(f"many{i}@example.org"))
    workers = [Observatory.open(database_url, base_url=BASE, secret_key="test-secret")
               for _ in range(4)]
    reports: list[Any] = []
    lock = threading.Lock()

    def work(worker: Observatory) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            report = worker.outbox.send(mailer(smtp), limit=5)
            with lock:
                reports.append(report)
            if report.claimed == 0:
                return

    in_parallel(work, workers)
    for worker in workers:
        worker.close()
    received = smtp.inbox.wait(60)
    time.sleep(0.2)
    ids = Counter(m["X-Livingtogether-Outbox"] for m in smtp.inbox.messages)
    assert len(ids) == 60
    assert max(ids.values()) == 1
    assert len(received) == 60
    assert sum(len(r.sent) for r in reports) == 60
    busy = sum(1 for r in reports if r.sent)
    assert busy > 1  # the work was shared


def test_a_stopped_smtp_server_delays_mail_but_loses_none(obs: Observatory,
                                                          smtp: SMTPServer) -> None:
    for i in range(12):
        obs.signing.sign(citizen(f"s{i}@example.org"))
    first = obs.outbox.send(mailer(smtp), limit=4)
    assert len(first.sent) == 4
    smtp.stop()
    down = obs.outbox.send(mailer(smtp), limit=4)
    assert (len(down.sent), len(down.retried)) == (0, 4)
    smtp.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(smtp.inbox.messages) < 12:
        obs.outbox.send(mailer(smtp), limit=4)
    time.sleep(0.2)
    ids = Counter(m["X-Livingtogether-Outbox"] for m in smtp.inbox.messages)
    assert len(ids) == 12
    assert set(ids.values()) == {1}
    with obs.store.read() as connection:
        rows = connection.execute(sa.select(schema.outbox.c.status, schema.outbox.c.attempts)
                                  ).all()
    assert {status for status, _ in rows} == {"sent"}
    assert max(attempts for _, attempts in rows) == 2


def test_a_crashed_worker_s_claim_is_taken_again_after_its_lease(obs: Observatory,
                                                                 smtp: SMTPServer) -> None:
    obs.signing.sign(citizen("crash@example.org"))

    class Crashing:
        def send(self, message: EmailMessage) -> None:
            raise KeyboardInterrupt  # the process dies mid-send

    with pytest.raises(KeyboardInterrupt):
        obs.outbox.send(Crashing(), lease_seconds=1)
    assert obs.outbox.send(mailer(smtp)).claimed == 0  # still claimed
    time.sleep(1.2)
    assert len(obs.outbox.send(mailer(smtp)).sent) == 1
    assert len(smtp.inbox.wait(1)) == 1


def test_an_email_is_given_up_after_its_attempts(database_url: str) -> None:
    with Observatory.open(database_url, base_url=BASE, outbox_retry_seconds=0,
                          outbox_max_attempts=2) as obs:
        obs.declarations.create(Declaration(slug="ud", title=Text.of("UD")))
        obs.signing.sign(citizen("never@example.org"))
        closed = SMTPMailer("127.0.0.1", 1, security="none", timeout=2)
        assert len(obs.outbox.send(closed).retried) == 1
        assert len(obs.outbox.send(closed).failed) == 1
        assert obs.outbox.send(closed).claimed == 0


def test_worker_bounds_are_checked(obs: Observatory, smtp: SMTPServer) -> None:
    for limit in (0, -1, 10_001, True, "5"):
        with pytest.raises(ValidationError, match="whole number"):
            obs.outbox.send(mailer(smtp), limit=limit)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="seconds"):
        obs.outbox.send(mailer(smtp), lease_seconds=0)
    obs.signing.sign(citizen("count@example.org"))
    assert obs.outbox.counts()["pending"] == 1
    obs.outbox.send(mailer(smtp))
    assert obs.outbox.counts() == {"pending": 0, "sending": 0, "sent": 1, "failed": 0}


class Waits(threading.Event):
    """A stop event that records the timeout of each wait instead of sleeping it."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.timeouts.append(timeout)
        return self.is_set()


def test_the_worker_loop_goes_on_after_a_full_pass_and_waits_after_others(
        obs: Observatory, smtp: SMTPServer) -> None:
    for i in range(5):
        obs.signing.sign(citizen(f"loop{i}@example.org"))
    reports: list[Any] = []
    waits = Waits()
    ran = obs.outbox.run(mailer(smtp), limit=2, interval=7, passes=5, stop=waits,
                                 on_report=reports.append)
    assert ran == 5
    assert [r.claimed for r in reports] == [2, 2, 1, 0, 0]
    # at once after the two full passes; no wait after the last pass
    assert waits.timeouts == [7, 7]
    assert len(smtp.inbox.wait(5)) == 5


def test_the_worker_loop_stops_when_its_event_is_set(obs: Observatory,
                                                     smtp: SMTPServer) -> None:
    stop = threading.Event()
    stop.set()
    assert obs.outbox.run(mailer(smtp), stop=stop) == 0
    told = threading.Event()
    assert obs.outbox.run(mailer(smtp), stop=told,
                                  on_report=lambda report: told.set()) == 1
    obs.signing.sign(citizen("stop@example.org"))
    stop, first, ran = threading.Event(), threading.Event(), []
    thread = threading.Thread(target=lambda: ran.append(obs.outbox.run(
        mailer(smtp), interval=3600, stop=stop, on_report=lambda report: first.set())),
        daemon=True)  # a loop that fails to wake must not hold the test run for an hour
    thread.start()
    try:
        assert first.wait(30)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()  # woken from its hour's wait
    assert ran == [1]
    assert len(smtp.inbox.wait(1)) == 1


def test_the_worker_loop_raises_or_reports_errors_and_checks_its_bounds(
        database_url: str, smtp: SMTPServer) -> None:
    with Observatory.open(database_url) as obs:  # no base_url: every pass fails
        with pytest.raises(ConfigurationError, match="base_url"):
            obs.outbox.run(mailer(smtp), passes=3)
        errors: list[Exception] = []
        waits = Waits()
        assert obs.outbox.run(mailer(smtp), interval=2, passes=3, stop=waits,
                                      on_error=errors.append) == 3
        assert [type(e) for e in errors] == [ConfigurationError] * 3
        assert waits.timeouts == [2, 2]
        for interval in (-1, 86_401, float("nan"), True, "5"):
            with pytest.raises(ValidationError, match="seconds"):
                obs.outbox.run(mailer(smtp), interval=interval)  # type: ignore[arg-type]
        for passes in (0, -1, True, 1.5):
            with pytest.raises(ValidationError, match="whole number"):
                obs.outbox.run(mailer(smtp), passes=passes)  # type: ignore[arg-type]


def test_sending_without_a_base_url_says_what_to_set(database_url: str) -> None:
    with Observatory.open(database_url) as obs, pytest.raises(Exception, match="base_url"):
        obs.outbox.send(SMTPMailer("127.0.0.1", 1))


def test_retention_deletes_unconfirmed_and_anonymises_closed_campaigns(
        obs: Observatory) -> None:
    old = obs.signing.sign(citizen("old@example.org"))
    fresh = obs.signing.sign(citizen("fresh@example.org"))
    kept = obs.signing.sign(Pledge(
        declaration="ud", kind=SignerKind.INSTITUTION, name="Rep", email="rep@example.org",
        country="UY", consent_version="2022-1", public=True,
        institution=Institution(name="Montevideo", kind=InstitutionKind.CITY,
                                representative_role="Mayor")))
    obs.signing.confirm(kept.id)  # type: ignore[arg-type]
    assert [s.institution for s in obs.signatures.signatories("ud").items] == ["Montevideo"]
    with obs.store.write() as connection:
        connection.execute(schema.pledges.update().where(schema.pledges.c.id == old.id)
                           .values(signed_at=now() - timedelta(days=40)))
    report = obs.retention.run(pending_days=30, closed_months=6)
    assert (report.deleted, report.anonymised) == (1, 0)  # no campaign closed yet
    assert {p.email for p in obs.signatures.list("ud").items} == {"fresh@example.org",
                                                               "rep@example.org"}
    obs.campaigns.create(Campaign(slug="c", title=Text.of("C"),
                                          day=date.today() - timedelta(days=400),
                                          declaration="ud"))
    report = obs.retention.run(closed_months=6)
    assert report.anonymised == 1
    stored = table_text(obs)
    assert "rep@example.org" not in stored
    assert "Rep" not in stored.replace("Representative", "")
    assert obs.pledge_stats.stats("ud").confirmed == 1  # the count stands
    assert obs.signatures.signatories("ud").total == 0  # no longer listed publicly
    assert obs.signatures.get(fresh.id).status is PledgeStatus.PENDING  # type: ignore[arg-type]
    # sent emails are kept a week (for the daily limit), then removed
    with obs.store.write() as connection:
        connection.execute(schema.outbox.update().values(
            status="sent", sent_at=now() - timedelta(days=8)))
    obs.retention.run()
    assert obs.outbox.counts()["sent"] == 0



@pytest.mark.parametrize(("options", "field"), [
    ({"pending_days": -5}, "pending_days"), ({"pending_days": True}, "pending_days"),
    ({"pending_days": "30"}, "pending_days"), ({"pending_days": 10**9}, "pending_days"),
    ({"closed_months": 0}, "closed_months"), ({"closed_months": 2.5}, "closed_months"),
])
def test_retention_refuses_ages_that_make_no_sense_and_deletes_nothing(
        obs: Observatory, options: dict[str, Any], field: str) -> None:
    pending = obs.signing.sign(citizen("pending@example.org"))
    with pytest.raises(ValidationError) as caught:
        obs.retention.run(**options)
    assert caught.value.field == field
    assert obs.signatures.get(pending.id).status is PledgeStatus.PENDING  # type: ignore[arg-type]
    assert obs.retention.run(pending_days=0).summary() == "1 unconfirmed deleted, 0 anonymised"

def test_csv_export_lists_confirmed_signatures_safely(obs: Observatory) -> None:
    one = obs.signing.sign(citizen("csv@example.org", name="=HYPERLINK(\"http://x\")"))
    obs.signing.sign(citizen("pending@example.org"))
    obs.signing.confirm(one.id)  # type: ignore[arg-type]
    out = io.StringIO()
    assert obs.signature_export.write_csv("ud", out) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1
    assert rows[0]["email"] == "csv@example.org"
    assert rows[0]["name"].startswith("'=")
    assert rows[0]["consent_version"] == "2022-1"


def test_smtp_stopped_and_restarted_under_a_running_worker(obs: Observatory,
                                                            smtp: SMTPServer) -> None:
    """The worker keeps running while the server goes away and comes back."""
    for i in range(20):
        obs.signing.sign(citizen(f"run{i}@example.org"))
    done = threading.Event()
    reports: list[Any] = []

    def worker() -> None:
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            reports.append(obs.outbox.send(mailer(smtp), limit=1))
            time.sleep(0.02)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert len(smtp.inbox.wait(5)) >= 5
        smtp.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(len(r.retried) for r in reports) < 3:
            time.sleep(0.02)
        assert sum(len(r.retried) for r in reports) >= 3  # failures while it was down
        smtp.start()
        smtp.inbox.wait(20, seconds=30)
        time.sleep(0.3)
    finally:
        done.set()
        thread.join(timeout=30)
    ids = Counter(m["X-Livingtogether-Outbox"] for m in smtp.inbox.messages)
    assert len(ids) == 20
    assert set(ids.values()) == {1}
    assert sum(len(r.sent) for r in reports) == 20
