"""Data-protection retention (``obs.retention``; the staff console's
``signatures.retention``): unconfirmed signatures deleted after a while, the
confirmed ones anonymised once their campaigns are long past, and the
bookkeeping rows past their time removed."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import Pledge, PledgeStatus
from ..models import fields as f
from ..store import Store, now, schema
from .pledges import dump, load, select
from .screenings import delete_registrations_in

#: Name given to anonymised signatures.
ANONYMISED = "anonymised"


@attrs.frozen(kw_only=True)
class RetentionReport:
    """What a retention pass removed: unconfirmed signatures deleted, signatures anonymised."""

    deleted: int
    anonymised: int
    #: Screening registrations deleted (``registration_days``).
    registrations: int = 0

    def summary(self) -> str:
        """``2 unconfirmed deleted, 5 anonymised``: the line the retention commands print
        (and ``, 3 screening registrations deleted`` when there were any)."""
        line = f"{self.deleted} unconfirmed deleted, {self.anonymised} anonymised"
        return line + (f", {self.registrations} screening registrations deleted"
                       if self.registrations else "")


class RetentionService:
    """One retention pass at a time, in one transaction (:meth:`run`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def run(self, *, pending_days: int | None = None,
            closed_months: int | None = None,
            registration_days: int | None = None) -> RetentionReport:
        """Delete signatures unconfirmed after ``pending_days``; anonymise the confirmed
        signatures of declarations whose last campaign day is ``closed_months`` past.

        Anonymised signatures keep their kind, country and institution (so the
        counts stand) and lose the name, address, city and IP hash. Expired
        tokens, used form tokens, past rate-limit windows and emails sent over a
        week ago are removed too; with ``registration_days``, screening registrations
        made longer ago (:mod:`.screenings`). A negative or absurd age is refused
        (``ValidationError``): ``-5`` days would otherwise delete every unconfirmed signature.
        """
        if pending_days is not None:
            f.check_number(pending_days, field="pending_days", minimum=0, maximum=36_500)
        if closed_months is not None:
            f.check_number(closed_months, field="closed_months", minimum=1, maximum=1_200)
        if registration_days is not None:
            f.check_number(registration_days, field="registration_days", minimum=1,
                           maximum=36_500)
        pledges, stamp = schema.pledges, now()
        deleted = anonymised = registrations = 0
        with self.store.write() as connection:
            if pending_days is not None:
                deleted = connection.execute(pledges.delete().where(
                    pledges.c.status == PledgeStatus.PENDING.value,
                    pledges.c.signed_at < stamp - timedelta(days=pending_days))).rowcount
            if closed_months is not None:
                cutoff = (stamp - timedelta(days=31 * closed_months)).date()
                campaigns = schema.campaigns
                last_day = sa.select(sa.func.max(campaigns.c.day)).where(
                    campaigns.c.data["declaration"].as_string() == pledges.c.declaration_slug)
                rows = connection.execute(select().where(
                    pledges.c.anonymised_at.is_(None),
                    pledges.c.status == PledgeStatus.CONFIRMED.value,
                    last_day.scalar_subquery() < cutoff)).all()
                for row in rows:
                    _anonymise(connection, load(row), stamp)
                anonymised = len(rows)
            tokens, limits, outbox = schema.pledge_tokens, schema.rate_limits, schema.outbox
            connection.execute(tokens.delete().where(tokens.c.expires_at < stamp))
            connection.execute(limits.delete().where(limits.c.expires_at < stamp))
            forms = schema.form_tokens
            connection.execute(forms.delete().where(forms.c.expires_at < stamp))
            connection.execute(outbox.delete().where(
                outbox.c.status == "sent", outbox.c.sent_at < stamp - timedelta(days=7)))
            if registration_days is not None:
                registrations = delete_registrations_in(
                    connection, stamp - timedelta(days=registration_days))
        return RetentionReport(deleted=deleted, anonymised=anonymised,
                               registrations=registrations)


def _anonymise(connection: Connection, pledge: Pledge, stamp: datetime) -> None:
    assert pledge.id is not None
    table = schema.pledges
    institution = (attrs.evolve(pledge.institution, representative_role=ANONYMISED)
                   if pledge.institution else None)
    blank = attrs.evolve(pledge, name=ANONYMISED, email=ANONYMISED, city=None,
                         institution=institution)
    connection.execute(table.update().where(table.c.id == pledge.id).values(
        data=dump(blank), email_key=f"{ANONYMISED}:{pledge.id}", ip_hash=None,
        anonymised_at=stamp))
    connection.execute(schema.outbox.delete().where(schema.outbox.c.pledge_id == pledge.id))
