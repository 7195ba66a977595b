"""The member directory."""

from __future__ import annotations

from typing import Any

from ..models import City, CityStatus
from ..store import Store, schema
from .base import Page, Records


class CityService(Records[City]):
    """Member cities: ``create``, ``get``, ``list``, ``update``, ``save``, ``delete``."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(
            store, schema.cities, City, noun="city",
            columns=lambda city: {"country": city.country, "status": city.status.value},
            max_page_size=max_page_size,
        )

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
