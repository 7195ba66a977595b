"""Staff's side of screenings (``Staff(obs).screenings``): the registrations' list, the
CSV export, the update mailed to the registrants, and the attendance of a screening
that took place (for the campaign report).

A screening belongs to a city's campaign participation, so each action needs
``campaigns.edit`` for that city (a city's campaign officer, or the secretariat).
The list and the export are personal data: the export is audited before any of
it is written out (as the signatures' export), and so is every update mailed and every
attendance entered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from .. import exports
from ..services.campaign_report import Attendance, record_attendance
from ..services.screenings import Registration
from . import audit
from .principals import Permission, Principal

if TYPE_CHECKING:
    from ..observatory import Observatory

#: The columns of the registrations' CSV.
COLUMNS = ("status", "name", "email", "seats", "language")


class ScreeningStaff:
    """The registrations of a screening, for staff."""

    def __init__(self, obs: Observatory) -> None:
        self.obs = obs

    def list(self, principal: Principal, campaign: str, city: str, key: str,
             ) -> tuple[list[Registration], dict[str, int]]:
        """The registrations (confirmed, waiting, pending) and the counts of each status,
        cancelled too."""
        principal.require(Permission.CAMPAIGNS_EDIT, city)
        registrations = self.obs.screenings
        registrations.screening(campaign, city, key)  # NotFound for an unknown one
        return registrations.list(campaign, city, key), registrations.counts(campaign, city,
                                                                              key)

    def export_csv(self, principal: Principal, campaign: str, city: str, key: str,
                   stream: TextIO) -> int:
        """Write the registrations as CSV (the one CSV writer); how many. Audited first."""
        principal.require(Permission.CAMPAIGNS_EDIT, city)
        self.obs.screenings.screening(campaign, city, key)
        with self.obs.store.write() as connection:
            audit.record(connection, principal, "export", kind="screening",
                         key=f"{campaign}/{city}/{key}", city=city,
                         summary="CSV export of the screening's registrations")
        rows = [(r.status, r.name, r.email, r.seats, r.language)
                for r in self.obs.screenings.list(campaign, city, key)]
        exports.write_csv(stream, COLUMNS, rows, bom=True)
        return len(rows)

    def mail_update(self, principal: Principal, campaign: str, city: str, key: str, *,
                    subject: str, text: str) -> int:
        """Queue an update to the confirmed registrants (through the outbox); how many.
        Audited with its subject."""
        principal.require(Permission.CAMPAIGNS_EDIT, city)
        count = self.obs.screenings.mail_update(campaign, city, key, subject=subject,
                                                text=text)
        with self.obs.store.write() as connection:
            audit.record(connection, principal, "mail", kind="screening",
                         key=f"{campaign}/{city}/{key}", city=city,
                         summary=f"update mailed to {count} registrants: {subject[:150]}")
        return count

    def record_attendance(self, principal: Principal, campaign: str, city: str, key: str, *,
                          attended: object, note: object = None) -> Attendance:
        """Record how many attended the screening (once it has begun; see
        :func:`.services.campaign_report.record_attendance`), audited in the same
        transaction."""
        principal.require(Permission.CAMPAIGNS_EDIT, city)
        with self.obs.store.write() as connection:
            found = record_attendance(self.obs.store, campaign, city, key, attended=attended,
                                      note=note, connection=connection)
            audit.record(connection, principal, "attendance", kind="screening",
                         key=f"{campaign}/{city}/{key}", city=city,
                         summary=f"attendance entered: {found.attended}")
        return found
