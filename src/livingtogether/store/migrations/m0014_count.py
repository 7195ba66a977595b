"""Version 14: the network's count of one Declaration.

On a hub: the network keys, the signatures member sites reported (keyed hashes, never
addresses), each person once, and the counters. On a member site: what the hub
acknowledged, and the network's figures as the hub last gave them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "count: the network's count of signatures, by keyed hashes"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create the hub's ``lt_network_*`` tables and the member's ``lt_count_sent`` and
    ``lt_network_snapshots``."""
    op.create_table(
        "lt_network_keys",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_network_keys"),
    )
    op.create_table(
        "lt_network_signatures",
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("listing", sa.JSON(), nullable=True),
        sa.Column("reported_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("declaration_slug", "hash", "city",
                                name="pk_lt_network_signatures"),
    )
    op.create_index("ix_lt_network_signatures_city", "lt_network_signatures", ["city"])
    op.create_table(
        "lt_network_people",
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("sites", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("declaration_slug", "hash", name="pk_lt_network_people"),
    )
    op.create_table(
        "lt_network_counts",
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("dimension", sa.String(10), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("declaration_slug", "dimension", "value", "kind",
                                name="pk_lt_network_counts"),
    )
    op.create_table(
        "lt_count_sent",
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("pledge_id", sa.Integer, nullable=False),
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.Integer, nullable=False),
        sa.Column("sent_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("origin", "pledge_id", name="pk_lt_count_sent"),
    )
    op.create_table(
        "lt_network_snapshots",
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("fetched_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("origin", "declaration_slug", name="pk_lt_network_snapshots"),
    )
