"""How long personal data is kept: signatures never confirmed are erased after a while.

A pending signature exists only so that its owner can confirm it from the
email; once that chance has passed, its name and address have no purpose.
Run :func:`purge_unconfirmed` daily (``manage.py livingtogether_retention`` in
Wagtail; a cron job calling it elsewhere).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from .errors import ValidationError
from .models import PledgeStatus
from .store import schema

if TYPE_CHECKING:
    from .observatory import Observatory

#: Pending signatures older than this are erased by default.
DEFAULT_UNCONFIRMED_DAYS = 30


def purge_unconfirmed(observatory: Observatory, *,
                      older_than: timedelta = timedelta(days=DEFAULT_UNCONFIRMED_DAYS),
                      now: datetime | None = None) -> int:
    """Erase the signatures still pending after ``older_than``; return how many."""
    if older_than < timedelta(0):
        raise ValidationError("give a duration of zero or more", field="older_than")
    cutoff = (now or datetime.now(timezone.utc)) - older_than
    table = schema.pledges
    with observatory.store.write() as connection:
        result = connection.execute(
            table.delete().where(table.c.status == PledgeStatus.PENDING.value,
                                 table.c.signed_at < cutoff))
    return int(result.rowcount or 0)
