"""The screening screens (a city's campaign officer's): the screenings residents register
for, each one's registrations (confirmed, waiting, pending; the counts, cancelled too),
the CSV export, the update mailed to the confirmed registrants, and, once a screening
has begun, how many attended (for the campaign report).

Every action goes through ``Staff(obs).screenings`` (:mod:`livingtogether.admin.screenings`),
which checks ``campaigns.edit`` for the screening's city and writes the audit. The export,
the update and the attendance are POSTs (audited: no link or prefetch may start them).
"""

from __future__ import annotations

import io

from ..admin.principals import Permission
from ..errors import ValidationError
from ..services.campaign_report import MAX_ATTENDANCE, MAX_NOTE, attendance_of
from ..store import now
from ..web.http import Response
from .screens import Screen, route


def list_screenings(screen: Screen) -> Response:
    """The screenings residents register for, of the cities this principal edits."""
    if Permission.CAMPAIGNS_EDIT not in screen.principal.permissions:
        screen.principal.require(Permission.CAMPAIGNS_EDIT, None)  # Forbidden, named
    obs = screen.web.observatory
    found = []
    for participation in obs.participations.list(limit=obs.settings.max_page_size).items:
        if not screen.principal.can(Permission.CAMPAIGNS_EDIT, participation.city):
            continue
        for screening in participation.screenings:
            if screening.key:  # registrations need a capacity; attendance, a key
                found.append((participation, screening, obs.screenings.seats(
                    participation.campaign, participation.city, screening.key)))
    return screen.page("console/screenings.html", found=found)


def _at(screen: Screen) -> tuple[str, str, str]:
    return screen.path["campaign"], screen.path["city"], screen.path["key"]


def _page(screen: Screen, status: int = 200, *, subject: str = "", text: str = "",
          error: str | None = None, attendance: dict[str, str] | None = None,
          attendance_error: str | None = None) -> Response:
    at = _at(screen)
    obs = screen.web.observatory
    registrations, counts = screen.staff.screenings.list(screen.principal, *at)
    screening = obs.screenings.screening(*at)
    entered = attendance_of(obs.store, *at)
    if attendance is None:
        attendance = {"attended": str(entered.attended) if entered else "",
                      "note": (entered.note or "") if entered else ""}
    return screen.page("console/screening.html", status, at=at, screening=screening,
                       registrations=registrations, counts=counts,
                       seats=obs.screenings.seats(*at),
                       sent=screen.request.query.get("sent"), subject=subject, text=text,
                       error=error, begun=screening.starts_at <= now(), entered=entered,
                       attendance=attendance, attendance_error=attendance_error,
                       recorded=screen.request.query.get("recorded"),
                       max_attendance=MAX_ATTENDANCE, max_note=MAX_NOTE)


def show_screening(screen: Screen) -> Response:
    """A screening's registrations and their counts, the export and the update form."""
    return _page(screen)


def export_registrations(screen: Screen) -> Response:
    """The screening's registrations as CSV (audited before it is written)."""
    campaign, city, key = at = _at(screen)
    out = io.StringIO()
    screen.staff.screenings.export_csv(screen.principal, *at, out)
    return Response(status=200, body=out.getvalue().encode("utf-8"), headers=(
        ("Content-Type", "text/csv; charset=utf-8"),
        ("Content-Disposition",
         f'attachment; filename="registrations-{campaign}-{city}-{key}.csv"')))


def mail_update(screen: Screen) -> Response:
    """Queue the update (subject, text) to the confirmed registrants, through the outbox."""
    form = screen.form()
    subject, text = form.get("subject", "")[:1000], form.get("text", "")[:20_000]
    try:
        count = screen.staff.screenings.mail_update(screen.principal, *_at(screen),
                                                    subject=subject, text=text)
    except ValidationError as error:
        if error.field not in ("subject", "text"):
            raise
        return _page(screen, 422, subject=subject, text=text, error=str(error))
    campaign, city, key = _at(screen)
    return screen.redirect("console-screening", campaign=campaign, city=city, key=key,
                           sent=str(count))


def record_attendance(screen: Screen) -> Response:
    """Record how many attended (a whole number, a note), once the screening has begun."""
    form = screen.form()
    values = {"attended": form.get("attended", "")[:100], "note": form.get("note", "")[:5000]}
    text = values["attended"].strip()
    try:
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            raise ValidationError(f"give the attendance as a whole number of people from 0 "
                                  f"to {MAX_ATTENDANCE:,}", field="attended")
        screen.staff.screenings.record_attendance(screen.principal, *_at(screen),
                                                  attended=int(text), note=values["note"])
    except ValidationError as error:
        if error.field not in ("attended", "note"):
            raise
        return _page(screen, 422, attendance=values, attendance_error=str(error))
    campaign, city, key = _at(screen)
    return screen.redirect("console-screening", campaign=campaign, city=city, key=key,
                           recorded="1")


_PATH = "/screenings/{campaign}/{city}/{key}"

ROUTES = (
    route("GET", "/screenings", "console-screenings", list_screenings),
    route("GET", _PATH, "console-screening", show_screening),
    route("POST", f"{_PATH}/export", "console-screening-export", export_registrations),
    route("POST", f"{_PATH}/update", "console-screening-update", mail_update),
    route("POST", f"{_PATH}/attendance", "console-screening-attendance", record_attendance),
)
