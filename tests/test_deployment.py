"""Several processes on one PostgreSQL (issue 14, "Several processes and hosts").

Two ``livingtogether serve`` processes (gunicorn, two workers each) and two
``livingtogether outbox send`` workers, all separate processes on 127.0.0.1
sharing one PostgreSQL database, with a real SMTP server (aiosmtpd) on loopback.
300 signers sign through both servers (bounded concurrency); one outbox worker
is killed with SIGKILL mid-run. At the end: every address got its confirmation
(any copy with the same Message-ID, as docs/cli.md allows), the counts are
exact, a client searching on both servers is limited by the total, and every
cached counter widget shows the new count within ``widget_cache_seconds``
(docs/deployment.md).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from conftest import _postgres_schema_url
from livingtogether import Observatory
from livingtogether.demo import install
from pledge_support import SMTPServer, links, smtp_server
from serve_support import served, stop

pytestmark = pytest.mark.postgres

SIGNERS = 300
DECLARATION = "universal-declaration"
#: the widget cache's freshness the servers run with (docs/configuration.md)
CACHE_SECONDS = 2
SEARCH_LIMIT = 10
#: emails a worker claims a pass, and how long its claims hold if it dies
BATCH = 10
LEASE = 3


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server (skipped without one)."""
    yield from _postgres_schema_url()


def _environment(smtp: SMTPServer) -> dict[str, str]:
    return {
        "LIVINGTOGETHER_SECRET_KEY": "deployment-test-key-shared-by-every-process",
        "LIVINGTOGETHER_BASE_URL": "http://city.example/observatory",
        "LIVINGTOGETHER_TRUSTED_PROXIES": "127.0.0.1",
        "LIVINGTOGETHER_WIDGET_CACHE_SECONDS": str(CACHE_SECONDS),
        "LIVINGTOGETHER_SEARCH_IP_LIMIT": str(SEARCH_LIMIT),
        "LIVINGTOGETHER_PLEDGE_MIN_FILL_SECONDS": "0",
        "LIVINGTOGETHER_SMTP_HOST": "127.0.0.1",
        "LIVINGTOGETHER_SMTP_PORT": str(smtp.port),
        "LIVINGTOGETHER_SMTP_SECURITY": "none",
        "LIVINGTOGETHER_SMTP_TIMEOUT": "5",
        "LIVINGTOGETHER_AUTO_MIGRATE": "false",  # migrated once, by the test, before
    }


def _worker(url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """An outbox worker in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "livingtogether.cli", "--database-url", url, "outbox", "send",
         "--interval", "0.2", "--limit", str(BATCH), "--lease-seconds", str(LEASE)],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        text=True, cwd=Path(__file__).parent, start_new_session=True)


def _counter(base: str) -> int:
    """The count the counter widget shows."""
    answer = requests.get(f"{base}/widgets/pledge/counter", params={"lang": "en"}, timeout=10)
    assert answer.status_code == 200
    found = re.search(r"([0-9][0-9,]*) confirmed signature", answer.text)
    assert found, answer.text[:300]
    return int(found.group(1).replace(",", ""))


def _wait(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_two_servers_two_workers_one_postgres(postgres_url: str) -> None:
    obs = Observatory.open(postgres_url)
    try:
        install(obs)
        before = obs.pledge_stats.stats(DECLARATION).confirmed
    finally:
        obs.close()
    with ExitStack() as stack:
        smtp = stack.enter_context(smtp_server())
        env = _environment(smtp)
        gunicorn = ("--server", "gunicorn", "--workers", "2", "--threads", "4")
        bases = [stack.enter_context(served(postgres_url, *gunicorn, env=env))[0]
                 for _ in range(2)]
        workers = [_worker(postgres_url, env) for _ in range(2)]
        for worker in workers:
            stack.callback(stop, worker)
        monitor = stack.enter_context(Observatory.open(postgres_url))

        # one client searching on both servers is limited by the total
        client = {"X-Forwarded-For": "203.0.113.50"}
        if 60 - time.time() % 60 < 3:  # one clock minute is one window
            time.sleep(60 - time.time() % 60 + 0.05)
        searches = [requests.get(f"{bases[number % 2]}/api/v1/practices",
                                 params={"q": f"city {number}"}, headers=client,
                                 timeout=10).status_code
                    for number in range(SEARCH_LIMIT + 2)]
        assert searches == [200] * SEARCH_LIMIT + [429, 429]

        # 300 signers through both servers, 12 at a time, each from its own address
        def sign(number: int) -> int:
            answer = requests.post(
                f"{bases[number % 2]}/api/v1/declarations/{DECLARATION}/signatures",
                json={"kind": "citizen", "name": f"Signer {number}",
                      "email": f"signer{number}@example.org", "country": "FR",
                      "consent_version": "2022-1"},
                headers={"X-Forwarded-For": f"10.20.{number // 200}.{number % 200 + 1}"},
                timeout=30)
            return answer.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = pool.map(sign, range(SIGNERS))
            # one worker dies mid-run, its claims held
            _wait(lambda: len(smtp.inbox.messages) >= SIGNERS // 3, 40, "the first emails")
            workers[0].send_signal(signal.SIGKILL)
            assert list(statuses) == [202] * SIGNERS
        workers[0].wait(timeout=10)

        addresses = {f"signer{number}@example.org" for number in range(SIGNERS)}

        def received() -> dict[str, list[Any]]:
            found: dict[str, list[Any]] = defaultdict(list)
            for message in list(smtp.inbox.messages):
                found[message["To"].addresses[0].addr_spec].append(message)
            return found

        # the other worker sends the rest, the dead one's claims once their lease ends:
        # every email recorded as sent (then no copy is still on its way), once each
        _wait(lambda: monitor.outbox.counts()["sent"] >= SIGNERS, 45,
              "every confirmation")
        assert monitor.outbox.counts() == {
            "pending": 0, "sending": 0, "sent": SIGNERS, "failed": 0}
        mail = received()
        assert set(mail) == addresses
        copies = {address: messages for address, messages in mail.items() if len(messages) > 1}
        for messages in copies.values():  # a copy is the same email: one Message-ID
            assert len({m["Message-ID"] for m in messages}) == 1
        # docs/cli.md: at least once, at most one email per killed worker sent twice
        assert sum(len(m) - 1 for m in copies.values()) <= 1

        # every counter widget is cached now: primed before the confirmations
        for base in bases:
            for _ in range(4):
                _counter(base)
        # confirm through both servers: the counts are exact
        tokens = [links(messages[0])["confirm"] for _, messages in sorted(mail.items())]

        def confirm(number: int) -> int:
            answer = requests.post(f"{bases[number % 2]}/widgets/pledge/confirm",
                                   data={"token": tokens[number]}, timeout=30)
            return answer.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            assert list(pool.map(confirm, range(SIGNERS))) == [200] * SIGNERS
        written = time.monotonic()
        expected = before + SIGNERS
        for base in bases:
            stats = requests.get(f"{base}/api/v1/declarations/{DECLARATION}/stats",
                                 timeout=10).json()
            assert stats["confirmed"] == expected
        # each server's widgets (any of its workers) show it within widget_cache_seconds
        time.sleep(max(0.0, written + CACHE_SECONDS + 0.5 - time.monotonic()))
        for base in bases:
            assert [_counter(base) for _ in range(8)] == [expected] * 8

    check = Observatory.open(postgres_url)
    try:
        assert check.pledge_stats.recount(fix=False) == []
        assert check.pledge_stats.stats(DECLARATION).confirmed == expected
    finally:
        check.close()
    assert urlsplit(bases[0]).hostname == "127.0.0.1"
