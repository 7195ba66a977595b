"""Signatures for staff: list, find a resident's, withdraw on request, export (audited).

Signatures belong to a declaration, which is the network's, not a city's: every
permission here is checked network-wide (the secretariat's). The pledges
service does the work through a few narrow calls (``list``, ``get``,
``export_csv``, and the withdrawal within the audit's transaction), so that its
split into smaller services changes only those lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

import sqlalchemy as sa

from ..errors import NotFound
from ..models import Pledge, PledgeStatus
from ..models import fields as f
from ..services.base import Page, read_page
from ..services.pledges import load, normalise_email, select
from ..services.retention import RetentionReport
from ..services.signing import SigningService
from ..store import schema
from . import audit
from .principals import Permission, Principal

if TYPE_CHECKING:
    from ..observatory import Observatory

KIND = "signature"


class Signatures:
    """The signatures of the declarations, for the secretariat."""

    def __init__(self, obs: Observatory) -> None:
        self.store = obs.store
        self.declarations = obs.declarations
        self.signatures = obs.signatures
        self.signature_export = obs.signature_export
        self.retention_service = obs.retention

    def list(self, principal: Principal, declaration: str, *,
             status: PledgeStatus | None = None, limit: int = 50, offset: int = 0,
             ) -> Page[Pledge]:
        """The signatures of ``declaration``, oldest first."""
        principal.require(Permission.SIGNATURES_VIEW, None)
        self.declarations.get(declaration)
        return self.signatures.list(declaration, status=status, limit=limit, offset=offset)

    def search(self, principal: Principal, declaration: str, q: str = "", *,
               status: PledgeStatus | None = None, limit: int = 20, offset: int = 0,
               ) -> Page[Pledge]:
        """The signatures of ``declaration``, the newest first, whose signer's name,
        address or city contains ``q`` (ignoring case; every signature without ``q``),
        of ``status`` only when given."""
        principal.require(Permission.SIGNATURES_VIEW, None)
        f.check_text(q, field="q", max_length=200, multiline=False)
        self.declarations.get(declaration)
        table = schema.pledges
        where = [table.c.declaration_slug == declaration]
        if status is not None:
            where.append(table.c.status == PledgeStatus(status).value)
        words = q.strip().lower()
        if words:
            where.append(sa.or_(*(
                sa.func.lower(table.c.data[name].as_string()).contains(words, autoescape=True)
                for name in ("name", "email", "city"))))
        return read_page(self.store, select().where(*where).order_by(table.c.id.desc()),
                         limit=limit, offset=offset, maximum=200,
                         load=lambda _, rows: map(load, rows))

    def get(self, principal: Principal, pledge_id: int) -> Pledge:
        """The signature ``pledge_id``; ``NotFound`` if there is none."""
        principal.require(Permission.SIGNATURES_VIEW, None)
        f.check_number(pledge_id, field="id", minimum=1, maximum=2**31 - 1)
        return self.signatures.get(pledge_id)

    def find(self, principal: Principal, declaration: str, email: str) -> Pledge:
        """The signature of ``declaration`` made with the address ``email`` (as a resident
        asking for withdrawal gives it); ``NotFound`` if there is none."""
        principal.require(Permission.SIGNATURES_VIEW, None)
        f.check_text(email, field="email", max_length=320, multiline=False)
        table = schema.pledges
        _, key = normalise_email(email.strip())
        with self.store.read() as connection:
            found = connection.scalar(sa.select(table.c.id).where(
                table.c.declaration_slug == declaration, table.c.email_key == key))
        if found is None:
            raise NotFound(f"no signature of {declaration!r} was made with that address",
                           field="email")
        return self.signatures.get(found)

    def withdraw(self, principal: Principal, pledge_id: int, *, reason: str) -> None:
        """Withdraw the signature ``pledge_id`` at its signer's request, erasing it with its
        personal data; the audit keeps who did it and why, never the personal data."""
        principal.require(Permission.SIGNATURES_WITHDRAW, None)
        f.check_number(pledge_id, field="id", minimum=1, maximum=2**31 - 1)
        f.check_text(reason, field="reason", max_length=f.MEDIUM, multiline=True)
        with self.store.write() as connection:
            if not SigningService.withdraw_in(connection, pledge_id):
                raise NotFound(f"there is no signature {pledge_id}", field="id")
            audit.record(connection, principal, "withdraw", kind=KIND, key=str(pledge_id),
                         city=None, summary=reason.strip())

    def retention(self, principal: Principal, *, pending_days: int,
                  closed_months: int) -> RetentionReport:
        """Run the data-protection retention (:mod:`livingtogether.services.retention`) for
        ``principal`` (``signatures.withdraw``: it erases personal data), audited."""
        principal.require(Permission.SIGNATURES_WITHDRAW, None)
        report = self.retention_service.run(pending_days=pending_days,
                                            closed_months=closed_months)
        with self.store.write() as connection:
            audit.record(connection, principal, "retention", kind=KIND, key="retention",
                         city=None, summary=report.summary())
        return report

    def export_csv(self, principal: Principal, declaration: str, stream: TextIO) -> int:
        """Write the confirmed signatures of ``declaration`` as CSV; return how many.

        Personal data: the audit row is committed before any of it is written out, so an
        export never happens unrecorded (a failed one stays recorded as attempted).
        """
        principal.require(Permission.SIGNATURES_EXPORT, None)
        self.declarations.get(declaration)
        with self.store.write() as connection:
            audit.record(connection, principal, "export", kind="declaration", key=declaration,
                         city=None, summary="CSV export of the confirmed signatures")
        return self.signature_export.write_csv(declaration, stream)
