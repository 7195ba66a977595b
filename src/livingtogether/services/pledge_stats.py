"""Counts of confirmed signatures (``obs.pledge_stats``): read from the counter table
that every confirmation and withdrawal keeps in step, and checked against the rows
by :meth:`PledgeStatsService.recount`."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import NotFound
from ..models import City, PledgeStats, PledgeStatus
from ..store import Store, schema
from .base import Kept
from .guard import upsert_add


def signer_names(city: City) -> builtins.list[str]:
    """The names a signer may give for ``city``'s place: its name in every language and
    its slug."""
    return [*city.name.values.values(), city.slug]


def folded(names: Iterable[str]) -> builtins.list[str]:
    """``names`` as signatures are matched to them: stripped and casefolded, each once."""
    return sorted({name.strip().casefold() for name in names if name.strip()})

#: A declaration's milestones, read without its text (stored sorted, by the model's rule).
_MILESTONES = schema.declarations.c.data["milestones"]


@attrs.frozen(kw_only=True)
class Drift:
    """A counter that did not match the rows: what it said and what the rows say."""

    declaration: str
    kind: str
    country: str
    counted: int
    actual: int


def count(connection: Connection, row: Any, delta: int) -> None:
    """Add ``delta`` to the counter of ``row``'s declaration, kind and country, within the
    caller's transaction (one statement, exact under concurrent writers)."""
    upsert_add(connection, schema.pledge_counts,
               {"declaration_slug": row.declaration_slug, "kind": row.kind,
                "country": row.country}, "confirmed", delta)


class PledgeStatsService:
    """Confirmed signatures by declaration, kind and country (public figures); the
    recount (``signatures.recount`` in the staff console) repairs the counters."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: Kept[PledgeStats] = Kept(store)
        self._cities: Kept[int] = Kept(store)

    def all_stats(self) -> builtins.list[PledgeStats]:
        """The stats of every declaration, by slug, in one transaction."""
        table = schema.declarations
        with self.store.read() as connection:
            rows = connection.execute(sa.select(table.c.slug, _MILESTONES)
                                      .order_by(table.c.slug)).all()
            return [self.stats_in(connection, slug, tuple(milestones or ()))
                    for slug, milestones in rows]

    def stats(self, declaration: str) -> PledgeStats:
        """Confirmed signatures of ``declaration``: in all, by kind, by country.

        Two small reads, the declaration's milestones (not its text) and its
        counters, kept until the pledges' data version moves (:class:`.pledges.Kept`):
        a new signature moves nothing, a confirmation or withdrawal anywhere does.
        """
        return self._kept.get(declaration, lambda: self._read(declaration))

    def _read(self, declaration: str) -> PledgeStats:
        table = schema.declarations
        with self.store.read() as connection:
            row = connection.execute(sa.select(table.c.slug, _MILESTONES)
                                     .where(table.c.slug == declaration)).first()
            if row is None:
                raise NotFound(f"there is no declaration {declaration!r}", field="declaration")
            return self.stats_in(connection, declaration, tuple(row[1] or ()))

    @staticmethod
    def stats_in(connection: Connection, declaration: str, milestones: tuple[int, ...],
                 ) -> PledgeStats:
        """The stats of ``declaration`` (whose milestones are ``milestones``) within an
        open transaction: one query of its counters."""
        table = schema.pledge_counts
        rows = connection.execute(
            sa.select(table.c.kind, table.c.country, table.c.confirmed)
            .where(table.c.declaration_slug == declaration, table.c.confirmed > 0)
        ).all()
        by_kind: dict[str, int] = {}
        by_country: dict[str, int] = {}
        for kind, country, confirmed in rows:
            by_kind[kind] = by_kind.get(kind, 0) + confirmed
            by_country[country] = by_country.get(country, 0) + confirmed
        total = sum(by_kind.values())
        upcoming = next((m for m in milestones if m > total), None)
        return PledgeStats(declaration=declaration, confirmed=total,
                           by_kind=dict(sorted(by_kind.items())),
                           by_country=dict(sorted(by_country.items())), next_milestone=upcoming)

    def in_city(self, declaration: str, country: str, names: builtins.list[str]) -> int:
        """Confirmed signatures of ``declaration`` given in a city of ``country`` called by
        one of ``names`` (any language, case and surrounding spaces aside): the signers
        write their city's name, so each of the city's names counts. One query of the
        declaration's confirmed rows in the country; kept as :meth:`stats` is."""
        wanted = folded(names)
        if not wanted:
            return 0
        key = f"city:{declaration}:{country}:{'|'.join(wanted)}"
        return self._cities.get(key, lambda: self._in_city(declaration, country, wanted))

    def _in_city(self, declaration: str, country: str, wanted: builtins.list[str]) -> int:
        table = schema.pledges
        city = sa.func.lower(sa.func.trim(table.c.data["city"].as_string()))
        with self.store.read() as connection:
            found = connection.execute(
                sa.select(city, sa.func.count()).where(
                    table.c.declaration_slug == declaration,
                    table.c.status == PledgeStatus.CONFIRMED.value,
                    table.c.country == country.upper()).group_by(city)).all()
        # lower() of SQL folds ASCII only on SQLite: the names compare casefolded here
        return sum(n for name, n in found if name and name.casefold() in wanted)

    def recount(self, *, fix: bool = True) -> builtins.list[Drift]:
        """Compare the counters with the confirmed rows; return every drift (and fix it)."""
        pledges, counts = schema.pledges, schema.pledge_counts
        with self.store.write() as connection:
            actual = {(d, k, c): n for d, k, c, n in connection.execute(
                sa.select(pledges.c.declaration_slug, pledges.c.kind, pledges.c.country,
                          sa.func.count())
                .where(pledges.c.status == PledgeStatus.CONFIRMED.value)
                .group_by(pledges.c.declaration_slug, pledges.c.kind, pledges.c.country))}
            counted = {(d, k, c): n for d, k, c, n in connection.execute(
                sa.select(counts.c.declaration_slug, counts.c.kind, counts.c.country,
                          counts.c.confirmed))}
            drift = [Drift(declaration=key[0], kind=key[1], country=key[2],
                           counted=counted.get(key, 0), actual=actual.get(key, 0))
                     for key in sorted(set(actual) | set(counted))
                     if counted.get(key, 0) != actual.get(key, 0)]
            if fix:
                for item in drift:
                    keys = {"declaration_slug": item.declaration, "kind": item.kind,
                            "country": item.country}
                    upsert_add(connection, counts, keys, "confirmed",
                               item.actual - item.counted)
        return drift
