"""Version 17: the network's campaign through the hub.

On a hub: the public screenings member sites report (``lt_network_screenings``, also
what a member site pulls them into) and their participations. On a member site:
what the hub acknowledged of its campaign (``lt_campaign_sent``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "netscreen: the network's screenings and participations through the hub"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create ``lt_network_screenings``, ``lt_network_participations`` and
    ``lt_campaign_sent``."""
    op.create_table(
        "lt_network_screenings",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("starts_at", Instant, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_network_screenings"),
        sa.UniqueConstraint("slug", name="uq_lt_network_screenings_slug"),
    )
    for column in ("campaign_slug", "city_slug", "country", "starts_at"):
        op.create_index(f"ix_lt_network_screenings_{column}", "lt_network_screenings",
                        [column])
    op.create_table(
        "lt_network_participations",
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("reported_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("campaign_slug", "city_slug",
                                name="pk_lt_network_participations"),
    )
    op.create_table(
        "lt_campaign_sent",
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ident", sa.String(100), nullable=False),
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sent_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("origin", "kind", "ident", name="pk_lt_campaign_sent"),
    )
