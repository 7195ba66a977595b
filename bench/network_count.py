"""Benchmark of the network count: the figures with 1M hashes from 50 sites, and an
incremental sync of 10k new signatures, each beside its limit.

The hub is a real server (``livingtogether serve``, in its own process) on 127.0.0.1
over a SQLite file. Its tables are filled by the simplest SQL (1M people, 20,000 of
them on two sites, the counters to match), as a year of reports would leave them.

- figures: ``GET /api/v1/network/count`` over HTTP, and the service's read alone.
  Limit: 20 ms.
- incremental sync: a member with 10,000 new confirmed signatures (and 100 already
  reported) runs ``HubClient.report_signatures``: the key, 10 batches, the figures.
  Limit: 2 s.

    python bench/network_count.py [--people 1000000] [--new 10000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.hub import HubClient
from livingtogether.models import City, Declaration, Pledge, SignerKind, Text
from livingtogether.services.pledges import dump, email_key
from livingtogether.store import now, schema

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import measure
from support import free_port

DECLARATION = "universal-declaration"
SITES = 50
COUNTRIES = ("TR", "FR", "CA", "ES", "DE", "MA", "BR", "JP", "SN", "IT")


def _fill_hub(url: str, people: int) -> None:
    """``people`` reported by 50 sites (every 50th person on a second site too)."""
    with Observatory.open(url) as hub:
        for n in range(SITES):
            hub.cities.create(City(slug=f"city-{n}", name=Text({"en": f"City {n}"}),
                                   country=COUNTRIES[n % len(COUNTRIES)]))
        hub.network_count.key()
        stamp = now()
        counts: dict[tuple[str, str, str], int] = {}
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            for start in range(0, people, 50_000):
                signatures, persons = [], []
                for n in range(start, min(people, start + 50_000)):
                    digest = f"{n:064x}"
                    kind = "institution" if n % 97 == 0 else "citizen"
                    country = COUNTRIES[n % len(COUNTRIES)]
                    sites = [f"city-{n % SITES}"] + ([f"city-{(n + 1) % SITES}"]
                                                     if n % 50 == 0 else [])
                    for city in sites:
                        signatures.append({"declaration_slug": DECLARATION, "hash": digest,
                                           "city": city, "kind": kind, "country": country,
                                           "listing": None, "reported_at": stamp})
                        key = ("city", city, kind)
                        counts[key] = counts.get(key, 0) + 1
                    persons.append({"declaration_slug": DECLARATION, "hash": digest,
                                    "kind": kind, "country": country, "sites": len(sites)})
                    key = ("country", country, kind)
                    counts[key] = counts.get(key, 0) + 1
                connection.execute(schema.network_signatures.insert(), signatures)
                connection.execute(schema.network_people.insert(), persons)
            connection.execute(schema.network_counts.insert(), [
                {"declaration_slug": DECLARATION, "dimension": d, "value": v, "kind": k, "n": n}
                for (d, v, k), n in counts.items()])
        engine.dispose()


def _fill_member(url: str, count: int) -> None:
    with Observatory.open(url) as member:
        member.declarations.create(Declaration(slug=DECLARATION, title=Text({"en": "D"})))
        stamp = now()
        rows = []
        for n in range(count):
            address = f"new-{n}@example.org"
            pledge = Pledge(declaration=DECLARATION, kind=SignerKind.CITIZEN, name="N",
                            email=address, country="TR", consent_version="2022-1")
            rows.append({"declaration_slug": DECLARATION, "kind": "citizen",
                         "status": "confirmed", "email_key": email_key(address),
                         "country": "TR", "public": False, "data": dump(pledge),
                         "signed_at": stamp, "confirmed_at": stamp})
        with member.store.write() as connection:
            connection.execute(schema.pledges.insert(), rows)


def _serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "livingtogether.cli", "--database-url", url, "serve",
         "--port", str(port), "--no-demo-page"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/api/v1/network/count", timeout=1)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the hub did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        hub_url = f"sqlite:///{folder}/hub.sqlite3"
        started = time.perf_counter()
        _fill_hub(hub_url, args.people)
        print(f"hub filled: {args.people:,} people from {SITES} sites in "
              f"{time.perf_counter() - started:.1f} s")
        with Observatory.open(hub_url) as hub:
            _, token = hub.tokens.create(name="bench", city="city-0", scopes=["submit"])
            timings = measure(lambda: hub.network_count.figures(DECLARATION),
                              rounds=args.rounds, seconds=10)
            print(f"figures (service): median {statistics.median(timings):.2f} ms, "
                  f"max {max(timings):.2f} ms (limit 20 ms)")
        process, base = _serve(hub_url)
        try:
            with requests.Session() as session:
                timings = measure(lambda: session.get(f"{base}/api/v1/network/count",
                                                      params={"declaration": DECLARATION},
                                                      timeout=10).raise_for_status(),
                                  rounds=args.rounds, seconds=10)
            print(f"figures (HTTP): median {statistics.median(timings):.2f} ms, "
                  f"max {max(timings):.2f} ms (limit 20 ms)")
            member_url = f"sqlite:///{folder}/member.sqlite3"
            _fill_member(member_url, args.new)
            with Observatory.open(member_url) as member, HubClient(base, token=token) as client:
                started = time.perf_counter()
                sent = client.report_signatures(member)
                spent = time.perf_counter() - started
                print(f"incremental sync: {sent.counted:,} signatures in {sent.batches} "
                      f"batches: {spent:.2f} s (limit 2 s)")
                started = time.perf_counter()
                again = client.report_signatures(member)
                print(f"sync with nothing new: {again.counted} sent, "
                      f"{(time.perf_counter() - started) * 1000:.0f} ms")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
