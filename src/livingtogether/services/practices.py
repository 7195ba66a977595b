"""The best-practices catalogue: records, moderation, and search."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import Conflict, NotFound, ValidationError
from ..models import ModerationStatus, Practice, PracticeKind, Text
from ..sanitize import clean_html
from ..store import Store, aware, bulk, now, schema
from ..store.feed import note_changes
from .base import Page, Records, require
from .search import Searcher, SearchResults
from .search_index import (
    add_counts,
    counted_rows,
    counts_of,
    index_rows,
    insert_rows,
    reindex,
    reindex_many,
)
from .search_terms import SearchQuery
from .themes import check_themes

_PUBLISHED = ModerationStatus.PUBLISHED


def _prepare(connection: Connection, practice: Practice) -> Practice:
    require(connection, schema.cities, practice.city, ValidationError(
        f"there is no city {practice.city!r}; add the city first", field="city"))
    check_themes(connection, practice.themes)
    if practice.study is not None:
        study = practice.study
        _covered(practice, set(connection.scalars(sa.select(schema.cities.c.slug).where(
            schema.cities.c.slug.in_(study.cities)))), "study")
        table = schema.practices
        cited = set(connection.scalars(sa.select(table.c.slug).where(
            table.c.slug.in_(study.cites)))) if study.cites else set()
        for index, slug in enumerate(study.cites):
            if slug not in cited and slug != practice.slug:
                raise ValidationError(f"the study cites {slug!r}, which is no entry of the "
                                      "catalogue; add it first or remove the citation",
                                      field=f"study.cites.{index}")
    return _sanitised(practice)


def _covered(practice: Practice, cities: set[str], field: str) -> None:
    """Refuse a study covering a city that is not one of ``cities`` (the known ones)."""
    for index, slug in enumerate(practice.study.cities if practice.study else ()):
        if slug not in cities:
            raise ValidationError(f"the study covers {slug!r}, which is no city of the "
                                  "network; add the city first or remove it from the study",
                                  field=f"{field}.cities.{index}")


def _sanitised(practice: Practice) -> Practice:
    """``practice`` with its rich-text body through the one allow-list (the same practice
    when the body was clean already, as a hub's or an export's is)."""
    body = practice.body.values
    cleaned = {language: clean_html(html) for language, html in body.items()}
    if cleaned == dict(body):
        return practice
    return attrs.evolve(practice, body=Text(cleaned))


def _known(connection: Connection) -> tuple[set[str], set[str]]:
    """Every city's slug and every theme's: what a bulk insert checks practices against."""
    return (set(connection.scalars(sa.select(schema.cities.c.slug))),
            set(connection.scalars(sa.select(schema.themes.c.slug))))


def _after_write(connection: Connection, practice_id: int, practice: Practice) -> None:
    table = schema.practice_themes
    connection.execute(table.delete().where(table.c.practice_id == practice_id))
    if practice.themes:
        connection.execute(
            table.insert(), [{"practice_id": practice_id, "theme": t} for t in practice.themes]
        )
    reindex(connection, practice_id, practice if practice.status is _PUBLISHED else None, now())


def _require_submitted(stored: Practice, advice: str) -> None:
    if stored.status is not ModerationStatus.SUBMITTED:
        raise Conflict(f"the practice {stored.slug!r} is {stored.status.value} with nothing "
                       f"submitted; {advice}", field="status")


class PracticeService(Records[Practice]):
    """Practices, case studies and studies; the body is sanitised on the way in.

    Moderation: a practice starts as a ``draft``; :meth:`submit` sends it for
    review; :meth:`publish` or :meth:`reject` (with a reason) decide. An edit
    of a published practice made with :meth:`edit` waits for review as a
    *revision* while the published version stays visible; publishing the
    revision replaces it, rejecting it leaves it as it was. Only published
    practices are searchable, and the search index follows every write.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(
            store, schema.practices, Practice, noun="practice",
            columns=lambda p: {
                "city_slug": p.city, "kind": p.kind.value, "status": p.status.value,
            },
            prepare=_prepare, after_write=_after_write, max_page_size=max_page_size,
        )
        self.searcher = Searcher(store, max_page_size=max_page_size)

    def is_public(self, record: Practice) -> bool:
        """Only published practices are public."""
        return record.status is _PUBLISHED

    def is_public_data(self, data: Any) -> bool:
        """Only published practices are public (their stored ``status``)."""
        return isinstance(data, dict) and data.get("status") == _PUBLISHED.value

    def list(  # type: ignore[override]
        self, *, city: str | None = None, kind: PracticeKind | None = None,
        theme: str | None = None, status: ModerationStatus | None = ModerationStatus.PUBLISHED,
        limit: int = 50, offset: int = 0,
    ) -> Page[Practice]:
        """Practices by slug; only published ones unless ``status`` says otherwise.

        ``status=None`` lists every status (for organisers).
        """
        table = self.table
        where: list[Any] = []
        if city is not None:
            where.append(table.c.city_slug == city)
        if kind is not None:
            where.append(table.c.kind == PracticeKind(kind).value)
        if status is not None:
            where.append(table.c.status == ModerationStatus(status).value)
        if theme is not None:
            themes = schema.practice_themes
            where.append(table.c.id.in_(
                sa.select(themes.c.practice_id).where(themes.c.theme == theme)
            ))
        return super().list(where=where, limit=limit, offset=offset)

    def delete_in(self, connection: Connection, slug: str) -> None:
        """Delete within an open transaction; its search rows go with it (by cascade),
        and out of the search counts."""
        row_id = connection.scalar(sa.select(self.table.c.id).where(self.table.c.slug == slug))
        rows = counted_rows(connection, [row_id]) if row_id is not None else []
        super().delete_in(connection, slug)
        add_counts(connection, {key: -count for key, count in counts_of(rows).items()})

    def delete_many_in(self, connection: Connection, slugs: Sequence[str],
                       ) -> dict[str, Conflict]:
        """Delete many within an open transaction, in bulk (as :meth:`delete_in`: their
        search rows by cascade, and out of the search counts in one statement)."""
        ids = dict(connection.execute(sa.select(self.table.c.slug, self.table.c.id)
                                      .where(self.table.c.slug.in_(slugs))).all())
        rows = counted_rows(connection, builtins.list(ids.values())) if ids else []
        kept = self._delete_rows(connection, builtins.list(ids))
        gone = {row_id for slug, row_id in ids.items() if slug not in kept}
        add_counts(connection, {key: -count for key, count in counts_of(
            [row for row in rows if row["practice_id"] in gone]).items()})
        return kept

    # -- bulk

    def create_many(self, practices: Iterable[Practice], *, batch: int = 2_000) -> int:
        """Store many new practices in one transaction, all or nothing; return how many.

        The same rules as :meth:`create` (known city and themes, body sanitised,
        published ones indexed), applied a batch at a time with multi-row
        statements: the way to load a large catalogue.
        """
        count = 0
        stamp = now()
        with self.store.write() as connection:
            known = _known(connection)
            chunk: list[Practice] = []
            for practice in practices:
                chunk.append(self._check(practice))
                if len(chunk) >= batch:
                    count += self._insert(connection, chunk, known, stamp,
                                          [str(count + i) for i in range(len(chunk))])
                    chunk = []
            if chunk:
                count += self._insert(connection, chunk, known, stamp,
                                      [str(count + i) for i in range(len(chunk))])
        return count

    def create_many_in(self, connection: Connection, records: Sequence[Practice], *,
                       names: Sequence[str] | None = None) -> None:
        """:meth:`create_many` within an open transaction (e.g. a page pulled from the hub)."""
        if records:
            self._insert(connection, [self._check(p) for p in records], _known(connection),
                         now(), names)

    def update_many_in(self, connection: Connection, records: Sequence[Practice], *,
                       names: Sequence[str] | None = None) -> None:
        """Replace stored practices (as :meth:`update_in`) with a few bulk statements for
        all of them: their rows, their themes, their search rows."""
        if not records:
            return
        prepared = self._prepared(connection, [self._check(p) for p in records],
                                  _known(connection), names)
        table = self.table
        slugs = [practice.slug for practice in prepared]
        ids = dict(connection.execute(
            sa.select(table.c.slug, table.c.id).where(table.c.slug.in_(slugs))).all())
        for index, slug in enumerate(slugs):
            if slug not in ids:
                missing = NotFound(f"there is no practice {slug!r} to update", field="slug")
                raise missing.with_prefix(names[index]) if names is not None else missing
        stamp = now()
        rows = [{"row_id": ids[practice.slug], "v_data": self.dump(practice),
                 "v_updated_at": stamp,
                 **{f"v_{name}": value for name, value in self._columns(practice).items()}}
                for practice in prepared]
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id"))
            .values({name[2:]: sa.bindparam(name) for name in rows[0] if name != "row_id"}),
            rows)
        row_ids = [ids[practice.slug] for practice in prepared]
        themes = schema.practice_themes
        connection.execute(themes.delete().where(themes.c.practice_id.in_(row_ids)))
        self._write_themes(connection, row_ids, prepared)
        reindex_many(connection, [(row_id, practice if practice.status is _PUBLISHED else None)
                                  for row_id, practice in zip(row_ids, prepared, strict=True)],
                     stamp)
        note_changes(connection, table, slugs,
                     public=[practice.status is _PUBLISHED for practice in prepared])

    def _prepared(self, connection: Connection, chunk: builtins.list[Practice],
                  known: tuple[set[str], set[str]], names: Sequence[str] | None,
                  ) -> builtins.list[Practice]:
        """The rules of :func:`_prepare` for many practices, checked against ``known``
        cities and themes instead of a query each."""
        cities, themes = known
        prepared = []
        for index, practice in enumerate(chunk):
            name = names[index] if names is not None else str(index)
            if practice.city not in cities:
                raise ValidationError(f"there is no city {practice.city!r}; add the city first",
                                      field=f"{name}.city")
            for position, theme in enumerate(practice.themes):
                if theme not in themes:
                    raise ValidationError(f"{theme!r} is not a theme of the taxonomy",
                                          field=f"{name}.themes.{position}")
            _covered(practice, cities, f"{name}.study")
            prepared.append(_sanitised(practice))
        return prepared

    @staticmethod
    def _write_themes(connection: Connection, row_ids: Sequence[int],
                      practices: Sequence[Practice]) -> None:
        theme_rows = [{"practice_id": row_id, "theme": theme}
                      for row_id, practice in zip(row_ids, practices, strict=True)
                      for theme in practice.themes]
        bulk.insert(connection, schema.practice_themes, theme_rows)

    def _insert(self, connection: Connection, chunk: builtins.list[Practice],
                known: tuple[set[str], set[str]], stamp: datetime,
                names: Sequence[str] | None) -> int:
        prepared = self._prepared(connection, chunk, known, names)
        rows = self.insert_rows(connection, prepared, stamp, names=names)
        self._write_themes(connection, rows, prepared)
        insert_rows(connection, [row for row_id, practice in zip(rows, prepared, strict=True)
                                 if practice.status is _PUBLISHED
                                 for row in index_rows(row_id, practice, stamp)])
        note_changes(connection, self.table, [practice.slug for practice in prepared],
                     public=[practice.status is _PUBLISHED for practice in prepared])
        return len(prepared)

    # -- search

    def published_newest(self, limit: int | None = None,
                         ) -> builtins.list[tuple[Practice, datetime]]:
        """Published practices (all, or the ``limit`` newest) with when each last changed,
        the newest first: what the open-data exports and the feed give."""
        table = self.table
        with self.store.read() as connection:
            rows = connection.execute(
                sa.select(table.c.data, table.c.updated_at)
                .where(table.c.status == _PUBLISHED.value)
                .order_by(table.c.updated_at.desc(), table.c.slug).limit(limit)).all()
        # updated_at is never null
        return [(convert.structure(row.data, Practice), cast(datetime, aware(row.updated_at)))
                for row in rows]

    def search(self, q: str = "", *, reader_language: str | None = None,
               **filters: Any) -> SearchResults:
        """Published practices matching the words ``q`` and the filters, best first.

        Filters: ``theme``, ``city``, ``country``, ``kind``, ``language``; pages:
        ``limit`` and ``offset``. Without words, the newest first. Snippets
        prefer ``reader_language`` when the practice matched in it.
        """
        try:
            query = SearchQuery(q=q, **filters)
        except TypeError:
            allowed = ", ".join(a.name for a in attrs.fields(SearchQuery))
            raise ValidationError(f"unknown search option; the options are: {allowed}") from None
        return self.searcher.search(query, reader_language=reader_language)

    # -- moderation

    def edit(self, practice: Practice) -> Practice:
        """Save a city's edit: a draft is replaced (and stays a draft); an edit of a
        published practice becomes a revision waiting for review."""
        with self.store.write() as connection:
            return self.edit_in(connection, practice)

    def edit_in(self, connection: Connection, practice: Practice) -> Practice:
        """:meth:`edit` within an open transaction."""
        row_id, stored = self.row_in(connection, practice.slug)
        if stored.status is _PUBLISHED:
            revision = self._prepare(connection, self._check(
                attrs.evolve(practice, status=ModerationStatus.SUBMITTED,
                             rejection_reason=None)))
            if revision.city != stored.city:
                raise ValidationError("a published practice keeps its city", field="city")
            self._save_revision(connection, row_id, revision)
            return revision
        draft = attrs.evolve(practice, status=ModerationStatus.DRAFT, rejection_reason=None)
        return self.update_in(connection, draft)

    def revision(self, slug: str) -> Practice | None:
        """The edit of a published practice waiting for review (or rejected), if any."""
        with self.store.read() as connection:
            row_id, _ = self.row_in(connection, slug)
            return self._revision(connection, row_id)

    def submit(self, slug: str) -> Practice:
        """Send a draft (or a rejected practice) for review."""
        with self.store.write() as connection:
            _, stored = self.row_in(connection, slug)
            if stored.status not in (ModerationStatus.DRAFT, ModerationStatus.REJECTED):
                raise Conflict(f"the practice {slug!r} is {stored.status.value}; only a draft "
                               "or a rejected practice can be submitted", field="status")
            return self.update_in(connection, attrs.evolve(
                stored, status=ModerationStatus.SUBMITTED, rejection_reason=None))

    def publish(self, slug: str) -> Practice:
        """Publish a submitted practice, or the pending revision of a published one."""
        with self.store.write() as connection:
            return self.publish_in(connection, slug)

    def publish_in(self, connection: Connection, slug: str) -> Practice:
        """:meth:`publish` within an open transaction."""
        row_id, stored = self.row_in(connection, slug)
        revision = self._revision(connection, row_id)
        if revision is not None and revision.status is ModerationStatus.SUBMITTED:
            published = self.update_in(connection, attrs.evolve(revision, status=_PUBLISHED))
            self._drop_revision(connection, row_id)
            return published
        _require_submitted(stored, "submit it first")
        return self.update_in(connection, attrs.evolve(stored, status=_PUBLISHED))

    def reject(self, slug: str, reason: str) -> Practice:
        """Reject what is submitted, saying why; a published version stays published.

        Returns what was rejected: the practice, or its revision.
        """
        with self.store.write() as connection:
            return self.reject_in(connection, slug, reason)

    def reject_in(self, connection: Connection, slug: str, reason: str) -> Practice:
        """:meth:`reject` within an open transaction."""
        row_id, stored = self.row_in(connection, slug)
        revision = self._revision(connection, row_id)
        if revision is not None and revision.status is ModerationStatus.SUBMITTED:
            rejected = attrs.evolve(revision, status=ModerationStatus.REJECTED,
                                    rejection_reason=reason)
            self._save_revision(connection, row_id, rejected)
            return rejected
        _require_submitted(stored, "there is nothing to reject")
        return self.update_in(connection, attrs.evolve(
            stored, status=ModerationStatus.REJECTED, rejection_reason=reason))

    def unpublish(self, slug: str) -> Practice:
        """Take a published practice back to draft (out of the catalogue and the search)."""
        with self.store.write() as connection:
            _, stored = self.row_in(connection, slug)
            if stored.status is not _PUBLISHED:
                raise Conflict(f"the practice {slug!r} is not published", field="status")
            return self.update_in(connection, attrs.evolve(stored, status=ModerationStatus.DRAFT))

    def review_queue(self) -> builtins.list[Practice]:
        """Everything waiting for review: submitted practices and submitted revisions."""
        table, revisions = self.table, schema.practice_revisions
        submitted = ModerationStatus.SUBMITTED.value
        with self.store.read() as connection:
            rows = connection.execute(
                sa.select(table.c.data).where(table.c.status == submitted)
                .union_all(sa.select(revisions.c.data).where(revisions.c.status == submitted))
            ).scalars().all()
        found = [convert.structure(data, Practice) for data in rows]
        return sorted(found, key=lambda practice: practice.slug)

    # -- helpers

    @staticmethod
    def _revision(connection: Connection, row_id: int) -> Practice | None:
        table = schema.practice_revisions
        data = connection.scalar(sa.select(table.c.data).where(table.c.practice_id == row_id))
        return None if data is None else convert.structure(data, Practice)

    @staticmethod
    def _save_revision(connection: Connection, row_id: int, revision: Practice) -> None:
        table, stamp = schema.practice_revisions, now()
        values = {"status": revision.status.value, "data": convert.unstructure(revision),
                  "updated_at": stamp}
        updated = connection.execute(
            table.update().where(table.c.practice_id == row_id).values(**values))
        if not updated.rowcount:
            connection.execute(table.insert().values(practice_id=row_id, created_at=stamp,
                                                     **values))

    @staticmethod
    def _drop_revision(connection: Connection, row_id: int) -> None:
        table = schema.practice_revisions
        connection.execute(table.delete().where(table.c.practice_id == row_id))
