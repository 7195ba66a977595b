"""A large synthetic programme, for benchmarks and tests at scale (not shown in the demo).

``synthetic_event(sessions=500, days=5)`` spreads sessions over the days from
9:00 in the host zone, four display zones on three continents, every kind and
mode, people with and without the "to be confirmed" mark, and every tenth
session without a time yet.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from ..models import (
    DisplayZone,
    Event,
    EventPart,
    Mode,
    Person,
    Role,
    Session,
    SessionKind,
    Text,
)

ZONES = (
    DisplayZone(zone="Europe/Istanbul", label=Text({"en": "Izmir", "tr": "İzmir"})),
    DisplayZone(zone="Europe/Paris", label=Text.of("Paris")),
    DisplayZone(zone="America/Montreal", label=Text.of("Montréal")),
    DisplayZone(zone="Asia/Kolkata", label=Text.of("Delhi")),
)


def synthetic_event(*, sessions: int = 500, days: int = 5, slug: str = "synthetic",
                    first_day: date = date(2022, 3, 24)) -> Event:
    """An event of ``sessions`` sessions over ``days`` days (first day spanning Europe's
    March clock change by default), hosted in Istanbul, shown in four zones."""
    per_day = -(-sessions // days)
    kinds, modes, roles = list(SessionKind), list(Mode), list(Role)
    made = []
    for number in range(sessions):
        day = first_day + timedelta(days=number // per_day)
        slot = number % per_day
        start = end = None
        if number % 10 != 9:
            minutes = 9 * 60 + (slot * 15) % (13 * 60)
            start = time(minutes // 60, minutes % 60)
            end_minutes = minutes + 45
            end = time(end_minutes // 60, end_minutes % 60)
        made.append(Session.at(
            day=day, start=start, end=end, zone="Europe/Istanbul",
            key=f"session-{number + 1}",
            title=Text({"en": f"Session {number + 1}: cities and living together",
                        "fr": f"Séance {number + 1} : les villes et le vivre-ensemble"}),
            description=Text.of(f"What session {number + 1} is about, in a few sentences. "
                                "Cities share their practices of social cohesion."),
            kind=kinds[number % len(kinds)], mode=modes[number % len(modes)],
            part="online" if number % 3 else "on-site",
            questions=(Text.of("What works?"), Text.of("What does not, and why?")),
            people=tuple(
                Person(role=roles[(number + k) % len(roles)], name=f"Speaker {number}-{k}",
                       affiliation="City of Somewhere", to_be_confirmed=(number + k) % 4 == 0)
                for k in range(4)),
        ))
    return Event(
        slug=slug, title=Text.of("Synthetic summit"), host_zone="Europe/Istanbul",
        first_day=first_day, last_day=first_day + timedelta(days=days - 1),
        display_zones=ZONES,
        parts=(EventPart(key="online", title=Text.of("Online"), mode=Mode.ONLINE),
               EventPart(key="on-site", title=Text.of("In Izmir"), mode=Mode.ON_SITE,
                         city="izmir")),
        sessions=tuple(made),
    )
