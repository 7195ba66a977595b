"""Version 7: the signing form's used tokens, so that each token is good once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "pledges: used form tokens"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Create ``lt_form_tokens``: the keyed hash of each used form token, until it expires."""
    op.create_table(
        "lt_form_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_lt_form_tokens"),
    )
    op.create_index("ix_lt_form_tokens_expires_at", "lt_form_tokens", ["expires_at"])
