"""Benchmark of signing and confirming over real HTTP, on SQLite (and PostgreSQL),
beside its limit.

Serves the app with gunicorn (``pip install 'livingtogether[bench]'``) on
127.0.0.1 and drives it with 50 concurrent clients over keep-alive HTTP/1.1
connections, split over client processes. Prints, from one run:

- the limit: form POSTs to ``/bare`` on the same server and database, each one
  INSERT into a table with a unique index (``pledges_app.bare``);
- signatures accepted per second (form POSTs of the pledge widget, each with
  its own single-use form token, storing a signature and its outbox email),
  their ratio to the limit and their p99 beside the limit's;
- confirmations per second (POSTs of the confirmation page's button);
- in-process, without HTTP: ``obs.signing.sign`` per second beside one bare
  INSERT per transaction, and the statements and round trips of each (counted
  with SQLAlchemy's events: each statement, BEGIN, COMMIT, ROLLBACK and the
  pool's pre-ping; on SQLite they are calls into the library, not network), and
  those of one whole form POST through the WSGI app.

Each phase is bounded in count and in time.

    python bench/pledges.py [--seconds 10] [--clients 50] [--workers 2]
           [--client-processes 2] [--postgres URL]

``LIVINGTOGETHER_BENCH_POSTGRES_URL`` (or ``--postgres``) adds PostgreSQL: a
database of its own, whose signatures the benchmark deletes first.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from livingtogether import Observatory, Pledge, SignerKind
from livingtogether.demo import install
from livingtogether.store import schema
from livingtogether.wsgi import make_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import percentile
from support import free_port

HERE = Path(__file__).resolve().parent
SIGN = "/widgets/pledge/universal-declaration"
LIMIT = "/bare"
#: The limit's table (``pledges_app.bare``): an id and an address with a unique index.
BARE = sa.Table("bench_bare_signatures", sa.MetaData(),
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("email", sa.String(320), nullable=False, unique=True))
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
           ok: int) -> tuple[float, float]:
    """Print one phase's rate and latencies; (rate, p99)."""
    measured = timings or [0.0]
    p99 = percentile(measured, 0.99)
    print(f"  {name:<26} {ok / elapsed:8.1f}/s   median {1000 * statistics.median(measured):6.1f}"
          f" ms   p95 {1000 * percentile(measured, 0.95):6.1f} ms   p99 {1000 * p99:6.1f} ms"
          f"   n={len(timings)}   statuses {statuses}")
    return ok / elapsed, p99


class RoundTrips:
    """Counts what an engine sends: statements, and BEGIN, COMMIT, ROLLBACK and the
    pool's pre-ping (each a round trip to PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements = 0
        self.trips = 0
        self.on = False
        ping = engine.pool._pre_ping  # whether each checkout pings
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        # SQLite's BEGIN is a statement of the library's own (counted above).
        ends = ("commit", "rollback") if engine.dialect.name == "sqlite" else (
            "begin", "commit", "rollback")
        for name in ends:
            sa.event.listen(engine, name, self._trip)
        if ping:
            sa.event.listen(engine, "checkout", self._trip)

    def _statement(self, *_: Any) -> None:
        if self.on:
            self.statements += 1
            self.trips += 1

    def _trip(self, *_: Any) -> None:
        if self.on:
            self.trips += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count within the block only, from zero."""
        self.statements = self.trips = 0
        self.on = True
        try:
            yield
        finally:
            self.on = False


def per_second(work: Callable[[int], object], count: int, seconds: float) -> tuple[float, int]:
    """Run ``work(i)`` for ``i`` from 0, at most ``count`` times and ``seconds``: (rate, n)."""
    start = time.perf_counter()
    done = 0
    while done < count and time.perf_counter() - start < seconds:
        work(done)
        done += 1
    return done / (time.perf_counter() - start), done


def signer(email: str) -> Pledge:
    """A citizen's signature of the demo's declaration."""
    return Pledge(declaration="universal-declaration", kind=SignerKind.CITIZEN,
                  name="Bench Signer", email=email, country="TR", consent_version="2022-1")


