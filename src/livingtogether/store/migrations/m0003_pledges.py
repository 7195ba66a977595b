"""Version 3: pledge confirmation tokens, the mail outbox, counters, rate limits, secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "pledges: tokens, outbox, counts, rate limits, secrets, signer IP hashes"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create the tables of the pledge workflow and add its columns to ``lt_pledges``."""
    with op.batch_alter_table("lt_pledges") as batch:
        batch.add_column(sa.Column("ip_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("anonymised_at", Instant, nullable=True))
    op.create_index("ix_lt_pledges_status_signed_at", "lt_pledges", ["status", "signed_at"])

    op.create_table(
        "lt_pledge_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("pledge_id", sa.Integer, nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("expires_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_lt_pledge_tokens"),
        sa.ForeignKeyConstraint(["pledge_id"], ["lt_pledges.id"], ondelete="CASCADE",
                                name="fk_lt_pledge_tokens_pledge_id_lt_pledges"),
    )
    op.create_index("ix_lt_pledge_tokens_pledge_id", "lt_pledge_tokens", ["pledge_id"])

    op.create_table(
        "lt_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pledge_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", Instant, nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("claimed_until", Instant, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("sent_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(["pledge_id"], ["lt_pledges.id"], ondelete="CASCADE",
                                name="fk_lt_outbox_pledge_id_lt_pledges"),
    )
    op.create_index("ix_lt_outbox_status_next_attempt_at", "lt_outbox",
                    ["status", "next_attempt_at"])
    op.create_index("ix_lt_outbox_pledge_id", "lt_outbox", ["pledge_id"])

    op.create_table(
        "lt_pledge_counts",
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("confirmed", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("declaration_slug", "kind", "country",
                                name="pk_lt_pledge_counts"),
        sa.ForeignKeyConstraint(["declaration_slug"], ["lt_declarations.slug"],
                                onupdate="CASCADE", ondelete="CASCADE",
                                name="fk_lt_pledge_counts_declaration_slug_lt_declarations"),
    )

    op.create_table(
        "lt_rate_limits",
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_lt_rate_limits"),
    )
    op.create_index("ix_lt_rate_limits_expires_at", "lt_rate_limits", ["expires_at"])

    op.create_table(
        "lt_secrets",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_lt_secrets"),
    )
