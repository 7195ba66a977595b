"""Version 9: the search pages and counts in the database.

An index on the search rows by ``(published_at, practice_id)`` pages a browse
(no words) newest first without sorting every row; ``lt_search_counts`` keeps,
in step with every write of the search rows, how many published practices
have each city, kind and theme, how many search rows each language has, and
how many practices there are (facet ``total``), so a browse without filters
counts nothing at all. Existing rows are counted here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "search: newest-first index, maintained facet counts"


def upgrade(op: Operations) -> None:
    """Create the index and the counts table; count the rows already indexed."""
    op.create_index("ix_lt_practice_search_published_at_practice_id", "lt_practice_search",
                    ["published_at", "practice_id"])
    counts = op.create_table(
        "lt_search_counts",
        sa.Column("facet", sa.String(20), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", name="pk_lt_search_counts"),
    )
    bind = op.get_bind()
    rows = sa.table("lt_practice_search", sa.column("practice_id"), sa.column("language"),
                    sa.column("city_slug"), sa.column("kind"), sa.column("themes"))
    found: dict[tuple[str, str], int] = {}
    practices: dict[int, tuple[str, str, str]] = {}
    for practice_id, language, city, kind, themes in bind.execute(sa.select(
            rows.c.practice_id, rows.c.language, rows.c.city_slug, rows.c.kind, rows.c.themes)):
        found[("language", language)] = found.get(("language", language), 0) + 1
        practices[practice_id] = (city, kind, themes)
    for city, kind, themes in practices.values():
        for key in (("city", city), ("kind", kind),
                    *(("theme", theme) for theme in themes[1:-1].split("|") if theme)):
            found[key] = found.get(key, 0) + 1
    found[("total", "")] = len(practices)
    op.bulk_insert(counts, [{"facet": facet, "value": value, "count": count}
                            for (facet, value), count in sorted(found.items())])
