"""Drafts, publication, history and restore for one kind of record, for staff.

An :class:`Editor` sits on a domain service (``CityService``,
``PracticeService``...) and never writes a record's table itself: publishing
goes through the service's own ``*_in`` methods, so every rule the service
enforces (known cities and themes, the sanitiser, the search index, the
hub's change feed) holds for staff as for the API. Drafts live only in the
revisions (:mod:`.revisions`): saving one leaves the published record as it
is. Every write checks the principal's permission on the record's city,
writes its revision and its audit row, in one transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound, ValidationError
from ..models import fields as f
from ..services.base import Page
from ..store import Store
from . import audit, revisions
from .principals import Permission, Principal
from .revisions import Revision, RevisionState

T = TypeVar("T")
#: How many drafts each editor keeps structured (by revision).
DRAFTS_KEPT = 16


@attrs.frozen(kw_only=True)
class Editing(Generic[T]):
    """A record as staff open it: what the public sees (``published``, ``None`` if it is not
    public yet), the draft in progress (``None`` if none), and ``base``, the revision number
    the next save must name."""

    key: str
    published: T | None
    draft: T | None
    base: int
    latest: Revision | None

    @property
    def current(self) -> T | None:
        """What the editor shows: the draft if there is one, else the published record."""
        return self.draft if self.draft is not None else self.published


class Editor(Generic[T]):
    """Staff editing of the records of ``model`` held by ``service``.

    ``kind`` names the records in the revisions and the audit (``practice``);
    ``key_of`` and ``city_of`` give a record's key and city (``None``: a record
    of no city, the secretariat's); ``edit`` and ``publish`` are the permissions
    to save a draft and to publish or delete. ``write_in(connection, record,
    summary)`` publishes a record through the domain service (by default its
    ``save_in``) and returns it as stored; ``delete_in(connection, key)`` withdraws
    it; ``get_in(connection, key)`` reads the published record (``NotFound`` if none).
    """

    def __init__(self, store: Store, service: Any, model: type[T], *, kind: str,
                 edit: Permission, publish: Permission,
                 key_of: Callable[[T], str] = lambda record: record.slug,  # type: ignore[attr-defined]
                 city_of: Callable[[T], str | None] = lambda record: None,
                 write_in: Callable[[Connection, T, str | None], T] | None = None,
                 delete_in: Callable[[Connection, str], None] | None = None,
                 get_in: Callable[[Connection, str], T] | None = None,
                 refers_in: Callable[[Connection, T], None] | None = None,
                 max_page_size: int = 200) -> None:
        self.store = store
        self.service = service
        self.model = model
        self.kind = kind
        self.edit_permission = edit
        self.publish_permission = publish
        self.key_of = key_of
        self.city_of = city_of
        self._write_in = write_in or (lambda c, record, _: service.save_in(c, record)[0])
        self._delete_in = delete_in or service.delete_in
        self._get_in = get_in or service.get_in
        #: refuses a draft naming a record that does not exist (``ValidationError`` at
        #: the field): a value forged past a form's chooser is not saved
        self._refers_in = refers_in or (lambda connection, record: None)
        self.max_page_size = max_page_size
        # the drafts already read, by revision (immutable once written): an event of 500
        # sessions takes longer to structure than its editor takes to render
        self._drafts: OrderedDict[tuple[str, int, datetime], T] = OrderedDict()
        self._drafts_lock = threading.Lock()

    # -- reading

    def _published_in(self, connection: Connection, key: str) -> T | None:
        try:
            return self._get_in(connection, key)
        except NotFound:
            return None

    def _open_in(self, connection: Connection, key: str) -> Editing[T]:
        f.check_text(key, field="key", max_length=201, multiline=False)  # NUL breaks PostgreSQL
        latest = revisions.latest_in(connection, self.kind, key)
        published = self._published_in(connection, key)
        draft = None
        if latest is not None and latest.state is RevisionState.DRAFT:
            draft = self._draft_of(latest)
        return Editing(key=key, published=published, draft=draft,
                       base=latest.number if latest else 0, latest=latest)

    def _draft_of(self, revision: Revision) -> T:
        """The record of the draft ``revision``, structured once per revision."""
        mark = (revision.key, revision.number, revision.created_at)
        with self._drafts_lock:
            found = self._drafts.get(mark)
            if found is not None:
                self._drafts.move_to_end(mark)
                return found
        record: T = convert.structure(revision.data, self.model)
        self._keep(mark, record)
        return record

    def _keep(self, mark: tuple[str, int, datetime], record: T) -> None:
        with self._drafts_lock:
            self._drafts[mark] = record
            while len(self._drafts) > DRAFTS_KEPT:
                self._drafts.popitem(last=False)

    def _city_in(self, editing: Editing[T]) -> str | None:
        current = editing.current
        if current is not None:
            return self.city_of(current)
        return editing.latest.city if editing.latest is not None else None

    def get(self, principal: Principal, key: str) -> Editing[T]:
        """The record ``key`` as staff open it; ``NotFound`` if it has neither a published
        version nor a draft, ``Forbidden`` without the edit permission on its city."""
        with self.store.read() as connection:
            editing = self._open_in(connection, key)
        if editing.current is None:
            raise NotFound(f"there is no {self.kind} {key!r}", field="key")
        principal.require(self.edit_permission, self._city_in(editing))
        return editing

    def history(self, principal: Principal, key: str, *, limit: int = 50,
                offset: int = 0) -> Page[Revision]:
        """The revisions of ``key`` (a deleted record's too), the newest first."""
        with self.store.read() as connection:
            editing = self._open_in(connection, key)
        if editing.current is None and editing.latest is None:
            raise NotFound(f"there is no {self.kind} {key!r}", field="key")
        principal.require(self.edit_permission, self._city_in(editing))
        return revisions.history(self.store, self.kind, key, limit=limit, offset=offset,
                                 maximum=self.max_page_size)

    def drafts(self, principal: Principal, *, limit: int = 50, offset: int = 0,
               ) -> Page[Revision]:
        """The records whose latest revision is a draft, in the cities the principal
        edits."""
        cities = principal.visible_cities()
        if cities is not None:
            cities = frozenset(c for c in cities if principal.can(self.edit_permission, c))
        elif not principal.can(self.edit_permission, None):
            cities = frozenset()
        return revisions.latest_drafts(self.store, self.kind, cities, limit=limit,
                                       offset=offset, maximum=self.max_page_size)

    # -- writing

    def _check(self, record: T) -> T:
        if not isinstance(record, self.model):
            raise ValidationError(f"expected a {self.model.__name__}, not "
                                  f"{type(record).__name__}")
        return record

    def _authorise(self, principal: Principal, permission: Permission, editing: Editing[T],
                   record: T | None) -> str | None:
        """The record's city, once the principal may act on it there (and, for a record
        moving between cities, on the city it leaves)."""
        before = self._city_in(editing)
        after = self.city_of(record) if record is not None else before
        principal.require(permission, after)
        known = editing.current is not None or editing.latest is not None
        if known and before != after:
            principal.require(permission, before)
        return after

    def _require_known(self, principal: Principal, permission: Permission,
                       editing: Editing[T]) -> None:
        """``Forbidden`` before anything else about a record the principal may not act on
        (so that a refusal never depends on the record's drafts or revisions)."""
        if editing.current is not None or editing.latest is not None:
            principal.require(permission, self._city_in(editing))

    def save_draft(self, principal: Principal, record: T, *, base: int,
                   summary: str | None = None) -> Revision:
        """Save ``record`` as a draft after revision ``base``; the published record is left
        as it is."""
        record = self._check(record)
        key = self.key_of(record)
        data = convert.unstructure(record)
        with self.store.write() as connection:
            editing = self._open_in(connection, key)
            city = self._authorise(principal, self.edit_permission, editing, record)
            self._refers_in(connection, record)
            revision = revisions.add_in(connection, principal, kind=self.kind, key=key,
                                        base=base, state=RevisionState.DRAFT, city=city,
                                        data=data, summary=summary)
            audit.record(connection, principal, "save-draft", kind=self.kind, key=key,
                         city=city, summary=f"revision {revision.number}"
                         + (f": {summary}" if summary else ""))
        self._keep((key, revision.number, revision.created_at), record)  # once committed
        return revision

    def _publish_in(self, connection: Connection, principal: Principal, editing: Editing[T],
                    record: T, base: int, summary: str | None, action: str) -> T:
        city = self._authorise(principal, self.publish_permission, editing, record)
        key = self.key_of(record)
        revisions.check_base(editing.latest, base, kind=self.kind, key=key,
                             submitted=convert.unstructure(record))
        stored = self._write_in(connection, record, summary)
        revision = revisions.add_in(connection, principal, kind=self.kind, key=key, base=base,
                                    state=RevisionState.PUBLISHED, city=city,
                                    data=convert.unstructure(stored), summary=summary)
        audit.record(connection, principal, action, kind=self.kind, key=key, city=city,
                     summary=f"revision {revision.number}" + (f": {summary}" if summary else ""))
        return stored

    def publish(self, principal: Principal, key: str, *, base: int,
                summary: str | None = None) -> T:
        """Publish the draft of ``key`` (which must be revision ``base``) through the domain
        service; return the record as stored (its rich text sanitised, say)."""
        with self.store.write() as connection:
            editing = self._open_in(connection, key)
            self._require_known(principal, self.publish_permission, editing)
            if editing.draft is None:
                raise NotFound(f"the {self.kind} {key!r} has no draft to publish; save one "
                               "first", field="key")
            return self._publish_in(connection, principal, editing, editing.draft, base,
                                    summary, "publish")

    def save_and_publish(self, principal: Principal, record: T, *, base: int,
                         summary: str | None = None) -> T:
        """Publish ``record`` at once (as a draft saved and published in one step)."""
        record = self._check(record)
        with self.store.write() as connection:
            editing = self._open_in(connection, self.key_of(record))
            return self._publish_in(connection, principal, editing, record, base, summary,
                                    "publish")

    def restore(self, principal: Principal, key: str, number: int, *, base: int,
                publish: bool = False, summary: str | None = None) -> Revision:
        """Bring back the content of revision ``number`` as a new draft (or, with
        ``publish``, published at once); return the new revision."""
        with self.store.write() as connection:
            editing = self._open_in(connection, key)
            self._require_known(principal, self.publish_permission if publish
                                else self.edit_permission, editing)
            old = revisions.get_in(connection, self.kind, key, number)
            if old.data is None:
                raise ValidationError(f"revision {number} of {key!r} has no content to "
                                      "restore; choose another", field="revision")
            record = convert.structure(old.data, self.model)
            note = summary or f"restored revision {number}"
            if publish:
                self._publish_in(connection, principal, editing, record, base, note, "restore")
                latest = revisions.latest_in(connection, self.kind, key)
                assert latest is not None
                return latest
            city = self._authorise(principal, self.edit_permission, editing, record)
            revision = revisions.add_in(connection, principal, kind=self.kind, key=key,
                                        base=base, state=RevisionState.DRAFT, city=city,
                                        data=old.data, summary=note)
            audit.record(connection, principal, "restore", kind=self.kind, key=key, city=city,
                         summary=f"revision {revision.number}: {note}")
            return revision

    def delete(self, principal: Principal, key: str, *, base: int,
               summary: str | None = None) -> Revision:
        """Withdraw the record ``key`` from the public (through the domain service) and drop
        its draft; its history stays, so it can be restored."""
        with self.store.write() as connection:
            editing = self._open_in(connection, key)
            if editing.current is None:
                raise NotFound(f"there is no {self.kind} {key!r}", field="key")
            city = self._authorise(principal, self.publish_permission, editing, None)
            revision = revisions.add_in(
                connection, principal, kind=self.kind, key=key, base=base,
                state=RevisionState.DELETED, city=city,
                data=convert.unstructure(editing.current), summary=summary)
            if editing.published is not None:
                self._delete_in(connection, key)
            audit.record(connection, principal, "delete", kind=self.kind, key=key, city=city,
                         summary=f"revision {revision.number}" + (f": {summary}" if summary
                                                                 else ""))
            return revision
