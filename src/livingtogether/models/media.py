"""Images and attachments that records hold by value: where each file is, its size, its
alt text (an image) or its title (a document)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import attrs

from . import fields as f
from .text import Text, text_field


def media_address(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """An http(s) URL, or a path on this site (``/media/...``)."""
    f.check_text(value, field=attribute.name, max_length=f.MEDIUM, multiline=False)
    assert isinstance(value, str)
    parts = urlsplit(value)
    local = value.startswith("/") and not value.startswith("//") and not parts.scheme
    if not local and (parts.scheme not in ("http", "https") or not parts.netloc):
        f.fail(attribute, f"{value[:80]!r} is neither an http(s) address nor a path on "
               "this site such as '/media/...'")


@attrs.frozen(kw_only=True)
class Rendition:
    """The image at one width, for ``srcset``."""

    url: str = attrs.field(validator=media_address)
    width: int = attrs.field(validator=f.number(1, 100_000, integer=True))
    height: int = attrs.field(validator=f.number(1, 100_000, integer=True))
    size: int = attrs.field(validator=f.number(1, 10**9, integer=True))


@attrs.frozen(kw_only=True)
class ImageRef:
    """An image as a record holds it: the re-encoded image (``url``, its pixel size and
    its ``size`` in bytes), its renditions at smaller widths, the alt text (required: say
    what the image shows) and the credit."""

    url: str = attrs.field(validator=media_address)
    width: int = attrs.field(validator=f.number(1, 100_000, integer=True))
    height: int = attrs.field(validator=f.number(1, 100_000, integer=True))
    size: int = attrs.field(validator=f.number(1, 10**9, integer=True))
    alt: Text = text_field(f.SHORT, required=True)
    credit: str | None = attrs.field(default=None, validator=f.optional_text())
    renditions: tuple[Rendition, ...] = attrs.field(default=(), validator=f.items(10))

    @property
    def srcset(self) -> str:
        """The ``srcset`` attribute: every rendition and the image itself, by width."""
        sources = sorted([(r.width, r.url) for r in self.renditions]
                         + [(self.width, self.url)])
        return ", ".join(f"{url} {width}w" for width, url in sources)

    def absolute(self, base_url: str) -> ImageRef:
        """The same image with every URL absolute against ``base_url`` (the site's own
        address): how the hub carries it to other sites."""
        def full(url: str) -> str:
            return urljoin(base_url, url)

        return attrs.evolve(self, url=full(self.url), renditions=tuple(
            attrs.evolve(r, url=full(r.url)) for r in self.renditions))


#: The media types of the documents a record may hold (those the media library accepts).
DOCUMENT_TYPES: tuple[str, ...] = (
    "application/pdf", "text/plain", "text/csv",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)


def _document_type(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in DOCUMENT_TYPES:
        f.fail(attribute, f"{str(value)[:80]!r} is not a document type the library keeps; "
               "the types are: " + ", ".join(DOCUMENT_TYPES))


@attrs.frozen(kw_only=True)
class Attachment:
    """A document as a record holds it (the PDF report of a case study...): where it is,
    its title per language (required), its media type and its size in bytes."""

    url: str = attrs.field(validator=media_address)
    title: Text = text_field(f.SHORT, required=True)
    media_type: str = attrs.field(validator=_document_type)
    size: int = attrs.field(validator=f.number(1, 10**9, integer=True))

    def absolute(self, base_url: str) -> Attachment:
        """The same attachment with its URL absolute against ``base_url``."""
        return attrs.evolve(self, url=urljoin(base_url, self.url))


def has_local_files(record: Any) -> bool:
    """Whether a record's images or attachments are on this site (a path, ``/media/...``)."""
    return any(item.url.startswith("/") for item in (*getattr(record, "images", ()),
                                                      *getattr(record, "attachments", ())))


def absolute_images(record: Mapping[str, Any], base_url: str) -> Mapping[str, Any]:
    """A record as the converter's JSON (a practice's, as a feed serves it stored) with the
    URLs of its ``images`` and ``attachments`` absolute against ``base_url``, as
    :meth:`ImageRef.absolute` makes them; the record itself when it has neither."""
    images = record.get("images")
    attachments = record.get("attachments")
    if not images and not attachments:
        return record

    def full(image: Mapping[str, Any]) -> dict[str, Any]:
        return {**image, "url": urljoin(base_url, image["url"]),
                "renditions": [{**r, "url": urljoin(base_url, r["url"])}
                               for r in image.get("renditions") or ()]}

    out = {**record}
    if images:
        out["images"] = [full(image) for image in images]
    if attachments:
        out["attachments"] = [{**a, "url": urljoin(base_url, a["url"])} for a in attachments]
    return out
