"""Benchmark of the foundation: opening, import/export, and every read endpoint.

Runs in-process on a fresh SQLite file with the demo data (and on PostgreSQL
too when ``LIVINGTOGETHER_BENCH_POSTGRES_URL`` is set), and prints median and
p95 latencies. Each measurement is bounded in count and in time.

    python bench/foundation.py [--rounds 300] [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from livingtogether import Observatory
from livingtogether.demo import bundle, install
from livingtogether.web import WebApp
from livingtogether.web.http import Request

PATHS = (
    "/api/v1/cities",
    "/api/v1/cities/izmir",
    "/api/v1/practices",
    "/api/v1/events",
    "/api/v1/events/izmir-2021",
    "/api/v1/pledges/stats",
    "/openapi.json",
    "/widgets/cities",
    "/widgets/practices",
    "/widgets/programme/izmir-2021",
    "/widgets/pledge",
)


def measure(action: Callable[[], object], *, rounds: int, seconds: float) -> list[float]:
    """Milliseconds of up to ``rounds`` calls, stopping after ``seconds``."""
    action()  # warm caches (templates, compiled converters)
    timings: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(timings) < rounds and time.perf_counter() < deadline:
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(timings: list[float], share: float) -> float:
    """The value below which ``share`` of ``timings`` fall."""
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def p95(action: Callable[[], object], rounds: int, seconds: float = 120) -> float:
    """The 95th percentile, in milliseconds, of up to ``rounds`` calls of ``action``."""
    return percentile(measure(action, rounds=rounds, seconds=seconds), 0.95)


def line(name: str, timings: list[float]) -> str:
    """One printed row: median and p95 in milliseconds, and the count."""
    return f"  {name:<40} median {statistics.median(timings):8.3f} ms   " \
           f"p95 {percentile(timings, 0.95):8.3f} ms   n={len(timings)}"


def once(name: str, start: float) -> None:
    """One printed row for a one-off action that began at ``start``."""
    print(f"  {name:<40} {1000 * (time.perf_counter() - start):8.1f} ms")


def run(url: str, label: str, rounds: int, seconds: float) -> None:
    """Every figure on one database."""
    print(f"{label}: {url.split('@')[-1]}")
    start = time.perf_counter()
    obs = Observatory.open(url)
    once("open and migrate a new database", start)
    start = time.perf_counter()
    install(obs)
    once("import the demo bundle", start)
    obs.close()

    print(line("open a migrated database", measure(
        lambda: Observatory.open(url).close(), rounds=min(rounds, 50), seconds=seconds)))
    obs = Observatory.open(url)
    print(line("export the bundle", measure(obs.export_bundle, rounds=rounds, seconds=seconds)))
    print(line("re-import the demo bundle (all updates)", measure(
        lambda: obs.import_bundle(bundle()), rounds=min(rounds, 50), seconds=seconds)))
    print(line("programme.get('izmir-2021')", measure(
        lambda: obs.programme.get("izmir-2021"), rounds=rounds, seconds=seconds)))
    app = WebApp(obs)
    for path in PATHS:
        request = Request.build(method="GET", path=path)

        def handle(request: Request = request) -> None:
            response = app.handle(request)
            assert response.status == 200, (request.path, response.status)

        print(line(f"GET {path}", measure(handle, rounds=rounds, seconds=seconds)))
    obs.close()


def main(bench: Callable[[str, str, int, float], None] = run, doc: str = __doc__,
         rounds: int = 300) -> None:
    """Parse the bounds and run ``bench`` on SQLite (and PostgreSQL if named)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds, help="most calls per figure")
    parser.add_argument("--seconds", type=float, default=5.0, help="most time per figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", args.rounds,
              args.seconds)
    postgres = os.environ.get("LIVINGTOGETHER_BENCH_POSTGRES_URL")
    if postgres:
        bench(postgres, "PostgreSQL", args.rounds, args.seconds)


if __name__ == "__main__":
    main()
