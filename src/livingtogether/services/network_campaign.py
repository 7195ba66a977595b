"""The network's campaign through the hub: each member city's participations and public
screenings, in one list for the whole network.

A member site reports (``HubClient.report_campaign``) what its own city takes part
in (:class:`~livingtogether.models.hub.NetworkParticipation`: which campaign, which
ways) and its public screenings (:class:`~livingtogether.models.hub.NetworkScreening`:
what a resident needs to go, and how many seats are left; never who registered),
with tombstones for what it no longer has. :class:`CampaignLedger` keeps what the hub
acknowledged, with a digest of each item, so that a report sends only what changed
and a site that was down sends it all at its next report.

On the hub, :class:`NetworkCampaign` applies a report for the token's own city only;
the screenings are records (``lt_network_screenings``) of the change feed
``screenings``, so that a member site that wishes shows the network's list too:
``hub pull`` brings them into the same table there (:class:`NetworkScreenings` reads
it on either).
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa

from .. import convert
from ..errors import Forbidden
from ..models import CampaignAction, CampaignParticipation, City, Screening, Text
from ..models.hub import (
    CampaignReport,
    NetworkParticipation,
    NetworkScreening,
    ScreeningWithdrawal,
    network_slug,
)
from ..store import Store, now, schema
from .base import Page, Records, read_page
from .guard import upsert_add
from .screenings import SCREENING_PAGE_PATH

#: The ``lt_counters`` row whose lock applies campaign reports one at a time.
_LOCK = "network-campaign"
#: The kinds of item a member's ledger keeps.
PARTICIPATION, SCREENING = "participation", "screening"
#: The most screenings the calendar and the map of the network show at once.
MAX_LISTED = 5000


@attrs.frozen(kw_only=True)
class CampaignResult:
    """What applying a campaign report changed."""

    participations: int
    left: int
    added: int
    updated: int
    withdrawn: int
    unchanged: int


class NetworkScreenings(Records[NetworkScreening]):
    """The network's public screenings (``obs.network_screenings``), by network slug."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(store, schema.network_screenings, NetworkScreening,
                         noun="network screening", max_page_size=max_page_size,
                         columns=lambda s: {"campaign_slug": s.campaign, "city_slug": s.city,
                                            "country": s.country, "starts_at": s.starts_at})

    def _where(self, campaign: str | None, country: str | None, city: str | None,
               after: datetime | None) -> list[sa.ColumnElement[bool]]:
        table = self.table
        where = []
        for column, value in ((table.c.campaign_slug, campaign), (table.c.country, country),
                              (table.c.city_slug, city)):
            if value is not None:
                where.append(column == value)
        if after is not None:
            where.append(table.c.starts_at >= after)
        return where

    def find(self, *, campaign: str | None = None, country: str | None = None,
             city: str | None = None, after: datetime | None = None, limit: int = 50,
             offset: int = 0) -> Page[NetworkScreening]:
        """A page of the network's screenings by time (of a campaign, a country, a city;
        starting at or after ``after``)."""
        return self.list(where=self._where(campaign, country, city, after),
                         order_by=self.table.c.starts_at, limit=limit, offset=offset)

    def every(self, *, campaign: str | None = None, country: str | None = None,
              city: str | None = None, after: datetime | None = None,
              ) -> builtins.list[NetworkScreening]:
        """The screenings :meth:`find` pages through, at most :data:`MAX_LISTED` (the
        calendar, the map)."""
        table = self.table
        query = (sa.select(table.c.id, table.c.data)
                 .where(*self._where(campaign, country, city, after))
                 .order_by(table.c.starts_at, table.c.id).limit(MAX_LISTED))
        with self.store.read() as connection:
            return self.load_rows(connection, connection.execute(query).all())


