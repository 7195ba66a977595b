"""Signing (``obs.signing``): a signature stored pending with its confirmation email,
its confirmation and withdrawal, by id or by the links' single-use tokens.

``sign`` stores a pending signature and its confirmation email (in the outbox)
in one transaction; one signature per person and declaration, guaranteed by a
unique constraint on the dedupe key of the address (:func:`.pledges.email_key`).
A confirmation adds one to the counters of :mod:`.pledge_stats` in the same
transaction; a withdrawal of a confirmed signature takes one away.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..errors import Conflict, NotFound, TooManyRequests
from ..models import Pledge, PledgeStatus
from ..settings import Settings
from ..store import Store, aware, now, schema
from .base import is_unique_violation
from .guard import HIT, USE_FORM, Keys, hit_values
from .outbox import ALREADY_SIGNED, CONFIRM, CONFIRM_TOKEN, WITHDRAW_TOKEN, enqueue, sent_recently
from .pledge_stats import count
from .pledges import (
    check_names,
    clean_text,
    dump,
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

    def sign(self, pledge: Pledge, *, language: str = "en", ip: str | None = None,
             form_token: str | None = None, form_valid_for: timedelta | None = None,
             ) -> Pledge:
        """Store a pending signature and its confirmation email; return the signature.

        A repeated address keeps the first signature, returns it, and queues a
        "you have already signed" email instead (at most ``pledge_email_limit``
        emails per address a day), so that the answer never tells who signed.
        ``ip`` (the client's) counts against ``pledge_ip_limit`` and is stored
        only as a keyed hash. ``TooManyRequests`` past the limit.

        ``form_token`` (the signing form's, already checked genuine by the web
        layer) is recorded as used, valid for ``form_valid_for``, in the same
        transaction: :class:`FormTokenUsed` if it was posted before, and then
        nothing is stored.

        One transaction of the fewest statements: the form token and the rate
        counter (when given), then the signature and its email. The dedupe is
        the unique index (an ``INSERT .. ON CONFLICT DO NOTHING``: no read
        before), an unknown declaration its foreign key. On PostgreSQL all four
        are one statement (a data-modifying ``WITH``: one round trip between
        BEGIN and COMMIT), whose signature is inserted only when the form token
        was fresh and the counter within the limit; either refusal then rolls
        the whole of it back, as on SQLite, where each is a statement of its own.
        """
        check_names(pledge)
        email, key = normalise_email(pledge.email)
        pledge = attrs.evolve(
            pledge, email=email, name=clean_text(pledge.name),
            city=clean_text(pledge.city) if pledge.city else None,
            status=PledgeStatus.PENDING, id=None, signed_at=now(), confirmed_at=None,
        )
        ip_hash = self.keys.hash("ip", ip) if ip else None
        used = self.keys.form_used_hash(form_token) if form_token is not None else None
        limit = self.settings.pledge_ip_limit
        values = {"p_declaration_slug": pledge.declaration, "p_kind": pledge.kind.value,
                  "p_status": pledge.status.value, "p_email_key": key,
                  "p_country": pledge.country, "p_public": pledge.public, "p_data": dump(pledge),
                  "p_signed_at": pledge.signed_at, "p_ip_hash": ip_hash,
                  "o_language": language[:35], "o_stamp": pledge.signed_at}
        if ip_hash and limit:
            values.update(hit_values("sign-ip", ip_hash, timedelta(hours=1)), r_limit=limit)
        if used is not None:
            values.update(digest=used, expires=now() + (form_valid_for or timedelta(days=1)))
        with self.store.write() as connection:
            signed = _sign_postgresql if connection.dialect.name == "postgresql" \
                else _sign_sqlite
            fresh, hits, new_id = signed(connection, values, pledge.declaration)
            if not fresh:
                raise FormTokenUsed("this form was sent already; check the details and send "
                                    "it again", field="form_token")
            if hits is not None and hits > limit:
                raise TooManyRequests(
                    f"too many signatures from your network in the last hour (the limit is "
                    f"{limit}); please try again later", retry_after=3600)
            if new_id is None:  # this address has signed already
                return self._signed_before(connection, pledge.declaration, key, language)
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
            if not self.withdraw_in(connection, pledge_id):
                raise NotFound(f"there is no signature {pledge_id}", field="id")

    @staticmethod
    def withdraw_in(connection: Connection, pledge_id: int) -> bool:
        """Withdraw ``pledge_id`` within an open transaction (as the staff layer does, with
        its audit row); False when there is no such signature."""
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
                self.withdraw_in(connection, row.pledge_id)
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


class FormTokenUsed(Conflict):
    """The signing form's token was posted before (each is good for one post)."""


_PLEDGES, _OUTBOX = schema.pledges, schema.outbox
_COLUMNS = ("declaration_slug", "kind", "status", "email_key", "country", "public", "data",
            "signed_at", "ip_hash")


def _new_pledge(insert: Any) -> Any:
    """``INSERT INTO lt_pledges .. ON CONFLICT (declaration, key) DO NOTHING RETURNING id``
    with the parameters ``p_<column>``."""
    return insert(_PLEDGES).values({
        name: sa.bindparam(f"p_{name}", type_=_PLEDGES.c[name].type) for name in _COLUMNS
    }).on_conflict_do_nothing(index_elements=["declaration_slug", "email_key"]).returning(
        _PLEDGES.c.id)


#: The confirmation email's row, with the parameters ``o_language`` and ``o_stamp``.
_EMAIL = {"kind": CONFIRM, "status": "pending", "attempts": 0}


def _signed_and_queued(*, token: bool, rate: bool) -> Any:
    """PostgreSQL's one statement for a signature: the form token's use (``token``), the
    rate counter's hit (``rate``), the signature and its email. The signature is inserted
    only when the token was fresh and the hits within ``r_limit``, and its email from the
    signature's ``RETURNING``, so a conflict inserts neither; the statement answers
    ``fresh`` (the token was), ``hits`` and the new signature's ``new_id``."""
    ctes: list[Any] = []
    allowed: list[Any] = []
    fresh: Any = sa.true()
    hits: Any = sa.null()
    if token:
        used = USE_FORM["postgresql"].cte("used_form")
        ctes.append(used)
        fresh = sa.exists(sa.select(used.c.token_hash))
        allowed.append(fresh)
    if rate:
        counted = HIT["postgresql"].cte("hit")
        ctes.append(counted)
        hits = sa.select(counted.c.hits).scalar_subquery()
        allowed.append(hits <= sa.bindparam("r_limit", type_=sa.Integer))
    row = sa.select(*(sa.bindparam(f"p_{name}", type_=_PLEDGES.c[name].type)
                      for name in _COLUMNS))
    if allowed:
        row = row.where(*allowed)
    new = postgresql.insert(_PLEDGES).from_select(list(_COLUMNS), row).on_conflict_do_nothing(
        index_elements=["declaration_slug", "email_key"]).returning(_PLEDGES.c.id).cte(
        "new_pledge")
    stamp = sa.bindparam("o_stamp", type_=_OUTBOX.c.created_at.type)
    rows = sa.select(new.c.id, sa.literal(CONFIRM), sa.bindparam("o_language"),
                     sa.literal("pending"), sa.literal(0), stamp, stamp)
    queued = _OUTBOX.insert().from_select(
        ["pledge_id", "kind", "language", "status", "attempts", "next_attempt_at",
         "created_at"], rows).returning(_OUTBOX.c.pledge_id).cte("queued")
    return sa.select(fresh.label("fresh"), hits.label("hits"),
                     sa.select(queued.c.pledge_id).scalar_subquery().label("new_id")
                     ).add_cte(*ctes, new, queued)


#: The statement for each case: with a form token or not, with a rate limit or not.
_SIGN = {(token, rate): _signed_and_queued(token=token, rate=rate)
         for token in (False, True) for rate in (False, True)}
_NEW_SQLITE = _new_pledge(sqlite.insert)


def _sign_postgresql(connection: Connection, values: dict[str, Any],
                     declaration: str) -> tuple[bool, int | None, int | None]:
    """The signature ``values`` in one statement: (the form token was fresh, the hits of
    the rate counter, the new id or ``None``)."""
    statement = _SIGN["digest" in values, "hit_key" in values]
    with _unknown_declaration(declaration):
        row = connection.execute(statement, values).one()
    return (bool(row.fresh), None if row.hits is None else int(row.hits),
            None if row.new_id is None else int(row.new_id))


def _sign_sqlite(connection: Connection, values: dict[str, Any],
                 declaration: str) -> tuple[bool, int | None, int | None]:
    """What :func:`_sign_postgresql` does, a statement each: the form token's use, the
    rate counter's hit, then (when both allow) the signature and its email."""
    if "digest" in values and connection.scalar(USE_FORM["sqlite"], values) is None:
        return False, None, None
    hits = int(connection.scalar(HIT["sqlite"], values) or 0) if "hit_key" in values else None
    if hits is not None and hits > values["r_limit"]:
        return True, hits, None
    return True, hits, _insert_sqlite(connection, values, declaration)


def _insert_sqlite(connection: Connection, values: dict[str, Any],
                   declaration: str) -> int | None:
    """Insert the signature ``values`` and its confirmation email; its id, or ``None``
    when the address has signed already (then nothing is written)."""
    with _unknown_declaration(declaration):
        new_id = connection.scalar(_NEW_SQLITE, values)
    if new_id is not None:
        stamp = values["o_stamp"]
        connection.execute(_OUTBOX.insert(), {**_EMAIL, "pledge_id": new_id,
                                              "language": values["o_language"],
                                              "next_attempt_at": stamp, "created_at": stamp})
    return None if new_id is None else int(new_id)


@contextmanager
def _unknown_declaration(declaration: str) -> Iterator[None]:
    """A foreign-key failure of the signature's insert as ``NotFound`` of its declaration."""
    try:
        yield
    except sa.exc.IntegrityError as error:
        if is_unique_violation(error) or "foreign key" not in str(error.orig).lower():
            raise
        raise NotFound(f"there is no declaration {declaration!r}",
                       field="declaration") from None


def _token_check(row: Any) -> TokenCheck:
    if row is None or (aware(row.expires_at) or now()) < now():
        return TokenCheck(state="invalid")
    state = "done" if row.status == PledgeStatus.CONFIRMED.value else "valid"
    return TokenCheck(state=state, declaration=row.declaration_slug)
