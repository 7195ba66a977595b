"""The moderation queue: submitted practices (a city's own and the hub's submissions),
claimed by one moderator at a time, approved or rejected with a reason, with private
notes.

A claim (``lt_claims``) says who is working on an item until when (30 minutes by
default): a second moderator cannot claim, approve or reject it meanwhile; an expired
claim is anyone's to take. Decisions go through the practices service
(``publish_in``/``reject_in``), each with its audit row in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import Conflict, ValidationError
from ..models import Practice
from ..models import fields as f
from ..store import aware, now, schema
from . import audit
from .principals import Permission, Principal

if TYPE_CHECKING:
    from ..observatory import Observatory

KIND = "practice"
CLAIM_MINUTES = 30


@attrs.frozen(kw_only=True)
class Claim:
    """Who works on an item, until when."""

    actor_id: str
    actor_name: str
    until: datetime


@attrs.frozen(kw_only=True)
class Note:
    """A moderator's private note on an item."""

    author_id: str
    author_name: str
    created_at: datetime
    text: str


@attrs.frozen(kw_only=True)
class QueueItem:
    """A practice waiting for review; ``claim`` is an active claim, if any."""

    practice: Practice
    claim: Claim | None
    notes: int


def _may(principal: Principal, city: str) -> bool:
    return (principal.can(Permission.PRACTICES_MODERATE, city)
            or principal.can(Permission.HUB_MODERATE, city))


