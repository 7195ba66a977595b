"""Per-city API tokens for writing to the hub, stored only as hashes.

A token is ``lt_`` and 43 URL-safe characters (256 random bits), shown once
when created. The database keeps its SHA-256: a token carries enough entropy
that a plain hash is as safe as a slow one, and a lookup stays one indexed
query. Each token names its city (``None`` for the hub's moderators) and its
scopes (:class:`~livingtogether.models.hub.Scope`).
"""

from __future__ import annotations

import builtins
import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ..errors import Forbidden, NotFound, Unauthorized, ValidationError
from ..models import fields as f
from ..models.hub import ApiToken, Scope
from ..store import Store, aware, now, schema
from .base import require as require_row

PREFIX = "lt_"
TOKEN_RE = re.compile(r"lt_[A-Za-z0-9_-]{43}")


def token_hash(secret: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def _scopes(values: Iterable[Scope | str]) -> tuple[Scope, ...]:
    found: list[Scope] = []
    for value in values:
        try:
            scope = Scope(value)
        except ValueError:
            allowed = ", ".join(s.value for s in Scope)
            raise ValidationError(f"{value!r} is not a scope; the scopes are: {allowed}",
                                  field="scopes") from None
        if scope not in found:
            found.append(scope)
    if not found:
        raise ValidationError("give the token at least one scope", field="scopes")
    return tuple(found)


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id, name=row.name, city=row.city_slug,
        scopes=tuple(Scope(s) for s in row.scopes.split()),
        created_at=aware(row.created_at),  # type: ignore[arg-type]
        revoked_at=aware(row.revoked_at), last_used_at=aware(row.last_used_at))


class TokenService:
    """Create, list, revoke and check API tokens."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, *, name: str, city: str | None, scopes: Iterable[Scope | str],
               ) -> tuple[ApiToken, str]:
        """A new token and its secret (shown once: only its hash is stored).

        ``submit`` needs a ``city``, which must exist.
        """
        chosen = _scopes(scopes)
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError("give the token a name of 1 to 100 characters, e.g. "
                                  "'montreal-site'", field="name")
        if city is not None:
            f.check_slug(city, field="city")
        if Scope.SUBMIT in chosen and city is None:
            raise ValidationError("a token that submits practices belongs to a city; "
                                  "give --city", field="city")
        secret = PREFIX + secrets.token_urlsafe(32)
        stamp = now()
        table = schema.api_tokens
        with self.store.write() as connection:
            if city is not None:
                require_row(connection, schema.cities, city, ValidationError(
                    f"there is no city {city!r}; add the city first", field="city"))
            new_id = connection.scalar(table.insert().values(
                token_hash=token_hash(secret), name=name, city_slug=city,
                scopes=" ".join(s.value for s in chosen), created_at=stamp,
            ).returning(table.c.id))
        assert new_id is not None
        return ApiToken(id=new_id, name=name, city=city, scopes=chosen,
                        created_at=stamp), secret

    def list(self) -> builtins.list[ApiToken]:
        """Every token, revoked ones included, oldest first."""
        table = schema.api_tokens
        with self.store.read() as connection:
            return [_token(row) for row in connection.execute(
                sa.select(table).order_by(table.c.id))]

    def revoke(self, token_id: int) -> ApiToken:
        """Revoke a token at once; revoking twice is harmless."""
        table = schema.api_tokens
        with self.store.write() as connection:
            connection.execute(table.update().where(table.c.id == token_id,
                                                    table.c.revoked_at.is_(None))
                               .values(revoked_at=now()))
            row = connection.execute(sa.select(table).where(table.c.id == token_id)).first()
        if row is None:
            raise NotFound(f"there is no token {token_id}; `livingtogether hub token list` "
                           "shows them", field="id")
        return _token(row)

    def authenticate(self, secret: str | None) -> ApiToken:
        """The active token whose secret this is; ``Unauthorized`` otherwise."""
        if not secret:
            raise Unauthorized("this needs an API token: send 'Authorization: Bearer <token>'")
        if not TOKEN_RE.fullmatch(secret):
            raise Unauthorized("the API token is malformed; tokens look like 'lt_' and 43 "
                               "letters, digits, '-' or '_'")
        wanted = token_hash(secret)
        table = schema.api_tokens
        with self.store.read() as connection:
            row = connection.execute(
                sa.select(table).where(table.c.token_hash == wanted)).first()
        if row is None:
            raise Unauthorized("the API token is not known here; ask the hub for one")
        if row.revoked_at is not None:
            raise Unauthorized("the API token was revoked; ask the hub for a new one")
        return _token(row)

    def touch(self, token: ApiToken) -> None:
        """Note that ``token`` was just used (shown by ``hub token list``)."""
        table = schema.api_tokens
        with self.store.write() as connection:
            connection.execute(table.update().where(table.c.id == token.id)
                               .values(last_used_at=now()))


def require(token: ApiToken, scope: Scope, *, city: str | None = None) -> None:
    """``Forbidden`` unless ``token`` has ``scope`` (and, when given, belongs to ``city``)."""
    if scope not in token.scopes:
        raise Forbidden(f"the token {token.name!r} lacks the scope {scope.value!r}")
    if city is not None and token.city != city:
        raise Forbidden(f"the token {token.name!r} belongs to "
                        f"{token.city or 'no city'!r}, not to {city!r}", field="city")
