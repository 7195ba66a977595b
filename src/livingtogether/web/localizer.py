"""The reader's language: the :class:`Localizer` templates print content with (``L``).

Dates and numbers are formatted by Babel in the reader's language; times are
converted with ``zoneinfo`` for each display zone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_interval
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit
from markupsafe import Markup

from .. import i18n
from ..errors import BadRequest
from ..models import THEME_NAMES, City, Localized, Person, Text
from ..models import fields as f
from .http import Request, request_language

if TYPE_CHECKING:
    from .routes import Site

#: Abbreviations for zones whose tz database abbreviation is only a number
#: (``+03``); the offset itself always comes from ``zoneinfo``.
ZONE_ABBREVIATIONS = {
    "Europe/Istanbul": "TRT",
    "Asia/Istanbul": "TRT",
    "America/Montevideo": "UYT",
    "America/Sao_Paulo": "BRT",
    "America/Argentina/Buenos_Aires": "ART",
    "America/Bogota": "COT",
    "America/Lima": "PET",
    "Asia/Dubai": "GST",
    "Asia/Singapore": "SGT",
}


# -- the reader's language


def negotiate_language(web: Site, request: Request, requested: str | None) -> str:
    """The request's language (:func:`livingtogether.i18n.negotiate`): ``requested``
    (``?lang=``; 400 if not offered), the host framework's active language
    (``request.language``, set by the adapter), Accept-Language, the default."""
    settings = web.settings
    if requested and i18n.match([requested], settings.languages) is None:
        raise BadRequest(f"{requested!r} is not offered here; choose one of "
                         f"{', '.join(settings.languages)}", field="lang")
    return request_language(settings, request, requested)


def utc_offset(offset: timedelta | None) -> str:
    """``UTC+3``, ``UTC-5``, ``UTC+5:30`` from an offset given by ``zoneinfo``."""
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(moment: datetime, zone: str) -> str:
    """``TRT (UTC+3)``, ``CET (UTC+1)``, ``EST (UTC-5)``; just the offset when no name is known."""
    offset = utc_offset(moment.utcoffset())
    abbreviation = moment.tzname() or ""
    if not abbreviation or abbreviation[0] in "+-":
        abbreviation = ZONE_ABBREVIATIONS.get(zone, "")
    if abbreviation and abbreviation != "UTC":
        return f"{abbreviation} ({offset})"
    return offset

_NO_ATTRS = Markup("")


@functools.lru_cache(maxsize=4096)
def _number(language: str, value: int) -> str:
    """Babel's formatting of ``value``, kept: the lists' facets format a hundred counts,
    the same from one render to the next."""
    return format_decimal(value, locale=i18n.locale(language))


class Localizer:
    """What templates use to show content in the reader's language (``L`` in templates)."""

    def __init__(self, web: Site, request: Request, language: str) -> None:
        self.web = web
        self.request = request
        self.lang = language
        self.dir = i18n.text_direction(language)
        self.locale = i18n.locale(language)
        self.translations = i18n.translations(language)
        # TRANSLATORS: between the items of a list, as in "Izmir, Türkiye" (Arabic: "، ")
        self.comma = self.translations.pgettext("list separator", ", ")
        self.colon = i18n.colon(self.translations)
        self.fallbacks = web.settings.content_fallbacks
        self._cities: dict[str, City] | None = None
        self._attrs: dict[str, Markup] = {}

    # our own strings

    def gettext(self, message: str) -> str:
        """``message`` translated into the reader's language."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The plural form for ``count`` in the reader's language (Arabic has six)."""
        return self.translations.ngettext(singular, plural, count)

    # content

    def text(self, value: Text | None) -> Localized | None:
        """The best translation of ``value`` for the reader."""
        return value.resolve(self.lang, self.fallbacks) if value else None

    def attrs(self, found: Localized | str | None) -> Markup:
        """`` lang=".." dir=".."`` when ``found`` is in another language than the widget
        (nothing for a plain string: a name, in no language in particular)."""
        if not isinstance(found, Localized) or found.language == self.lang:
            return _NO_ATTRS
        marked = self._attrs.get(found.language)
        if marked is None:  # once per language and render: a list marks hundreds
            direction = i18n.text_direction(found.language)
            marked = (Markup(' lang="{}" dir="{}"').format(found.language, direction)
                      if direction != self.dir else Markup(' lang="{}"').format(found.language))
            self._attrs[found.language] = marked
        return marked

    @staticmethod
    def paragraphs(value: str) -> list[list[str]]:
        """Paragraphs (split at blank lines), each a list of its lines."""
        blocks = [block.strip() for block in value.replace("\r\n", "\n").split("\n\n")]
        return [block.split("\n") for block in blocks if block]

    # formatting

    def format_date(self, day: date, width: str = "full") -> str:
        """``Tuesday, December 7, 2021`` in the reader's language."""
        return format_date(day, format=width, locale=self.locale)

    def interval(self, first: date, last: date) -> str:
        """``Dec 7 – 10, 2021``."""
        if first == last:
            return self.format_date(first, "long")
        return format_interval(first, last, "yMMMd", locale=self.locale)

    def join(self, items: Iterable[str]) -> str:
        """``a, b and c`` as the reader's language joins a list (Babel)."""
        return format_list([str(item) for item in items], locale=self.locale)

    def number(self, value: int) -> str:
        """``12,345`` in the reader's language."""
        return _number(self.lang, value)

    def file_size(self, size: int) -> str:
        """``2.4 MB``, ``350 kB`` in the reader's language (Babel's units)."""
        for unit, scale in (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6)):
            if size >= scale:
                return format_unit(round(size / scale, 1), unit, "short", locale=self.locale)
        return format_unit(max(1, round(size / 1000)), "digital-kilobyte", "short",
                           locale=self.locale)

    def document_type(self, media_type: str) -> str:
        """A document's type as readers know it from its name's ending (``PDF``, ``DOCX``)."""
        from ..media import EXTENSIONS

        ending = EXTENSIONS.get(media_type)
        return ending[1:].upper() if ending else media_type

    def local_time(self, moment: datetime, zone: str) -> dict[str, str]:
        """``{"text", "iso"}``: ``moment`` in ``zone``, e.g. ``16 May 2022, 19:00 TRT (UTC+3)``."""
        local = moment.astimezone(ZoneInfo(zone))
        text = format_datetime(local, "medium", tzinfo=ZoneInfo(zone), locale=self.locale)
        return {"text": f"{text} {zone_name(local, zone)}",
                "iso": local.isoformat(timespec="minutes")}

    def country(self, code: str) -> str:
        """The country's name in the reader's language."""
        return str(self.locale.territories.get(code, code))

    def language_name(self, code: str) -> str:
        """A language's name in the reader's language (``français`` for ``fr`` in French)."""
        return str(self.locale.languages.get(code.replace("-", "_"), code))

    def countries(self) -> list[tuple[str, str]]:
        """``(code, name)`` of every country, by name."""
        return sorted(((code, self.country(code)) for code in f.countries()),
                      key=lambda item: item[1].casefold())

    def url_for(self, route: str, /, **values: Any) -> str:
        """The URL of ``route`` (a route's name) under the mount point, with ``values``
        in its path and the other non-empty ones in its query string."""
        return self.web.router.url_for(self.request, route, **values)

    def static(self, name: str) -> str:
        """The URL of a static file, fingerprinted."""
        return self.url_for("static", name=name, v=self.web.static.version(name))

    # records

    def cities(self) -> dict[str, City]:
        """Every city by slug (loaded once per request)."""
        if self._cities is None:
            self._cities = cities_by_slug(self.web)
        return self._cities

    def use_cities(self, cities: dict[str, City]) -> None:
        """Take ``cities`` (every city by slug, read earlier) instead of reading them."""
        self._cities = cities

    def city_name(self, slug: str | None) -> Localized | None:
        """A city's name for the reader; ``None`` if unknown."""
        city = self.cities().get(slug or "")
        return self.text(city.name) if city else None

    def theme(self, slug: str, themes: Mapping[str, Any] | None = None) -> Localized:
        """A theme's name: the taxonomy's (``themes``: :class:`~livingtogether.models.Theme`
        by slug) in the reader's language; else the catalog's name of one of the
        Observatory's themes; else the taxonomy's in a fallback language."""
        theme = (themes or {}).get(slug)
        found = self.text(theme.label) if theme is not None else None
        if found is not None and found.language == self.lang:
            return found
        if slug in THEME_NAMES:
            return Localized(self.lang, self.gettext(THEME_NAMES[slug]))
        return found or Localized(self.lang, slug.replace("-", " "))

    def person(self, person: Person) -> tuple[str | Localized | None, str | Localized | None]:
        """``(main, detail)``: the name (or city, or affiliation) and what follows it;
        a city's name comes as :class:`Localized`, to be marked with its language."""
        name = " ".join(part for part in (person.honorific, person.name) if part) or None
        if person.affiliation:
            return (name, person.affiliation) if name else (person.affiliation, None)
        # Only now the city's name: reading the cities costs more than all the rest.
        city_text: str | Localized | None = self.city_name(person.city) or person.city
        return (name, city_text) if name else (city_text, None)

    def roles(self, people: Iterable[Person]) -> list[tuple[str, list[Person]]]:
        """People grouped by role, in order of first appearance."""
        grouped: dict[str, list[Person]] = {}
        for person in people:
            grouped.setdefault(person.role.value, []).append(person)
        return list(grouped.items())


def all_cities(web: Site) -> list[City]:
    """Every city, by slug (kept by the cities' data version: :meth:`.CityService.every`);
    a new list each call."""
    return list(web.observatory.cities.every())


def cities_by_slug(web: Site) -> dict[str, City]:
    """Every city by its slug (:func:`all_cities`)."""
    return {city.slug: city for city in all_cities(web)}
