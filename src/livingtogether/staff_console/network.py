"""The screens of the network's records: cities, partner organisations, themes,
declarations (the network's with their signatory cities), series of summits, campaigns
and a city's participation in a campaign, each a :class:`~.records.RecordScreens`
description.

A city's profile is its own staff's (``cities.edit`` on it), so are the partner
organisations based in the city (those of no city are the secretariat's); themes,
declarations and campaigns are the secretariat's; a participation is its city's campaign officer's
(``campaigns.edit`` on the city), keyed ``campaign/city``. Campaigns and participations
are previewed through the public campaign widget; the others, which no widget shows
alone, as a summary of what readers will see.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import NotFound
from ..i18n import N_
from ..models import (
    Campaign,
    CampaignParticipation,
    City,
    Declaration,
    EventSeries,
    Organisation,
    Theme,
)
from ..services.campaigns import upcoming
from ..web.campaign import campaign_context
from .records import Column, Listed, RecordScreens, matching, staff
from .screens import Screen, site_request

#: How many records a kind's search reads through (the network's records are few).
SEARCHED = 500


def _every(screen: Screen, read: Callable[..., Any]) -> list[Any]:
    """The first :data:`SEARCHED` records ``read(limit=, offset=)`` lists, a page of the
    site's largest size at a time (a list asks for no more than ``max_page_size``)."""
    size = min(SEARCHED, screen.web.observatory.settings.max_page_size)
    found: list[Any] = []
    while len(found) < SEARCHED:
        page = read(limit=size, offset=len(found)).items
        found.extend(page)
        if len(page) < size:
            break
    return found[:SEARCHED]


def _paged(records: Sequence[Any], q: str, offset: int, limit: int,
           texts: Callable[[Any], Sequence[Any]]) -> Listed:
    found = matching(records, q, texts) if q else list(records)
    return Listed(items=found[offset:offset + limit], total=len(found))


