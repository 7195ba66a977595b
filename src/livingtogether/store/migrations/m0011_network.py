"""Version 11: cities' periods of membership, from each city's ``member_since`` and status.

Every city's ``data`` gains ``memberships``: the periods its one year and one
status stand for (a copy of ``models.cities.legacy_memberships`` as it is at
this version). ``member_since`` and ``status`` stay in ``data``, the derived
values being exactly the ones stored (the feed serves ``data`` as it is, and
clients of the earlier shape read them). A city already carrying periods is
left as it is; the ``status`` column is unchanged, being the same value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "network: cities' periods of membership"

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


def upgrade(op: Operations) -> None:
    """Add ``memberships`` to every row of ``lt_cities`` that has none."""
    bind = op.get_bind()
    cities = sa.table("lt_cities", sa.column("id", sa.Integer), sa.column("data", sa.JSON()))
    changes = []
    for row in bind.execute(sa.select(cities.c.id, cities.c.data).order_by(cities.c.id)):
        data = dict(row.data or {})
        if "memberships" in data:
            continue
        data["memberships"] = periods(data.get("member_since"), data.get("status"))
        data.setdefault("member_since", None)
        data.setdefault("status", "member")
        changes.append({"row": row.id, "value": data})
    if changes:
        bind.execute(cities.update().where(cities.c.id == sa.bindparam("row"))
                     .values(data=sa.bindparam("value", type_=sa.JSON())), changes)
