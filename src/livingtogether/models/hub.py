"""The hub: API tokens and their scopes, the change feed, submissions' moderation state."""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any

import attrs

from ..errors import ValidationError
from . import fields as f
from .pledges import DEFAULT_DECLARATION, InstitutionKind, SignerKind
from .practices import ModerationStatus

#: The hub's API paths (route templates) that the hub client requests of another site:
#: the web layer's route table declares its routes with these very templates.
HUB_SYNC_PATH = "/api/v1/sync/{kind}"
HUB_SUBMISSIONS_PATH = "/api/v1/submissions"
HUB_SUBMISSION_PATH = "/api/v1/submissions/{slug}"
#: The network's count: the key a member hashes with, its reports, the open figures.
HUB_NETWORK_KEY_PATH = "/api/v1/network/key"
HUB_NETWORK_SIGNATURES_PATH = "/api/v1/network/signatures"
HUB_NETWORK_COUNT_PATH = "/api/v1/network/count"
HUB_NETWORK_INSTITUTIONS_PATH = "/api/v1/network/institutions"

#: Most signatures and withdrawals one report may carry.
MAX_REPORT = 1000
#: A keyed hash as it travels: HMAC-SHA256, 64 lowercase hex digits.
HASH_RE = re.compile(r"[0-9a-f]{64}")


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


def _hash(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not HASH_RE.fullmatch(value):
        f.fail(attribute, "must be a keyed hash: HMAC-SHA256 of the canonical address under "
                          "the network key, as 64 lowercase hex digits (never the address)")


@attrs.frozen(kw_only=True)
class ListedInstitution:
    """An institution that signed and agreed to be listed: its public name, never its
    representative's name or address."""

    name: str = attrs.field(validator=f.text(200))
    kind: InstitutionKind = attrs.field(validator=f.instance_of(InstitutionKind))
    website: str | None = attrs.field(default=None, validator=f.url())


@attrs.frozen(kw_only=True)
class CountedSignature:
    """A confirmed signature as a member site reports it to the hub."""

    hash: str = attrs.field(validator=_hash)
    declaration: str = attrs.field(default=DEFAULT_DECLARATION, validator=f.slug)
    kind: SignerKind = attrs.field(validator=f.instance_of(SignerKind))
    country: str = attrs.field(converter=f.upper, validator=f.country)
    listing: ListedInstitution | None = attrs.field(default=None)

    @listing.validator
    def _listing(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and self.kind is not SignerKind.INSTITUTION:
            f.fail(attribute, "only an institution is listed")


@attrs.frozen(kw_only=True)
class CountWithdrawal:
    """A signature withdrawn (or no longer confirmed) on a member site: a tombstone."""

    hash: str = attrs.field(validator=_hash)
    declaration: str = attrs.field(default=DEFAULT_DECLARATION, validator=f.slug)


@attrs.frozen(kw_only=True)
class SignatureReport:
    """One batch a member site sends: its city, the key it hashed with, what changed.

    Applying a report twice changes nothing: a signature already counted for the
    city stays counted once, a withdrawal of one not counted does nothing.
    """

    city: str = attrs.field(validator=f.slug)
    key_id: int = attrs.field(validator=f.number(1, integer=True))
    signatures: tuple[CountedSignature, ...] = attrs.field(default=(),
                                                           validator=f.items(MAX_REPORT))
    withdrawn: tuple[CountWithdrawal, ...] = attrs.field(default=(),
                                                         validator=f.items(MAX_REPORT))

    def __attrs_post_init__(self) -> None:
        if len(self.signatures) + len(self.withdrawn) > MAX_REPORT:
            raise ValidationError(f"a report carries at most {MAX_REPORT} signatures and "
                                  "withdrawals together; send the rest in the next",
                                  field="signatures")


@attrs.frozen(kw_only=True)
class NetworkKey:
    """The key member sites hash addresses with; ``id`` names it in their reports."""

    id: int
    secret: str
    created_at: datetime
