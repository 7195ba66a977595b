"""``livingtogether serve`` (issue 14, item 6): a production server with timeouts.

Each test runs the real command in its own process on 127.0.0.1, once with gunicorn
(the ``serve`` extra) and once with the wsgiref fallback: 200 clients connecting at
once all get their answer (no connection reset), and a client that announces 5,000
bytes and sends 10 is cut within the read timeout while others are served.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from serve_support import served

CLIENTS = 200
#: the read timeout the slow-client test serves with, in seconds
READ_TIMEOUT = 2.0


@pytest.fixture(params=["gunicorn", "wsgiref"])
def server(request: pytest.FixtureRequest) -> str:
    """The server to run: each test runs once per server."""
    if request.param == "gunicorn":
        pytest.importorskip("gunicorn")
    return str(request.param)


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A fresh SQLite file (serve migrates it on start)."""
    return f"sqlite:///{tmp_path / 'serve.sqlite3'}"


def _status(host: str, port: int, barrier: threading.Barrier) -> str:
    """One client: connect when all are ready, GET the themes; the status or the error."""
    try:
        barrier.wait(timeout=30)
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.request("GET", "/api/v1/themes", headers={"Connection": "close"})
            answer = connection.getresponse()
            answer.read()
            return str(answer.status)
        finally:
            connection.close()
    except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
        return type(error).__name__


def test_serve_says_which_server_it_runs(server: str, database: str) -> None:
    """The first lines say which server serves, with its workers and timeout."""
    with served(database, "--server", server, "--read-timeout", "7") as (base, output):
        assert requests.get(f"{base}/api/v1/themes", timeout=10).status_code == 200
    line = next(text for text in output.lines if "livingtogether: serving" in text)
    assert f"with {server}" in line
    assert "read timeout 7 s" in line
    if server == "gunicorn":
        assert "2 workers x 4 threads" in line


def test_200_concurrent_clients_get_no_connection_reset(server: str, database: str) -> None:
    """200 clients connecting at the same instant are all answered 200 (the listen backlog
    used to be 5)."""
    with served(database, "--server", server) as (base, _):
        host, port = base.removeprefix("http://").split(":")
        barrier = threading.Barrier(CLIENTS)
        results: list[str] = []
        lock = threading.Lock()

        def client() -> None:
            status = _status(host, int(port), barrier)
            with lock:
                results.append(status)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 90
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        assert Counter(results) == {"200": CLIENTS}


def _slow_request(host: str, port: int) -> socket.socket:
    """A connection that announces a 5,000-byte body and sends 10 bytes of it."""
    sock = socket.create_connection((host, port), timeout=READ_TIMEOUT + 10)
    sock.sendall(b"POST /api/v1/declarations/universal/signatures HTTP/1.1\r\n"
                 b"Host: " + f"{host}:{port}".encode() + b"\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                 b'{"name": "')
    return sock


def _until_cut(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (bounded by the socket's
    timeout: a server that never cuts fails the test with ``TimeoutError``)."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:  # cut hard: as good as closed
            return received
        if not chunk:
            return received
        received += chunk


def test_a_slow_client_is_cut_within_the_read_timeout(server: str, database: str) -> None:
    """Three clients announce 5,000 bytes and send 10; one gunicorn worker of four threads
    keeps serving others meanwhile, and each slow one is answered 408 (or closed) within
    the read timeout and a margin."""
    args = ("--server", server, "--read-timeout", str(READ_TIMEOUT), "--workers", "1",
            "--threads", "4")
    with served(database, *args) as (base, _):
        host, port = base.removeprefix("http://").split(":")
        started = time.monotonic()
        slow = [_slow_request(host, int(port)) for _ in range(3)]
        try:
            served_meanwhile: list[Any] = []
            with requests.Session() as session:
                for _ in range(20):
                    answer = session.get(f"{base}/api/v1/themes", timeout=READ_TIMEOUT)
                    served_meanwhile.append(answer.status_code)
            meanwhile = time.monotonic() - started
            assert served_meanwhile == [200] * 20
            assert meanwhile < READ_TIMEOUT  # all answered while the slow ones still hung
            for sock in slow:
                answer = _until_cut(sock)
                cut = time.monotonic() - started
                assert cut < READ_TIMEOUT + 3, cut
                assert answer == b"" or answer.startswith(b"HTTP/1.1 408") or \
                    answer.startswith(b"HTTP/1.0 408"), answer[:200]
                if answer:
                    assert b"the body stopped coming before the 5000 bytes announced" in answer
        finally:
            for sock in slow:
                sock.close()
        # and the server still serves
        assert requests.get(f"{base}/api/v1/themes", timeout=10).status_code == 200


def test_send_mail_sends_from_one_place_whatever_the_workers(server: str,
                                                               database: str) -> None:
    """``serve --send-mail`` with two gunicorn workers (or wsgiref's one process): each
    signer gets one confirmation, sent by the one sender beside the server."""
    from pledge_support import links, smtp_server

    with smtp_server() as smtp:
        env = {"LIVINGTOGETHER_SMTP_HOST": "127.0.0.1",
               "LIVINGTOGETHER_SMTP_PORT": str(smtp.port),
               "LIVINGTOGETHER_SMTP_SECURITY": "none",
               "LIVINGTOGETHER_PLEDGE_MIN_FILL_SECONDS": "0"}
        from livingtogether import Observatory
        from livingtogether.demo import install

        with Observatory.open(database) as obs:
            install(obs)
        with served(database, "--server", server, "--workers", "2", "--send-mail",
                    env=env) as (base, output):
            for number in range(6):
                answer = requests.post(
                    f"{base}/api/v1/declarations/universal-declaration/signatures",
                    json={"kind": "citizen", "name": f"Signer {number}",
                          "email": f"signer{number}@example.org", "country": "FR",
                          "consent_version": "2022-1"}, timeout=10)
                assert answer.status_code == 202
            messages = smtp.inbox.wait(6, seconds=30)
            time.sleep(2.5)  # a second sender would have sent its copies by now
            messages = list(smtp.inbox.messages)
        assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted(
            f"signer{number}@example.org" for number in range(6))
        assert all(links(m)["confirm"] for m in messages)
        senders = [line for line in output.lines if "sending the outbox from process" in line]
        assert len(senders) == (1 if server == "gunicorn" else 0)
