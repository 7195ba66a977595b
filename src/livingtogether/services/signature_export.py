"""The organisers' CSV export of confirmed signatures (``obs.signature_export``; the
staff console's ``signatures.export``): it holds addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from ..exports import write_csv
from ..models import Declaration, Pledge, PledgeStatus
from ..store import Store, schema
from .base import Records
from .pledges import load, select

#: The columns of the organisers' CSV export of confirmed signatures.
CSV_COLUMNS = ("id", "kind", "name", "email", "country", "city", "public", "institution_name",
               "institution_kind", "representative_role", "institution_website",
               "consent_version", "signed_at", "confirmed_at")


class SignatureExport:
    """Writes the confirmed signatures of a declaration as CSV, a thousand rows a read."""

    def __init__(self, store: Store, declarations: Records[Declaration]) -> None:
        self.store = store
        self.declarations = declarations

    def write_csv(self, declaration: str, stream: TextIO) -> int:
        """Write the confirmed signatures of ``declaration`` as CSV; return how many.

        For organisers: it holds addresses. Cells that a spreadsheet would run
        as a formula are prefixed with ``'``.
        """
        self.declarations.get(declaration)
        return write_csv(stream, CSV_COLUMNS, self._rows(declaration))

    def _rows(self, declaration: str) -> Iterator[list[Any]]:
        table, last = schema.pledges, 0
        while True:
            with self.store.read() as connection:
                rows = connection.execute(select().where(
                    table.c.declaration_slug == declaration, table.c.id > last,
                    table.c.status == PledgeStatus.CONFIRMED.value,
                ).order_by(table.c.id).limit(1000)).all()
            if not rows:
                return
            for row in rows:
                yield _csv_row(load(row))
            last = rows[-1].id


def _csv_row(pledge: Pledge) -> list[Any]:
    institution = pledge.institution
    return [pledge.id, pledge.kind.value, pledge.name, pledge.email, pledge.country,
            pledge.city or "", "yes" if pledge.public else "no",
            institution.name if institution else "",
            institution.kind.value if institution else "",
            institution.representative_role if institution else "",
            (institution.website or "") if institution else "", pledge.consent_version,
            pledge.signed_at.isoformat() if pledge.signed_at else "",
            pledge.confirmed_at.isoformat() if pledge.confirmed_at else ""]
