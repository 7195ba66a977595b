"""Benchmark of the staff console's screens, rendered in process (no HTTP).

Prints the p95 over ``--rounds`` rounds of each screen as ``Console.handle`` answers
it, HTML and all, on a SQLite file holding ``--practices`` practices of one city:
the practice list (first and a middle page), the empty form, a stored practice's
form, its preview through the widget's template, and its history. The issue's floor
for the list at 10k practices and the practice form: <= 50 ms p95.

    python bench/console.py [--rounds 30] [--practices 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.models import City, Link, ModerationStatus, Practice, Text
from livingtogether.staff_console import Console
from livingtogether.web import Request, WebApp

# The same measuring as the foundation's benchmark (run from bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--practices", type=int, default=10_000)
    args = parser.parse_args()
    rounds = max(2, min(args.rounds, 1000))
    count = max(1, min(args.practices, 1_000_000))

    with tempfile.TemporaryDirectory() as folder, \
            Observatory.open(f"sqlite:///{Path(folder) / 'bench.sqlite3'}") as obs:
        obs.cities.create(City(slug="izmir", name=Text.of("Izmir"), country="TR"))
        obs.practices.create_many(
            Practice(slug=f"p{n:05d}", city="izmir", title=Text.of(f"Practice {n}"),
                     status=ModerationStatus.PUBLISHED if n % 2 else ModerationStatus.DRAFT)
            for n in range(count))
        who = Principal.with_roles(id="b", name="B", roles=["city-publisher"],
                                   cities=["izmir"])
        full = Practice(slug="full", city="izmir",
                        title=Text(dict.fromkeys(obs.settings.languages, "Dialogue")),
                        summary=Text({"en": " ".join(["Summary"] * 40)}),
                        body=Text({"en": "<p>Body</p>" * 200}),
                        links=tuple(Link(url=f"https://example.org/{n}",
                                         label=Text.of(f"L{n}")) for n in range(10)))
        staff = Staff(obs)
        staff.practices.save_draft(who, full, base=0)
        for number in range(1, 10):
            staff.practices.save_draft(who, full, base=number)
        console = Console(WebApp(obs))

        def screen(path: str, query: str = "") -> Callable[[], Any]:
            request = Request.build(method="GET", path=path, query_string=query,
                                    script_name="/console")

            def run() -> None:
                answer = console.handle(request, who)
                assert answer.status == 200, (path, answer.status)

            return run

        middle = f"page={max(1, count // 2 // 20)}"
        for name, path, query in (
                (f"practice list at {count:,}, first page", "/practices", ""),
                (f"practice list at {count:,}, a middle page", "/practices", middle),
                ("the empty practice form", "/practices/new", ""),
                ("a full practice's form (6 languages, 10 links)", "/practices/full", ""),
                ("its preview", "/practices/full/preview", ""),
                ("its history (10 revisions)", "/practices/full/history", "")):
            run = screen(path, query)
            run()  # the templates compiled once, as a running site has them
            print(f"console: {name}: {p95(run, rounds):.1f} ms p95 "
                  "(floor 50 ms)")


if __name__ == "__main__":
    main()
