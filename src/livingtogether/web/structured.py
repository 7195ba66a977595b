"""The schema.org JSON-LD of the widget pages, one builder per kind of record, and
:func:`json_ld`, which escapes it for a ``<script type="application/ld+json">`` (data,
not script: the CSP's ``script-src`` does not apply to it).

A city is a ``City`` (``geo``, ``memberOf`` the Observatory); a practice a
``CreativeWork`` and a study a ``Report`` (authors, year, the cities it covers as
``about`` places, its documents as ``associatedMedia``, the entries it cites as
``citation``); an event an ``Event`` at its host city (``superEvent`` its series); a
declaration of the network a ``CreativeWork`` with the cities that signed it as
``contributor``; a partner an ``Organization`` (``location`` its city). Texts are the
English ones, else the first given: structured data has one name, the page's text is
in the reader's language.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from markupsafe import Markup

from ..models import City, Declaration, Event, Organisation, Practice, PracticeKind, Text

SCHEMA = "https://schema.org"
OBSERVATORY = {"@type": "Organization",
               "name": "International Observatory of Mayors on Living Together",
               "alternateName": "Observatoire international des maires sur le vivre ensemble"}


def json_ld(data: Any) -> Markup:
    """``data`` as JSON to put inside ``<script type="application/ld+json">``: ``<``,
    ``>`` and ``&`` as ``\\u`` escapes, so ``</script>`` or ``<!--`` in a text cannot end
    or change the element (the JSON reads back the same)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))  # noqa: S704


