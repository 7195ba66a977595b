"""Signatures of the Universal Declaration and cities' part in the campaign day."""

from __future__ import annotations

import builtins
import unicodedata
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound, ValidationError
from ..models import (
    Campaign,
    CampaignParticipation,
    Declaration,
    Pledge,
    PledgeStats,
    PledgeStatus,
)
from ..store import Store, aware, now, schema
from .base import Page, Records, is_unique_violation, read_page, require


def normalise_email(address: str) -> tuple[str, str]:
    """``(address, key)``: the address normalised (IDNA domain, NFC) and its dedupe key.

    The key is casefolded whole: two addresses differing only in case are one person.
    """
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(f"is not a valid email address: {error}", field="email") from None
    normalised = valid.normalized
    return normalised, unicodedata.normalize("NFC", normalised).casefold()


def _clean_name(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split()))


def _exists(connection: Connection, table: sa.Table, slug: str, noun: str) -> None:
    require(connection, table, slug, NotFound(f"there is no {noun} {slug!r}", field=noun))


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
        _exists(connection, schema.campaigns, participation.campaign, "campaign")
        _exists(connection, schema.cities, participation.city, "city")
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

    def list(self, campaign: str | None = None, *, limit: int = 50, offset: int = 0,
             ) -> Page[CampaignParticipation]:
        """Participations by campaign and city, optionally of one campaign."""
        table = schema.participations
        where = [table.c.campaign_slug == campaign] if campaign is not None else []
        return read_page(self.store, self._query().where(*where), limit=limit, offset=offset,
                         maximum=self.max_page_size, load=self._load)

    def all_in(self, connection: Connection) -> builtins.list[CampaignParticipation]:
        """Every participation."""
        return self._load(connection, connection.execute(self._query()).all())

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


