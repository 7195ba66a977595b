"""The network's partner organisations: records, and the directory by kind and city."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from ..models import BoardMember, City, Organisation, OrganisationKind
from ..store import Store, schema
from .base import Page, Records


class OrganisationService(Records[Organisation]):
    """Partner organisations: ``create``, ``get``, ``list``, ``update``, ``save``, ``delete``."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(
            store, schema.organisations, Organisation, noun="organisation",
            columns=lambda org: {"kind": org.kind.value, "city_slug": org.city},
            max_page_size=max_page_size,
        )

    def list(  # type: ignore[override]
        self, *, kind: OrganisationKind | str | None = None, city: City | None = None,
        limit: int = 50, offset: int = 0,
    ) -> Page[Organisation]:
        """Organisations by slug, optionally of one kind, optionally of one city: based
        there, or on its board of partners."""
        table = self.table
        where: list[Any] = []
        if kind is not None:
            where.append(table.c.kind == OrganisationKind(kind).value)
        if city is not None:
            seats = sorted({seat.organisation for seat in city.board})
            where.append(sa.or_(table.c.city_slug == city.slug, table.c.slug.in_(seats)))
        return super().list(where=where, limit=limit, offset=offset)

    def board_of(self, city: City) -> builtins.list[tuple[BoardMember, Organisation | None]]:
        """The seats of ``city``'s board with their organisations (``None``: not found)."""
        found = {org.slug: org for org in self.many([s.organisation for s in city.board])}
        return [(seat, found.get(seat.organisation)) for seat in city.board]

    def many(self, slugs: builtins.list[str]) -> builtins.list[Organisation]:
        """The organisations of ``slugs`` that exist, by slug."""
        if not slugs:
            return []
        with self.store.read() as connection:
            return self.all_in(connection, self.table.c.slug.in_(sorted(set(slugs))))
