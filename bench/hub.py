"""Benchmark of the hub's pull and the bundle's import, each beside its limit.

The hub is a real server (``livingtogether serve``, in its own process) on
127.0.0.1 with 10,000 published practices; a member on a fresh database pulls
from it with :class:`HubClient` over real HTTP. Each figure is printed as
project, limit and ratio, on SQLite and (with
``LIVINGTOGETHER_BENCH_POSTGRES_URL``) on PostgreSQL, where each database is a
fresh schema dropped afterwards:

- first pull: the limit is the raw copy, the same rows (practices, themes,
  search rows and text, change feed, pulled-record marks) inserted by the
  simplest SQL (the driver's ``executemany``) into a fresh database of the same
  kind, with its full-text triggers (SQLite) or generated ``tsvector``
  (PostgreSQL). Floor: ratio <= 3.
- no-change pull: the limit is the same requests (one empty page per feed) sent
  with plain ``requests``. Floor: <= 50 ms.
- bundle import: a 3,000-practice bundle imported into a fresh database (and
  again: all updates), the limit the raw copy of the rows the first import
  wrote.

    python bench/hub.py [--rounds 30] [--seconds 5] [--practices 10000] [--bundle 3000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.hub import HubClient
from livingtogether.models import City, ModerationStatus, Practice, Text
from livingtogether.models.hub import FeedKind, FeedPage
from livingtogether.services.sync import PullCounts
from livingtogether.store import schema

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import measure
from support import free_port

#: What a pull or an import writes, in an order the foreign keys accept.
COPIED = (schema.cities, schema.themes, schema.practices, schema.practice_themes,
          schema.practice_search, schema.practice_text, schema.changes, schema.counters,
          schema.hub_records, schema.hub_cursors)


def _practices(count: int, cities: int = 50) -> Iterator[Practice]:
    for n in range(count):
        yield Practice(
            slug=f"practice-{n:05d}", city=f"city-{n % cities}",
            title=Text({"en": f"Practice {n}", "fr": f"Pratique {n}"}),
            summary=Text({"en": "Neighbours meet every month to plan together."}),
            body=Text({"en": "<p>A <b>longer</b> description of the practice, with what it "
                             "does, who runs it and what it changed.</p>"}),
            themes=("culture", "resilience"), status=ModerationStatus.PUBLISHED)


def _cities(count: int = 50) -> list[City]:
    return [City(slug=f"city-{n}", name=Text({"en": f"City {n}"}), country="FR")
            for n in range(count)]


def _fill(url: str, count: int) -> None:
    with Observatory.open(url) as obs:
        with obs.store.write() as connection:
            obs.cities.create_many_in(connection, _cities())
        obs.practices.create_many(_practices(count))


@contextmanager
def databases(url: str, folder: Path) -> Iterator[Callable[[str], str]]:
    """``fresh(name)``: the URL of a new empty database of the kind of ``url``."""
    made: list[str] = []

    def fresh(name: str) -> str:
        if url.startswith("sqlite"):
            return f"sqlite:///{folder / name}.sqlite3"
        space = f"bench_{name}_{secrets.token_hex(4)}"
        with sa.create_engine(url).begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{space}"'))
        made.append(space)
        return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{space},public"

    try:
        yield fresh
    finally:
        if made:
            engine = sa.create_engine(url)
            with engine.begin() as connection:
                for space in made:
                    connection.execute(sa.text(f'DROP SCHEMA "{space}" CASCADE'))
            engine.dispose()


def raw_copy(source: Observatory, target: Observatory) -> float:
    """Seconds to insert every row ``source`` holds in :data:`COPIED` into the empty
    ``target`` with the driver's ``executemany``, in one transaction: the limit."""
    postgres = source.store.dialect == "postgresql"
    tables: list[tuple[sa.Table, list[str], list[tuple[Any, ...]]]] = []
    with source.store.engine.connect() as connection:
        for table in COPIED:
            names = [c.name for c in table.columns]
            picked = ", ".join(f"{n}::text" if postgres and isinstance(table.c[n].type, sa.JSON)
                               else n for n in names)
            rows = connection.exec_driver_sql(f"SELECT {picked} FROM {table.name}").fetchall()
            tables.append((table, names, [tuple(row) for row in rows]))
    mark = "%s" if postgres else "?"
    raw = target.store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # The migration's seeds make way for the copy, on the bare connection: a write of
        # the store's would note its data versions in lt_counters, which the copy fills.
        for table in reversed(COPIED):
            cursor.execute(f"DELETE FROM {table.name}")
        raw.commit()
        start = time.perf_counter()
        if not postgres:
            cursor.execute("BEGIN IMMEDIATE")
        for table, names, rows in tables:
            if rows:
                cursor.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
                                   f"({', '.join([mark] * len(names))})", rows)
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


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
            requests.get(f"{base}/api/v1/cities", timeout=5)
            return process, base
        except requests.RequestException:  # not listening yet, or slow to answer its first
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the hub did not start within 30 s")


