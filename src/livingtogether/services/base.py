"""What every service shares: pages, and a repository of slug-keyed records."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import Conflict, LivingTogetherError, NotFound, ValidationError
from ..models import fields as f
from ..store import Store, bulk, now
from ..store.feed import note_change, note_changes
from ..store.versions import ALL

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: its items, the total over all pages, and where it starts."""

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int


def check_page(limit: int, offset: int, *, maximum: int) -> None:
    """Refuse a page size or offset out of bounds."""
    f.check_number(limit, field="limit", minimum=1, maximum=maximum)
    f.check_number(offset, field="offset", minimum=0, maximum=10**9)


def read_page(
    store: Store, query: sa.Select[Any], *, limit: int, offset: int, maximum: int,
    load: Callable[[Connection, Sequence[Any]], Iterable[T]],
) -> Page[T]:
    """One page of ``query`` (already ordered), its rows made models by ``load``."""
    check_page(limit, offset, maximum=maximum)
    with store.read() as connection:
        total = connection.scalar(
            sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
        )
        rows = connection.execute(query.limit(limit).offset(offset)).all()
        items = tuple(load(connection, rows))
    return Page(items=items, total=int(total or 0), limit=limit, offset=offset)


def exists(connection: Connection, table: sa.Table, slug: str) -> bool:
    """Whether ``table`` has a record ``slug``."""
    return connection.scalar(sa.select(table.c.id).where(table.c.slug == slug)) is not None


def require(connection: Connection, table: sa.Table, slug: str, error: Exception) -> None:
    """Raise ``error`` unless ``table`` has a record ``slug``."""
    if not exists(connection, table, slug):
        raise error


def is_unique_violation(error: sa.exc.IntegrityError) -> bool:
    """Whether ``error`` is a unique-constraint violation (not a foreign key or null)."""
    text = str(error.orig).lower()
    return "unique" in text or "duplicate key" in text


@contextmanager
def _named(names: Sequence[str] | None, index: int, name: str | None = None) -> Iterator[None]:
    """Put the name of record ``index`` (``names[index]``, or ``name``) before the field of
    any error the block raises about it."""
    label = name if name is not None else names[index] if names is not None else None
    if label is None:
        yield
        return
    try:
        yield
    except LivingTogetherError as error:
        raise error.with_prefix(label) from None


