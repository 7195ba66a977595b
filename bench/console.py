"""Benchmark of the staff console's screens, rendered in process (no HTTP).

Prints the p95 over ``--rounds`` rounds of each screen as ``Console.handle`` answers
it, HTML and all, on a SQLite file holding ``--practices`` practices of one city:
the practice list (first and a middle page), the empty form, a stored practice's
form, its preview through the widget's template, and its history; then the event
editor on an event of ``--sessions`` sessions: the editor (the event's details and its
sessions' table, each row's times in three zones), one session's form, and, for
comparison, every session's full form rendered at once (what an editor of 500 full
forms would cost). The issue's floor for the list at 10k practices, the practice form
and the event editor at 500 sessions: <= 50 ms p95. Last, an image upload of about
5 MB (bench/admin.py's 4000x3000 JPEG with EXIF) posted to the media library as a
browser does (multipart, CSRF token and cookie), streamed, verified, re-encoded with
its renditions, stored and recorded: <= 1 s (worst of the runs).

    python bench/console.py [--rounds 30] [--practices 10000] [--sessions 500]
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.models import (
    City,
    DisplayZone,
    Event,
    Link,
    ModerationStatus,
    Person,
    Practice,
    Role,
    Session,
    Text,
)
from livingtogether.staff_console import Console
from livingtogether.web import Request, WebApp

# The same measuring as the foundation's benchmark (run from bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin import photo
from foundation import measure, p95


def upload_timings(console: Console, who: Principal, rounds: int) -> tuple[int, list[float]]:
    """Milliseconds of each upload of the 5 MB photo through ``console``."""
    from urllib3 import encode_multipart_formdata

    page = console.handle(Request.build(method="GET", path="/media",
                                        script_name="/console"), who)
    cookie = next(v for n, v in page.headers if n.lower() == "set-cookie").split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
    assert token is not None
    data = photo()
    body, content_type = encode_multipart_formdata({
        "csrf_token": token.group(1).decode(), "city": "izmir", "alt.en": "A photo",
        "file": ("photo.jpg", data, "image/jpeg")})

    def upload() -> None:
        request = Request.build(method="POST", path="/media", script_name="/console",
                                headers=[("Content-Type", content_type),
                                         ("Content-Length", str(len(body))),
                                         ("Cookie", cookie)])
        answer = console.handle_stream(request, io.BytesIO(body), lambda: who)
        assert answer.status == 303, answer.body[-600:]

    return len(data), measure(upload, rounds=rounds, seconds=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--practices", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=500)
    args = parser.parse_args()
    rounds = max(2, min(args.rounds, 1000))
    count = max(1, min(args.practices, 1_000_000))

    with tempfile.TemporaryDirectory() as folder, \
            Observatory.open(f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                             media_folder=str(Path(folder) / "media")) as obs:
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
        sessions = max(1, min(args.sessions, 2000))
        staff.events.save_draft(who, summit(sessions), base=0)
        for name, path in (
                (f"the event editor at {sessions} sessions", "/events/summit"),
                (f"one session's form (of {sessions})", "/events/summit/sessions/s7")):
            run = screen(path)
            run()
            print(f"console: {name}: {p95(run, rounds):.1f} ms p95 (floor 50 ms)")
        every = full_forms(console, who, sessions)
        every()
        print(f"console: for comparison, {sessions} full session forms on one page: "
              f"{p95(every, max(2, rounds // 5)):.1f} ms p95")
        size, timings = upload_timings(console, who, min(rounds, 10))
        print(f"console: an image upload of {size / 1e6:.1f} MB (4000x3000 JPEG): "
              f"{max(timings) / 1000:.3f} s at worst, {statistics.median(timings) / 1000:.3f} "
              f"s median ({len(timings)} runs; floor 1 s)")


def summit(sessions: int) -> Event:
    """An event of ``sessions`` sessions over five days in Izmir's zone, each with a
    question and a person to be confirmed, shown in Paris and Montréal too."""
    items = tuple(Session.at(
        key=f"s{n}", title=Text({"en": f"Session {n}", "fr": f"Séance {n}"}),
        day=date(2022, 5, 1 + n % 5), start=clock(9 + n % 8, 0), end=clock(10 + n % 8, 0),
        zone="Europe/Istanbul", questions=(Text.of("Why?"),),
        people=(Person(role=Role.MODERATOR, name=f"Person {n}", to_be_confirmed=True),))
        for n in range(sessions))
    return Event(slug="summit", title=Text.of("Summit"), host_zone="Europe/Istanbul",
                 host_city="izmir", first_day=date(2022, 5, 1), last_day=date(2022, 5, 5),
                 display_zones=(DisplayZone(zone="Europe/Paris", label=Text.of("Paris")),
                                DisplayZone(zone="America/Montreal",
                                            label=Text.of("Montréal"))),
                 sessions=items)


def full_forms(console: Console, who: Principal, sessions: int) -> Callable[[], None]:
    """Every session's full form rendered into one page (the design the editor avoids)."""
    from livingtogether.staff_console import events
    from livingtogether.staff_console import sessions as session_screens
    from livingtogether.staff_console.screens import Screen

    request = Request.build(method="GET", path="/events/summit", script_name="/console")
    screen = Screen(console=console, request=request, principal=who, lang="en", token="t",
                    path={"slug": "summit"})
    editing = events.staff(screen).events.get(who, "summit")

    def run() -> None:
        for number in range(sessions):
            record = editing.current.sessions[number]
            session_screens.session_page(screen, 200, editing=editing, key=record.key,
                                         record=record, base=editing.base)

    return run


if __name__ == "__main__":
    main()
