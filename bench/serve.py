"""Benchmark of ``livingtogether serve``: gunicorn and the wsgiref fallback, side by side.

Starts the command (a fresh SQLite file with the demo data, on 127.0.0.1) with
each server, then: how many of ``--clients`` clients connecting at once are
answered, the requests a second of ``--concurrency`` clients sending
``--requests`` GETs of the JSON API (the search rate limits off), and the same
while ``--slow`` clients each announce a 5,000-byte body and send 10. Each run
is bounded in count and time.

    python bench/serve.py [--clients 200] [--requests 2000] [--concurrency 16] [--slow 3]
                          [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support import free_port

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.server import has_gunicorn

PATH = "/api/v1/cities"


def start(database: str, server: str, port: int, workers: int,
          threads: int) -> subprocess.Popen[bytes]:
    """``livingtogether serve`` with ``server``, once it listens (at most 30 s)."""
    env = {**os.environ, "LIVINGTOGETHER_SEARCH_IP_LIMIT": "0",
           "LIVINGTOGETHER_BROWSE_IP_LIMIT": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "livingtogether.cli", "--database-url", database, "serve",
         "--port", str(port), "--server", server, "--no-demo-page", "--read-timeout", "3",
         "--workers", str(workers), "--threads", str(threads)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{server} did not start")


def get(port: int) -> tuple[str, float]:
    """One GET on a new connection: its status (or error) and its seconds."""
    began = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", PATH)
            answer = connection.getresponse()
            answer.read()
            return str(answer.status), time.perf_counter() - began
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__, time.perf_counter() - began


def burst(port: int, clients: int) -> Counter[str]:
    """``clients`` connecting at once: how they were answered."""
    barrier = threading.Barrier(clients)
    found: list[str] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            found.append("barrier")
            return
        found.append(get(port)[0])

    threads = [threading.Thread(target=one, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(found)


def load(port: int, requests: int, concurrency: int) -> tuple[float, list[float], Counter[str]]:
    """``requests`` GETs from ``concurrency`` clients: requests a second, latencies."""
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda _: get(port), range(requests)))
    elapsed = time.perf_counter() - began
    return requests / elapsed, [seconds for _, seconds in results], Counter(
        status for status, _ in results)


def slow_clients(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that announce 5,000 bytes and send 10."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /api/v1/declarations/universal-declaration/signatures HTTP/1.1\r\n"
                     b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5000\r\n\r\n{\"name\": \"")
        sockets.append(sock)
    return sockets


def main() -> None:
    """Each server in turn, the same figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--slow", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's (2)")
    parser.add_argument("--threads", type=int, default=4, help="per gunicorn worker (4)")
    args = parser.parse_args()
    servers = ["gunicorn", "wsgiref"] if has_gunicorn() else ["wsgiref"]
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        with Observatory.open(database) as obs:
            install(obs)
        for server in servers:
            port = free_port()
            process = start(database, server, port, args.workers, args.threads)
            try:
                print(f"{server}:" if server == "wsgiref" else
                      f"{server} ({args.workers} workers x {args.threads} threads):")
                print(f"  {args.clients} clients at once: {dict(burst(port, args.clients))}")
                rate, latencies, statuses = load(port, args.requests, args.concurrency)
                p95 = statistics.quantiles(latencies, n=20)[-1]
                print(f"  {args.requests} GET {PATH}, {args.concurrency} at a time: "
                      f"{rate:7.0f} requests/s, median {1000 * statistics.median(latencies):.1f}"
                      f" ms, p95 {1000 * p95:.1f} ms {dict(statuses)}")
                held = slow_clients(port, args.slow)
                try:
                    rate, latencies, statuses = load(port, min(args.requests, 500),
                                                     args.concurrency)
                    print(f"  the same with {args.slow} slow clients hanging: {rate:7.0f} "
                          f"requests/s, median {1000 * statistics.median(latencies):.1f} ms "
                          f"{dict(statuses)}")
                finally:
                    for sock in held:
                        sock.close()
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)


if __name__ == "__main__":
    main()
