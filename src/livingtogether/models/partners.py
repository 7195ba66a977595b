"""The network's partner organisations and each city's board of partners.

An :class:`Organisation` is a record of its own (an NGO, a university, a public
body...), so the same partner can sit on several cities' boards and the
network's directory of partners can be filtered by kind and city. A city's
board (``City.board``) is a list of :class:`BoardMember` entries: which
organisation, in what role, from when until when.
"""

from __future__ import annotations

import enum
from datetime import date

import attrs

from ..errors import ValidationError
from . import fields as f
from .text import Text, text_field


class OrganisationKind(str, enum.Enum):
    """What kind of organisation a partner is."""

    NGO = "ngo"
    UNIVERSITY = "university"
    BUSINESS = "business"
    PUBLIC_BODY = "public_body"
    FAITH_GROUP = "faith_group"
    CULTURAL = "cultural"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class Organisation:
    """A partner organisation, e.g. Concertation Montréal (a public body of Montréal).

    ``logo`` is the address of its logo (an image URL) until the media store
    holds partners' logos.
    """

    slug: str = attrs.field(validator=f.slug)
    name: Text = text_field(f.SHORT, required=True)
    kind: OrganisationKind = attrs.field(
        default=OrganisationKind.OTHER, validator=f.instance_of(OrganisationKind))
    website: str | None = attrs.field(default=None, validator=f.url())
    city: str | None = attrs.field(default=None, validator=f.optional_slug)
    logo: str | None = attrs.field(default=None, validator=f.url())


@attrs.frozen(kw_only=True)
class BoardMember:
    """An organisation's seat on a city's board of partners, e.g. chair since 2019-03-01."""

    organisation: str = attrs.field(validator=f.slug)
    role: Text = text_field(f.SHORT)
    since: date | None = attrs.field(default=None, validator=f.a_date(required=False))
    until: date | None = attrs.field(default=None, validator=f.a_date(required=False))

    @until.validator
    def _after_start(self, attribute: attrs.Attribute[date | None], value: object) -> None:
        if self.since is not None and self.until is not None and self.until < self.since:
            f.fail(attribute, f"the seat ends ({self.until.isoformat()}) before it starts "
                              f"({self.since.isoformat()}); give an end on or after the start")

    def current(self, today: date) -> bool:
        """Whether the seat is held on ``today``."""
        return (self.since is None or self.since <= today) and (
            self.until is None or today <= self.until)


def check_board(value: object, *, field: str = "board") -> None:
    """Refuse a board naming an organisation twice for overlapping times."""
    seats = tuple(value) if isinstance(value, (list, tuple)) else ()
    for index, seat in enumerate(seats):
        for earlier in seats[:index]:
            if not (isinstance(seat, BoardMember) and isinstance(earlier, BoardMember)):
                continue
            if seat.organisation != earlier.organisation:
                continue
            apart = (earlier.until is not None and seat.since is not None
                     and earlier.until < seat.since) or (
                seat.until is not None and earlier.since is not None
                and seat.until < earlier.since)
            if not apart:
                raise ValidationError(
                    f"{seat.organisation!r} is on the board twice at the same time: give "
                    "the earlier seat an end before the later one starts, or remove one",
                    field=f"{field}.{index}.organisation")