class NetworkCampaign:
    """On a hub: member sites' campaign reports, and the participations they gave."""

    def __init__(self, store: Store, screenings: NetworkScreenings) -> None:
        self.store = store
        self.screenings = screenings

    def report(self, report: CampaignReport, *, city: str | None) -> CampaignResult:
        """Apply one member site's report for ``city`` (its token's city); ``Forbidden``
        for another city's. Idempotent: what the hub holds already is unchanged."""
        if city is None or report.city != city:
            raise Forbidden(f"this token reports for {city or 'no city'!r}, not for "
                            f"{report.city!r}", field="city")
        table, parts = self.screenings.table, schema.network_participations
        stamp = now()
        with self.store.write() as connection:
            upsert_add(connection, schema.counters, {"name": _LOCK}, "value", 1)
            for item in report.participations:
                actions = [a.value for a in item.actions]
                key = (parts.c.campaign_slug == item.campaign, parts.c.city_slug == city)
                if not connection.execute(parts.update().where(*key).values(
                        actions=actions, reported_at=stamp)).rowcount:
                    connection.execute(parts.insert().values(
                        campaign_slug=item.campaign, city_slug=city, actions=actions,
                        reported_at=stamp))
            left = connection.execute(parts.delete().where(
                parts.c.city_slug == city, parts.c.campaign_slug.in_(report.left))
            ).rowcount if report.left else 0
            gone = [network_slug(w.campaign, city, w.key) for w in report.withdrawn]
            present = {row.slug: row.data for row in connection.execute(
                sa.select(table.c.slug, table.c.data).where(table.c.slug.in_(
                    [s.slug for s in report.screenings] + gone)))}
            withdrawn = [slug for slug in dict.fromkeys(gone) if slug in present]
            self.screenings.delete_many_in(connection, withdrawn)
            new, changed, unchanged = [], [], 0
            for screening in {s.slug: s for s in report.screenings}.values():
                data = present.get(screening.slug)
                if data is None:
                    new.append(screening)
                elif data != convert.unstructure(screening):
                    changed.append(screening)
                else:
                    unchanged += 1
            self.screenings.create_many_in(connection, new)
            self.screenings.update_many_in(connection, changed)
        return CampaignResult(participations=len(report.participations), left=left,
                              added=len(new), updated=len(changed), withdrawn=len(withdrawn),
                              unchanged=unchanged)

    def held(self, city: str) -> dict[str, Any]:
        """What the hub holds of ``city``'s campaign: its participations and the campaign
        and key of each of its screenings (what a member's report compares with)."""
        table, parts = self.screenings.table, schema.network_participations
        with self.store.read() as connection:
            campaigns = list(connection.scalars(sa.select(parts.c.campaign_slug).where(
                parts.c.city_slug == city).order_by(parts.c.campaign_slug)))
            rows = connection.execute(sa.select(table.c.slug, table.c.data).where(
                table.c.city_slug == city).order_by(table.c.slug)).all()
        return {"city": city, "participations": campaigns,
                "screenings": [{"slug": r.slug, "campaign": r.data["campaign"],
                                "key": r.data["key"]} for r in rows]}

    def participations(self, campaign: str | None = None, *, limit: int = 50,
                       offset: int = 0, maximum: int = 1000) -> Page[NetworkParticipation]:
        """The member cities' participations (in ``campaign``), by campaign and city."""
        parts = schema.network_participations
        query = sa.select(parts.c.campaign_slug, parts.c.city_slug, parts.c.actions)
        if campaign is not None:
            query = query.where(parts.c.campaign_slug == campaign)
        query = query.order_by(parts.c.campaign_slug, parts.c.city_slug)
        return read_page(self.store, query, limit=limit, offset=offset, maximum=maximum,
                         load=lambda _, rows: [NetworkParticipation(
                             campaign=r.campaign_slug, city=r.city_slug,
                             actions=tuple(CampaignAction(a) for a in r.actions))
                             for r in rows])


# -- a member site's side


