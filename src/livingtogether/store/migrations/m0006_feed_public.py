"""Version 6: the change feed remembers which records were ever public.

A practice that was never published (in review, rejected, a draft) must not
appear in the public feed, not even as a tombstone: its slug is not public.
``lt_changes.once_public`` is true once a change of the record was noted
while it was public; only such rows are served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "hub: the change feed serves only records that were once public"


def upgrade(op: Operations) -> None:
    """Add ``lt_changes.once_public``; mark what is known to have been public."""
    op.add_column("lt_changes", sa.Column("once_public", sa.Boolean, nullable=False,
                                          server_default=sa.true()))
    # Every city, theme and event is public; a practice is known to have been public
    # if it is published now. A practice stored but not published now may never have
    # been: it leaves the feed (a mirror that holds a copy of it got that copy while it
    # was published, and keeps it until it is published or deleted again). The
    # tombstones of deleted practices stay: they were served already, and a mirror
    # may still need them to remove its copy.
    changes = sa.table("lt_changes", sa.column("kind", sa.String), sa.column("slug", sa.String),
                       sa.column("deleted", sa.Boolean), sa.column("once_public", sa.Boolean))
    practices = sa.table("lt_practices", sa.column("slug", sa.String),
                         sa.column("status", sa.String))
    op.get_bind().execute(changes.update().where(
        changes.c.kind == "practices", changes.c.deleted.is_(False),
        ~sa.exists().where(practices.c.slug == changes.c.slug,
                           practices.c.status == "published"),
    ).values(once_public=False))
