"""The best-practices catalogue."""

from __future__ import annotations

from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import ValidationError
from ..models import ModerationStatus, Practice, PracticeKind, Text
from ..sanitize import clean_html
from ..store import Store, schema
from .base import Page, Records, require


def _prepare(connection: Connection, practice: Practice) -> Practice:
    require(connection, schema.cities, practice.city, ValidationError(
        f"there is no city {practice.city!r}; add the city first", field="city"))
    body = Text({language: clean_html(html) for language, html in practice.body.values.items()})
    return attrs.evolve(practice, body=body)


def _themes(connection: Connection, practice_id: int, practice: Practice) -> None:
    table = schema.practice_themes
    connection.execute(table.delete().where(table.c.practice_id == practice_id))
    if practice.themes:
        connection.execute(
            table.insert(), [{"practice_id": practice_id, "theme": t} for t in practice.themes]
        )


class PracticeService(Records[Practice]):
    """Practices, case studies and studies; the body is sanitised on the way in."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(
            store, schema.practices, Practice, noun="practice",
            columns=lambda p: {
                "city_slug": p.city, "kind": p.kind.value, "status": p.status.value,
            },
            prepare=_prepare, after_write=_themes, max_page_size=max_page_size,
        )

    def list(  # type: ignore[override]
        self, *, city: str | None = None, kind: PracticeKind | None = None,
        theme: str | None = None, status: ModerationStatus | None = ModerationStatus.PUBLISHED,
        limit: int = 50, offset: int = 0,
    ) -> Page[Practice]:
        """Practices by slug; only published ones unless ``status`` says otherwise.

        ``status=None`` lists every status (for organisers).
        """
        table = self.table
        where: list[Any] = []
        if city is not None:
            where.append(table.c.city_slug == city)
        if kind is not None:
            where.append(table.c.kind == PracticeKind(kind).value)
        if status is not None:
            where.append(table.c.status == ModerationStatus(status).value)
        if theme is not None:
            themes = schema.practice_themes
            where.append(table.c.id.in_(
                sa.select(themes.c.practice_id).where(themes.c.theme == theme)
            ))
        return super().list(where=where, limit=limit, offset=offset)
