"""Version 1: every domain's tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "initial schema: cities, practices, events, sessions, declarations, campaigns, pledges"

JSONData = sa.JSON()
Instant = sa.DateTime(timezone=True)


def _record(op: Operations, table: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        *columns,
        sa.Column("data", JSONData, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.UniqueConstraint("slug", name=f"uq_{table}_slug"),
    )


def _fk(column: str, target: str, *, on_delete: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [target], onupdate="CASCADE", ondelete=on_delete, name=name
    )


def upgrade(op: Operations) -> None:
    """Create the tables of every domain."""
    _record(op, "lt_cities",
            sa.Column("country", sa.String(2), nullable=False),
            sa.Column("status", sa.String(20), nullable=False))
    op.create_index("ix_lt_cities_country", "lt_cities", ["country"])

    _record(op, "lt_practices",
            sa.Column("city_slug", sa.String(100), nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("status", sa.String(20), nullable=False),
            _fk("city_slug", "lt_cities.slug", on_delete="RESTRICT",
                name="fk_lt_practices_city_slug_lt_cities"))
    op.create_index("ix_lt_practices_city_slug", "lt_practices", ["city_slug"])
    op.create_index("ix_lt_practices_status", "lt_practices", ["status"])

    op.create_table(
        "lt_practice_themes",
        sa.Column("practice_id", sa.Integer, nullable=False),
        sa.Column("theme", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("practice_id", "theme", name="pk_lt_practice_themes"),
        sa.ForeignKeyConstraint(["practice_id"], ["lt_practices.id"], ondelete="CASCADE",
                                name="fk_lt_practice_themes_practice_id_lt_practices"),
    )
    op.create_index("ix_lt_practice_themes_theme", "lt_practice_themes", ["theme"])

    _record(op, "lt_events",
            sa.Column("first_day", sa.Date, nullable=False),
            sa.Column("last_day", sa.Date, nullable=False),
            sa.Column("host_zone", sa.String(64), nullable=False))
    op.create_index("ix_lt_events_first_day", "lt_events", ["first_day"])

    op.create_table(
        "lt_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts_at", Instant, nullable=True),
        sa.Column("ends_at", Instant, nullable=True),
        sa.Column("data", JSONData, nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["lt_events.id"], ondelete="CASCADE",
                                name="fk_lt_sessions_event_id_lt_events"),
        sa.UniqueConstraint("event_id", "key", name="uq_lt_sessions_event_id_key"),
    )

    _record(op, "lt_declarations")

    _record(op, "lt_campaigns", sa.Column("day", sa.Date, nullable=False))

    op.create_table(
        "lt_participations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("data", JSONData, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        _fk("campaign_slug", "lt_campaigns.slug", on_delete="CASCADE",
            name="fk_lt_participations_campaign_slug_lt_campaigns"),
        _fk("city_slug", "lt_cities.slug", on_delete="RESTRICT",
            name="fk_lt_participations_city_slug_lt_cities"),
        sa.UniqueConstraint("campaign_slug", "city_slug",
                            name="uq_lt_participations_campaign_slug_city_slug"),
    )
    op.create_index("ix_lt_participations_city_slug", "lt_participations", ["city_slug"])

    op.create_table(
        "lt_pledges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("declaration_slug", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("data", JSONData, nullable=False),
        sa.Column("signed_at", Instant, nullable=False),
        sa.Column("confirmed_at", Instant, nullable=True),
        _fk("declaration_slug", "lt_declarations.slug", on_delete="RESTRICT",
            name="fk_lt_pledges_declaration_slug_lt_declarations"),
        sa.UniqueConstraint("declaration_slug", "email_key",
                            name="uq_lt_pledges_declaration_slug_email_key"),
    )
    op.create_index("ix_lt_pledges_declaration_status", "lt_pledges",
                    ["declaration_slug", "status"])
