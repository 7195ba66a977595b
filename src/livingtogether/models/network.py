"""The network's own records: studies' details, the cities that signed a declaration
of the network, and series of events (the Mayors Summits).

A *study* (the 12-city study of Living Together policies) is a catalogue entry of
kind ``study`` (:class:`~.practices.Practice`) carrying :class:`StudyDetails`: it is
searched, moderated, revised, attached to and synced as every entry of the catalogue
is, and only what a practice lacks (year, authors, the cities it covers, the
practices it cites) is added. A declaration of the network (the Montreal Declaration)
is a :class:`~.pledges.Declaration` with its adoption and :class:`Signatory` cities;
residents keep signing the Universal Declaration as before. An :class:`EventSeries`
names a series (the Mayors Summits on Living Together) that events belong to.
"""

from __future__ import annotations

from datetime import date

import attrs

from . import fields as f
from .text import Text, text_field


@attrs.frozen(kw_only=True)
class StudyDetails:
    """What a study has beyond a catalogue entry: e.g. the study of Living Together
    policies, published in a year, by its authors, covering 12 cities."""

    year: int | None = attrs.field(
        default=None, validator=f.number(1900, 2200, required=False, integer=True))
    authors: tuple[str, ...] = attrs.field(default=(), validator=f.strings(50, 200))
    #: The member cities the study covers, by slug.
    cities: tuple[str, ...] = attrs.field(default=(), validator=f.slugs(200))
    #: The catalogue's practices the study cites, by slug.
    cites: tuple[str, ...] = attrs.field(default=(), validator=f.slugs(500))

    @cities.validator
    def _distinct(self, attribute: attrs.Attribute[tuple[str, ...]], value: object) -> None:
        f.distinct(self.cities, attribute=attribute, what="city")


@attrs.frozen(kw_only=True)
class Signatory:
    """A city that signed a declaration of the network, and when (``None``: not recorded)."""

    city: str = attrs.field(validator=f.slug)
    signed: date | None = attrs.field(default=None, validator=f.a_date(required=False))


@attrs.frozen(kw_only=True)
class EventSeries:
    """A series of events, e.g. the Mayors Summits on Living Together (Montréal 2015,
    Düsseldorf 2019, Izmir 2021...); each event names its series (``Event.series``)."""

    slug: str = attrs.field(validator=f.slug)
    title: Text = text_field(f.SHORT, required=True)
    description: Text = text_field(f.MEDIUM)
