"""A member site's side of the network count (``obs.count_report(hub_url)``).

What the hub has acknowledged is kept in ``lt_count_sent`` (a signature's id,
declaration, and its hash under the network key); a report sends the
difference with the confirmed signatures, a batch at a time: the confirmed
ones not acknowledged yet, and a tombstone for each acknowledged one that is
no longer confirmed (withdrawn, erased). The hub applies a batch twice as once,
so a batch whose answer was lost is simply sent again. No address leaves the
site: only ``HMAC-SHA256(network key, canonical address)``, the kind, the
country, and, for an institution that agreed to be listed, its public name.

A signature's id can be given again by SQLite after the last one was deleted:
an acknowledgement older than the confirmation of the signature with its id
stands for the one before, and is withdrawn before the new one is sent.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import sqlalchemy as sa

from ..models import PledgeStatus, SignerKind
from ..models.hub import CountedSignature, CountWithdrawal, ListedInstitution, NetworkKey
from ..store import Store, aware, now, schema
from .pledges import load
from .retention import ANONYMISED


def signature_hash(secret: str, email_key: str) -> str:
    """The keyed hash of a canonical address under the network key, as it travels."""
    return hmac.new(secret.encode("utf-8"), email_key.encode("utf-8", "surrogateescape"),
                    hashlib.sha256).hexdigest()


class CountReport:
    """What this site reported to the hub at ``origin``, and the network's figures it gave."""

    def __init__(self, store: Store, origin: str) -> None:
        self.store = store
        self.origin = origin

    def use_key(self, key_id: int) -> int:
        """Forget the acknowledgements made under another key (the hub dropped them when it
        rotated its key); how many were forgotten, all to be sent again."""
        sent = schema.count_sent
        with self.store.write() as connection:
            return int(connection.execute(sent.delete().where(
                sent.c.origin == self.origin, sent.c.key_id != key_id)).rowcount or 0)

    def pending(self, key: NetworkKey, city: str, *, limit: int,
                ) -> tuple[list[tuple[int, CountedSignature]], list[tuple[int, CountWithdrawal]]]:
        """Up to ``limit`` changes the hub has not acknowledged: new confirmed signatures
        (with their ids) and tombstones (with the ids they were acknowledged under)."""
        pledges, sent = schema.pledges, schema.count_sent
        confirmed = pledges.c.status == PledgeStatus.CONFIRMED.value
        acknowledged = sa.and_(sent.c.origin == self.origin, sent.c.pledge_id == pledges.c.id,
                               sent.c.sent_at >= pledges.c.confirmed_at)
        with self.store.read() as connection:
            gone = connection.execute(
                sa.select(sent.c.pledge_id, sent.c.declaration_slug, sent.c.hash)
                .select_from(sent.outerjoin(pledges, sa.and_(acknowledged, confirmed)))
                .where(sent.c.origin == self.origin, pledges.c.id.is_(None))
                .order_by(sent.c.pledge_id).limit(limit)).all()
            room = limit - len(gone)
            rows = connection.execute(
                sa.select(pledges.c.id, pledges.c.declaration_slug, pledges.c.kind,
                          pledges.c.country, pledges.c.email_key, pledges.c.public,
                          pledges.c.anonymised_at,
                          # the data only of an institution that may be listed
                          sa.case((sa.and_(pledges.c.kind == SignerKind.INSTITUTION.value,
                                           pledges.c.public.is_(True)), pledges.c.data),
                                  else_=sa.null()).label("data"),
                          pledges.c.status, pledges.c.signed_at, pledges.c.confirmed_at)
                .select_from(pledges.outerjoin(sent, acknowledged))
                .where(confirmed, sent.c.pledge_id.is_(None))
                .order_by(pledges.c.id).limit(room)).all() if room > 0 else []
        withdrawn = [(r.pledge_id, CountWithdrawal(hash=r.hash, declaration=r.declaration_slug))
                     for r in gone]
        return [(row.id, _counted(key, city, row)) for row in rows], withdrawn

    def acknowledge(self, key: NetworkKey, signatures: list[tuple[int, CountedSignature]],
                    withdrawn: list[tuple[int, CountWithdrawal]]) -> None:
        """Note what the hub has just applied (in one transaction)."""
        sent = schema.count_sent
        stamp = now()
        ids = [pledge_id for pledge_id, _ in (*withdrawn, *signatures)]
        with self.store.write() as connection:
            if ids:
                connection.execute(sent.delete().where(sent.c.origin == self.origin,
                                                       sent.c.pledge_id.in_(ids)))
            if signatures:
                connection.execute(sent.insert(), [
                    {"origin": self.origin, "pledge_id": pledge_id,
                     "declaration_slug": s.declaration, "hash": s.hash, "key_id": key.id,
                     "sent_at": stamp} for pledge_id, s in signatures])

    def declarations(self) -> list[str]:
        """The declarations this site has reported signatures of."""
        sent = schema.count_sent
        with self.store.read() as connection:
            return list(connection.scalars(sa.select(sent.c.declaration_slug).distinct()
                                           .where(sent.c.origin == self.origin)
                                           .order_by(sent.c.declaration_slug)))

    def keep_figures(self, declaration: str, figures: dict[str, Any]) -> None:
        """Keep the network's figures of ``declaration`` as the hub gave them."""
        table = schema.network_snapshots
        key = (table.c.origin == self.origin, table.c.declaration_slug == declaration)
        stamp = now()
        with self.store.write() as connection:
            if not connection.execute(table.update().where(*key)
                                      .values(data=figures, fetched_at=stamp)).rowcount:
                connection.execute(table.insert().values(
                    origin=self.origin, declaration_slug=declaration, data=figures,
                    fetched_at=stamp))


def network_figures(store: Store, declaration: str) -> dict[str, Any] | None:
    """The network's figures of ``declaration`` last pulled from a hub (the latest of any
    hub), with ``fetched_at``; ``None`` when none was."""
    table = schema.network_snapshots
    with store.read() as connection:
        row = connection.execute(sa.select(table.c.data, table.c.fetched_at)
                                 .where(table.c.declaration_slug == declaration)
                                 .order_by(table.c.fetched_at.desc()).limit(1)).first()
    if row is None:
        return None
    return {**row.data, "fetched_at": aware(row.fetched_at)}


def _counted(key: NetworkKey, city: str, row: Any) -> CountedSignature:
    # An anonymised signature's key names its id only: qualified by the city, so that two
    # sites' anonymised signatures are never taken for one person.
    email_key = row.email_key if not row.email_key.startswith(f"{ANONYMISED}:") \
        else f"{row.email_key}:{city}"
    listing = None
    if row.data is not None and row.anonymised_at is None:  # an institution, public
        institution = load(row).institution
        if institution is not None:
            listing = ListedInstitution(name=institution.name, kind=institution.kind,
                                        website=institution.website)
    return CountedSignature(hash=signature_hash(key.secret, email_key),
                            declaration=row.declaration_slug, kind=SignerKind(row.kind),
                            country=row.country, listing=listing)
