"""Keyed hashes, form tokens and rate limits shared by every process through the database.

Tokens and client IPs are stored only as HMAC-SHA256 with the secret key, so a
copy of the database neither confirms a signature nor reveals who signed from
where. The key is the ``secret_key`` setting, else one generated once and kept
in the database (fine for a demo; a site sets its own).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..store import Store, now, schema
from ..store.bulk import per_dialect
from ..store.bulk import upsert as upsert  # the one dialect INSERT, services use it here


def upsert_add(connection: Connection, table: sa.Table, keys: dict[str, Any], column: str,
               delta: int, **values: Any) -> int:
    """Add ``delta`` to ``column`` of the row ``keys`` (created at ``delta``); the new value.

    One statement (``INSERT .. ON CONFLICT DO UPDATE``), so concurrent callers
    never lose an update on either database.
    """
    statement = upsert(connection, table).values(
        **keys, **{column: delta}, **values,
    ).on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + delta, **values},
    ).returning(table.c[column])
    return int(connection.scalar(statement) or 0)


class Keys:
    """The secret key's uses: keyed hashes, random tokens and time-stamped form tokens."""

    def __init__(self, store: Store, secret_key: str | None) -> None:
        self.store = store
        self._key = secret_key.encode("utf-8") if secret_key else None

    @property
    def key(self) -> bytes:
        """The secret key, read from (or created in) the database when no setting gives one."""
        if self._key is None:
            self._key = self._stored_key()
        return self._key

    def load(self) -> None:
        """Read (or make) the key now, outside any transaction."""
        self.key  # noqa: B018 (read for its effect)

    def _stored_key(self) -> bytes:
        """The generated key; never call it inside a write transaction (SQLite has one writer)."""
        table = schema.secrets
        with self.store.read() as connection:
            found = connection.scalar(sa.select(table.c.value).where(table.c.name == "hash-key"))
        if found is not None:
            return str(found).encode("utf-8")
        with self.store.write() as connection:
            found = connection.scalar(sa.select(table.c.value).where(table.c.name == "hash-key"))
            if found is None:
                found = secrets.token_urlsafe(48)
                connection.execute(upsert(connection, table).values(
                    name="hash-key", value=found, created_at=now()).on_conflict_do_nothing())
                found = connection.scalar(
                    sa.select(table.c.value).where(table.c.name == "hash-key"))
        return str(found).encode("utf-8")

    def hash(self, purpose: str, value: str) -> str:
        """The keyed hash of ``value`` for ``purpose`` (64 hex digits)."""
        message = f"{purpose}\x00{value}".encode("utf-8", "surrogatepass")
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    @staticmethod
    def token() -> str:
        """A new random token for a link (256 bits, URL-safe)."""
        return secrets.token_urlsafe(32)

    def form_token(self, issued: float | None = None) -> str:
        """A token for the signing form: when it was shown and a random nonce, signed
        with the key. ``issued`` keeps the time of a form shown again after an error,
        so that the resident need not wait the minimum fill time once more."""
        stamp = str(int(issued if issued is not None else time.time()))
        body = f"{stamp}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self.hash('form', body)[:32]}"

    def form_issued(self, token: str) -> int | None:
        """When the form carrying ``token`` was shown (epoch seconds); ``None`` if forged."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        stamp, nonce, signature = parts
        if not stamp.isdigit() or len(stamp) > 12 or not 1 <= len(nonce) <= 32:
            return None
        if not hmac.compare_digest(signature, self.hash("form", f"{stamp}.{nonce}")[:32]):
            return None
        return int(stamp)

    def form_age(self, token: str) -> float | None:
        """Seconds since the form carrying ``token`` was shown; ``None`` if it is forged."""
        issued = self.form_issued(token)
        return None if issued is None else time.time() - issued

    def use_form_token(self, token: str, *, valid_for: timedelta) -> bool:
        """Record that ``token`` was posted; ``False`` if it was posted before.

        One row per used token (its keyed hash, until it would expire anyway) with a
        primary key, so two posts at once in two processes cannot both pass.
        """
        digest = self.form_used_hash(token)
        with self.store.write() as connection:
            return use_form_token_in(connection, digest, valid_for=valid_for)

    def form_used_hash(self, token: str) -> str:
        """The keyed hash under which the use of ``token`` is recorded."""
        return self.hash("form-used", token)


#: Record a form token's use (signing on PostgreSQL holds it in its one statement).
USE_FORM = per_dialect(lambda insert: insert(schema.form_tokens).values(
    token_hash=sa.bindparam("digest"), expires_at=sa.bindparam("expires"),
).on_conflict_do_nothing(index_elements=["token_hash"]).returning(
    schema.form_tokens.c.token_hash))


def use_form_token_in(connection: Connection, digest: str, *, valid_for: timedelta) -> bool:
    """Record within the caller's transaction that the form token of keyed hash
    ``digest`` (:meth:`Keys.form_used_hash`) was posted; ``False`` if it was before."""
    inserted = connection.scalar(USE_FORM[connection.dialect.name],
                                 {"digest": digest, "expires": now() + valid_for})
    return inserted is not None


def hit(connection: Connection, scope: str, subject: str, *, limit: int,
        window: timedelta) -> bool:
    """Count one hit of ``subject`` (already hashed) in the current window of ``scope``.

    ``True`` while the window's hits stay within ``limit``; the windows are
    fixed (e.g. each clock hour) and their rows expire with them.
    """
    hits = connection.scalar(HIT[connection.dialect.name], hit_values(scope, subject, window))
    return int(hits or 0) <= limit


def hit_values(scope: str, subject: str, window: timedelta) -> dict[str, Any]:
    """The parameters of one hit's statement (:data:`HIT`, or a statement holding it): the
    row's key (``scope``, the current window, ``subject``) and its expiry."""
    seconds = int(window.total_seconds())
    bucket = int(time.time()) // seconds
    return {"hit_key": f"{scope}:{bucket}:{subject}"[:120], "hit_expires": now() + window}


_LIMITS = schema.rate_limits
#: :func:`upsert_add` of one hit, made once (the hot path of every signature; signing on
#: PostgreSQL holds it in its one statement).
HIT = per_dialect(lambda insert: insert(_LIMITS).values(
    key=sa.bindparam("hit_key"), hits=1, expires_at=sa.bindparam("hit_expires"),
).on_conflict_do_update(
    index_elements=["key"],
    set_={"hits": _LIMITS.c.hits + 1, "expires_at": sa.bindparam("hit_expires")},
).returning(_LIMITS.c.hits))


#: One :func:`retry_after` call in this many also removes the rate-limit windows past.
PURGE_ONE_IN = 500


def retry_after(store: Store, scope: str, subject: str, *, limit: int,
                window: timedelta) -> int:
    """Count one hit (:func:`hit`) in its own short transaction; ``0`` while within
    ``limit``, else the seconds until the window ends. The transaction changes no
    data version (``lt_rate_limits`` is no reader's), so the widget cache stays. About one
    call in ``PURGE_ONE_IN`` also removes the windows past (``pledges retention``
    does too), so that a busy search does not pile them up between two runs."""
    with store.write() as connection:
        if secrets.randbelow(PURGE_ONE_IN) == 0:
            table = schema.rate_limits
            connection.execute(table.delete().where(table.c.expires_at < now()))
        if hit(connection, scope, subject, limit=limit, window=window):
            return 0
    seconds = int(window.total_seconds())
    return seconds - int(time.time()) % seconds