class Moderation:
    """The review queue of one Observatory, for moderators."""

    def __init__(self, obs: Observatory) -> None:
        self.store = obs.store
        self.practices = obs.practices

    def _require(self, principal: Principal, city: str) -> None:
        if not _may(principal, city):
            principal.require(Permission.PRACTICES_MODERATE, city)

    @staticmethod
    def _claim_in(connection: Connection, slug: str) -> Claim | None:
        table = schema.claims
        row = connection.execute(sa.select(table).where(
            table.c.kind == KIND, table.c.key == slug)).first()
        if row is None:
            return None
        until = aware(row.until)
        assert until is not None
        if until <= now():
            return None
        return Claim(actor_id=row.actor_id, actor_name=row.actor_name, until=until)

    def queue(self, principal: Principal) -> list[QueueItem]:
        """What waits for review in the cities the principal moderates, by slug."""
        waiting = [p for p in self.practices.review_queue() if _may(principal, p.city)]
        notes = schema.notes
        with self.store.read() as connection:
            counts: dict[str, int] = dict(connection.execute(
                sa.select(notes.c.key, sa.func.count()).where(notes.c.kind == KIND)
                .group_by(notes.c.key)).all())
            return [QueueItem(practice=p, claim=self._claim_in(connection, p.slug),
                              notes=int(counts.get(p.slug, 0))) for p in waiting]

    def _city_in(self, connection: Connection, principal: Principal, slug: str) -> str:
        f.check_slug(slug, field="slug")
        city = self.practices.get_in(connection, slug).city
        self._require(principal, city)
        return city

    def _free_in(self, connection: Connection, principal: Principal, slug: str) -> None:
        claim = self._claim_in(connection, slug)
        if claim is not None and claim.actor_id != principal.id:
            raise Conflict(f"{claim.actor_name} is reviewing {slug!r} until "
                           f"{claim.until:%H:%M} UTC; choose another item", field="slug")

    def claim(self, principal: Principal, slug: str, *, minutes: int = CLAIM_MINUTES) -> Claim:
        """Take ``slug`` for review for ``minutes`` (again: extend one's own claim);
        ``Conflict`` while another moderator holds it."""
        f.check_number(minutes, field="minutes", minimum=1, maximum=24 * 60)
        table = schema.claims
        try:
            with self.store.write() as connection:
                city = self._city_in(connection, principal, slug)
                self._free_in(connection, principal, slug)
                stamp = now()
                until = stamp + timedelta(minutes=minutes)
                # Only one's own or an expired claim goes: a claim another moderator
                # committed since the check above stays, and the insert's primary key
                # refuses the second claim (two moderators claiming at once).
                connection.execute(table.delete().where(
                    table.c.kind == KIND, table.c.key == slug,
                    sa.or_(table.c.actor_id == principal.id, table.c.until <= stamp)))
                connection.execute(table.insert().values(
                    kind=KIND, key=slug, actor_id=principal.id, actor_name=principal.name,
                    until=until))
                audit.record(connection, principal, "claim", kind=KIND, key=slug, city=city,
                             summary=f"until {until:%Y-%m-%d %H:%M} UTC")
        except sa.exc.IntegrityError:
            with self.store.read() as connection:
                self._free_in(connection, principal, slug)  # names who won
            raise Conflict(f"another moderator claimed {slug!r} at the same moment; choose "
                           "another item", field="slug") from None
        return Claim(actor_id=principal.id, actor_name=principal.name, until=until)

    def release(self, principal: Principal, slug: str) -> None:
        """Give back one's claim on ``slug`` (nothing if one holds none)."""
        table = schema.claims
        with self.store.write() as connection:
            self._city_in(connection, principal, slug)
            connection.execute(table.delete().where(
                table.c.kind == KIND, table.c.key == slug, table.c.actor_id == principal.id))

    def _decide_in(self, connection: Connection, principal: Principal, slug: str) -> str:
        city = self._city_in(connection, principal, slug)
        self._free_in(connection, principal, slug)
        table = schema.claims
        connection.execute(table.delete().where(table.c.kind == KIND, table.c.key == slug))
        return city

    def approve(self, principal: Principal, slug: str) -> Practice:
        """Publish what ``slug`` submitted (the practice, or the edit of a published one)."""
        with self.store.write() as connection:
            city = self._decide_in(connection, principal, slug)
            published = self.practices.publish_in(connection, slug)
            audit.record(connection, principal, "approve", kind=KIND, key=slug, city=city)
        return published

    def reject(self, principal: Principal, slug: str, reason: str) -> Practice:
        """Reject what ``slug`` submitted, with a reason the city can act on."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("say why, so that the city can act on it", field="reason")
        reason = f.check_text(reason.strip(), field="reason", max_length=f.MEDIUM,
                              multiline=True)
        with self.store.write() as connection:
            city = self._decide_in(connection, principal, slug)
            rejected = self.practices.reject_in(connection, slug, reason)
            audit.record(connection, principal, "reject", kind=KIND, key=slug, city=city,
                         summary=reason)
        return rejected

    def add_note(self, principal: Principal, slug: str, text: str) -> Note:
        """Add a private note on ``slug``, seen only by moderators."""
        f.check_text(text, field="text", max_length=f.MEDIUM, multiline=True)
        if not text.strip():
            raise ValidationError("write the note first", field="text")
        stamp = now()
        with self.store.write() as connection:
            city = self._city_in(connection, principal, slug)
            connection.execute(schema.notes.insert().values(
                kind=KIND, key=slug, author_id=principal.id, author_name=principal.name,
                created_at=stamp, text=text.strip()))
            audit.record(connection, principal, "note", kind=KIND, key=slug, city=city)
        return Note(author_id=principal.id, author_name=principal.name, created_at=stamp,
                    text=text.strip())

    def notes(self, principal: Principal, slug: str) -> list[Note]:
        """The private notes on ``slug``, oldest first."""
        table = schema.notes
        with self.store.read() as connection:
            self._city_in(connection, principal, slug)
            rows = connection.execute(sa.select(table).where(
                table.c.kind == KIND, table.c.key == slug).order_by(table.c.id)).all()
        return [Note(author_id=r.author_id, author_name=r.author_name,
                     created_at=aware(r.created_at), text=r.text)  # type: ignore[arg-type]
                for r in rows]
