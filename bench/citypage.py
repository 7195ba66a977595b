"""A city's page rendered cold (the widget cache off) in a network with many events.

The page reads every event to find those the city hosted (each one's published
version), every participation and every declaration's counters, so its cost grows
with the network's events::

    PYTHONPATH=src python bench/citypage.py [EVENTS] [RENDERS]

prints the median and the slowest of RENDERS renders (30 by default) of Izmir's page
with EVENTS extra events (200 by default), one in ten hosted by Izmir.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from datetime import date
from typing import Any


def main(events: int = 200, renders: int = 30) -> None:
    from livingtogether import Observatory
    from livingtogether.demo import install
    from livingtogether.models import Event, Text
    from livingtogether.wsgi import make_app

    url = f"sqlite:///{tempfile.mkdtemp()}/citypage.sqlite3"
    with Observatory.open(url, widget_cache_seconds=0, base_url="http://127.0.0.1",
                          secret_key="x" * 32) as obs:
        install(obs)
        for index in range(events):
            obs.programme.create(Event(
                slug=f"event-{index}", title=Text({"en": f"Event {index}"}),
                host_zone="Europe/Istanbul", host_city="izmir" if index % 10 == 0 else None,
                first_day=date(2020, 1, 1 + index % 28), last_day=date(2020, 1, 1 + index % 28)))
        app = make_app(obs)
        statuses: list[str] = []

        def start(status: str, *_: Any) -> None:
            statuses.append(status)

        times = []
        for _ in range(min(renders, 1_000)):  # bounded
            environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/widgets/cities/izmir",
                       "QUERY_STRING": "lang=en", "SERVER_NAME": "127.0.0.1",
                       "SERVER_PORT": "80", "wsgi.url_scheme": "http",
                       "wsgi.input": io.BytesIO(b""), "HTTP_HOST": "127.0.0.1"}
            began = time.perf_counter()
            body = b"".join(app(environ, start))
            times.append(time.perf_counter() - began)
            assert statuses[-1].startswith("200"), (statuses[-1], body[:300])
        print(f"city page, {events} extra events ({events // 10} hosted), {len(times)} "
              f"renders, cache off: median {statistics.median(times) * 1000:.1f} ms, "
              f"slowest {max(times) * 1000:.1f} ms, {len(body)} bytes")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
