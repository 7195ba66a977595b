"""Member cities of the Observatory's network and their membership over time.

A city's standing is not one year and a status but its periods of membership
(:class:`Membership`): when it joined, when it left (if it did), and as what
(founding member, member, partner). A city that left and came back has two
periods. ``City.member_since`` (the first year it joined) and ``City.status``
(its standing now) are derived from them; the converter writes both beside the
periods so clients of the earlier shape keep working.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Optional

import attrs

from ..errors import ValidationError
from . import fields as f
from .partners import BoardMember, check_board
from .text import Text, text_field

FIRST_YEAR, LAST_YEAR = 1900, 2200


class CityStatus(str, enum.Enum):
    """A city's standing in the network (derived from its periods of membership)."""

    FOUNDING_MEMBER = "founding_member"
    MEMBER = "member"
    PARTNER = "partner"
    FORMER_MEMBER = "former_member"


class MembershipStatus(str, enum.Enum):
    """What a city was during one period of membership."""

    FOUNDING_MEMBER = "founding_member"
    MEMBER = "member"
    PARTNER = "partner"


def _left_given(membership: Membership) -> bool:
    return membership.left is not None


@attrs.frozen(kw_only=True)
class Membership:
    """One period of a city's membership, e.g. a member from 2016, or 2015-2019.

    ``joined`` may be unknown (``None``) only for a city's first period: the
    directory of earlier versions often knew a city's status and not its year.
    ``ended`` says the city left; it is true whenever ``left`` is given, and may
    be true without a year (a former member whose leaving year was not recorded).
    """

    joined: int | None = attrs.field(
        default=None, validator=f.number(FIRST_YEAR, LAST_YEAR, required=False, integer=True))
    left: int | None = attrs.field(
        default=None, validator=f.number(FIRST_YEAR, LAST_YEAR, required=False, integer=True))
    status: MembershipStatus = attrs.field(
        default=MembershipStatus.MEMBER, validator=f.instance_of(MembershipStatus))
    ended: bool = attrs.field(default=attrs.Factory(_left_given, takes_self=True),
                              validator=f.instance_of(bool))

    @left.validator
    def _after_joining(self, attribute: attrs.Attribute[int | None], value: object) -> None:
        if self.left is not None and self.joined is not None and self.left < self.joined:
            f.fail(attribute, f"the year the city left ({self.left}) comes before the year "
                              f"it joined ({self.joined}); give a year from {self.joined} on")

    @ended.validator
    def _ended_when_left(self, attribute: attrs.Attribute[bool], value: object) -> None:
        if self.left is not None and not self.ended:
            f.fail(attribute, f"the city left in {self.left}, so the period has ended: "
                              "set ended to true or remove the year it left")

    def covers(self, year: int) -> bool:
        """Whether the city was in the network at the end of ``year`` in this period
        (the year it left does not count: it was no longer in at the year's end)."""
        if self.joined is None or self.joined > year:
            return False
        if self.left is not None:
            return year < self.left
        return not self.ended


def check_memberships(value: object, *, field: str = "memberships") -> None:
    """Refuse periods that overlap or are out of order, naming the periods to fix."""
    periods = tuple(value) if isinstance(value, (list, tuple)) else ()
    for index, period in enumerate(periods):
        if not isinstance(period, Membership):
            raise ValidationError(f"item {index} must be a membership period",
                                    field=f"{field}.{index}")
        if period.joined is None and index > 0:
            raise ValidationError(
                "only the first period may have an unknown year of joining; give the year",
                field=f"{field}.{index}.joined")
        if index + 1 < len(periods):
            if not period.ended:
                raise ValidationError(
                    f"period {index + 1} has not ended but another follows it: give the year "
                    "the city left, or remove the later period", field=f"{field}.{index}.left")
            following = periods[index + 1]
            end = period.left if period.left is not None else period.joined
            if following.joined is not None and end is not None and following.joined < end:
                raise ValidationError(
                    f"period {index + 2} (from {following.joined}) overlaps period {index + 1} "
                    f"({period.joined}-{period.left if period.left is not None else '?'}): "
                    "periods must follow one another in time, each starting in or after "
                    "the year the one before ended", field=f"{field}.{index + 1}.joined")