class PledgeService:
    """Declarations, their signatures and counts, and the campaign day.

    ``sign`` stores a pending signature; one per person and declaration,
    guaranteed by a unique constraint on the normalised address.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size
        self.declarations: Records[Declaration] = Records(
            store, schema.declarations, Declaration, noun="declaration",
            max_page_size=max_page_size,
        )
        self.campaigns: Records[Campaign] = Records(
            store, schema.campaigns, Campaign, noun="campaign",
            columns=lambda c: {"day": c.day}, prepare=self._campaign_rules,
            max_page_size=max_page_size,
        )
        self.participations = ParticipationService(store, max_page_size=max_page_size)

    def _campaign_rules(self, connection: Connection, campaign: Campaign) -> Campaign:
        if campaign.declaration is not None:
            _exists(connection, schema.declarations, campaign.declaration, "declaration")
        return campaign

    def sign(self, pledge: Pledge) -> Pledge:
        """Store a pending signature and return it; a repeated address returns the first."""
        email, key = normalise_email(pledge.email)
        pledge = attrs.evolve(
            pledge, email=email, name=_clean_name(pledge.name),
            city=_clean_name(pledge.city) if pledge.city else None,
            status=PledgeStatus.PENDING, id=None, signed_at=now(), confirmed_at=None,
        )
        table = schema.pledges
        with self.store.write() as connection:
            _exists(connection, schema.declarations, pledge.declaration, "declaration")
            try:
                with connection.begin_nested():
                    new_id = connection.scalar(table.insert().values(
                        declaration_slug=pledge.declaration, kind=pledge.kind.value,
                        status=pledge.status.value, email_key=key, country=pledge.country,
                        public=pledge.public, data=self._dump(pledge),
                        signed_at=pledge.signed_at,
                    ).returning(table.c.id))
            except sa.exc.IntegrityError as error:
                if not is_unique_violation(error):
                    raise
                # This address has signed already: the first signature stands.
                found = self._find(connection, pledge.declaration, key)
                assert found is not None
                return found
        return attrs.evolve(pledge, id=new_id)

    @staticmethod
    def _dump(pledge: Pledge) -> Any:
        data = convert.unstructure(pledge)
        for server_field in ("id", "status", "signed_at", "confirmed_at"):
            data.pop(server_field)
        return data

    def _find(self, connection: Connection, declaration: str, key: str) -> Pledge | None:
        table = schema.pledges
        row = connection.execute(self._select().where(
            table.c.declaration_slug == declaration, table.c.email_key == key
        )).first()
        return self._load(row) if row else None

    @staticmethod
    def _select() -> sa.Select[Any]:
        table = schema.pledges
        return sa.select(table.c.id, table.c.status, table.c.data, table.c.signed_at,
                         table.c.confirmed_at)

    @staticmethod
    def _load(row: Any) -> Pledge:
        pledge = convert.structure(row.data, Pledge)
        return attrs.evolve(
            pledge, id=row.id, status=PledgeStatus(row.status), signed_at=aware(row.signed_at),
            confirmed_at=aware(row.confirmed_at),
        )

    def get(self, pledge_id: int) -> Pledge:
        """The signature ``pledge_id``; ``NotFound`` if there is none."""
        with self.store.read() as connection:
            row = connection.execute(
                self._select().where(schema.pledges.c.id == pledge_id)
            ).first()
        if row is None:
            raise NotFound(f"there is no signature {pledge_id}", field="id")
        return self._load(row)

    def list(self, declaration: str, *, status: PledgeStatus | None = None, limit: int = 50,
             offset: int = 0) -> Page[Pledge]:
        """Signatures of ``declaration``, oldest first (personal data: for organisers only)."""
        table = schema.pledges
        where = [table.c.declaration_slug == declaration]
        if status is not None:
            where.append(table.c.status == PledgeStatus(status).value)
        return read_page(self.store, self._select().where(*where).order_by(table.c.id),
                         limit=limit, offset=offset, maximum=self.max_page_size,
                         load=lambda _, rows: map(self._load, rows))

    def confirm(self, pledge_id: int) -> Pledge:
        """Count a pending signature; confirming twice changes nothing."""
        table = schema.pledges
        with self.store.write() as connection:
            connection.execute(
                table.update()
                .where(table.c.id == pledge_id, table.c.status == PledgeStatus.PENDING.value)
                .values(status=PledgeStatus.CONFIRMED.value, confirmed_at=now())
            )
        return self.get(pledge_id)

    def withdraw(self, pledge_id: int) -> None:
        """Withdraw a signature, erasing it with all its personal data."""
        table = schema.pledges
        with self.store.write() as connection:
            deleted = connection.execute(table.delete().where(table.c.id == pledge_id))
        if deleted.rowcount == 0:
            raise NotFound(f"there is no signature {pledge_id}", field="id")

    def all_stats(self) -> builtins.list[PledgeStats]:
        """The stats of every declaration, by slug, in one transaction."""
        with self.store.read() as connection:
            found = self.declarations.all_in(connection)
            return [self._stats_in(connection, declaration) for declaration in found]

    def stats(self, declaration: str) -> PledgeStats:
        """Confirmed signatures of ``declaration``: in all, by kind, by country."""
        with self.store.read() as connection:
            found = self.declarations.get_in(connection, declaration)
            return self._stats_in(connection, found)

    @staticmethod
    def _stats_in(connection: Connection, declaration: Declaration) -> PledgeStats:
        table = schema.pledges
        rows = connection.execute(
            sa.select(table.c.kind, table.c.country, sa.func.count())
            .where(table.c.declaration_slug == declaration.slug,
                   table.c.status == PledgeStatus.CONFIRMED.value)
            .group_by(table.c.kind, table.c.country)
        ).all()
        by_kind: dict[str, int] = {}
        by_country: dict[str, int] = {}
        for kind, country, count in rows:
            by_kind[kind] = by_kind.get(kind, 0) + count
            by_country[country] = by_country.get(country, 0) + count
        total = sum(by_kind.values())
        upcoming = next((m for m in declaration.milestones if m > total), None)
        return PledgeStats(declaration=declaration.slug, confirmed=total, by_kind=by_kind,
                           by_country=dict(sorted(by_country.items())), next_milestone=upcoming)
