"""Benchmark of the programme: the widget, iCalendar and frab JSON, in-process.

Renders the Izmir 2021 programme (the demo) and a synthetic 500-session,
5-day, 4-display-zone event through ``WebApp.handle`` on a fresh SQLite file
(and on PostgreSQL too when ``LIVINGTOGETHER_BENCH_POSTGRES_URL`` is set), each
published as a version, and prints median and p95 latencies. "warm" figures
are what every request after the first sees (what a version shows is
computed once and cached); "cold" ones recompute it each time, as the first
request after publishing does (the cities' names, which a publication does not
change, are not read again: they are read again when a city changes). Floors:
Izmir widget <= 2 ms median, 500-session widget <= 50 ms, 500-session iCalendar
<= 100 ms.

    python bench/programme.py [--rounds 200] [--seconds 5]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from livingtogether import Observatory, programme_export
from livingtogether.demo import install
from livingtogether.demo.izmir import IZMIR_2021
from livingtogether.demo.synthetic import synthetic_event
from livingtogether.web import WebApp, programme_view
from livingtogether.web import programme as web_programme
from livingtogether.web.http import Request

# The same measuring and printing as the foundation's benchmark (run from bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import line, main, measure


def run(url: str, label: str, rounds: int, seconds: float) -> None:
    """Every figure on one database."""
    print(f"{label}: {url.split('@')[-1]}")
    # The widget cache (issue 6) would answer repeated requests without rendering;
    # these figures are of rendering, so it is off.
    obs = Observatory.open(url, widget_cache_seconds=0)
    install(obs)
    obs.programme.save(synthetic_event())
    for slug in ("izmir-2021", "synthetic"):
        obs.programme.publish(slug)
    app = WebApp(obs)

    def get(path: str) -> Callable[[], None]:
        base, _, query = path.partition("?")
        request = Request.build(method="GET", path=base, query_string=query)

        def handle() -> None:
            response = app.handle(request)
            assert response.status == 200, (path, response.status, response.body[:300])

        return handle

    def cold(path: str) -> Callable[[], None]:
        action = get(path)

        def handle() -> None:
            programme_view.views.clear()
            web_programme.exports.clear()
            action()

        return handle

    for slug, name in (("izmir-2021", "Izmir"), ("synthetic", "500 sessions")):
        widget = f"/widgets/programme/{slug}"
        print(line(f"{name}: widget, warm", measure(get(widget), rounds=rounds,
                                                      seconds=seconds)))
        print(line(f"{name}: widget, cold", measure(
            cold(widget), rounds=min(rounds, 50), seconds=seconds)))
        print(line(f"{name}: widget, one day, warm", measure(
            get(f"{widget}?day={'2021-12-08' if slug == 'izmir-2021' else '2022-03-26'}"),
            rounds=rounds, seconds=seconds)))
        for export in ("calendar.ics", "schedule.json"):
            path = f"/api/v1/events/{slug}/{export}"
            print(line(f"{name}: GET {export}, warm", measure(
                get(path), rounds=rounds, seconds=seconds)))
            print(line(f"{name}: GET {export}, cold", measure(
                cold(path), rounds=min(rounds, 50), seconds=seconds)))
    event = synthetic_event()
    print(line("500 sessions: icalendar() alone", measure(
        lambda: programme_export.icalendar(event, url="https://example.org/p"),
        rounds=rounds, seconds=seconds)))
    print(line("500 sessions: frab() alone", measure(
        lambda: programme_export.frab(event, url="https://example.org/p"),
        rounds=rounds, seconds=seconds)))
    print(line("Izmir: icalendar() alone", measure(
        lambda: programme_export.icalendar(IZMIR_2021, url="https://example.org/p"),
        rounds=rounds, seconds=seconds)))
    obs.close()


if __name__ == "__main__":
    main(run, __doc__, rounds=200)
