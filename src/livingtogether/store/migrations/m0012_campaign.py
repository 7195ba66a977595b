"""Version 12: seats and registrations of the screenings residents can attend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "campaign: screening seats and registrations"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create ``lt_screening_seats`` and ``lt_screening_registrations``."""
    op.create_table(
        "lt_screening_seats",
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("screening_key", sa.String(100), nullable=False),
        sa.Column("taken", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("campaign_slug", "city_slug", "screening_key",
                                name="pk_lt_screening_seats"),
    )
    op.create_table(
        "lt_screening_registrations",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("screening_key", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("waiting_since", Instant, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lt_screening_registrations"),
        sa.UniqueConstraint("token_hash", name="uq_lt_screening_registrations_token_hash"),
    )
    op.create_index("ix_lt_screening_registrations_screening", "lt_screening_registrations",
                    ["campaign_slug", "city_slug", "screening_key", "status"])
    op.create_index("ix_lt_screening_registrations_created_at", "lt_screening_registrations",
                    ["created_at"])
