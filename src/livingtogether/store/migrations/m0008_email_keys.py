"""Version 8: signatures' dedupe keys NFKC-casefolded (they were NFC-casefolded).

A fullwidth ``ａda@example.org`` counted apart from ``ada@example.org``. Every
signature's ``email_key`` is computed again from its stored address. Two
signatures that were apart and are one person under the new key both stay,
with their counts: the one whose new key the other holds keeps its old key
(a new signing in any form finds the other, which holds the new key).
Anonymised signatures keep their keys.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "pledges: dedupe keys NFKC-casefolded"

Instant = sa.DateTime(timezone=True)


def key(address: str) -> str:
    """The key of version 8 (a copy of ``services.pledges.email_key`` as it was then)."""
    local, _, domain = address.rpartition("@")
    return f"{_fold(local)}@{_fold(domain)}"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def upgrade(op: Operations) -> None:
    """Recompute ``lt_pledges.email_key``; a key taken already leaves the row as it was."""
    bind = op.get_bind()
    pledges = sa.table("lt_pledges", sa.column("id", sa.Integer),
                       sa.column("email_key", sa.String), sa.column("data", sa.JSON()),
                       sa.column("anonymised_at", Instant))
    changes = []
    for row in bind.execute(sa.select(pledges.c.id, pledges.c.email_key, pledges.c.data)
                            .where(pledges.c.anonymised_at.is_(None)).order_by(pledges.c.id)):
        address = (row.data or {}).get("email")
        if isinstance(address, str) and "@" in address and key(address) != row.email_key:
            changes.append((row.id, key(address)))
    for pledge_id, new_key in changes:
        try:
            with bind.begin_nested():
                bind.execute(pledges.update().where(pledges.c.id == pledge_id)
                             .values(email_key=new_key))
        except sa.exc.IntegrityError:
            pass  # another signature holds the key: both stay, this one as it was
