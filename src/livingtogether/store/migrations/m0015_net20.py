"""Version 15: series of events (the Mayors Summits).

``lt_event_series`` is created, empty. Nothing stored changes: the new fields of
events (``series``, ``outcomes``), declarations (``year``, ``adopted``, ``place``,
``event``, ``signatories``) and studies (``study``) have defaults that a record
stored without them reads as (no series, no outcomes, not a declaration of the
network, no study details).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "net20: series of events"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create ``lt_event_series``."""
    op.create_table(
        "lt_event_series",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_event_series"),
        sa.UniqueConstraint("slug", name="uq_lt_event_series_slug"),
    )
