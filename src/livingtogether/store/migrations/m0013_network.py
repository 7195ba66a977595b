"""Version 13: cities' periods of membership; partner organisations and boards.

Periods: every city's ``data`` gains ``memberships``: the periods its one year and one
status stand for (a copy of ``models.cities.legacy_memberships`` as it is at
this version). ``member_since`` and ``status`` stay in ``data``, the derived
values being exactly the ones stored (the feed serves ``data`` as it is, and
clients of the earlier shape read them). A city already carrying periods is
left as it is; the ``status`` column is unchanged, being the same value.

Partners: ``lt_organisations`` is created, and every name of a city's
``partner_board`` becomes an organisation (kind ``other``, the name in the
city's first language, or English; the same name in several cities is one
organisation) holding a seat on the city's new ``board`` (no role, no dates:
none were recorded). The names stay in ``partner_board`` as they were.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "network: cities' periods of membership, partner organisations and boards"

Instant = sa.DateTime(timezone=True)

STATUSES = ("founding_member", "member", "partner")


def periods(member_since: Any, status: Any) -> list[dict[str, Any]]:
    """The periods of a city of version 10, as data."""
    status = "member" if status is None else status
    if member_since is None and status == "member":
        return []
    if status == "former_member":
        return [{"joined": member_since, "left": None, "status": "member", "ended": True}]
    if status not in STATUSES:  # never written by version 10's models; kept, not guessed
        raise ValueError(f"city status {status!r} is not one of version 10's")
    return [{"joined": member_since, "left": None, "status": status, "ended": False}]


def slug_of(name: str, taken: dict[str, str]) -> str:
    """A slug for the organisation ``name`` (a copy of ``fields.slugify`` at version 13),
    told apart from another name's with a number."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:90].strip("-") or "partner"
    slug, number = base, 1
    while slug in taken and taken[slug] != name:
        number += 1
        slug = f"{base}-{number}"
    return slug


def upgrade(op: Operations) -> None:
    """Create ``lt_organisations``; add ``memberships`` and ``board`` to every city."""
    op.create_table(
        "lt_organisations",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_organisations"),
        sa.UniqueConstraint("slug", name="uq_lt_organisations_slug"),
    )
    op.create_index("ix_lt_organisations_kind", "lt_organisations", ["kind"])
    op.create_index("ix_lt_organisations_city_slug", "lt_organisations", ["city_slug"])
    bind = op.get_bind()
    cities = sa.table("lt_cities", sa.column("id", sa.Integer), sa.column("data", sa.JSON()))
    changes: list[dict[str, Any]] = []
    names: dict[str, tuple[str, str]] = {}  # slug -> (name, its language)
    taken: dict[str, str] = {}
    for row in bind.execute(sa.select(cities.c.id, cities.c.data).order_by(cities.c.id)):
        data = dict(row.data or {})
        if "memberships" not in data:
            data["memberships"] = periods(data.get("member_since"), data.get("status"))
            data.setdefault("member_since", None)
            data.setdefault("status", "member")
        if "board" not in data:
            languages = data.get("languages") or ["en"]
            board: list[dict[str, Any]] = []
            for name in data.get("partner_board") or []:
                slug = slug_of(name, taken)
                taken[slug] = name
                names.setdefault(slug, (name, languages[0]))
                if all(seat["organisation"] != slug for seat in board):
                    board.append({"organisation": slug, "role": {}, "since": None,
                                  "until": None})
            data["board"] = board
        changes.append({"row": row.id, "value": data})
    moment = datetime.now(timezone.utc)
    organisations = sa.table(
        "lt_organisations", sa.column("slug", sa.String), sa.column("kind", sa.String),
        sa.column("city_slug", sa.String), sa.column("data", sa.JSON()),
        sa.column("created_at", Instant), sa.column("updated_at", Instant))
    if names:
        bind.execute(organisations.insert(), [
            {"slug": slug, "kind": "other", "city_slug": None, "created_at": moment,
             "updated_at": moment,
             "data": {"slug": slug, "name": {language: name}, "kind": "other",
                      "website": None, "city": None, "logo": None}}
            for slug, (name, language) in names.items()])
    if changes:
        bind.execute(cities.update().where(cities.c.id == sa.bindparam("row"))
                     .values(data=sa.bindparam("value", type_=sa.JSON())), changes)
