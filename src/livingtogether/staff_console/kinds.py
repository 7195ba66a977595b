"""Every kind of record the console has screens for, in the navigation's order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .events import EVENTS
from .events import ROUTES as EVENT_ROUTES
from .network import (
    CAMPAIGNS,
    CITIES,
    DECLARATIONS,
    ORGANISATIONS,
    PARTICIPATIONS,
    SERIES,
    THEMES,
)
from .practices import PRACTICES
from .records import RecordScreens, may_open, routes
from .screens import staff_of
from .sessions import ROUTES as SESSION_ROUTES

if TYPE_CHECKING:
    from ..admin.principals import Principal
    from ..web.routes import Route, Site

KINDS: tuple[RecordScreens, ...] = (PRACTICES, EVENTS, CITIES, ORGANISATIONS, CAMPAIGNS,
                                    PARTICIPATIONS, DECLARATIONS, SERIES, THEMES)
#: The generic routes of every kind but events, whose editor's own are in events.py and
#: sessions.py (some of events' routes are generic: they come with EVENT_ROUTES).
ROUTES: tuple[Route, ...] = (*(route for kind in KINDS if kind is not EVENTS
                               for route in routes(kind)), *EVENT_ROUTES, *SESSION_ROUTES)


def navigation(web: Site, principal: Principal | None) -> tuple[RecordScreens, ...]:
    """The kinds ``principal`` may open (none when nobody is signed in)."""
    if principal is None:
        return ()
    found = staff_of(web.observatory)
    return tuple(kind for kind in KINDS if may_open(found, principal, kind))
