"""Version 10: the staff layer's audit, revisions, moderation claims and private notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "staff: audit, revisions, claims, notes"

Instant = sa.DateTime(timezone=True)


def _who(prefix: str) -> list[sa.Column[str]]:
    return [sa.Column(f"{prefix}_id", sa.String(200), nullable=False),
            sa.Column(f"{prefix}_name", sa.String(200), nullable=False)]


def upgrade(op: Operations) -> None:
    """Create ``lt_audit``, ``lt_revisions``, ``lt_claims`` and ``lt_notes``."""
    op.create_table(
        "lt_audit",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", Instant, nullable=False),
        *_who("actor"),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("summary", sa.String(2000), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_audit"),
    )
    op.create_index("ix_lt_audit_kind_key_id", "lt_audit", ["kind", "key", "id"])
    op.create_index("ix_lt_audit_actor_id_id", "lt_audit", ["actor_id", "id"])
    op.create_index("ix_lt_audit_city_id", "lt_audit", ["city", "id"])
    op.create_table(
        "lt_revisions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        *_who("author"),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("summary", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lt_revisions"),
        sa.UniqueConstraint("kind", "key", "number", name="uq_lt_revisions_kind_key_number"),
    )
    op.create_table(
        "lt_claims",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        *_who("actor"),
        sa.Column("until", Instant, nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_lt_claims"),
    )
    op.create_table(
        "lt_notes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        *_who("author"),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_notes"),
    )
    op.create_index("ix_lt_notes_kind_key", "lt_notes", ["kind", "key"])
