"""The catalogue's themes taxonomy: seeded with the Observatory's own, configurable per site."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import Conflict, LivingTogetherError, ValidationError
from ..models import Theme
from ..store import Store, schema
from .base import Kept, Page, Records


class ThemeService(Records[Theme]):
    """Themes in their display order: ``create`` (appended), ``get``, ``list``,
    ``update``, ``save``, ``delete`` (refused while a practice uses the theme),
    ``reorder``."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(store, schema.themes, Theme, noun="theme", max_page_size=max_page_size,
                         columns=lambda _: {})
        self._kept: Kept[tuple[Theme, ...]] = Kept(store, group="themes", keep=1)

    def create_in(self, connection: Connection, record: Theme) -> Theme:
        """Store a new theme after the others."""
        created = super().create_in(connection, record)
        last = connection.scalar(sa.select(sa.func.max(self.table.c.position))) or 0
        connection.execute(self.table.update().where(self.table.c.slug == record.slug)
                           .values(position=last + 1))
        return created

    def create_many_in(self, connection: Connection, records: Sequence[Theme], *,
                       names: Sequence[str] | None = None) -> None:
        """Store new themes after the others, in the order given (one by one: each takes
        the next position)."""
        for index, record in enumerate(records):
            try:
                self.create_in(connection, record)
            except LivingTogetherError as error:
                if names is None:
                    raise
                raise error.with_prefix(names[index]) from None

    def list(self, *, limit: int = 200, offset: int = 0,  # type: ignore[override]
             ) -> Page[Theme]:
        """Themes in display order."""
        return super().list(order_by=self.table.c.position, limit=limit, offset=offset)

    def all(self) -> builtins.list[Theme]:
        """Every theme in display order (decoded once, kept until a write of the themes,
        in any process, moves their data version); a new list each call."""
        def read() -> tuple[Theme, ...]:
            with self.store.read() as connection:
                return tuple(self.all_in(connection))
        return builtins.list(self._kept.get("all", read))

    def all_in(self, connection: Connection, *where: sa.ColumnElement[bool],
               ) -> builtins.list[Theme]:
        """Every theme (that matches ``where``) in display order."""
        rows = connection.execute(sa.select(self.table.c.id, self.table.c.data).where(*where)
                                  .order_by(self.table.c.position, self.table.c.slug))
        return self.load_rows(connection, rows)

    def reorder(self, slugs: Iterable[str]) -> None:
        """Put the themes named first, in that order; the others keep theirs after them."""
        wanted = list(dict.fromkeys(slugs))
        with self.store.write() as connection:
            known = [theme.slug for theme in self.all_in(connection)]
            unknown = [slug for slug in wanted if slug not in known]
            if unknown:
                raise ValidationError(f"there is no theme {unknown[0]!r}", field="slugs")
            order = wanted + [slug for slug in known if slug not in wanted]
            for position, slug in enumerate(order):
                connection.execute(self.table.update().where(self.table.c.slug == slug)
                                   .values(position=position))

    def delete_in(self, connection: Connection, slug: str) -> None:
        """Delete a theme no practice uses."""
        used = connection.scalar(sa.select(sa.func.count()).select_from(schema.practice_themes)
                                 .where(schema.practice_themes.c.theme == slug))
        if used:
            raise Conflict(f"the theme {slug!r} is used by {used} practice(s); remove it from "
                           "them first", field="slug")
        super().delete_in(connection, slug)


def check_themes(connection: Connection, themes: Iterable[str]) -> None:
    """Refuse themes that are not in the taxonomy, naming the first one."""
    wanted = list(themes)
    if not wanted:
        return
    table = schema.themes
    known = set(connection.scalars(sa.select(table.c.slug).where(table.c.slug.in_(wanted))))
    for index, theme in enumerate(wanted):
        if theme not in known:
            raise ValidationError(
                f"{theme!r} is not a theme of the taxonomy; use one of the themes listed by "
                "GET /api/v1/themes or add it first", field=f"themes.{index}")