class Records(Generic[T]):
    """Create, get, list, update, save and delete records of one model keyed by slug.

    ``columns`` gives the indexed columns of a record besides ``slug`` and
    ``data``; ``prepare`` applies the domain's rules before a write, inside
    its transaction; ``after_write`` updates side tables. A subclass whose
    records span tables overrides :meth:`dump` and :meth:`load_rows`.
    """

    def __init__(
        self,
        store: Store,
        table: sa.Table,
        model: type[T],
        *,
        noun: str,
        columns: Callable[[T], Mapping[str, Any]] = lambda _: {},
        prepare: Callable[[Connection, T], T] = lambda _, record: record,
        after_write: Callable[[Connection, int, T], None] = lambda *_: None,
        max_page_size: int = 200,
    ) -> None:
        self.store = store
        self.table = table
        self.model = model
        self.noun = noun
        self._columns = columns
        self._prepare = prepare
        self._after_write = after_write
        self.max_page_size = max_page_size

    # -- reading

    def get(self, slug: str) -> T:
        """The record ``slug``; ``NotFound`` if there is none."""
        with self.store.read() as connection:
            return self.get_in(connection, slug)

    def get_in(self, connection: Connection, slug: str) -> T:
        """The record ``slug`` within an open transaction."""
        return self.row_in(connection, slug)[1]

    def row_in(self, connection: Connection, slug: str) -> tuple[int, T]:
        """The record ``slug`` and its row id (for side tables) within an open
        transaction; ``NotFound`` if there is none."""
        row = connection.execute(
            sa.select(self.table.c.id, self.table.c.data).where(self.table.c.slug == slug)
        ).first()
        if row is None:
            raise NotFound(f"there is no {self.noun} {slug!r}", field="slug")
        return row.id, self.load_rows(connection, [row])[0]

    def exists_in(self, connection: Connection, slug: str) -> bool:
        """Whether the record ``slug`` exists."""
        return exists(connection, self.table, slug)

    def load_rows(self, connection: Connection, rows: Iterable[Sequence[Any]],
                  ) -> builtins.list[T]:
        """Stored ``(id, data)`` rows as models."""
        return [convert.structure(data, self.model) for _, data in rows]

    def dump(self, record: T) -> Any:
        """What a record stores in its ``data`` column."""
        return convert.unstructure(record)

    def list(self, *, where: Iterable[sa.ColumnElement[bool]] = (), order_by: Any = None,
             limit: int = 50, offset: int = 0) -> Page[T]:
        """A page of records matching every condition in ``where``."""
        order = order_by if order_by is not None else self.table.c.slug
        query = (sa.select(self.table.c.id, self.table.c.data).where(*where)
                 .order_by(order, self.table.c.id))
        return read_page(self.store, query, limit=limit, offset=offset,
                         maximum=self.max_page_size, load=self.load_rows)

    def all_in(self, connection: Connection, *where: sa.ColumnElement[bool],
               ) -> builtins.list[T]:
        """Every record (that matches ``where``), by slug."""
        rows = connection.execute(
            sa.select(self.table.c.id, self.table.c.data).where(*where)
            .order_by(self.table.c.slug)
        )
        return self.load_rows(connection, rows)

    def is_public(self, record: T) -> bool:
        """Whether the public may see ``record`` (all records but unpublished practices);
        the hub's change feed serves only records that were public at some point."""
        return True

    def is_public_data(self, data: Any) -> bool:
        """:meth:`is_public` of a record as stored (its ``data`` column), undecoded."""
        return True

    # -- writing

    def create(self, record: T) -> T:
        """Store a new record; ``Conflict`` if its slug is taken."""
        with self.store.write() as connection:
            return self.create_in(connection, record)

    def create_in(self, connection: Connection, record: T) -> T:
        """Store a new record within an open transaction; its slug's unique constraint
        decides whether it is taken."""
        record = self._prepare(connection, self._check(record))
        slug = record.slug  # type: ignore[attr-defined]
        stamp = now()
        try:
            with connection.begin_nested():
                new_id = connection.scalar(
                    self.table.insert().values(
                        slug=slug, data=self.dump(record), created_at=stamp,
                        updated_at=stamp, **self._columns(record),
                    ).returning(self.table.c.id)
                )
        except sa.exc.IntegrityError as error:
            if is_unique_violation(error):
                raise Conflict(f"a {self.noun} {slug!r} exists already; choose another slug",
                               field="slug") from None
            raise
        assert new_id is not None
        self._after_write(connection, new_id, record)
        note_change(connection, self.table, slug, public=self.is_public(record))
        return record

    def create_many_in(self, connection: Connection, records: Sequence[T], *,
                       names: Sequence[str] | None = None) -> None:
        """Store new records within an open transaction with one multi-row insert: the
        rules of :meth:`create_in`, faster for many (e.g. a page pulled from the hub).

        ``names``: what to put before the field of an error about each record (e.g. its
        position in a bundle); by default, none.
        """
        if not records:
            return
        prepared = []
        for index, record in enumerate(records):
            with _named(names, index):
                prepared.append(self._prepare(connection, self._check(record)))
        ids = self.insert_rows(connection, prepared, now(), names=names)
        for row_id, record in zip(ids, prepared, strict=True):
            self._after_write(connection, row_id, record)
        note_changes(connection, self.table, [r.slug for r in prepared],  # type: ignore[attr-defined]
                     public=[self.is_public(r) for r in prepared])

    def insert_rows(self, connection: Connection, records: Sequence[T], stamp: datetime, *,
                    names: Sequence[str] | None = None) -> Sequence[int]:
        """Insert prepared new records with one multi-row statement; return their ids in
        order. The unique constraint decides clashes: a ``Conflict`` names the slug."""
        slugs = [record.slug for record in records]  # type: ignore[attr-defined]
        try:
            with connection.begin_nested():
                return bulk.insert_with_ids(connection, self.table, [
                    {"slug": slug, "data": self.dump(record), "created_at": stamp,
                     "updated_at": stamp, **self._columns(record)}
                    for slug, record in zip(slugs, records, strict=True)])
        except sa.exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise
            taken = connection.scalars(
                sa.select(self.table.c.slug).where(self.table.c.slug.in_(slugs))).first()
            duplicate = taken or next((s for s in slugs if slugs.count(s) > 1), slugs[0])
            conflict = Conflict(f"a {self.noun} {duplicate!r} exists already; choose another "
                                "slug", field="slug")
            raise (conflict.with_prefix(names[slugs.index(duplicate)]) if names is not None
                   else conflict) from None

    def update_many_in(self, connection: Connection, records: Sequence[T], *,
                       names: Sequence[str] | None = None) -> None:
        """Replace stored records within an open transaction: the rules of
        :meth:`update_in` (``names`` as for :meth:`create_many_in`). One by one here; a
        service whose updates cost several statements each does them in bulk."""
        for index, record in enumerate(records):
            with _named(names, index):
                self.update_in(connection, record)

    def save_many_in(self, connection: Connection, records: Sequence[T], *,
                     batch: int = 1_000, progress: Callable[[int], None] | None = None,
                     ) -> tuple[int, int]:
        """Create or update each record (as :meth:`save_in`) within an open transaction,
        ``batch`` at a time with bulk statements; return how many were created and
        updated. An error names the record by its position in ``records``;
        ``progress(done)`` is called after each batch. The bulk path of the bundle's
        import and of the hub's pull."""
        slugs = [record.slug for record in records]  # type: ignore[attr-defined]
        created = updated = 0
        if len(set(slugs)) < len(slugs):  # the same slug twice: each in turn, in order
            for index, record in enumerate(records):
                with _named(None, index, str(index)):
                    new = self.save_in(connection, record)[1]
                created, updated = created + new, updated + (not new)
                if progress is not None and (index + 1) % batch == 0:
                    progress(index + 1)
            if progress is not None and records:
                progress(len(records))
            return created, updated
        for start in range(0, len(records), batch):
            chunk = records[start:start + batch]
            known = set(connection.scalars(sa.select(self.table.c.slug).where(
                self.table.c.slug.in_(slugs[start:start + batch]))))
            new_ones = [(str(start + i), r) for i, r in enumerate(chunk)
                        if r.slug not in known]  # type: ignore[attr-defined]
            old_ones = [(str(start + i), r) for i, r in enumerate(chunk)
                        if r.slug in known]  # type: ignore[attr-defined]
            if new_ones:
                self.create_many_in(connection, [r for _, r in new_ones],
                                    names=[n for n, _ in new_ones])
            if old_ones:
                self.update_many_in(connection, [r for _, r in old_ones],
                                    names=[n for n, _ in old_ones])
            created, updated = created + len(new_ones), updated + len(old_ones)
            if progress is not None:
                progress(start + len(chunk))
        return created, updated

    def update(self, record: T) -> T:
        """Replace the stored record of the same slug; ``NotFound`` if there is none."""
        with self.store.write() as connection:
            return self.update_in(connection, record)

    def update_in(self, connection: Connection, record: T) -> T:
        """Replace a record within an open transaction."""
        record = self._prepare(connection, self._check(record))
        slug = record.slug  # type: ignore[attr-defined]
        row_id = connection.scalar(
            self.table.update().where(self.table.c.slug == slug)
            .values(data=self.dump(record), updated_at=now(), **self._columns(record))
            .returning(self.table.c.id)
        )
        if row_id is None:
            raise NotFound(f"there is no {self.noun} {slug!r} to update", field="slug")
        self._after_write(connection, row_id, record)
        note_change(connection, self.table, slug, public=self.is_public(record))
        return record

    def save(self, record: T) -> T:
        """Create the record, or update it if its slug exists."""
        with self.store.write() as connection:
            return self.save_in(connection, record)[0]

    def save_in(self, connection: Connection, record: T) -> tuple[T, bool]:
        """Create or update within an open transaction; ``True`` if it created."""
        if self.exists_in(connection, record.slug):  # type: ignore[attr-defined]
            return self.update_in(connection, record), False
        return self.create_in(connection, record), True

    def delete(self, slug: str) -> None:
        """Delete the record ``slug``; ``NotFound`` if there is none."""
        with self.store.write() as connection:
            self.delete_in(connection, slug)

    def delete_in(self, connection: Connection, slug: str) -> None:
        """Delete within an open transaction; ``Conflict`` if other records need it."""
        try:
            with connection.begin_nested():
                deleted = connection.execute(self.table.delete().where(self.table.c.slug == slug))
        except sa.exc.IntegrityError:
            raise Conflict(
                f"the {self.noun} {slug!r} is still referred to by other records; "
                "delete or move those first", field="slug",
            ) from None
        if deleted.rowcount == 0:
            raise NotFound(f"there is no {self.noun} {slug!r}", field="slug")
        note_change(connection, self.table, slug, deleted=True)

    def delete_many_in(self, connection: Connection, slugs: Sequence[str]) -> dict[str, Conflict]:
        """Delete the records ``slugs`` within an open transaction (a slug not stored is
        skipped); return those kept because other records need them, each with its
        ``Conflict``. One bulk ``DELETE`` (and one note in the change feed) for all;
        a service whose ``delete_in`` does more deletes one by one with it, as does a
        bulk delete that a foreign key refused (to name the records it keeps)."""
        if type(self).delete_in is not Records.delete_in:
            return self._delete_each(connection, slugs)
        return self._delete_rows(connection, slugs)

    def _delete_rows(self, connection: Connection, slugs: Sequence[str]) -> dict[str, Conflict]:
        """The bulk ``DELETE`` of :meth:`delete_many_in`, one by one if a foreign key
        refuses it."""
        if not slugs:
            return {}
        try:
            with connection.begin_nested():
                gone = builtins.list(connection.scalars(
                    self.table.delete().where(self.table.c.slug.in_(slugs))
                    .returning(self.table.c.slug)))
        except sa.exc.IntegrityError:
            return self._delete_each(connection, slugs, Records.delete_in)
        note_changes(connection, self.table, gone, deleted=True)
        return {}

    def _delete_each(self, connection: Connection, slugs: Sequence[str],
                     delete: Callable[[Any, Connection, str], None] | None = None,
                     ) -> dict[str, Conflict]:
        kept: dict[str, Conflict] = {}
        for slug in slugs:
            try:
                if delete is None:
                    self.delete_in(connection, slug)
                else:
                    delete(self, connection, slug)
            except Conflict as error:
                kept[slug] = error
            except NotFound:
                pass
        return kept

    def _check(self, record: T) -> T:
        if not isinstance(record, self.model):
            raise ValidationError(
                f"expected a {self.model.__name__}, not {type(record).__name__}"
            )
        return record


class Kept(Generic[T]):
    """Values read at a group's data version (:mod:`..store.versions`; the pledges'
    unless told), kept until a write of the group's tables, by any process, bumps it.

    The versions are read before the value, so a value is never kept under a
    version newer than the rows it was read from.
    """

    def __init__(self, store: Store, *, keep: int = 64, group: str = "pledges") -> None:
        self.store = store
        self.group = group
        self.keep = keep
        self._kept: dict[str, tuple[tuple[int, int], T]] = {}

    def get(self, key: str, read: Callable[[], T]) -> T:
        """The value kept for ``key`` if still current, else ``read()`` (then kept)."""
        versions = self.store.versions()
        version = (versions.get(self.group, 0), versions.get(ALL, 0))
        kept = self._kept.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        value = read()
        if len(self._kept) >= self.keep:
            self._kept.clear()
        self._kept[key] = (version, value)
        return value
