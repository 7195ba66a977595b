"""Version 5: the hub's API tokens, its change feed, and a member's pull state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "hub: API tokens, change feed, pulled records and cursors"

Instant = sa.DateTime(timezone=True)

#: The tables whose records the feed carries, by feed kind.
FEEDS = (("cities", "lt_cities"), ("themes", "lt_themes"), ("practices", "lt_practices"),
         ("events", "lt_events"))


def upgrade(op: Operations) -> None:
    """Create the hub's tables; number every existing record in the feed."""
    op.create_table(
        "lt_api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=True),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("revoked_at", Instant, nullable=True),
        sa.Column("last_used_at", Instant, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lt_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_lt_api_tokens_token_hash"),
    )
    changes = op.create_table(
        "lt_changes",
        sa.Column("seq", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("changed_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_lt_changes"),
        sa.UniqueConstraint("kind", "slug", name="uq_lt_changes_kind_slug"),
    )
    op.create_index("ix_lt_changes_kind_seq", "lt_changes", ["kind", "seq"])
    counters = op.create_table(
        "lt_counters",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_lt_counters"),
    )
    op.create_table(
        "lt_hub_records",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("pulled_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("kind", "slug", name="pk_lt_hub_records"),
    )
    op.create_table(
        "lt_hub_cursors",
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("cursor", sa.String(100), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("origin", "kind", name="pk_lt_hub_cursors"),
    )
    # Records stored before this version enter the feed in the order they were made.
    bind = op.get_bind()
    seq = 0
    rows = []
    for kind, table in FEEDS:
        records = sa.table(table, sa.column("id"), sa.column("slug"),
                           sa.column("updated_at", Instant))
        for slug, stamp in bind.execute(
                sa.select(records.c.slug, records.c.updated_at).order_by(records.c.id)):
            seq += 1
            rows.append({"seq": seq, "kind": kind, "slug": slug, "deleted": False,
                         "changed_at": stamp})
    if rows:
        op.bulk_insert(changes, rows)
    op.bulk_insert(counters, [{"name": "changes", "value": seq}])
