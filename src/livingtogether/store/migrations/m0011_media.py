"""Version 11: the media library of the images uploaded through the staff console."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "media: the library of uploaded images"


def upgrade(op: Operations) -> None:
    """Create ``lt_media``."""
    op.create_table(
        "lt_media",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("uploader_id", sa.String(200), nullable=False),
        sa.Column("uploader_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_media"),
    )
    op.create_index("ix_lt_media_city_id", "lt_media", ["city", "id"])
    op.create_index("ix_lt_media_url", "lt_media", ["url"])
