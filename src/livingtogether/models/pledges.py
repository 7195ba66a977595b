"""The Universal Declaration of Living Together in Peace, its signatures, and
the yearly campaign day that member cities join."""

from __future__ import annotations

import enum
from datetime import date, datetime

import attrs

from ..errors import ValidationError
from . import fields as f
from .network import Signatory
from .text import Text, text_field
from .video import KitItem, Video

#: The declaration a pledge widget shows (and an admin screen opens) when none is named.
DEFAULT_DECLARATION = "universal-declaration"
#: The version of the consent text the pledge form shows; stored with each signature.
CONSENT_VERSION = "2022-1"


class SignerKind(str, enum.Enum):
    """Who signs: a person, or someone on behalf of an institution."""

    CITIZEN = "citizen"
    INSTITUTION = "institution"


class InstitutionKind(str, enum.Enum):
    """What kind of institution signs."""

    CITY = "city"
    NGO = "ngo"
    SCHOOL = "school"
    COMPANY = "company"
    OTHER = "other"


class PledgeStatus(str, enum.Enum):
    """A signature counts only once ``confirmed``."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


@attrs.frozen(kw_only=True)
class Declaration:
    """A text people sign, e.g. the Universal Declaration of Living Together in Peace."""

    slug: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    text: Text = text_field(f.LONG)
    version: int = attrs.field(default=1, validator=f.number(1, 10_000, integer=True))
    milestones: tuple[int, ...] = attrs.field(default=(), validator=f.items(50))
    #: A declaration of the network (the Montreal Declaration): the year it was adopted,
    #: the day when known, the place, the event where, and the cities that signed it.
    year: int | None = attrs.field(
        default=None, validator=f.number(1900, 2200, required=False, integer=True))
    adopted: date | None = attrs.field(default=None, validator=f.a_date(required=False))
    place: Text = text_field(f.SHORT)
    event: str | None = attrs.field(default=None, validator=f.optional_slug)
    signatories: tuple[Signatory, ...] = attrs.field(default=(), validator=f.items(500))

    @adopted.validator
    def _same_year(self, attribute: attrs.Attribute[date | None], value: object) -> None:
        if self.adopted is not None and self.year is not None \
                and self.adopted.year != self.year:
            f.fail(attribute, f"is in {self.adopted.year}, not in the year of adoption "
                              f"{self.year}; correct one of them")

    @signatories.validator
    def _signed_after(self, attribute: attrs.Attribute[tuple[Signatory, ...]],
                      value: object) -> None:
        f.distinct((s.city for s in self.signatories), attribute=attribute, what="city")
        for index, signatory in enumerate(self.signatories):
            signed = signatory.signed
            if signed is None:
                continue
            early = (self.adopted is not None and signed < self.adopted) or (
                self.year is not None and signed.year < self.year)
            if early:
                adopted = self.adopted.isoformat() if self.adopted else str(self.year)
                raise ValidationError(
                    f"{signatory.city!r} signed on {signed.isoformat()}, before the "
                    f"declaration was adopted ({adopted}); give a date on or after it",
                    field=f"signatories.{index}.signed")

    @property
    def of_network(self) -> bool:
        """Whether this is a declaration of the network (adopted, signed by cities),
        not one residents sign."""
        return bool(self.signatories) or self.year is not None or self.adopted is not None

    @milestones.validator
    def _ascending(self, attribute: attrs.Attribute[tuple[int, ...]], value: object) -> None:
        for index, milestone in enumerate(self.milestones):
            if isinstance(milestone, bool) or not isinstance(milestone, int) or milestone < 1:
                f.fail(attribute, f"item {index} must be a whole number of signatures above 0")
        if list(self.milestones) != sorted(set(self.milestones)):
            f.fail(attribute, "must be distinct and in ascending order, e.g. [1000, 10000]")


@attrs.frozen(kw_only=True)
class Institution:
    """The institution on whose behalf a representative signs."""

    name: str = attrs.field(validator=f.text())
    kind: InstitutionKind = attrs.field(validator=f.instance_of(InstitutionKind))
    representative_role: str = attrs.field(validator=f.text())
    website: str | None = attrs.field(default=None, validator=f.url())


@attrs.frozen(kw_only=True)
class Pledge:
    """A signature of a declaration, by a citizen or on behalf of an institution.

    ``name`` is the signer's (for an institution, its representative's). The
    store assigns ``id``, ``status`` and the times; a new pledge is pending.
    """

    declaration: str = attrs.field(validator=f.slug)
    kind: SignerKind = attrs.field(validator=f.instance_of(SignerKind))
    name: str = attrs.field(validator=f.text(200))
    email: str = attrs.field(validator=f.text(320))
    country: str = attrs.field(converter=f.upper, validator=f.country)
    city: str | None = attrs.field(default=None, validator=f.optional_text(200))
    public: bool = attrs.field(default=False, validator=f.instance_of(bool))
    consent_version: str = attrs.field(validator=f.text(60))
    institution: Institution | None = attrs.field(default=None)
    status: PledgeStatus = attrs.field(
        default=PledgeStatus.PENDING, validator=f.instance_of(PledgeStatus)
    )
    id: int | None = attrs.field(default=None, validator=f.number(1, required=False, integer=True))
    signed_at: datetime | None = attrs.field(
        default=None, converter=f.to_utc, validator=f.aware_utc()
    )
    confirmed_at: datetime | None = attrs.field(
        default=None, converter=f.to_utc, validator=f.aware_utc()
    )

    @institution.validator
    def _institution(self, attribute: attrs.Attribute[Institution | None], value: object) -> None:
        if self.kind is SignerKind.INSTITUTION and self.institution is None:
            f.fail(attribute, "an institutional signature needs the institution's details")
        if self.kind is SignerKind.CITIZEN and self.institution is not None:
            f.fail(attribute, "a citizen signs without institution details")


@attrs.frozen(kw_only=True)
class PledgeStats:
    """Confirmed signatures of a declaration, in all and by kind and by country."""

    declaration: str
    confirmed: int
    by_kind: dict[str, int]
    by_country: dict[str, int]
    next_milestone: int | None


@attrs.frozen(kw_only=True)
class Campaign:
    """A campaign such as the International Day of Living Together in Peace 2022."""

    slug: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    description: Text = text_field(f.LONG)
    day: date = attrs.field(validator=f.a_date())
    declaration: str | None = attrs.field(default=None, validator=f.optional_slug)
    film_url: str | None = attrs.field(default=None, validator=f.url())
    #: The film and its teaser as the widget shows them (``film_url`` is the film's
    #: address for those who only link to it).
    film: Video | None = None
    teaser: Video | None = None
    #: The partners' information folder: terms, posters, press kit, subtitles.
    kit: tuple[KitItem, ...] = attrs.field(default=(), validator=f.items(50))
    #: The zone the day is counted in ("today", "in 12 days").
    zone: str = attrs.field(default="UTC", validator=f.zone)


class CampaignAction(str, enum.Enum):
    """The three ways a city takes part in a campaign."""

    DISSEMINATION = "dissemination"
    SCREENING = "screening"
    SIGNING = "signing"


@attrs.frozen(kw_only=True)
class Dissemination:
    """A city spreading the campaign's film through its own channels."""

    channels: tuple[str, ...] = attrs.field(default=(), validator=f.strings(20))
    links: tuple[str, ...] = attrs.field(default=(), validator=f.urls)


