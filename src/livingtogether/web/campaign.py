"""The campaign widget: the film and teaser without tracking, the three ways to take
part, the kit, the day's status, the signatures of the campaign's week (a chart and
its table), the cities taking part and the screenings to come.

A video file plays in ``<video preload="none">``, so nothing of it loads before
the resident presses play. An embedded player (YouTube through
youtube-nocookie.com, Vimeo with ``dnt=1``, PeerTube) is a poster and a button
naming the third party; ``static/video.js`` swaps in the frame on the click.
The answer's Content-Security-Policy allows exactly the frames and media this
campaign uses (``frame-src`` only for its embeds' hosts), nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..models import Campaign, Video
from ..models.video import Player, origin_of, player
from ..services.campaign_kit import day_status
from ..services.momentum import Step, momentum
from .charts import momentum_chart
from .http import Response
from .params import Param
from .render import language, render, respond
from .routes import Call, Site


def _players(campaign: Campaign) -> dict[str, tuple[Video, Player]]:
    shown: dict[str, tuple[Video, Player]] = {}
    film = campaign.film or (Video(url=campaign.film_url)
                             if campaign.film_url and player(campaign.film_url) else None)
    for name, video in (("teaser", campaign.teaser), ("film", film)):
        found = player(video.url) if video is not None else None
        if video is not None and found is not None:
            shown[name] = (video, found)
    return shown


def _directive(name: str, sources: Iterable[str]) -> str:
    return f"{name} " + " ".join(sorted(set(sources))) if sources else ""


def campaign_csp(base: str, players: Iterable[tuple[Video, Player]]) -> str:
    """``base`` (the widgets' policy) opened for exactly these players: their frames'
    hosts in ``frame-src``, their files and caption tracks in ``media-src``, posters
    served from another address of the site's media store in ``img-src``."""
    players = list(players)
    frames = [p.origin for _, p in players if p.kind != "file"]
    media = [p.origin for _, p in players if p.kind == "file"]
    media += [origin_of(c.url) for v, p in players if p.kind == "file" for c in v.captions]
    images = {origin_of(v.poster) for v, _ in players if v.poster} - {"'self'"}
    policy = base
    if images:
        policy = policy.replace("img-src 'self' data:",
                                "img-src 'self' data: " + " ".join(sorted(images)), 1)
    extra = [d for d in (_directive("frame-src", frames), _directive("media-src", media)) if d]
    return "; ".join([policy, *extra])


def campaign_widget(call: Call) -> Response:
    """A campaign: its film and teaser, how to take part, the kit, the day's status,
    the cities taking part and the screenings to come."""
    lang = language(call)
    campaign = call.obs.campaigns.get(call.path["slug"])
    context = campaign_context(
        call.web, campaign, zone=call.params.get("zone"),
        participations=call.obs.participations.taking_part(campaign.slug),
        screenings=call.obs.participations.screenings(campaign.slug))
    html = render(call.web, call.request, "campaign.html", lang, **context)
    csp = campaign_csp(call.web.html_csp, context["players"].values())
    return respond(call, html, lang).with_headers((("Content-Security-Policy", csp),))


def campaign_context(web: Site, campaign: Campaign, *, zone: str | None,
                     participations: Sequence[Any], screenings: Sequence[Any]
                     ) -> dict[str, Any]:
    """What ``campaign.html`` shows of ``campaign`` (the public widget's, and the staff
    console's preview of a draft): its players, the day's status in ``zone`` (else the
    campaign's), the cities taking part and the screenings."""
    zone = zone or campaign.zone
    chart = None
    if campaign.declaration is not None:
        chart = momentum_chart(momentum(web.observatory.store, campaign, Step.DAY))
    return {"campaign": campaign, "players": _players(campaign), "momentum": chart,
            "day_status": day_status(campaign.day, zone), "zone": zone,
            "languages": web.settings.languages, "participations": participations,
            "screenings": screenings}


ZONE = Param(name="zone", kind="zone",
             description="the reader's IANA time zone, for the day's status "
                         "(the campaign's own by default)")
