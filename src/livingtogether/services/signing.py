"""Signing (``obs.signing``): a signature stored pending with its confirmation email,
its confirmation and withdrawal, by id or by the links' single-use tokens.

``sign`` stores a pending signature and its confirmation email (in the outbox)
in one transaction; one signature per person and declaration, guaranteed by a
unique constraint on the dedupe key of the address (:func:`.pledges.email_key`).
A confirmation adds one to the counters of :mod:`.pledge_stats` in the same
transaction; a withdrawal of a confirmed signature takes one away.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import NotFound, TooManyRequests
from ..models import Pledge, PledgeStatus
from ..settings import Settings
from ..store import Store, aware, now, schema
from .base import is_unique_violation
from .guard import Keys, hit
from .outbox import ALREADY_SIGNED, CONFIRM, CONFIRM_TOKEN, WITHDRAW_TOKEN, enqueue, sent_recently
from .pledge_stats import count
from .pledges import (
    check_names,
    clean_text,
    dump,
    exists_or_not_found,
    get_in,
    load,
    normalise_email,
    select,
)


@attrs.frozen(kw_only=True)
class TokenCheck:
    """What a confirmation or withdrawal link leads to.

    ``state`` is ``valid`` (the button will act), ``done`` (confirmed already,
    for a confirmation link) or ``invalid`` (unknown, used or expired).
    """

    state: str
    declaration: str | None = None


class SigningService:
    """Sign, resend, confirm and withdraw. Signing and the links are the public's;
    :meth:`confirm` and :meth:`withdraw` by id are for organisers (the staff
    console's ``signatures.withdraw``)."""

    def __init__(self, store: Store, settings: Settings, keys: Keys) -> None:
        self.store = store
        self.settings = settings
        self.keys = keys

    def sign(self, pledge: Pledge, *, language: str = "en", ip: str | None = None) -> Pledge:
        """Store a pending signature and its confirmation email; return the signature.

        A repeated address keeps the first signature, returns it, and queues a
        "you have already signed" email instead (at most ``pledge_email_limit``
        emails per address a day), so that the answer never tells who signed.
        ``ip`` (the client's) counts against ``pledge_ip_limit`` and is stored
        only as a keyed hash. ``TooManyRequests`` past the limit.
        """
        check_names(pledge)
        email, key = normalise_email(pledge.email)
        pledge = attrs.evolve(
            pledge, email=email, name=clean_text(pledge.name),
            city=clean_text(pledge.city) if pledge.city else None,
            status=PledgeStatus.PENDING, id=None, signed_at=now(), confirmed_at=None,
        )
        ip_hash = self.keys.hash("ip", ip) if ip else None
        table = schema.pledges
        with self.store.write() as connection:
            exists_or_not_found(connection, schema.declarations, pledge.declaration,
                                "declaration")
            limit = self.settings.pledge_ip_limit
            if ip_hash and limit and not hit(connection, "sign-ip", ip_hash, limit=limit,
                                             window=timedelta(hours=1)):
                raise TooManyRequests(
                    f"too many signatures from your network in the last hour (the limit is "
                    f"{limit}); please try again later", retry_after=3600)
            try:
                with connection.begin_nested():
                    new_id = connection.scalar(table.insert().values(
                        declaration_slug=pledge.declaration, kind=pledge.kind.value,
                        status=pledge.status.value, email_key=key, country=pledge.country,
                        public=pledge.public, data=dump(pledge),
                        signed_at=pledge.signed_at, ip_hash=ip_hash,
                    ).returning(table.c.id))
            except sa.exc.IntegrityError as error:
                if not is_unique_violation(error):
                    raise
                return self._signed_before(connection, pledge.declaration, key, language)
            assert new_id is not None
            enqueue(connection, new_id, CONFIRM, language)
        return attrs.evolve(pledge, id=new_id)

    def _signed_before(self, connection: Connection, declaration: str, key: str,
                       language: str) -> Pledge:
        """This address has signed already: the first signature stands, and its signer
        hears of it (within the daily limit of emails)."""
        table = schema.pledges
        row = connection.execute(select().where(
            table.c.declaration_slug == declaration, table.c.email_key == key)).first()
        assert row is not None
        found = load(row)
        assert found.id is not None
        since = now() - timedelta(days=1)
        if sent_recently(connection, found.id, since) < self.settings.pledge_email_limit:
            enqueue(connection, found.id, ALREADY_SIGNED, language)
        return found

    def resend(self, pledge_id: int, *, language: str = "en") -> bool:
        """Queue the confirmation email again; ``False`` when today's limit is reached."""
        with self.store.write() as connection:
            status = connection.scalar(sa.select(schema.pledges.c.status)
                                       .where(schema.pledges.c.id == pledge_id))
            if status is None:
                raise NotFound(f"there is no signature {pledge_id}", field="id")
            since = now() - timedelta(days=1)
            if sent_recently(connection, pledge_id, since) >= self.settings.pledge_email_limit:
                return False
            enqueue(connection, pledge_id, CONFIRM, language)
        return True

    # -- confirming and withdrawing

    def confirm(self, pledge_id: int) -> Pledge:
        """Count a pending signature; confirming twice changes nothing."""
        with self.store.write() as connection:
            self._confirm_in(connection, pledge_id)
            return get_in(connection, pledge_id)

    @staticmethod
    def _confirm_in(connection: Connection, pledge_id: int) -> bool:
        table = schema.pledges
        row = connection.execute(
            table.update()
            .where(table.c.id == pledge_id, table.c.status == PledgeStatus.PENDING.value)
            .values(status=PledgeStatus.CONFIRMED.value, confirmed_at=now())
            .returning(table.c.declaration_slug, table.c.kind, table.c.country)
        ).first()
        if row is None:
            return False
        count(connection, row, +1)
        tokens = schema.pledge_tokens
        connection.execute(tokens.delete().where(tokens.c.pledge_id == pledge_id,
                                                 tokens.c.purpose == CONFIRM_TOKEN))
        return True

    def withdraw(self, pledge_id: int) -> None:
        """Withdraw a signature, erasing it with all its personal data and its emails."""
        with self.store.write() as connection:
            if not self._withdraw_in(connection, pledge_id):
                raise NotFound(f"there is no signature {pledge_id}", field="id")

    @staticmethod
    def _withdraw_in(connection: Connection, pledge_id: int) -> bool:
        table = schema.pledges
        row = connection.execute(
            table.delete().where(table.c.id == pledge_id)
            .returning(table.c.declaration_slug, table.c.kind, table.c.country, table.c.status)
        ).first()
        if row is None:
            return False
        if row.status == PledgeStatus.CONFIRMED.value:
            count(connection, row, -1)
        return True

    # -- the links

    def check_token(self, purpose: str, token: str) -> TokenCheck:
        """Where a link's token leads, without changing anything (for the GET page)."""
        digest = self._token_hash(purpose, token)
        with self.store.read() as connection:
            row = self._token_row(connection, purpose, digest)
        return _token_check(row)

    def confirm_token(self, token: str) -> TokenCheck:
        """Confirm the signature of a confirmation link's token (single use)."""
        digest = self._token_hash(CONFIRM_TOKEN, token)
        with self.store.write() as connection:
            row = self._token_row(connection, CONFIRM_TOKEN, digest)
            check = _token_check(row)
            if check.state == "valid":
                self._confirm_in(connection, row.pledge_id)
        return check

    def withdraw_token(self, token: str) -> TokenCheck:
        """Withdraw and erase the signature of a withdrawal link's token."""
        digest = self._token_hash(WITHDRAW_TOKEN, token)
        with self.store.write() as connection:
            row = self._token_row(connection, WITHDRAW_TOKEN, digest)
            check = _token_check(row)
            if check.state != "invalid":
                self._withdraw_in(connection, row.pledge_id)
        return check

    def _token_hash(self, purpose: str, token: str) -> str | None:
        # Hashed before any transaction opens: the key may have to be read first.
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        return self.keys.hash(purpose, token)

    @staticmethod
    def _token_row(connection: Connection, purpose: str, digest: str | None) -> Any:
        if digest is None:
            return None
        tokens, pledges = schema.pledge_tokens, schema.pledges
        return connection.execute(
            sa.select(tokens.c.pledge_id, tokens.c.expires_at, pledges.c.status,
                      pledges.c.declaration_slug)
            .join(pledges, pledges.c.id == tokens.c.pledge_id)
            .where(tokens.c.token_hash == digest,
                   tokens.c.purpose == purpose)
        ).first()


def _token_check(row: Any) -> TokenCheck:
    if row is None or (aware(row.expires_at) or now()) < now():
        return TokenCheck(state="invalid")
    state = "done" if row.status == PledgeStatus.CONFIRMED.value else "valid"
    return TokenCheck(state=state, declaration=row.declaration_slug)