def list_cities(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """The cities the principal edits (the search by slug or name)."""
    editor = staff(screen).cities
    if not q:
        page = editor.list(screen.principal, limit=limit, offset=offset)
        return Listed(items=page.items, total=page.total)
    every = _every(screen, functools.partial(editor.list, screen.principal))
    return _paged(every, q, offset, limit, lambda c: (c.slug, c.name))


def list_organisations(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """The partner organisations the principal edits: those of the cities whose profile
    they edit (every one, those of no city included, for the secretariat)."""
    obs = screen.web.observatory
    principal = screen.principal
    permission = staff(screen).organisations.edit_permission
    mine = [o for o in _every(screen, obs.organisations.list)
            if principal.can(permission, o.city)]
    return _paged(mine, q, offset, limit, lambda o: (o.slug, o.name))


def list_themes(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """Every theme."""
    every = _every(screen, functools.partial(staff(screen).themes.list, screen.principal))
    return _paged(every, q, offset, limit, lambda t: (t.slug, t.label))


def list_declarations(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """Every declaration."""
    every = _every(screen, screen.web.observatory.declarations.list)
    return _paged(every, q, offset, limit, lambda d: (d.slug, d.title))


def list_series(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """Every series of events."""
    every = _every(screen, screen.web.observatory.series.list)
    return _paged(every, q, offset, limit, lambda s: (s.slug, s.title))


def list_campaigns(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """Every campaign."""
    every = _every(screen, screen.web.observatory.campaigns.list)
    return _paged(every, q, offset, limit, lambda c: (c.slug, c.title))


def list_participations(screen: Screen, q: str, offset: int, limit: int) -> Listed:
    """The participations of the cities the principal edits campaigns for."""
    obs = screen.web.observatory
    principal = screen.principal
    permission = staff(screen).participations.edit_permission
    with obs.store.read() as connection:
        every = obs.participations.all_in(connection)
    mine = [p for p in every if principal.can(permission, p.city)]
    return _paged(mine, q, offset, limit, lambda p: (p.campaign, p.city))


def campaign_links(screen: Screen, record: Campaign) -> list[tuple[str, str]]:
    """The published campaign's report (cities by action, screenings, signatures)."""
    return [(N_("The campaign report"), screen.web.router.url_for(
        site_request(screen.request), "widget-campaign-report", slug=record.slug))]


def campaign_preview(screen: Screen, record: Campaign) -> dict[str, Any]:
    """The campaign widget's context for ``record`` (its draft, say)."""
    try:
        taking_part = screen.web.observatory.participations.taking_part(record.slug)
    except NotFound:  # a campaign not published yet has nobody taking part
        taking_part = []
    return campaign_context(screen.web, record, zone=None, participations=taking_part,
                            screenings=upcoming(taking_part))


def participation_preview(screen: Screen, record: CampaignParticipation) -> dict[str, Any]:
    """The campaign widget with the city's participation as it will be once published."""
    obs = screen.web.observatory
    campaign = obs.campaigns.get(record.campaign)
    taking_part = [p for p in obs.participations.taking_part(campaign.slug)
                   if p.city != record.city]
    taking_part = sorted([*taking_part, record], key=lambda p: p.city)
    return campaign_context(screen.web, campaign, zone=None, participations=taking_part,
                            screenings=upcoming(taking_part))


CITIES = RecordScreens(
    singular="city", plural="cities", model=City, editor=lambda s: s.cities,
    title=N_("Cities"), new=N_("New city"), lister=list_cities,
    columns=(Column(heading=N_("Name"), cell=lambda c: c.name),
             Column(heading=N_("Country"), cell=lambda c: c.country)))

ORGANISATIONS = RecordScreens(
    singular="organisation", plural="organisations", model=Organisation,
    editor=lambda s: s.organisations, title=N_("Partner organisations"),
    new=N_("New organisation"), lister=list_organisations,
    columns=(Column(heading=N_("Name"), cell=lambda o: o.name),
             Column(heading=N_("City"), cell=lambda o: o.city)),
    public=lambda screen, record: screen.web.router.url_for(
        site_request(screen.request), "widget-partners",
        **({"city": record.city} if record.city else {})))

THEMES = RecordScreens(
    singular="theme", plural="themes", model=Theme, editor=lambda s: s.themes,
    title=N_("Themes"), new=N_("New theme"), lister=list_themes, deletable=True, network=True,
    columns=(Column(heading=N_("Name"), cell=lambda t: t.label),
             Column(heading=N_("Short name in addresses"), cell=lambda t: t.slug)))

DECLARATIONS = RecordScreens(
    singular="declaration", plural="declarations", model=Declaration,
    editor=lambda s: s.declarations, title=N_("Declarations"), new=N_("New declaration"),
    lister=list_declarations, network=True,
    columns=(Column(heading=N_("Title"), cell=lambda d: d.title),
             Column(heading=N_("Version"), cell=lambda d: str(d.version))))

SERIES = RecordScreens(
    singular="series", plural="series-list", model=EventSeries, editor=lambda s: s.series,
    title=N_("Series of summits"), new=N_("New series"), lister=list_series, network=True,
    deletable=True,
    columns=(Column(heading=N_("Title"), cell=lambda s: s.title),
             Column(heading=N_("Short name in addresses"), cell=lambda s: s.slug)))

CAMPAIGNS = RecordScreens(
    singular="campaign", plural="campaigns", model=Campaign, editor=lambda s: s.campaigns,
    title=N_("Campaigns"), new=N_("New campaign"), lister=list_campaigns, network=True,
    columns=(Column(heading=N_("Title"), cell=lambda c: c.title),
             Column(heading=N_("Day of the campaign"), cell=lambda c: c.day.isoformat())),
    preview="campaign.html", preview_context=campaign_preview, links=campaign_links)

PARTICIPATIONS = RecordScreens(
    singular="participation", plural="participations", model=CampaignParticipation,
    editor=lambda s: s.participations, title=N_("Taking part in campaigns"),
    new=N_("New participation"), lister=list_participations, keys=("campaign", "city"),
    record_key=lambda p: f"{p.campaign}/{p.city}", deletable=True,
    columns=(Column(heading=N_("Campaign"), cell=lambda p: p.campaign),
             Column(heading=N_("City"), cell=lambda p: p.city)),
    preview="campaign.html", preview_context=participation_preview)
