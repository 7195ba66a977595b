"""The hub: API tokens and their scopes, the change feed, submissions' moderation state."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from . import fields as f
from .practices import ModerationStatus

#: The hub's API paths (route templates) that the hub client requests of another site:
#: the web layer's route table declares its routes with these very templates.
HUB_SYNC_PATH = "/api/v1/sync/{kind}"
HUB_SUBMISSIONS_PATH = "/api/v1/submissions"
HUB_SUBMISSION_PATH = "/api/v1/submissions/{slug}"


class Scope(str, enum.Enum):
    """What an API token may do."""

    #: submit and update the practices of the token's own city, read their moderation state
    SUBMIT = "submit"
    #: publish or reject submitted practices (the hub's moderators)
    MODERATE = "moderate"


class FeedKind(str, enum.Enum):
    """The kinds of record the hub's change feed carries, in the order a pull applies them."""

    CITIES = "cities"
    ORGANISATIONS = "organisations"
    THEMES = "themes"
    PRACTICES = "practices"
    SERIES = "series"
    EVENTS = "events"
    DECLARATIONS = "declarations"


@attrs.frozen(kw_only=True)
class ApiToken:
    """A token's stored description; the secret itself is shown once and stored as a hash."""

    id: int
    name: str
    city: str | None
    scopes: tuple[Scope, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the token is still accepted."""
        return self.revoked_at is None


@attrs.frozen(kw_only=True)
class FeedItem:
    """One change of the feed: the record as it is now, or a tombstone (``deleted``).

    A tombstone stands for a record deleted, or one no longer public (an
    unpublished practice); ``record`` is then ``None``.
    """

    slug: str
    deleted: bool
    changed_at: datetime
    record: dict[str, Any] | None = None


@attrs.frozen(kw_only=True)
class FeedPage:
    """One page of the change feed and the cursor to ask for the next."""

    kind: FeedKind
    items: tuple[FeedItem, ...]
    next_cursor: str
    has_more: bool
    #: how many changes come after this page (for progress bars)
    remaining: int = 0


@attrs.frozen(kw_only=True)
class Submission:
    """Where a practice submitted to the hub stands in moderation."""

    slug: str = attrs.field(validator=f.slug)
    city: str = attrs.field(validator=f.slug)
    status: ModerationStatus
    #: the state of a pending edit of a published practice (``None``: there is none)
    revision: ModerationStatus | None = None
    rejection_reason: str | None = None
    #: whether the request that answered this changed the practice (a push of what the
    #: hub has already changes nothing)
    changed: bool = False
