"""Version 16: the outbox carries screening emails too; links of registrations' emails.

``lt_outbox.pledge_id`` may be empty: a row is about a signature (``pledge_id``)
or about a screening registration (``registration_id``, deleted with it), and
``data`` holds what a message needs beyond its kind (the subject and text of
staff's update to the registrants). ``lt_screening_tokens`` keeps the keyed
hash of each link an email about a registration carried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "screen: the outbox carries screening emails; the links of registrations' emails"

Instant = sa.DateTime(timezone=True)


def upgrade(op: Operations) -> None:
    """Widen ``lt_outbox``; create ``lt_screening_tokens``."""
    with op.batch_alter_table("lt_outbox") as batch:
        batch.alter_column("pledge_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("registration_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("data", sa.JSON(), nullable=True))
        batch.create_foreign_key("fk_lt_outbox_registration_id_lt_screening_registrations",
                                 "lt_screening_registrations", ["registration_id"], ["id"],
                                 ondelete="CASCADE")
    op.create_index("ix_lt_outbox_registration_id", "lt_outbox", ["registration_id"])
    op.create_table(
        "lt_screening_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("registration_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_lt_screening_tokens"),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["lt_screening_registrations.id"], ondelete="CASCADE",
            name="fk_lt_screening_tokens_registration_id"),
    )
    op.create_index("ix_lt_screening_tokens_registration_id", "lt_screening_tokens",
                    ["registration_id"])