def screening_key(screening: Screening) -> str:
    """A screening's key in the network: its own, else one made from its venue and time
    (a screening without a key that changes either is withdrawn and reported anew)."""
    if screening.key:
        return screening.key
    made = hashlib.sha256(f"{screening.venue}\n{screening.starts_at.isoformat()}"
                          .encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"at-{made}"


def reported_screening(participation: CampaignParticipation, screening: Screening, *,
                       city: City, title: Text, seats_left: int | None,
                       url: str | None) -> NetworkScreening:
    """A public screening as the network receives it (nothing about who registered)."""
    return NetworkScreening(
        campaign=participation.campaign, city=city.slug, key=screening_key(screening),
        country=city.country, city_name=city.name, title=title, venue=screening.venue,
        address=screening.address, latitude=city.latitude, longitude=city.longitude,
        starts_at=screening.starts_at, zone=screening.zone, language=screening.language,
        subtitles=screening.subtitles, accessibility=screening.accessibility,
        capacity=screening.capacity, seats_left=seats_left, url=url,
        registration_url=screening.registration_url)


def actions_of(participation: CampaignParticipation) -> tuple[CampaignAction, ...]:
    """The ways ``participation`` takes part."""
    found = [(participation.dissemination is not None, CampaignAction.DISSEMINATION),
             (bool(participation.screenings), CampaignAction.SCREENING),
             (participation.signed, CampaignAction.SIGNING)]
    return tuple(action for present, action in found if present)


def digest(item: Any) -> str:
    """The digest of an item as it travels: the ledger's way to see it changed."""
    return hashlib.sha256(json.dumps(convert.unstructure(item), sort_keys=True,
                                     ensure_ascii=False).encode("utf-8", "surrogateescape")
                          ).hexdigest()


@attrs.frozen(kw_only=True)
class Pending:
    """What a report has to send: changed or new items, and tombstones."""

    participations: tuple[NetworkParticipation, ...]
    left: tuple[str, ...]
    screenings: tuple[NetworkScreening, ...]
    withdrawn: tuple[ScreeningWithdrawal, ...]

    def batches(self, size: int, city: str) -> builtins.list[CampaignReport]:
        """The reports that send it all, at most ``size`` items each, tombstones first."""
        items: builtins.list[tuple[str, Any]] = [
            *(("left", x) for x in self.left), *(("withdrawn", x) for x in self.withdrawn),
            *(("participations", x) for x in self.participations),
            *(("screenings", x) for x in self.screenings)]
        reports = []
        for start in range(0, len(items), size):
            part: dict[str, builtins.list[Any]] = {
                "participations": [], "left": [], "screenings": [], "withdrawn": []}
            for name, item in items[start:start + size]:
                part[name].append(item)
            reports.append(CampaignReport(city=city, **{k: tuple(v) for k, v in part.items()}))
        return reports


class CampaignLedger:
    """What this site reported of its campaign to the hub at ``origin``."""

    def __init__(self, store: Store, origin: str) -> None:
        self.store = store
        self.origin = origin

    def pending(self, participations: Sequence[NetworkParticipation],
                screenings: Sequence[NetworkScreening], *,
                held: dict[str, Any] | None = None) -> Pending:
        """The difference between the campaign as it is (``participations``,
        ``screenings``) and what the hub acknowledged; ``held`` (the hub's own view, as
        :meth:`NetworkCampaign.held` gives it) adds tombstones of what the hub holds
        and this ledger never saw (a ledger lost, or kept under another address)."""
        sent = schema.campaign_sent
        with self.store.read() as connection:
            rows = connection.execute(sa.select(sent).where(sent.c.origin == self.origin)
                                      ).all()
        known = {(r.kind, r.ident): r for r in rows}
        parts = {p.campaign: p for p in participations}
        shows = {s.slug: s for s in screenings}
        left = {r.ident for r in rows if r.kind == PARTICIPATION and r.ident not in parts}
        gone = {r.ident: ScreeningWithdrawal(campaign=r.campaign_slug, key=r.key)
                for r in rows if r.kind == SCREENING and r.ident not in shows}
        if held is not None:
            left |= {c for c in held.get("participations", []) if c not in parts}
            gone.update({s["slug"]: ScreeningWithdrawal(campaign=s["campaign"], key=s["key"])
                         for s in held.get("screenings", []) if s["slug"] not in shows})
        return Pending(
            participations=tuple(p for c, p in sorted(parts.items())
                                 if _stale(known.get((PARTICIPATION, c)), p)),
            left=tuple(sorted(left)),
            screenings=tuple(s for slug, s in sorted(shows.items())
                             if _stale(known.get((SCREENING, slug)), s)),
            withdrawn=tuple(w for _, w in sorted(gone.items())))

    def acknowledge(self, report: CampaignReport) -> None:
        """Note what the hub has just applied (in one transaction)."""
        sent = schema.campaign_sent
        stamp = now()
        dropped = [(PARTICIPATION, c) for c in report.left] + [
            (SCREENING, network_slug(w.campaign, report.city, w.key)) for w in report.withdrawn]
        kept = [{"kind": PARTICIPATION, "ident": p.campaign, "campaign_slug": p.campaign,
                 "key": None, "digest": digest(p)} for p in report.participations] + [
            {"kind": SCREENING, "ident": s.slug, "campaign_slug": s.campaign, "key": s.key,
             "digest": digest(s)} for s in report.screenings]
        with self.store.write() as connection:
            for kind, ident in dropped + [(row["kind"], row["ident"]) for row in kept]:
                connection.execute(sent.delete().where(
                    sent.c.origin == self.origin, sent.c.kind == kind, sent.c.ident == ident))
            if kept:
                connection.execute(sent.insert(), [
                    {**row, "origin": self.origin, "sent_at": stamp} for row in kept])


def _stale(row: Any, item: Any) -> bool:
    return row is None or row.digest != digest(item)


def campaign_of(store: Store, city: City, *, base_url: str | None,
                seats: Callable[[str, str, str], Any]) -> tuple[
                    builtins.list[NetworkParticipation], builtins.list[NetworkScreening]]:
    """``city``'s participations and public screenings as the network receives them;
    ``seats(campaign, city, key)`` gives a screening's seats (those residents register
    for); ``base_url`` makes the address of each screening's page on this site."""
    parts, campaigns = schema.participations, schema.campaigns
    with store.read() as connection:
        rows = connection.execute(
            sa.select(parts.c.data, campaigns.c.data.label("campaign"))
            .join(campaigns, campaigns.c.slug == parts.c.campaign_slug)
            .where(parts.c.city_slug == city.slug).order_by(parts.c.campaign_slug)).all()
    participations, screenings = [], []
    for row in rows:
        participation = convert.structure(row.data, CampaignParticipation)
        title = Text(row.campaign["title"])
        participations.append(NetworkParticipation(
            campaign=participation.campaign, city=city.slug,
            actions=actions_of(participation)))
        for screening in participation.screenings:
            if not screening.public:
                continue
            left = url = None
            if screening.key and screening.capacity:
                left = seats(participation.campaign, city.slug, screening.key).left
            if screening.key and base_url:
                url = base_url.rstrip("/") + SCREENING_PAGE_PATH.format(
                    slug=participation.campaign, city=city.slug, key=screening.key)
            screenings.append(reported_screening(participation, screening, city=city,
                                                 title=title, seats_left=left, url=url))
    return participations, screenings
