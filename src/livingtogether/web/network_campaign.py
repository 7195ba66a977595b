"""The network's campaign on the hub: member sites' reports, and the network's screenings
as open data (JSON, GeoJSON, iCalendar) and as a widget (a list and a map).

``POST /api/v1/network/campaign`` (a ``submit`` token) applies one batch of the
token's city's participations and public screenings, and tombstones of those gone;
``GET`` on the same path answers what the hub holds of that city. The screenings
and participations are open data, and ``/widgets/network/screenings`` shows them,
each at its time in its own zone. A member site shows the same widget over the
screenings ``hub pull`` brought (the feed ``screenings``).
"""

from __future__ import annotations

from typing import Any

from .. import convert, i18n
from ..models import City
from ..models.hub import (
    HUB_NETWORK_CAMPAIGN_PATH,
    HUB_NETWORK_PARTICIPATIONS_PATH,
    HUB_NETWORK_SCREENINGS_PATH,
    CampaignReport,
    NetworkScreening,
    Scope,
)
from ..programme_export import ScreeningEntry, resolver, screening_uid, screenings_icalendar
from ..store import now
from .catalogue import GEOJSON_TYPE
from .charts import world_map
from .data import download, ok, page_json, private
from .http import CALENDAR_TYPE, Response, dump_json
from .hub import token_of
from .network_count import apply_report
from .params import LANG, Param, page_params
from .render import language, render, respond
from .routes import Call, Route, widget_route

FILTERS = (
    Param(name="campaign", kind="slug", description="only the screenings of this campaign"),
    Param(name="country", kind="country",
          description="only the screenings in this ISO 3166-1 alpha-2 country"),
    Param(name="city", kind="slug", description="only the screenings of this member city"),
    Param(name="after", kind="instant",
          description="only the screenings starting at or after this instant (ISO 8601 "
                      "with an offset); the widget shows those to come by default"),
)


def _filters(call: Call) -> dict[str, Any]:
    p = call.params
    return {"campaign": p["campaign"], "country": p["country"], "city": p["city"],
            "after": p["after"]}


# -- member sites' reports


def report_campaign(call: Call) -> Any:
    """Apply one batch of the token's city's participations and public screenings."""
    return apply_report(
        call, CampaignReport,
        lambda report, city: call.obs.network_campaign.report(report, city=city),
        '{"city", "participations": [...], "left": [...], "screenings": [...], '
        '"withdrawn": [...]}')


def held_campaign(call: Call) -> Any:
    """What the hub holds of the token's city's campaign."""
    token = token_of(call, Scope.SUBMIT)
    assert token.city is not None  # a submit token always has one
    return private(call.obs.network_campaign.held(token.city))


# -- open data


def screenings_json(call: Call) -> Response:
    """A page of the network's screenings by time."""
    p = call.params
    return ok(page_json(call.obs.network_screenings.find(
        **_filters(call), limit=p["limit"], offset=p["offset"])))


def screenings_geojson(call: Call) -> Response:
    """The network's screenings as a GeoJSON FeatureCollection (RFC 7946); one without
    coordinates has no geometry."""
    features = []
    for screening in call.obs.network_screenings.every(**_filters(call)):
        properties = convert.unstructure(screening)
        for name in ("latitude", "longitude", "slug"):
            properties.pop(name)
        geometry = None if screening.latitude is None else {
            "type": "Point", "coordinates": [screening.longitude, screening.latitude]}
        features.append({"type": "Feature", "id": screening.slug, "geometry": geometry,
                         "properties": properties})
    return download(dump_json({"type": "FeatureCollection", "features": features}),
                    GEOJSON_TYPE, "screenings.geojson")


def screenings_ics(call: Call) -> Response:
    """The network's screenings as one iCalendar file, each in its own zone."""
    resolve = resolver(language(call))
    entries = []
    for s in call.obs.network_screenings.every(**_filters(call)):
        city = resolve(s.city_name)
        entries.append(ScreeningEntry(
            screening=s, uid=screening_uid(s.campaign, s.city, s.key),
            title=f"{resolve(s.title)} - {s.venue} ({city})",
            description=_description(s, resolve), url=s.url or s.registration_url))
    body = screenings_icalendar(entries, name=resolve._("Screenings across the network"))
    return download(body, CALENDAR_TYPE, "screenings.ics")


