"""The network's count of one Declaration, on the hub (``obs.network_count``).

Member sites report their confirmed signatures as keyed hashes (HMAC-SHA256 of
the canonical address under the network key this hub hands them with their
token), with kind and country, and their withdrawals as tombstones; never an
address. The hub keeps one row per person, site and declaration
(``lt_network_signatures``), one per person (``lt_network_people``: the same
hash from two sites is one person) and the counters (``lt_network_counts``),
all three in step in the transaction that applies a report, so that the
figures are one small read however many signatures there are.

A report is idempotent: a signature already counted for the site is left as
it is, a withdrawal of one not counted does nothing. Reports are applied one
at a time (a row lock on PostgreSQL, the one writer on SQLite), so two sites
reporting the same new person at once count them once.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import Conflict, Forbidden
from ..models.hub import NetworkKey, SignatureReport
from ..store import Store, aware, bulk, now, schema
from .base import Page, read_page
from .guard import upsert_add

#: The dimensions of the counters: people by their country, signatures by site city.
COUNTRY, CITY = "country", "city"
#: The ``lt_counters`` row whose lock applies reports one at a time.
_LOCK = "network-count"


@attrs.frozen(kw_only=True)
class ReportResult:
    """What applying a report changed: signatures newly counted, withdrawals applied."""

    counted: int
    withdrawn: int
    unchanged: int


@attrs.frozen(kw_only=True)
class NetworkInstitution:
    """An institution listed network-wide: its public name, kind, website, country and the
    member city where it signed."""

    name: str
    kind: str
    website: str | None
    country: str
    city: str


def _key(row: Any) -> NetworkKey:
    return NetworkKey(id=row.id, secret=row.secret,
                      created_at=aware(row.created_at))  # type: ignore[arg-type]


class NetworkCountService:
    """The network keys, the reports of member sites, and the network's figures."""

    def __init__(self, store: Store, *, max_page_size: int = 1000) -> None:
        self.store = store
        self.max_page_size = max_page_size

    # -- the network key

    def key(self) -> NetworkKey:
        """The current network key (made on first use)."""
        table = schema.network_keys
        with self.store.read() as connection:
            row = connection.execute(sa.select(table).order_by(table.c.id.desc())
                                     .limit(1)).first()
        return _key(row) if row is not None else self.rotate()

    def rotate(self) -> NetworkKey:
        """A new network key; every hash made with an older one is dropped (it cannot be
        compared with the new ones), so the figures start again from what the member
        sites report at their next sync."""
        table = schema.network_keys
        stamp = now()
        secret = secrets.token_urlsafe(32)
        with self.store.write() as connection:
            self._lock(connection)
            new_id = connection.scalar(table.insert().values(secret=secret, created_at=stamp)
                                       .returning(table.c.id))
            for dropped in (schema.network_signatures, schema.network_people,
                            schema.network_counts):
                connection.execute(dropped.delete())
        assert new_id is not None
        return NetworkKey(id=new_id, secret=secret, created_at=stamp)

    # -- reports

    def report(self, report: SignatureReport, *, city: str | None) -> ReportResult:
        """Apply one member site's report for ``city`` (its token's city): ``Forbidden``
        for another city's, ``Conflict`` when it was hashed with a key no longer current."""
        if city is None or report.city != city:
            raise Forbidden(f"this token reports for {city or 'no city'!r}, not for "
                            f"{report.city!r}", field="city")
        sig, people = schema.network_signatures, schema.network_people
        deltas: Counter[tuple[str, str, str, str]] = Counter()
        stamp = now()
        with self.store.write() as connection:
            self._lock(connection)
            current = connection.scalar(sa.select(sa.func.max(schema.network_keys.c.id)))
            if report.key_id != current:
                raise Conflict(f"the network key {report.key_id} is no longer current; fetch "
                               "the current one (GET /api/v1/network/key) and report every "
                               "signature again with it", field="key_id")
            withdrawn = self._withdraw(connection, report, deltas)
            wanted = {(s.declaration, s.hash): s for s in report.signatures}
            present = self._present(connection, report.city, list(wanted))
            new = [s for key, s in wanted.items() if key not in present]
            for key, signature in wanted.items():  # a listing may change; the count not
                listing = _listing(signature)
                if key in present and present[key] != listing:
                    connection.execute(sig.update().where(
                        sig.c.declaration_slug == key[0], sig.c.hash == key[1],
                        sig.c.city == report.city).values(listing=listing))
            if new:
                bulk.insert(connection, sig, [
                    {"declaration_slug": s.declaration, "hash": s.hash, "city": report.city,
                     "kind": s.kind.value, "country": s.country, "listing": _listing(s),
                     "reported_at": stamp} for s in new])
                for s in new:
                    deltas[(s.declaration, CITY, report.city, s.kind.value)] += 1
                known = self._people(connection, [(s.declaration, s.hash) for s in new])
                fresh = [s for s in new if (s.declaration, s.hash) not in known]
                for declaration in {d for d, _ in known}:  # one statement a declaration
                    connection.execute(people.update().where(
                        people.c.declaration_slug == declaration,
                        people.c.hash.in_([h for d, h in known if d == declaration]))
                        .values(sites=people.c.sites + 1))
                if fresh:
                    bulk.insert(connection, people, [
                        {"declaration_slug": s.declaration, "hash": s.hash,
                         "kind": s.kind.value, "country": s.country, "sites": 1}
                        for s in fresh])
                for s in fresh:
                    deltas[(s.declaration, COUNTRY, s.country, s.kind.value)] += 1
            counts = schema.network_counts
            for (declaration, dimension, value, kind), delta in sorted(deltas.items()):
                if delta:
                    upsert_add(connection, counts, {
                        "declaration_slug": declaration, "dimension": dimension,
                        "value": value, "kind": kind}, "n", delta)
        return ReportResult(counted=len(new), withdrawn=withdrawn,
                            unchanged=len(wanted) - len(new))

    @staticmethod
    def _lock(connection: Connection) -> None:
        upsert_add(connection, schema.counters, {"name": _LOCK}, "value", 1)

    @staticmethod
    def _present(connection: Connection, city: str,
                 keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """The signatures among ``keys`` already counted for ``city``, with their listing."""
        sig = schema.network_signatures
        found: dict[tuple[str, str], Any] = {}
        for declaration in {d for d, _ in keys}:
            hashes = [h for d, h in keys if d == declaration]
            found.update({(declaration, r.hash): r.listing for r in connection.execute(
                sa.select(sig.c.hash, sig.c.listing).where(
                    sig.c.declaration_slug == declaration, sig.c.city == city,
                    sig.c.hash.in_(hashes)))})
        return found

    @staticmethod
    def _people(connection: Connection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        people = schema.network_people
        found: set[tuple[str, str]] = set()
        for declaration in {d for d, _ in keys}:
            hashes = [h for d, h in keys if d == declaration]
            found.update((declaration, h) for h in connection.scalars(
                sa.select(people.c.hash).where(people.c.declaration_slug == declaration,
                                               people.c.hash.in_(hashes))))
        return found

    @staticmethod
    def _withdraw(connection: Connection, report: SignatureReport,
                  deltas: Counter[tuple[str, str, str, str]]) -> int:
        """Apply the report's tombstones (before its signatures: a person who withdrew and
        signed again is counted)."""
        sig, people = schema.network_signatures, schema.network_people
        done = 0
        for item in {(w.declaration, w.hash) for w in report.withdrawn}:
            declaration, digest = item
            row = connection.execute(sig.delete().where(
                sig.c.declaration_slug == declaration, sig.c.hash == digest,
                sig.c.city == report.city).returning(sig.c.kind)).first()
            if row is None:
                continue
            done += 1
            deltas[(declaration, CITY, report.city, row.kind)] -= 1
            person = (people.c.declaration_slug == declaration, people.c.hash == digest)
            left = connection.execute(people.update().where(*person)
                                      .values(sites=people.c.sites - 1)
                                      .returning(people.c.sites, people.c.kind,
                                                 people.c.country)).first()
            if left is not None and left.sites <= 0:
                connection.execute(people.delete().where(*person))
                deltas[(declaration, COUNTRY, left.country, left.kind)] -= 1
        return done

    # -- the figures

    def figures(self, declaration: str) -> dict[str, Any]:
        """The network's figures of ``declaration``: people counted once across every
        site, by kind and country; the signatures each member city reported, by kind."""
        counts = schema.network_counts
        with self.store.read() as connection:
            rows = connection.execute(
                sa.select(counts.c.dimension, counts.c.value, counts.c.kind, counts.c.n)
                .where(counts.c.declaration_slug == declaration, counts.c.n > 0)).all()
        by_kind: dict[str, int] = {}
        by_country: dict[str, int] = {}
        cities: dict[str, dict[str, Any]] = {}
        for dimension, value, kind, n in rows:
            if dimension == COUNTRY:
                by_kind[kind] = by_kind.get(kind, 0) + n
                by_country[value] = by_country.get(value, 0) + n
            else:
                city = cities.setdefault(value, {"signatures": 0, "by_kind": {}})
                city["signatures"] += n
                city["by_kind"][kind] = city["by_kind"].get(kind, 0) + n
        return {"declaration": declaration, "people": sum(by_kind.values()),
                "by_kind": dict(sorted(by_kind.items())),
                "by_country": dict(sorted(by_country.items())),
                "cities": dict(sorted(cities.items()))}

    def institutions(self, declaration: str, *, limit: int = 100,
                     offset: int = 0) -> Page[NetworkInstitution]:
        """The institutions that signed ``declaration`` on any member site and agreed to be
        listed, by name."""
        sig = schema.network_signatures
        query = (sa.select(sig.c.listing, sig.c.country, sig.c.city)
                 .where(sig.c.declaration_slug == declaration, sig.c.listing.is_not(None))
                 .order_by(sig.c.listing["name"].as_string(), sig.c.city, sig.c.hash))
        return read_page(self.store, query, limit=limit, offset=offset,
                         maximum=self.max_page_size, load=lambda _, rows: [
                             NetworkInstitution(name=r.listing["name"], kind=r.listing["kind"],
                                                website=r.listing.get("website"),
                                                country=r.country, city=r.city)
                             for r in rows])


def _listing(signature: Any) -> dict[str, Any] | None:
    listing = signature.listing
    if listing is None:
        return None
    return {"name": listing.name, "kind": listing.kind.value, "website": listing.website}
