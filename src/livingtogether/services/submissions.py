"""Practices that member cities submit to the hub, and the hub's moderation of them."""

from __future__ import annotations

import builtins

import attrs
import sqlalchemy as sa

from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..models import ModerationStatus, Practice
from ..models.hub import Submission
from .practices import PracticeService

_SUBMITTED = ModerationStatus.SUBMITTED
_PUBLISHED = ModerationStatus.PUBLISHED


def state(practice: Practice, *, changed: bool = False) -> Submission:
    """Where ``practice`` stands in moderation."""
    return Submission(slug=practice.slug, city=practice.city, status=practice.status,
                      rejection_reason=practice.rejection_reason, changed=changed)


def _content(practice: Practice) -> Practice:
    """``practice`` without its moderation state, to compare what a city wrote."""
    return attrs.evolve(practice, status=ModerationStatus.DRAFT, rejection_reason=None)


class Submissions:
    """A city's practices sent for review, and their moderation by the hub."""

    def __init__(self, practices: PracticeService) -> None:
        self.practices = practices

    def submit(self, practice: Practice, *, city: str) -> Submission:
        """Submit ``practice`` of ``city`` for review (``changed`` says if it changed anything).

        Sending what the hub already has (whatever its state) changes nothing,
        so a push can be repeated. A changed practice goes back to review.
        """
        if practice.city != city:
            raise Forbidden(f"the practice is of {practice.city!r}; a token of {city!r} "
                            f"submits only {city!r}'s practices", field="city")
        store = self.practices.store
        with store.write() as connection:
            try:
                stored = self.practices.get_in(connection, practice.slug)
            except NotFound:
                stored = None
            if stored is not None and stored.city != city:
                raise Forbidden(f"the practice {practice.slug!r} belongs to {stored.city!r}; "
                                "choose another slug", field="slug")
            wanted = attrs.evolve(practice, status=_SUBMITTED, rejection_reason=None)
            if stored is None:
                return state(self.practices.create_in(connection, wanted), changed=True)
            # Compare with what storing it would give (the body sanitised).
            candidate = self.practices._prepare(connection, wanted)
            if _content(candidate) == _content(stored):
                return state(stored)
            return state(self.practices.update_in(connection, wanted), changed=True)

    def get(self, slug: str, *, city: str | None = None) -> Submission:
        """The moderation state of ``slug`` (of ``city``, when given)."""
        practice = self.practices.get(slug)
        if city is not None and practice.city != city:
            raise Forbidden(f"the practice {slug!r} belongs to {practice.city!r}", field="slug")
        return state(practice)

    def of_city(self, city: str) -> builtins.list[Submission]:
        """The moderation state of every practice of ``city``, by slug."""
        table = self.practices.table
        with self.practices.store.read() as connection:
            rows = connection.execute(sa.select(table.c.id, table.c.data)
                                      .where(table.c.city_slug == city)
                                      .order_by(table.c.slug)).all()
            return [state(p) for p in self.practices.load_rows(connection, rows)]

    def publish(self, slug: str) -> Submission:
        """Publish a submitted practice."""
        return self._decide(slug, _PUBLISHED, None)

    def reject(self, slug: str, reason: str) -> Submission:
        """Reject a submitted practice, saying why."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("say why, so that the city can act on it", field="reason")
        return self._decide(slug, ModerationStatus.REJECTED, reason.strip())

    def _decide(self, slug: str, status: ModerationStatus, reason: str | None) -> Submission:
        with self.practices.store.write() as connection:
            stored = self.practices.get_in(connection, slug)
            if stored.status is not _SUBMITTED:
                raise Conflict(f"the practice {slug!r} is {stored.status.value}, not waiting "
                               "for review", field="status")
            return state(self.practices.update_in(connection, attrs.evolve(
                stored, status=status, rejection_reason=reason)), changed=True)
