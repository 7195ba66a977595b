"""The member directory."""

from __future__ import annotations

from typing import Any

from ..models import City, CityStatus
from ..store import Store, schema
from .base import Kept, Page, Records


class CityService(Records[City]):
    """Member cities: ``create``, ``get``, ``list``, ``update``, ``save``, ``delete``."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(
            store, schema.cities, City, noun="city",
            columns=lambda city: {"country": city.country, "status": city.status.value},
            max_page_size=max_page_size,
        )
        self._kept: Kept[tuple[City, ...]] = Kept(store, group="cities", keep=1)

    def every(self) -> tuple[City, ...]:
        """Every city, by slug, decoded once and kept until a write of the cities (in any
        process) moves their data version: the widgets name cities on every page."""
        def read() -> tuple[City, ...]:
            with self.store.read() as connection:
                return tuple(self.all_in(connection))
        return self._kept.get("all", read)

    def list(  # type: ignore[override]
        self, *, country: str | None = None, status: CityStatus | None = None,
        limit: int = 50, offset: int = 0,
    ) -> Page[City]:
        """Cities by slug, optionally of one country (``TR``) or one status."""
        table = self.table
        where: list[Any] = []
        if country is not None:
            where.append(table.c.country == country.upper())
        if status is not None:
            where.append(table.c.status == CityStatus(status).value)
        return super().list(where=where, limit=limit, offset=offset)