def _description(screening: NetworkScreening, resolve: Any) -> str:
    colon, names = resolve.colon, i18n.locale(resolve.language).languages

    def name(code: str) -> str:
        return str(names.get(code.replace("-", "_"), code))

    lines = []
    if screening.language:
        lines.append(f"{resolve._('Language')}{colon}{name(screening.language)}")
    if screening.subtitles:
        lines.append(f"{resolve._('Subtitles')}{colon}"
                     f"{', '.join(name(c) for c in screening.subtitles)}")
    if screening.accessibility:
        lines.append(f"{resolve._('Accessibility')}{colon}{screening.accessibility}")
    return "\n".join(lines)


def participations_json(call: Call) -> Response:
    """The member cities' participations in the campaigns, the ways each takes part."""
    p = call.params
    return ok(page_json(call.obs.network_campaign.participations(
        p["campaign"], limit=p["limit"], offset=p["offset"],
        maximum=call.obs.settings.max_page_size)))


# -- the widget


def screenings_widget(call: Call) -> Response:
    """The network's screenings: a map of the cities that hold them, and the list by time,
    each at its time in its own zone, linking to its page on the member's site."""
    lang = language(call)
    filters = _filters(call)
    if filters["after"] is None:
        filters["after"] = now()
    screenings = call.obs.network_screenings.every(**filters)
    places: dict[str, City] = {}
    counts: dict[str, int] = {}
    for s in screenings:
        counts[s.city] = counts.get(s.city, 0) + 1
        if s.latitude is not None and s.city not in places:
            places[s.city] = City(slug=s.city, name=s.city_name, country=s.country,
                                  latitude=s.latitude, longitude=s.longitude)
    html = render(call.web, call.request, "network_screenings.html", lang,
                  screenings=screenings, map=world_map(places.values()), counts=counts,
                  campaign=filters["campaign"])
    return respond(call, html, lang)


_PAGE = page_params()
_READS = ("campaigns",)

ROUTES: tuple[Route, ...] = (
    Route(method="POST", path=HUB_NETWORK_CAMPAIGN_PATH, handler=report_campaign,
          name="network-campaign-report",
          summary="Report a batch of the token's city's participations and public screenings",
          tag="hub",
          description="Needs a token with the submit scope; every item is of the token's own "
                      "city. Withdrawn, cancelled or deleted screenings and campaigns left "
                      "come as tombstones. Never anything about who registered. At most 200 "
                      "items a batch; sending a batch again changes nothing.",
          body="CampaignReport", response="CampaignResult",
          errors=(400, 401, 403, 413, 415, 422), auth=True),
    Route(method="GET", path=HUB_NETWORK_CAMPAIGN_PATH, handler=held_campaign,
          name="network-campaign-held",
          summary="What the hub holds of the token's city's campaign", tag="hub",
          response="HeldCampaign", errors=(401, 403), auth=True),
    Route(method="GET", path=HUB_NETWORK_SCREENINGS_PATH, handler=screenings_json,
          name="network-screenings",
          summary="Open data: the network's public screenings by time", tag="hub",
          params=(*FILTERS, *_PAGE), response="NetworkScreeningList", errors=(400,),
          reads=_READS),
    Route(method="GET", path=f"{HUB_NETWORK_SCREENINGS_PATH}.geojson",
          handler=screenings_geojson, name="network-screenings-geojson",
          summary="Open data: the network's public screenings as GeoJSON", tag="hub",
          params=FILTERS, response_type=GEOJSON_TYPE, errors=(400,), reads=_READS),
    Route(method="GET", path=f"{HUB_NETWORK_SCREENINGS_PATH}.ics",
          handler=screenings_ics, name="network-screenings-ics",
          summary="The network's public screenings as an iCalendar feed", tag="hub",
          description="One VEVENT a screening, at its time in its zone (TZID with a "
                      "VTIMEZONE), with the same UID as the city's own export.",
          params=(*FILTERS, LANG), response_type="text/calendar", errors=(400,),
          reads=_READS),
    Route(method="GET", path=HUB_NETWORK_PARTICIPATIONS_PATH, handler=participations_json,
          name="network-participations",
          summary="Open data: the member cities' participations in the campaigns", tag="hub",
          params=(FILTERS[0], *_PAGE), response="NetworkParticipationList",
          errors=(400,), reads=_READS),
)

WIDGET_ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/network/screenings", handler=screenings_widget,
                 name="widget-network-screenings", reads=_READS, errors=(400,),
                 summary="Widget: the network's screenings to come, on a map and in a list, "
                         "each at its time in its own zone",
                 params=(LANG, *FILTERS)),
)
