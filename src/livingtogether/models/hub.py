"""The hub: API tokens and their scopes, the change feed, submissions' moderation state."""

from __future__ import annotations

import enum
import hashlib
import re
from datetime import datetime
from typing import Any

import attrs

from ..errors import ValidationError
from . import fields as f
from .pledges import DEFAULT_DECLARATION, CampaignAction, InstitutionKind, SignerKind
from .practices import ModerationStatus
from .text import Text, text_field

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
#: The network's campaign: a member's report of its participations and public screenings,
#: and the network's screenings and participations as open data.
HUB_NETWORK_CAMPAIGN_PATH = "/api/v1/network/campaign"
HUB_NETWORK_SCREENINGS_PATH = "/api/v1/network/screenings"
HUB_NETWORK_PARTICIPATIONS_PATH = "/api/v1/network/participations"

#: Most signatures and withdrawals one report may carry.
MAX_REPORT = 1000
#: Most participations, screenings and tombstones one campaign report may carry.
MAX_CAMPAIGN_REPORT = 200
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
    #: the network's public screenings, as member sites reported them to the hub
    SCREENINGS = "screenings"


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


# -- the network's campaign: participations and public screenings


def network_slug(campaign: str, city: str, key: str) -> str:
    """The network's name of the screening ``key`` of ``city`` in ``campaign``: fixed
    length whatever the slugs' lengths, and a report names only its own city's."""
    return hashlib.sha256(f"{campaign}/{city}/{key}".encode()).hexdigest()[:32]


def _actions(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or not value:
        f.fail(attribute, "name at least one action: dissemination, screening or signing")
    f.distinct(value, attribute=attribute, what="action")
    for item in value:
        if not isinstance(item, CampaignAction):
            f.fail(attribute, f"must be actions, not {type(item).__name__}")


@attrs.frozen(kw_only=True)
class NetworkParticipation:
    """A member city's part in a campaign as the hub keeps it: which ways it takes part."""

    campaign: str = attrs.field(validator=f.slug)
    city: str = attrs.field(validator=f.slug)
    actions: tuple[CampaignAction, ...] = attrs.field(validator=_actions)


def _network_slug(screening: NetworkScreening) -> str:
    return network_slug(screening.campaign, screening.city, screening.key)


@attrs.frozen(kw_only=True)
class NetworkScreening:
    """A public screening as the network sees it: what a resident anywhere needs to go,
    never anything about who registered (only how many seats are left)."""

    campaign: str = attrs.field(validator=f.slug)
    city: str = attrs.field(validator=f.slug)
    #: its name within the city's participation (made from its venue and time if the
    #: city gave it none)
    key: str = attrs.field(validator=f.slug)
    country: str = attrs.field(converter=f.upper, validator=f.country)
    city_name: Text = text_field(f.SHORT, required=True)
    #: the campaign's title
    title: Text = text_field(f.SHORT, required=True)
    venue: str = attrs.field(validator=f.text())
    address: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    #: where it is on a map: the venue's if known, else the city's
    latitude: float | None = attrs.field(default=None,
                                         validator=f.number(-90, 90, required=False))
    longitude: float | None = attrs.field(default=None,
                                          validator=f.number(-180, 180, required=False))
    starts_at: datetime = attrs.field(converter=f.to_utc, validator=f.aware_utc(required=True))
    zone: str = attrs.field(validator=f.zone)
    language: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.language))
    subtitles: tuple[str, ...] = attrs.field(default=(), validator=f.languages)
    accessibility: str | None = attrs.field(default=None,
                                            validator=f.optional_text(f.MEDIUM))
    capacity: int | None = attrs.field(
        default=None, validator=f.number(1, 1_000_000, required=False, integer=True))
    seats_left: int | None = attrs.field(
        default=None, validator=f.number(0, 1_000_000, required=False, integer=True))
    #: the screening's page on the member's site, and where to register if elsewhere
    url: str | None = attrs.field(default=None, validator=f.url())
    registration_url: str | None = attrs.field(default=None, validator=f.url())
    slug: str = attrs.field(default=attrs.Factory(_network_slug, takes_self=True))

    @slug.validator
    def _slug(self, attribute: attrs.Attribute[str], value: object) -> None:
        if value != _network_slug(self):
            f.fail(attribute, "is the network's name of the screening (made from its "
                              "campaign, city and key); leave it out")

    @longitude.validator
    def _both(self, attribute: attrs.Attribute[float | None], value: object) -> None:
        if (self.latitude is None) != (value is None):
            f.fail(attribute, "give both latitude and longitude, or neither")


@attrs.frozen(kw_only=True)
class ScreeningWithdrawal:
    """A screening of the reporting city cancelled, no longer public or deleted: a
    tombstone."""

    campaign: str = attrs.field(validator=f.slug)
    key: str = attrs.field(validator=f.slug)


@attrs.frozen(kw_only=True)
class CampaignReport:
    """One batch of a member site's campaign: its participations (and the campaigns it
    left), its public screenings (and tombstones of those gone), all of its own city.

    Applying a report twice changes nothing.
    """

    city: str = attrs.field(validator=f.slug)
    participations: tuple[NetworkParticipation, ...] = attrs.field(
        default=(), validator=f.items(MAX_CAMPAIGN_REPORT))
    #: campaigns the city no longer takes part in
    left: tuple[str, ...] = attrs.field(default=(), validator=f.slugs(MAX_CAMPAIGN_REPORT))
    screenings: tuple[NetworkScreening, ...] = attrs.field(
        default=(), validator=f.items(MAX_CAMPAIGN_REPORT))
    withdrawn: tuple[ScreeningWithdrawal, ...] = attrs.field(
        default=(), validator=f.items(MAX_CAMPAIGN_REPORT))

    def __attrs_post_init__(self) -> None:
        size = (len(self.participations) + len(self.left) + len(self.screenings)
                + len(self.withdrawn))
        if size > MAX_CAMPAIGN_REPORT:
            raise ValidationError(f"a report carries at most {MAX_CAMPAIGN_REPORT} items in "
                                  "all; send the rest in the next", field="screenings")
        for name in ("participations", "screenings"):
            for index, item in enumerate(getattr(self, name)):
                if item.city != self.city:
                    raise ValidationError(f"is of {item.city!r}; a report carries only its "
                                          f"own city's ({self.city!r})",
                                          field=f"{name}.{index}.city")
