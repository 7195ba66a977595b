"""The campaign day: campaigns (``obs.campaigns``) and the cities taking part in them,
with their screenings (``obs.participations``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound
from ..models import Campaign, CampaignParticipation, Screening
from ..store import Store, now, schema
from .base import Page, Records, is_unique_violation, read_page
from .pledges import exists_or_not_found


def _campaign_rules(connection: Connection, campaign: Campaign) -> Campaign:
    if campaign.declaration is not None:
        exists_or_not_found(connection, schema.declarations, campaign.declaration, "declaration")
    return campaign


def campaigns(store: Store, *, max_page_size: int = 200) -> Records[Campaign]:
    """The campaigns' repository (``obs.campaigns``): a campaign's declaration must exist."""
    return Records(store, schema.campaigns, Campaign, noun="campaign",
                   columns=lambda c: {"day": c.day}, prepare=_campaign_rules,
                   max_page_size=max_page_size)


@attrs.frozen(kw_only=True)
class UpcomingScreening:
    """A public screening still to come, with the city that organises it."""

    city: str
    screening: Screening


class ParticipationService:
    """Cities' participation in campaigns, one record per campaign and city."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size

    def save(self, participation: CampaignParticipation) -> CampaignParticipation:
        """Record (or replace) a city's participation in a campaign."""
        with self.store.write() as connection:
            return self.save_in(connection, participation)[0]

    def save_in(self, connection: Connection, participation: CampaignParticipation,
                ) -> tuple[CampaignParticipation, bool]:
        """Record or replace within an open transaction; ``True`` if it is new."""
        exists_or_not_found(connection, schema.campaigns, participation.campaign, "campaign")
        exists_or_not_found(connection, schema.cities, participation.city, "city")
        table = schema.participations
        key = (table.c.campaign_slug == participation.campaign,
               table.c.city_slug == participation.city)
        data, stamp = convert.unstructure(participation), now()
        update = table.update().where(*key).values(data=data, updated_at=stamp)
        if connection.execute(update).rowcount:
            return participation, False
        try:
            with connection.begin_nested():
                connection.execute(table.insert().values(
                    campaign_slug=participation.campaign, city_slug=participation.city,
                    data=data, created_at=stamp, updated_at=stamp,
                ))
        except sa.exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise
            connection.execute(update)  # saved at the same moment by another writer
            return participation, False
        return participation, True

    def taking_part(self, campaign: str) -> builtins.list[CampaignParticipation]:
        """Every city's participation in ``campaign`` (``NotFound`` for an unknown one)."""
        with self.store.read() as connection:
            exists_or_not_found(connection, schema.campaigns, campaign, "campaign")
            return self.all_in(connection, campaign)

    def screenings(self, campaign: str, *, after: datetime | None = None,
                   ) -> builtins.list[UpcomingScreening]:
        """The public screenings of ``campaign`` starting after ``after`` (now), by time."""
        return upcoming(self.taking_part(campaign), after=after)

    def list(self, campaign: str | None = None, *, city: str | None = None, limit: int = 50,
             offset: int = 0) -> Page[CampaignParticipation]:
        """Participations by campaign and city, optionally of one campaign, of one city."""
        table = schema.participations
        where = [table.c.campaign_slug == campaign] if campaign is not None else []
        if city is not None:
            where.append(table.c.city_slug == city)
        return read_page(self.store, self._query().where(*where), limit=limit, offset=offset,
                         maximum=self.max_page_size, load=self._load)

    def all_in(self, connection: Connection, campaign: str | None = None,
               ) -> builtins.list[CampaignParticipation]:
        """Every participation (of ``campaign``, if given), by campaign and city."""
        query = self._query()
        if campaign is not None:
            query = query.where(schema.participations.c.campaign_slug == campaign)
        return self._load(connection, connection.execute(query).all())

    @staticmethod
    def _query() -> sa.Select[Any]:
        table = schema.participations
        return sa.select(table.c.data).order_by(table.c.campaign_slug, table.c.city_slug)

    @staticmethod
    def _load(_: Connection, rows: Sequence[Any]) -> builtins.list[CampaignParticipation]:
        return [convert.structure(row.data, CampaignParticipation) for row in rows]

    def delete(self, campaign: str, city: str) -> None:
        """Remove a city's participation; ``NotFound`` if it has none."""
        table = schema.participations
        with self.store.write() as connection:
            deleted = connection.execute(table.delete().where(
                table.c.campaign_slug == campaign, table.c.city_slug == city
            ))
        if deleted.rowcount == 0:
            raise NotFound(f"{city!r} does not take part in {campaign!r}", field="city")


def upcoming(taking_part: Iterable[CampaignParticipation], *, after: datetime | None = None,
             ) -> list[UpcomingScreening]:
    """The public screenings of the participations ``taking_part`` starting after
    ``after`` (now), by time (the staff console's preview gives a draft's)."""
    start = after or now()
    found = [UpcomingScreening(city=p.city, screening=s) for p in taking_part
             for s in p.screenings if s.public and s.starts_at >= start]
    return sorted(found, key=lambda item: (item.screening.starts_at, item.city))
