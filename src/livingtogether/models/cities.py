"""Member cities of the Observatory's network."""

from __future__ import annotations

import enum

import attrs

from . import fields as f
from .text import Text, text_field


class CityStatus(str, enum.Enum):
    """A city's standing in the network."""

    FOUNDING_MEMBER = "founding_member"
    MEMBER = "member"
    PARTNER = "partner"
    FORMER_MEMBER = "former_member"


@attrs.frozen(kw_only=True)
class City:
    """A city of the network, e.g. Izmir (TR), a member since 2015."""

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
    member_since: int | None = attrs.field(
        default=None, validator=f.number(1900, 2200, required=False, integer=True)
    )
    status: CityStatus = attrs.field(
        default=CityStatus.MEMBER, validator=f.instance_of(CityStatus)
    )
    partner_board: tuple[str, ...] = attrs.field(default=(), validator=f.strings(100))
    languages: tuple[str, ...] = attrs.field(default=(), validator=f.languages)
    website: str | None = attrs.field(default=None, validator=f.url())

    @latitude.validator
    def _both_coordinates(self, attribute: attrs.Attribute[float | None], value: object) -> None:
        if (self.latitude is None) != (self.longitude is None):
            f.fail(attribute, "give both latitude and longitude, or neither")
