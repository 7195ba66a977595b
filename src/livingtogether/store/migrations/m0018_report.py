"""Version 18: the attendance of screenings that took place, entered by their city's staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "report: the attendance of screenings, for the campaign report"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create ``lt_screening_attendance``."""
    op.create_table(
        "lt_screening_attendance",
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("screening_key", sa.String(100), nullable=False),
        sa.Column("attended", sa.Integer, nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("recorded_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("campaign_slug", "city_slug", "screening_key",
                                name="pk_lt_screening_attendance"),
    )