def in_process(url: str, args: argparse.Namespace) -> None:
    """Signing without HTTP beside one bare INSERT, and what each sends to the database."""
    # The rate counter counts too: a limit no signer reaches, each from their own address.
    with Observatory.open(url, **OPEN_SETTINGS, pledge_ip_limit=1_000_000) as obs:
        engine, trips = obs.store.engine, RoundTrips(obs.store.engine)

        def bare(i: int) -> None:
            with engine.connect() as connection, connection.begin():
                connection.execute(BARE.insert().values(email=f"core.bare.{i}@example.org"))

        def sign(i: int) -> None:
            obs.signing.sign(signer(f"core.sign.{i}@example.org"),
                             ip=f"198.18.{i // 250 % 250}.{i % 250}")

        seconds, count = min(args.seconds, 5.0), args.max_requests
        limit, _ = per_second(bare, count, seconds)
        rate, _ = per_second(sign, count, seconds)
        print(f"  {'in-process (one thread)':<26} sign {rate:8.1f}/s   bare insert {limit:8.1f}/s"
              f"   ratio {rate / limit:.2f}")
        with trips.counting():
            bare(count + 1)
        bare_counts = (trips.statements, trips.trips)
        with trips.counting():
            sign(count + 1)
        sign_counts = (trips.statements, trips.trips)
        with trips.counting():
            obs.signing.sign(signer("core.sign.0@example.org"))  # an address seen before
        again = (trips.statements, trips.trips)
        app = make_app(obs)
        statuses: list[str] = []

        def post(i: int) -> None:
            body = urlencode({"kind": "citizen", "name": "Bench Signer", "country": "TR",
                              "email": f"core.web.{i}@example.org", "consent": "yes",
                              "form_token": obs.keys.form_token(time.time() - 60)}).encode()
            environ = {"REQUEST_METHOD": "POST", "PATH_INFO": SIGN, "SERVER_NAME": "127.0.0.1",
                       "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
                       "wsgi.url_scheme": "http", "CONTENT_TYPE":
                       "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
                       "wsgi.input": BytesIO(body), "SERVER_PROTOCOL": "HTTP/1.1",
                       "wsgi.errors": sys.stderr}
            b"".join(app(environ, lambda status, *_: statuses.append(status)))

        post(count + 2)  # the app's first request opens what every later one reuses
        with trips.counting():
            post(count + 1)
        web = (trips.statements, trips.trips)
        posts, _ = per_second(post, count, seconds)
        print(f"  {'in-process form POST':<26} {posts:8.1f}/s through the WSGI app (statuses "
              f"{sorted({s[:3] for s in statuses})}): the web layer's share of a signature")
        print(f"  {'statements, round trips':<26} bare insert {bare_counts[0]}, {bare_counts[1]}"
              f";   sign {sign_counts[0]}, {sign_counts[1]};   sign again {again[0]}, "
              f"{again[1]};   form POST through the app ({statuses[0][:3]}) {web[0]}, {web[1]}")


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
        with obs.store.write() as connection:  # a database used before starts empty
            for table in (schema.outbox, schema.pledge_tokens, schema.pledges,
                          schema.pledge_counts, schema.form_tokens, schema.rate_limits):
                connection.execute(table.delete())
        BARE.drop(obs.store.engine, checkfirst=True)
        BARE.create(obs.store.engine)
        # One token per post: a form token is good once.
        tokens = [obs.keys.form_token(time.time() - 60) for _ in range(args.max_requests)]
    server, port = serve(url, args.workers, args.threads)
    try:
        limits = [urlencode({"email": f"bare.{i}@example.org"}).encode()
                  for i in range(args.max_requests)]
        elapsed, timings, statuses = load(port, limits, LIMIT, clients=args.clients,
                                          processes=args.client_processes,
                                          seconds=args.seconds)
        limit, limit_p99 = report("bare insert (the limit)", elapsed, timings, statuses,
                                  statuses.get(200, 0))
        bodies = [urlencode({"kind": "citizen", "name": f"Bench Signer {i}",
                             "email": f"bench.{i}@example.org", "country": "TR",
                             "consent": "yes", "form_token": tokens[i]}).encode()
                  for i in range(args.max_requests)]
        elapsed, timings, statuses = load(port, bodies, SIGN, clients=args.clients,
                                          processes=args.client_processes,
                                          seconds=args.seconds)
        with Observatory.open(url, **OPEN_SETTINGS) as obs:
            stored = obs.signatures.list("universal-declaration", limit=1).total
            with obs.store.read() as connection:
                queued = connection.scalar(sa.text("SELECT count(*) FROM lt_outbox"))
            rate, p99 = report("signatures accepted", elapsed, timings, statuses,
                               statuses.get(200, 0))
            print(f"  {'':<26} ratio to the limit {rate / limit:.2f}, p99 "
                  f"{p99 / limit_p99:.1f}x the limit's; stored {stored} signatures and "
                  f"{queued} outbox emails")
            mailer = TokenMailer()
            start = time.perf_counter()
            while obs.outbox.send(mailer, limit=500).claimed:
                pass
            print(f"  {'outbox worker (no SMTP)':<26} "
                  f"{len(mailer.tokens) / (time.perf_counter() - start):8.1f}/s")
        confirms = [urlencode({"token": t}).encode() for t in mailer.tokens]
        elapsed, timings, statuses = load(port, confirms, CONFIRM, clients=args.clients,
                                          processes=args.client_processes,
                                          seconds=args.seconds)
        report("confirmations", elapsed, timings, statuses, statuses.get(200, 0))
        with Observatory.open(url) as obs:
            drift = obs.pledge_stats.recount(fix=False)
            confirmed = obs.pledge_stats.stats("universal-declaration").confirmed
            print(f"  {'':<26} confirmed count {confirmed}, drift {len(drift)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    in_process(url, args)


def main() -> None:
    """Parse the bounds and run on SQLite (and PostgreSQL if named)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="most time per phase")
    parser.add_argument("--max-requests", type=int, default=20_000,
                        help="most requests per phase")
    parser.add_argument("--clients", type=int, default=50)
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