@attrs.frozen(kw_only=True)
class City:
    """A city of the network, e.g. Izmir (TR), a member since 2015."""

    #: Properties the converter writes beside the fields (and checks when read back).
    DERIVED: ClassVar[dict[str, object]] = {
        "member_since": Optional[int], "status": CityStatus}  # noqa: UP045 (a value)

    slug: str = attrs.field(validator=f.slug)
    name: Text = text_field(f.SHORT, required=True)
    country: str = attrs.field(converter=f.upper, validator=f.country)
    region: str | None = attrs.field(default=None, validator=f.optional_text())
    latitude: float | None = attrs.field(
        default=None, validator=f.number(-90, 90, required=False)
    )
    longitude: float | None = attrs.field(
        default=None, validator=f.number(-180, 180, required=False)
    )
    timezone: str | None = attrs.field(default=None, validator=f.optional_zone)
    memberships: tuple[Membership, ...] = attrs.field(
        default=(), validator=f.items(50))
    #: The names of the board of partners as earlier versions kept them (migration 13
    #: made each an organisation on ``board``); kept so that nothing is lost.
    partner_board: tuple[str, ...] = attrs.field(default=(), validator=f.strings(100))
    board: tuple[BoardMember, ...] = attrs.field(default=(), validator=f.items(100))
    languages: tuple[str, ...] = attrs.field(default=(), validator=f.languages)
    website: str | None = attrs.field(default=None, validator=f.url())

    @latitude.validator
    def _both_coordinates(self, attribute: attrs.Attribute[float | None], value: object) -> None:
        if (self.latitude is None) != (self.longitude is None):
            f.fail(attribute, "give both latitude and longitude, or neither")

    @memberships.validator
    def _periods(self, attribute: attrs.Attribute[tuple[Membership, ...]],
                 value: object) -> None:
        check_memberships(value, field=attribute.name)

    @board.validator
    def _seats(self, attribute: attrs.Attribute[tuple[BoardMember, ...]],
               value: object) -> None:
        check_board(value, field=attribute.name)

    @property
    def member_since(self) -> int | None:
        """The year the city first joined (``None``: not recorded)."""
        return self.memberships[0].joined if self.memberships else None

    @property
    def status(self) -> CityStatus:
        """The city's standing now: its last period's status, or former member if that
        period ended; a city without periods is a member whose year is not recorded."""
        if not self.memberships:
            return CityStatus.MEMBER
        last = self.memberships[-1]
        return CityStatus.FORMER_MEMBER if last.ended else CityStatus(last.status.value)

    @property
    def founding(self) -> bool:
        """Whether the city is one of the network's founding members."""
        return any(p.status is MembershipStatus.FOUNDING_MEMBER for p in self.memberships)

    def member_in(self, year: int) -> bool:
        """Whether the city counted as a member (founding or not) at the end of ``year``."""
        return any(p.covers(year) and p.status is not MembershipStatus.PARTNER
                   for p in self.memberships)


def legacy_memberships(member_since: object, status: object) -> tuple[Membership, ...]:
    """The periods that a city of the earlier shape (one ``member_since`` year and one
    status) stands for: nothing lost, nothing invented. Used by the migration, the
    converter (old clients, old bundles, old hubs) and nowhere else."""
    value = status.value if isinstance(status, enum.Enum) else status
    value = "member" if value is None else value
    if member_since is None and value == "member":
        return ()  # what a city without periods means already
    if value == "former_member":
        return (Membership(joined=member_since, ended=True),)  # type: ignore[arg-type]
    return (Membership(joined=member_since,  # type: ignore[arg-type]
                       status=MembershipStatus(value)),)
