"""The media library: images and documents uploaded by staff, kept in the site's media store.

``MediaLibrary(obs)`` uploads an image for a city (verified and re-encoded by
:func:`livingtogether.images.process_image`; nothing is stored of a refused
file) or a document (verified by :func:`livingtogether.documents.process_document`
and kept as it is), lists a city's files a page at a time (images or documents
only, if asked), and deletes one, unless a published practice shows or attaches
it: the refusal names the practice. Uploading and
deleting need ``practices.edit`` on the image's city and are audited.
Records hold the :class:`~livingtogether.models.ImageRef` (or
:class:`~livingtogether.models.Attachment`) by value; the library keeps the same
reference with the store's keys of its files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs
import sqlalchemy as sa

from .. import convert
from ..errors import Conflict, NotFound
from ..models import Attachment, ImageRef, ModerationStatus, Text
from ..services.base import Page, check_page
from ..store import aware, now, schema
from . import audit
from .principals import Permission, Principal

if TYPE_CHECKING:
    from ..media import MediaStore
    from ..observatory import Observatory

_table = schema.media
#: The endings of the stored images' keys (a document's is any other).
_IMAGE_ENDINGS = (".jpg", ".png", ".gif", ".webp")


@attrs.frozen(kw_only=True)
class MediaItem:
    """One file of the library: its ``image`` or its ``attachment`` (a document), as
    records hold it, the store's ``keys`` of its files (the image, then its
    renditions), its city and who uploaded it when."""

    id: int
    image: ImageRef | None
    keys: tuple[str, ...]
    city: str | None
    uploader_id: str
    uploader_name: str
    created_at: datetime
    attachment: Attachment | None = None

    @property
    def url(self) -> str:
        """The address of the image or the document."""
        found = self.image or self.attachment
        assert found is not None
        return found.url


def _item(row: Any) -> MediaItem:
    data = row.data
    image, attachment = data.get("image"), data.get("attachment")
    return MediaItem(id=row.id, image=convert.structure(image, ImageRef) if image else None,
                     attachment=convert.structure(attachment, Attachment) if attachment
                     else None,
                     keys=tuple(data["keys"]), city=row.city, uploader_id=row.uploader_id,
                     uploader_name=row.uploader_name,
                     created_at=aware(row.created_at))  # type: ignore[arg-type]


class _Recording:
    """A media store that remembers the keys put in it (the image's files), so that they
    are known to the library and removed again if the upload is refused half-way."""

    def __init__(self, store: MediaStore) -> None:
        self.store = store
        self.keys: list[str] = []

    def put(self, name: str, data: bytes, content_type: str) -> str:
        key = self.store.put(name, data, content_type)
        self.keys.append(key)
        return key

    def url(self, key: str) -> str:
        return self.store.url(key)

    def open(self, key: str) -> BinaryIO:
        return self.store.open(key)

    def delete(self, key: str) -> None:
        self.store.delete(key)

    def undo(self) -> None:
        _remove(self.store, self.keys)


class MediaLibrary:
    """The images uploaded to ``obs``'s media store (``obs.media``)."""

    def __init__(self, obs: Observatory) -> None:
        self.obs = obs
        self.store = obs.store

    def upload(self, principal: Principal, data: bytes, *, city: str,
               alt: Text | Mapping[str, str], name: str | None = None,
               content_type: str | None = None, credit: str | None = None) -> MediaItem:
        """Verify, clean and store ``data`` as an image of ``city``; refused with a
        ``ValidationError`` (at ``file``, ``alt`` or ``credit``) that says what to fix."""
        from ..images import process_image

        principal.require(Permission.PRACTICES_EDIT, city)
        self.obs.cities.get(city)
        recording = _Recording(self.obs.media)
        try:
            image = process_image(data, store=recording, alt=alt, name=name,
                                  content_type=content_type, credit=credit or None,
                                  max_bytes=self.obs.settings.max_upload_bytes)
        except BaseException:
            recording.undo()  # nothing is kept of a refused file
            raise
        keys = recording.keys
        with self.store.write() as connection:
            created = now()
            new_id = connection.execute(_table.insert().values(
                key=keys[0] if keys else image.url[:200], url=image.url, city=city,
                data={"image": convert.unstructure(image), "keys": keys},
                uploader_id=principal.id, uploader_name=principal.name, created_at=created,
            )).inserted_primary_key[0]  # type: ignore[index]
            audit.record(connection, principal, "upload", kind="media", key=str(new_id),
                         city=city, summary=image.url)
        return MediaItem(id=int(new_id), image=image, keys=tuple(keys), city=city,
                         uploader_id=principal.id, uploader_name=principal.name,
                         created_at=created)

    def upload_document(self, principal: Principal, data: bytes, *, city: str,
                        title: Text | Mapping[str, str], name: str | None,
                        content_type: str | None = None) -> MediaItem:
        """Verify and store ``data`` as a document of ``city`` with its ``title``; refused
        with a ``ValidationError`` at ``file`` or ``title`` that says what to
        fix, and nothing is kept of a refused file."""
        from ..documents import process_document

        principal.require(Permission.PRACTICES_EDIT, city)
        self.obs.cities.get(city)
        recording = _Recording(self.obs.media)
        try:
            attachment = process_document(data, store=recording, title=title, name=name,
                                          content_type=content_type,
                                          max_bytes=self.obs.settings.max_upload_bytes)
        except BaseException:
            recording.undo()
            raise
        keys = recording.keys
        with self.store.write() as connection:
            created = now()
            new_id = connection.execute(_table.insert().values(
                key=keys[0], url=attachment.url, city=city,
                data={"attachment": convert.unstructure(attachment), "keys": keys},
                uploader_id=principal.id, uploader_name=principal.name, created_at=created,
            )).inserted_primary_key[0]  # type: ignore[index]
            audit.record(connection, principal, "upload", kind="media", key=str(new_id),
                         city=city, summary=attachment.url)
        return MediaItem(id=int(new_id), image=None, attachment=attachment, keys=tuple(keys),
                         city=city, uploader_id=principal.id, uploader_name=principal.name,
                         created_at=created)

    def page(self, principal: Principal, *, city: str | None = None, limit: int = 20,
             offset: int = 0, kind: str | None = None) -> Page[MediaItem]:
        """The files of the cities ``principal`` edits (of ``city`` only, if given), newest
        first; ``kind`` ``"image"`` or ``"document"`` keeps those only."""
        check_page(limit, offset, maximum=self.obs.settings.max_page_size)
        query = sa.select(_table)
        if kind is not None:
            images = sa.or_(*(_table.c.key.like(f"%{e}") for e in _IMAGE_ENDINGS))
            query = query.where(images if kind == "image" else sa.not_(images))
        if city is not None:
            principal.require(Permission.PRACTICES_EDIT, city)
            query = query.where(_table.c.city == city)
        elif not (principal.secretariat and principal.can(Permission.PRACTICES_EDIT, None)):
            cities = sorted(c for c in principal.cities
                            if principal.can(Permission.PRACTICES_EDIT, c))
            query = query.where(_table.c.city.in_(cities))
        with self.store.read() as connection:
            total = int(connection.scalar(
                query.with_only_columns(sa.func.count()).order_by(None)) or 0)
            rows = connection.execute(query.order_by(_table.c.id.desc())
                                      .limit(limit).offset(offset)).all()
        return Page(items=tuple(_item(r) for r in rows), total=total, limit=limit,
                    offset=offset)

    def get(self, principal: Principal, item_id: int) -> MediaItem:
        """One image of the library; ``NotFound`` if there is none the principal edits."""
        with self.store.read() as connection:
            row = connection.execute(sa.select(_table).where(_table.c.id == item_id)).first()
        if row is None or not principal.can(Permission.PRACTICES_EDIT, row.city):
            raise NotFound(f"there is no file {item_id} in the media library", field="image")
        return _item(row)

    def by_url(self, principal: Principal, urls: Iterable[str]) -> dict[str, ImageRef]:
        """The library's images at ``urls`` that ``principal`` may use (of the cities whose
        practices they edit), by URL."""
        wanted = sorted(set(urls))[:100]
        if not wanted:
            return {}
        with self.store.read() as connection:
            rows = connection.execute(sa.select(_table).where(_table.c.url.in_(wanted))).all()
        return {row.url: image for row in rows
                if principal.can(Permission.PRACTICES_EDIT, row.city)
                for image in [_item(row).image] if image is not None}

    def attachments_by_url(self, principal: Principal,
                           urls: Iterable[str]) -> dict[str, Attachment]:
        """The library's documents at ``urls`` that ``principal`` may attach, by URL."""
        wanted = sorted(set(urls))[:100]
        if not wanted:
            return {}
        with self.store.read() as connection:
            rows = connection.execute(sa.select(_table).where(_table.c.url.in_(wanted))).all()
        return {row.url: found for row in rows
                if principal.can(Permission.PRACTICES_EDIT, row.city)
                for found in [_item(row).attachment] if found is not None}

    def used_by(self, url: str) -> list[str]:
        """The slugs of the published practices that show (or attach) the file at ``url``."""
        table = schema.practices
        pattern = convert_pattern(url)
        query = (sa.select(table.c.slug).where(
            table.c.status == ModerationStatus.PUBLISHED.value,
            sa.cast(table.c.data, sa.Text).like(pattern, escape="\\"))
            .order_by(table.c.slug).limit(20))
        with self.store.read() as connection:
            candidates = list(connection.scalars(query))
        used = []
        for slug in candidates:  # the LIKE finds candidates; the record decides
            practice = self.obs.practices.get(slug)
            files: list[ImageRef | Attachment] = [*practice.images, *practice.attachments]
            if any(item.url == url for item in files):
                used.append(slug)
        return used

    def delete(self, principal: Principal, item_id: int) -> None:
        """Remove an image or a document and its files; ``Conflict`` (409) naming the
        published practices that show or attach it, while there are any."""
        item = self.get(principal, item_id)
        principal.require(Permission.PRACTICES_EDIT, item.city)
        used = self.used_by(item.url)
        if used:
            raise Conflict("this file is shown by the published practice "
                           + ", ".join(repr(s) for s in used)
                           + "; remove it from the practice first", field="image")
        with self.store.write() as connection:
            connection.execute(_table.delete().where(_table.c.id == item_id))
            audit.record(connection, principal, "delete", kind="media", key=str(item_id),
                         city=item.city, summary=item.url)
        with self.store.read() as connection:
            shared = connection.scalar(sa.select(sa.func.count()).select_from(_table)
                                       .where(_table.c.url == item.url))
        if shared:  # the same file uploaded again is one file: it stays for the other
            return
        _remove(self.obs.media, item.keys)


def _remove(store: MediaStore, keys: Sequence[str]) -> None:
    """Delete the files ``keys`` of ``store``, those already gone too."""
    for key in keys:
        with contextlib.suppress(NotFound):
            store.delete(key)


def convert_pattern(url: str) -> str:
    """A LIKE pattern finding ``url`` inside a record's JSON text."""
    escaped = url.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


__all__ = ["MediaItem", "MediaLibrary"]