@attrs.frozen(kw_only=True)
class Screening:
    """A screening of the film that a city organises."""

    venue: str = attrs.field(validator=f.text())
    address: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    starts_at: datetime = attrs.field(converter=f.to_utc, validator=f.aware_utc(required=True))
    zone: str = attrs.field(validator=f.zone)
    capacity: int | None = attrs.field(
        default=None, validator=f.number(1, 1_000_000, required=False, integer=True)
    )
    public: bool = attrs.field(default=True, validator=f.instance_of(bool))
    registration_url: str | None = attrs.field(default=None, validator=f.url())
    #: Its name within the participation (``cinema-may-16``): residents register for a
    #: screening with a key and a capacity (``ScreeningRegistrations``).
    key: str | None = attrs.field(default=None, validator=f.optional_slug)
    accessibility: str | None = attrs.field(default=None, validator=f.optional_text(f.MEDIUM))
    language: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.language))
    subtitles: tuple[str, ...] = attrs.field(default=(), validator=f.languages)


@attrs.frozen(kw_only=True)
class CampaignParticipation:
    """A member city's part in a campaign: one or more of the three actions."""

    campaign: str = attrs.field(validator=f.slug)
    city: str = attrs.field(validator=f.slug)
    dissemination: Dissemination | None = None
    screenings: tuple[Screening, ...] = attrs.field(default=(), validator=f.items(50))
    signed: bool = attrs.field(default=False, validator=f.instance_of(bool))

    @signed.validator
    def _some_action(self, attribute: attrs.Attribute[bool], value: object) -> None:
        if self.dissemination is None and not self.screenings and not self.signed:
            f.fail(attribute, "a city joins by disseminating the film, organising a "
                   "screening or signing; give at least one")