def _pages(hub: HubClient) -> list[FeedPage]:
    """Every page of every feed, from the start, as a pull reads them."""
    pages = []
    for kind in FeedKind:
        cursor = None
        for _ in range(10_000):
            page = hub.changes(kind, cursor)
            pages.append(page)
            cursor = page.next_cursor
            if not page.has_more:
                break
    return pages


def figure(name: str, project: float, limit: float, unit: str = "s", floor: str = "") -> None:
    """One printed row: the project's figure, the limit's, and their ratio."""
    scale = 1000 if unit == "ms" else 1
    print(f"  {name:<34} project {project * scale:9.3f} {unit}   limit "
          f"{limit * scale:9.3f} {unit}   ratio {project / limit:6.2f}"
          + (f"   ({floor})" if floor else ""))


def pull(url: str, fresh: Callable[[str], str], count: int, rounds: int,
         seconds: float) -> None:
    """A first pull of ``count`` practices and a no-change pull, beside their limits."""
    hub_url = fresh("hub")
    start = time.perf_counter()
    _fill(hub_url, count)
    print(f"  {'fill the hub':<34} {time.perf_counter() - start:8.2f} s")
    process, base = _serve(hub_url)
    try:
        member = Observatory.open(fresh("member"))
        with HubClient(base, page_size=1000) as hub:
            start = time.perf_counter()
            report = hub.pull(member)
            took = time.perf_counter() - start
            with Observatory.open(fresh("raw")) as target:
                limit = raw_copy(member, target)
            figure(f"first pull, {report.total('added')} records", took, limit,
                   floor="raw copy; floor ratio 3")
            # The same pull in two halves: the hub's pages fetched alone, then written alone
            # on a fresh member (the part the member's bulk writes decide).
            start = time.perf_counter()
            pages = _pages(hub)
            fetched = time.perf_counter() - start
            print(f"  {'  of which: the pages fetched alone':<34} {fetched:9.3f} s")
            alone = Observatory.open(fresh("alone"))
            mirror, counts = alone.mirror(base), PullCounts()
            start = time.perf_counter()
            for page in pages:
                mirror.apply(page, counts)
            figure("  the pages written alone", time.perf_counter() - start, limit,
                   floor="raw copy")
            alone.close()
            timings = measure(lambda: hub.pull(member), rounds=rounds, seconds=seconds)
            cursors = {kind: member.mirror(base).cursor(kind) for kind in FeedKind}
            session = requests.Session()

            def bare() -> None:
                for kind, cursor in cursors.items():
                    session.get(f"{base}/api/v1/sync/{kind.value}",
                                params={"limit": 1000, "cursor": cursor}, timeout=30).json()

            limits = measure(bare, rounds=rounds, seconds=seconds)
            figure("no-change pull (median)", statistics.median(timings) / 1000,
                   statistics.median(limits) / 1000, "ms", "the same GETs; floor 50 ms")
            again = hub.pull(member)
            assert again.total("added") + again.total("updated") == 0
        member.close()
    finally:
        process.terminate()
        process.wait(10)


def bundle_import(fresh: Callable[[str], str], count: int) -> None:
    """A ``count``-practice bundle imported into a fresh database, then again."""
    with Observatory.open(fresh("source")) as source:
        with source.store.write() as connection:
            source.cities.create_many_in(connection, _cities())
        source.practices.create_many(_practices(count))
        data = source.export_bundle()
    with Observatory.open(fresh("imported")) as obs:
        start = time.perf_counter()
        obs.import_bundle(data)
        took = time.perf_counter() - start
        with Observatory.open(fresh("raw-import")) as target:
            limit = raw_copy(obs, target)
        figure(f"import a {count}-practice bundle", took, limit, floor="raw copy")
        start = time.perf_counter()
        obs.import_bundle(data)
        figure("import it again (all updates)", time.perf_counter() - start, limit,
               floor="raw copy of the first")


def main() -> None:
    """Parse the bounds and run every figure on SQLite (and PostgreSQL if named)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="most pulls per figure")
    parser.add_argument("--seconds", type=float, default=5.0, help="most time per figure")
    parser.add_argument("--practices", type=int, default=10_000, help="practices pulled")
    parser.add_argument("--bundle", type=int, default=3_000, help="practices imported")
    args = parser.parse_args()
    targets = [("SQLite", "sqlite://")]
    postgres = os.environ.get("LIVINGTOGETHER_BENCH_POSTGRES_URL")
    if postgres:
        targets.append(("PostgreSQL", postgres))
    for label, url in targets:
        print(f"{label}: {url.split('@')[-1]}, {args.practices} practices pulled, "
              f"{args.bundle} imported")
        with tempfile.TemporaryDirectory() as folder, databases(url, Path(folder)) as fresh:
            pull(url, fresh, args.practices, args.rounds, args.seconds)
            bundle_import(fresh, args.bundle)


if __name__ == "__main__":
    main()
