"""Version 2: published versions of a programme."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "programme versions: numbered snapshots of an event, for changes and caching"


def upgrade(op: Operations) -> None:
    """Create ``lt_programme_versions``."""
    op.create_table(
        "lt_programme_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_programme_versions"),
        sa.ForeignKeyConstraint(["event_id"], ["lt_events.id"], ondelete="CASCADE",
                                name="fk_lt_programme_versions_event_id_lt_events"),
        sa.UniqueConstraint("event_id", "number",
                            name="uq_lt_programme_versions_event_id_number"),
    )
