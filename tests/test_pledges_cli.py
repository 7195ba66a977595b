"""The pledge commands: outbox send, recount, retention, export; serve --send-mail."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from pathlib import Path

import requests

from livingtogether import Observatory, Pledge, SignerKind
from livingtogether.demo import install
from livingtogether.store import schema
from pledge_support import free_port, links, smtp_server
from test_cli import SRC, run

DECLARATION = "universal-declaration"


def signer(email: str) -> Pledge:
    """A citizen's signature of the demo declaration."""
    return Pledge(declaration=DECLARATION, kind=SignerKind.CITIZEN, name="Ana", email=email,
                  country="UY", consent_version="2022-1")


def queue(url: str, count: int) -> None:
    """The demo data and ``count`` signatures whose emails wait in the outbox."""
    with Observatory.open(url) as obs:
        install(obs)
        for i in range(count):
            obs.signing.sign(signer(f"cli{i}@example.org"))


def smtp_settings(port: int) -> dict[str, str]:
    """The settings that send by the loopback SMTP server on ``port``."""
    return {"base_url": "https://city.example/lt", "smtp_host": "127.0.0.1",
            "smtp_port": str(port), "smtp_security": "none"}


def test_outbox_send_delivers_by_smtp_once(database_url: str, tmp_path: Path) -> None:
    queue(database_url, 3)
    with smtp_server() as smtp:
        settings = smtp_settings(smtp.port)
        sent = run("outbox", "send", "--once", cwd=tmp_path, url=database_url, **settings)
        assert sent.returncode == 0, sent.stderr
        assert "3 sent, 0 to retry" in sent.stderr
        again = run("outbox", "send", "--once", cwd=tmp_path, url=database_url, **settings)
        assert "0 sent" in again.stderr
        messages = smtp.inbox.wait(3)
    assert len(messages) == 3
    assert all(set(links(m)) == {"confirm", "withdraw"} for m in messages)


def test_outbox_send_passes_go_on_at_once_after_a_full_batch(sqlite_url: str,
                                                               tmp_path: Path) -> None:
    queue(sqlite_url, 5)
    with smtp_server() as smtp:
        settings = smtp_settings(smtp.port)
        # two full batches, then one of 1 and the end: an hour's wait anywhere times out
        sent = run("outbox", "send", "--passes", "3", "--limit", "2", "--interval", "3600",
                   cwd=tmp_path, url=sqlite_url, **settings)
        assert sent.returncode == 0, sent.stderr
        assert sent.stderr.splitlines() == ["outbox: 2 sent, 0 to retry, 0 failed"] * 2 + [
            "outbox: 1 sent, 0 to retry, 0 failed"]
        assert len(smtp.inbox.wait(5)) == 5
    refused = run("outbox", "send", "--interval", "-1", cwd=tmp_path, url=sqlite_url,
                  **settings)
    assert refused.returncode == 2
    assert "interval" in refused.stderr


def test_outbox_send_without_base_url_says_what_to_set(sqlite_url: str, tmp_path: Path) -> None:
    queue(sqlite_url, 1)
    result = run("outbox", "send", "--once", cwd=tmp_path, url=sqlite_url)
    assert result.returncode == 2
    assert "LIVINGTOGETHER_BASE_URL" in result.stderr


def test_recount_retention_and_export(database_url: str, tmp_path: Path) -> None:
    with Observatory.open(database_url) as obs:
        install(obs)
        one = obs.signing.sign(signer("one@example.org"))
        obs.signing.sign(signer("two@example.org"))
        obs.signing.confirm(one.id)  # type: ignore[arg-type]
        with obs.store.write() as connection:
            connection.execute(schema.pledge_counts.update().values(confirmed=5))
    check = run("pledges", "recount", "--check", cwd=tmp_path, url=database_url)
    assert check.returncode == 1
    assert "counted 5, the rows say 1" in check.stdout
    fixed = run("pledges", "recount", cwd=tmp_path, url=database_url)
    assert fixed.returncode == 0
    assert run("pledges", "recount", "--check", cwd=tmp_path, url=database_url).returncode == 0
    exported = run("pledges", "export", DECLARATION, cwd=tmp_path, url=database_url)
    assert exported.returncode == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [r["email"] for r in rows] == ["one@example.org"]
    missing = run("pledges", "export", "nope", cwd=tmp_path, url=database_url)
    assert missing.returncode == 2
    assert "nope" in missing.stderr
    # a negative age would reach back into the future and delete every pending signature
    refused = run("pledges", "retention", "--pending-days", "-5", cwd=tmp_path,
                  url=database_url)
    assert refused.returncode == 2
    assert "pending_days" in refused.stderr
    assert "from 0 to 36500" in refused.stderr
    kept = run("pledges", "retention", "--pending-days", "30", cwd=tmp_path, url=database_url)
    assert "0 unconfirmed deleted" in kept.stdout
    with Observatory.open(database_url) as obs:
        assert obs.pledge_stats.stats(DECLARATION).confirmed == 1
        assert obs.signatures.list(DECLARATION).total == 2


def test_serve_send_mail_links_back_to_itself(sqlite_url: str, tmp_path: Path) -> None:
    with Observatory.open(sqlite_url) as obs:
        install(obs)
    port = free_port()
    env = {"PYTHONPATH": str(SRC), "LIVINGTOGETHER_DATABASE_URL": sqlite_url,
           "LIVINGTOGETHER_PLEDGE_MIN_FILL_SECONDS": "0", "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen(
        [sys.executable, "-m", "livingtogether.cli", "serve", "--port", str(port),
         "--send-mail"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/api/v1/pledges/stats", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # up, but slow to answer yet
                time.sleep(0.1)
        api = f"{base}/api/v1/declarations/{DECLARATION}/signatures"
        answer = requests.post(api, json={"kind": "citizen", "name": "Ana",
                                          "email": "ana@example.org", "country": "UY",
                                          "consent_version": "2022-1"}, timeout=10)
        assert answer.status_code == 202
        time.sleep(3)  # the worker's pass comes every 2 seconds
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"{base}/widgets/pledge/confirm?token=" in out