def graph(nodes: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several nodes as one document (``@graph``)."""
    return {"@context": SCHEMA, "@graph": list(nodes)}


def name_of(text: Text, fallback: str) -> str:
    """The English text, else the first given, else ``fallback``."""
    values = text.values
    return values.get("en") or next(iter(values.values()), fallback)


def _geo(city: City) -> dict[str, Any]:
    """The city's ``geo``, when it has coordinates."""
    if city.latitude is None or city.longitude is None:
        return {}
    return {"geo": {"@type": "GeoCoordinates", "latitude": city.latitude,
                    "longitude": city.longitude}}


def _alternate(names: Mapping[str, str], name: str) -> dict[str, Any]:
    """The ``alternateName`` of a record named ``name`` in several languages."""
    if len(names) <= 1:
        return {}
    return {"alternateName": sorted({v for v in names.values() if v != name})}


def place(city: City | None, name: str | None = None) -> dict[str, Any] | None:
    """A schema.org ``Place`` for ``city`` (its geo and country), or one named ``name``."""
    if city is None:
        return {"@type": "Place", "name": name} if name else None
    data: dict[str, Any] = {"@type": "Place", "name": name or name_of(city.name, city.slug),
                            "address": {"@type": "PostalAddress",
                                        "addressLocality": name_of(city.name, city.slug),
                                        "addressCountry": city.country}}
    data.update(_geo(city))
    return data


def city_ld(city: City, url: str) -> dict[str, Any]:
    """The city as a ``City`` (with ``geo`` when it has coordinates), member of the
    Observatory since its first period."""
    names = city.name.values
    data: dict[str, Any] = {
        "@type": "City", "@id": url, "url": url, "name": name_of(city.name, city.slug),
        "address": {"@type": "PostalAddress", "addressCountry": city.country,
                    **({"addressRegion": city.region} if city.region else {})},
        "memberOf": {**OBSERVATORY, **({"startDate": str(city.member_since)}
                                       if city.member_since else {})},
    }
    data.update(_alternate(names, data["name"]))
    data.update(_geo(city))
    if city.website:
        data["sameAs"] = city.website
    return data


def practice_ld(practice: Practice, url: str, cities: Mapping[str, City],
                practice_url: Any = None) -> dict[str, Any]:
    """A practice as a ``CreativeWork`` about its city; a study as a ``Report`` (its
    authors, year, the cities it covers, the entries it cites when ``practice_url(slug)``
    gives their addresses). Its documents are ``associatedMedia`` (absolute URLs)."""
    study = practice.kind is PracticeKind.STUDY
    data: dict[str, Any] = {"@type": "Report" if study else "CreativeWork", "@id": url,
                            "url": url, "name": name_of(practice.title, practice.slug),
                            "publisher": OBSERVATORY}
    summary = name_of(practice.summary, "")
    if summary:
        data["abstract"] = summary
    if practice.languages:
        data["inLanguage"] = list(practice.languages)
    home = place(cities.get(practice.city))
    if home:
        data["spatialCoverage"] = home
    details = practice.study
    if details is not None:
        if details.year:
            data["datePublished"] = str(details.year)
        if details.authors:
            data["author"] = [{"@type": "Person", "name": a} for a in details.authors]
        covered = [p for p in (place(cities.get(c)) for c in details.cities) if p]
        if covered:
            data["about"] = covered
        if details.cites and practice_url is not None:
            data["citation"] = [{"@type": "CreativeWork", "@id": practice_url(slug)}
                                for slug in details.cites]
    if practice.attachments:
        data["associatedMedia"] = [
            {"@type": "MediaObject", "name": name_of(a.title, ""),
             "contentUrl": urljoin(url, a.url), "encodingFormat": a.media_type,
             "contentSize": str(a.size)} for a in practice.attachments]
    if practice.images:
        data["image"] = [urljoin(url, image.url) for image in practice.images]
    return data


def event_ld(event: Event, url: str, cities: Mapping[str, City],
             series_url: str | None = None) -> dict[str, Any]:
    """An event as an ``Event`` at its host city (``superEvent``: its series' page)."""
    data: dict[str, Any] = {"@type": "Event", "@id": url, "url": url,
                            "name": name_of(event.title, event.slug),
                            "startDate": event.first_day.isoformat(),
                            "endDate": event.last_day.isoformat(), "organizer": OBSERVATORY}
    where = place(cities.get(event.host_city or ""))
    if where:
        data["location"] = where
    if series_url:
        data["superEvent"] = {"@type": "EventSeries", "@id": series_url}
    return data


def declaration_ld(declaration: Declaration, url: str, cities: Mapping[str, City],
                   events: Mapping[str, str]) -> dict[str, Any]:
    """A declaration of the network as a ``CreativeWork``; ``events``: the addresses of
    the events by slug (the one it was adopted at is ``isPartOf``)."""
    data: dict[str, Any] = {"@type": "CreativeWork", "@id": url,
                            "name": name_of(declaration.title, declaration.slug),
                            "publisher": OBSERVATORY}
    when = declaration.adopted.isoformat() if declaration.adopted else (
        str(declaration.year) if declaration.year else None)
    if when:
        data["dateCreated"] = when
    where = place(None, name_of(declaration.place, "")) if declaration.place else None
    if where:
        data["locationCreated"] = where
    if declaration.event and declaration.event in events:
        data["isPartOf"] = {"@type": "Event", "@id": events[declaration.event]}
    signed = [cities[s.city] for s in declaration.signatories if s.city in cities]
    if signed:
        data["contributor"] = [{"@type": "City", "name": name_of(c.name, c.slug)}
                               for c in signed]
    return data


def organisation_ld(organisation: Organisation, url: str,
                    cities: Mapping[str, City]) -> dict[str, Any]:
    """A partner as an ``Organization`` (its website ``sameAs``, its logo, its city as
    ``location``), member of the Observatory's network."""
    data: dict[str, Any] = {"@type": "Organization", "@id": url,
                            "name": name_of(organisation.name, organisation.slug)}
    names = organisation.name.values
    data.update(_alternate(names, data["name"]))
    if organisation.website:
        data["sameAs"] = organisation.website
    if organisation.logo:
        data["logo"] = organisation.logo
    where = place(cities.get(organisation.city or ""))
    if where:
        data["location"] = where
    return data
