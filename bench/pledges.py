"""Benchmark of signing and confirming over real HTTP, on SQLite (and PostgreSQL).

Serves the app with gunicorn (``pip install 'livingtogether[bench]'``) on
127.0.0.1 and drives it with 16 concurrent clients over keep-alive HTTP/1.1
connections, split over client processes. Prints signatures accepted per
second (form POSTs, each storing a signature and its outbox email) and
confirmations per second (POSTs of the confirmation page's button), with
median and p95 latency. Each phase is bounded in count and in time.

    python bench/pledges.py [--seconds 10] [--clients 16] [--workers 2]
           [--client-processes 2] [--postgres URL]

``LIVINGTOGETHER_BENCH_POSTGRES_URL`` (or ``--postgres``) adds PostgreSQL.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.demo import install

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import percentile
from support import free_port

HERE = Path(__file__).resolve().parent
SIGN = "/widgets/pledge/universal-declaration"
CONFIRM = "/widgets/pledge/confirm"
TOKEN_RE = re.compile(r"/widgets/pledge/confirm\?token=([A-Za-z0-9_-]+)")
SETTINGS = {"base_url": "http://127.0.0.1", "secret_key": "bench-secret-key-0123456789",
            "pledge_ip_limit": "0", "pledge_min_fill_seconds": "0"}
#: What the benchmark's own Observatory needs of them (emails' links, form tokens).
OPEN_SETTINGS = {name: SETTINGS[name] for name in ("base_url", "secret_key")}


def serve(url: str, workers: int, threads: int) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn serving the app on ``url``'s database; waits until it answers."""
    port = free_port()
    env = {**os.environ, "LIVINGTOGETHER_DATABASE_URL": url,
           **{f"LIVINGTOGETHER_{k.upper()}": v for k, v in SETTINGS.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(HERE), "-w", str(workers),
         "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--keep-alive", "30", "pledges_app:app"], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/pledges/stats")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _client(port: int, bodies: list[bytes], path: str, seconds: float,
            results: Any) -> None:
    """One client: POST each body in turn on one keep-alive connection, until time is up."""
    timings: list[float] = []
    statuses: dict[int, int] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    deadline = time.monotonic() + seconds
    for body in bodies:
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            statuses[0] = statuses.get(0, 0) + 1
            continue
        timings.append(time.perf_counter() - start)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    results.put((timings, statuses))


def _process(port: int, work: list[list[bytes]], path: str, seconds: float,
             results: Any) -> None:
    threads = [threading.Thread(target=_client, args=(port, bodies, path, seconds, results))
               for bodies in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def load(port: int, bodies: list[bytes], path: str, *, clients: int, processes: int,
         seconds: float) -> tuple[float, list[float], dict[int, int]]:
    """POST ``bodies`` with ``clients`` concurrent clients; (elapsed, latencies, statuses)."""
    per_client = [bodies[i::clients] for i in range(clients)]
    results: Any = multiprocessing.Queue()
    groups = [per_client[i::processes] for i in range(processes)]
    workers = [multiprocessing.Process(target=_process, args=(port, group, path, seconds,
                                                              results))
               for group in groups]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    timings: list[float] = []
    statuses: dict[int, int] = {}
    for _ in range(clients):
        got, counted = results.get(timeout=seconds + 120)
        timings += got
        for status, count in counted.items():
            statuses[status] = statuses.get(status, 0) + count
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join()
    return elapsed, timings, statuses


def report(name: str, elapsed: float, timings: list[float], statuses: dict[int, int],
           ok: int) -> None:
    """Print one phase's rate and latencies."""
    measured = timings or [0.0]
    print(f"  {name:<26} {ok / elapsed:8.1f}/s   median {1000 * statistics.median(measured):6.1f}"
          f" ms   p95 {1000 * percentile(measured, 0.95):6.1f} ms   n={len(timings)}   "
          f"statuses {statuses}")


class TokenMailer:
    """Keeps the confirmation tokens of the messages 'sent' (the bench reads, not mails)."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def send(self, message: EmailMessage) -> None:
        """Keep the message's confirmation token."""
        found = TOKEN_RE.search(message.get_content())
        if found:
            self.tokens.append(found.group(1))


def run(url: str, label: str, args: argparse.Namespace) -> None:
    """Sign then confirm on one database."""
    print(f"{label}: gunicorn {args.workers} workers x {args.threads} threads, "
          f"{args.clients} clients in {args.client_processes} processes, "
          f"{os.cpu_count()} cores shared by server and clients")
    with Observatory.open(url, **OPEN_SETTINGS) as obs:
        install(obs)
        token = obs.pledges.keys.form_token(time.time() - 60)
    server, port = serve(url, args.workers, args.threads)
    try:
        bodies = [urlencode({"kind": "citizen", "name": f"Bench Signer {i}",
                             "email": f"bench.{i}@example.org", "country": "TR",
                             "consent": "yes", "form_token": token}).encode()
                  for i in range(args.max_requests)]
        elapsed, timings, statuses = load(port, bodies, SIGN, clients=args.clients,
                                          processes=args.client_processes,
                                          seconds=args.seconds)
        with Observatory.open(url, **OPEN_SETTINGS) as obs:
            stored = obs.pledges.list("universal-declaration", limit=1).total
            with obs.store.read() as connection:
                queued = connection.scalar(sa.text("SELECT count(*) FROM lt_outbox"))
            report("signatures accepted", elapsed, timings, statuses, statuses.get(200, 0))
            print(f"  {'':<26} stored {stored} signatures and {queued} outbox emails")
            mailer = TokenMailer()
            start = time.perf_counter()
            while obs.pledges.send_outbox(mailer, limit=500).claimed:
                pass
            print(f"  {'outbox worker (no SMTP)':<26} "
                  f"{len(mailer.tokens) / (time.perf_counter() - start):8.1f}/s")
        confirms = [urlencode({"token": t}).encode() for t in mailer.tokens]
        elapsed, timings, statuses = load(port, confirms, CONFIRM, clients=args.clients,
                                          processes=args.client_processes,
                                          seconds=args.seconds)
        report("confirmations", elapsed, timings, statuses, statuses.get(200, 0))
        with Observatory.open(url) as obs:
            drift = obs.pledges.recount(fix=False)
            print(f"  {'':<26} confirmed count "
                  f"{obs.pledges.stats('universal-declaration').confirmed}, drift {len(drift)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    """Parse the bounds and run on SQLite (and PostgreSQL if named)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="most time per phase")
    parser.add_argument("--max-requests", type=int, default=20_000,
                        help="most requests per phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--postgres", default=os.environ.get("LIVINGTOGETHER_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", args)
    if args.postgres:
        run(args.postgres, "PostgreSQL", args)


if __name__ == "__main__":
    main()
