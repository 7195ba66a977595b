"""Practices that member cities submit to the hub, and the hub's moderation of them.

This builds on the catalogue's moderation (``PracticeService``): a new
practice, or a draft or rejected one, is submitted for review; a change to a
published practice waits for review as a *revision* while the published
version stays in the catalogue.
"""

from __future__ import annotations

import builtins

import attrs

from ..errors import Forbidden, NotFound, ValidationError
from ..models import ModerationStatus, Practice
from ..models.hub import Submission
from .practices import PracticeService

_SUBMITTED = ModerationStatus.SUBMITTED
_PUBLISHED = ModerationStatus.PUBLISHED
_REJECTED = ModerationStatus.REJECTED


def state(practice: Practice, revision: Practice | None = None, *,
          changed: bool = False) -> Submission:
    """Where ``practice`` (and its pending ``revision``, if any) stands in moderation."""
    reason = practice.rejection_reason
    if revision is not None and revision.status is _REJECTED:
        reason = revision.rejection_reason
    return Submission(slug=practice.slug, city=practice.city, status=practice.status,
                      revision=revision.status if revision is not None else None,
                      rejection_reason=reason, changed=changed)


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
        so a push can be repeated. A changed practice goes back to review; a
        change to a published one waits as a revision, the published version
        staying public until the revision is published.
        """
        if practice.city != city:
            raise Forbidden(f"the practice is of {practice.city!r}; a token of {city!r} "
                            f"submits only {city!r}'s practices", field="city")
        slug = practice.slug
        wanted = attrs.evolve(practice, status=_SUBMITTED, rejection_reason=None)
        with self.practices.store.write() as connection:
            try:
                stored = self.practices.get_in(connection, slug)
            except NotFound:
                return state(self.practices.create_in(connection, wanted), changed=True)
            if stored.city != city:
                raise Forbidden(f"the practice {slug!r} belongs to {stored.city!r}; "
                                "choose another slug", field="slug")
            # Compared with what storing it would give (the body sanitised).
            candidate = _content(self.practices._prepare(connection, wanted))
            if stored.status is not _PUBLISHED:
                if candidate == _content(stored):
                    return state(stored)
                return state(self.practices.update_in(connection, wanted), changed=True)
        pending = self.practices.revision(slug)
        if candidate == _content(pending if pending is not None else stored):
            return state(stored, pending)
        self.practices.edit(wanted)
        return attrs.evolve(self.get(slug), changed=True)

    def get(self, slug: str, *, city: str | None = None) -> Submission:
        """The moderation state of ``slug`` (of ``city``, when given)."""
        practice = self.practices.get(slug)
        if city is not None and practice.city != city:
            raise Forbidden(f"the practice {slug!r} belongs to {practice.city!r}", field="slug")
        return state(practice, self.practices.revision(slug))

    def of_city(self, city: str) -> builtins.list[Submission]:
        """The moderation state of every practice of ``city``, by slug."""
        found = self.practices.list(city=city, status=None, limit=self.practices.max_page_size)
        slugs = [p.slug for p in found.items]
        for offset in range(found.limit, found.total, found.limit):
            slugs += [p.slug for p in self.practices.list(
                city=city, status=None, limit=found.limit, offset=offset).items]
        return [self.get(slug) for slug in slugs]

    def publish(self, slug: str) -> Submission:
        """Publish a submitted practice, or the submitted revision of a published one."""
        self.practices.publish(slug)
        return attrs.evolve(self.get(slug), changed=True)

    def reject(self, slug: str, reason: str) -> Submission:
        """Reject what is submitted, saying why; a published version stays published."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("say why, so that the city can act on it", field="reason")
        self.practices.reject(slug, reason.strip())
        return attrs.evolve(self.get(slug), changed=True)
