"""Benchmark of the hub: a first pull of 10,000 practices, and a pull when nothing changed.

The hub is a real server (``livingtogether serve``, in its own process) on
127.0.0.1 over a SQLite file (or the PostgreSQL of
``LIVINGTOGETHER_BENCH_POSTGRES_URL`` too) with 10,000 published practices; a
member on a fresh SQLite file pulls from it with :class:`HubClient` over real
HTTP. Floors: first pull <= 10 s on SQLite, no-change pull <= 100 ms.

    python bench/hub.py [--rounds 30] [--seconds 5] [--practices 10000]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from livingtogether import Observatory
from livingtogether.hub import HubClient
from livingtogether.models import City, CityStatus, ModerationStatus, Practice, Text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import line, main, measure
from support import free_port

PRACTICES = int(os.environ.get("LIVINGTOGETHER_BENCH_PRACTICES", "10000"))


def _fill(url: str, count: int) -> None:
    with Observatory.open(url) as obs:
        cities = [City(slug=f"city-{n}", name=Text({"en": f"City {n}"}), country="FR",
                       status=CityStatus.MEMBER) for n in range(50)]
        with obs.store.write() as connection:
            for city in cities:
                obs.cities.create_in(connection, city)
        obs.practices.create_many(Practice(
            slug=f"practice-{n:05d}", city=f"city-{n % 50}",
            title=Text({"en": f"Practice {n}", "fr": f"Pratique {n}"}),
            summary=Text({"en": "Neighbours meet every month to plan together."}),
            body=Text({"en": "<p>A <b>longer</b> description of the practice, with what it "
                             "does, who runs it and what it changed.</p>"}),
            themes=("culture", "resilience"), status=ModerationStatus.PUBLISHED)
            for n in range(count))


def _serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(  # the hub in its own process, as in production
        [sys.executable, "-m", "livingtogether.cli", "--database-url", url, "serve",
         "--port", str(port), "--no-demo-page"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/api/v1/cities", timeout=1)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the hub did not start within 30 s")


def run(url: str, label: str, rounds: int, seconds: float) -> None:
    """Every figure with the hub on one database; the member is always SQLite."""
    print(f"{label}: {url.split('@')[-1]}, {PRACTICES} practices")
    start = time.perf_counter()
    _fill(url, PRACTICES)
    print(f"  {'fill the hub':<40} {time.perf_counter() - start:8.2f} s")
    process, base = _serve(url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            member = Observatory.open(f"sqlite:///{Path(folder) / 'member.sqlite3'}")
            with HubClient(base, page_size=1000) as hub:
                start = time.perf_counter()
                report = hub.pull(member)
                took = time.perf_counter() - start
                print(f"  {'first pull':<40} {took:8.2f} s   "
                      f"({report.total('added')} added, {hub.attempts} requests; floor 10 s)")
                timings = measure(lambda: hub.pull(member), rounds=rounds, seconds=seconds)
                print(line("no-change pull (floor 100 ms)", timings))
                again = hub.pull(member)
                assert again.total("added") + again.total("updated") == 0
            member.close()
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main(run, __doc__, rounds=30)
