"""Images that records hold by value: where each rendition is, its size, its alt text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import attrs

from . import fields as f
from .text import Text, text_field


def _address(_: object, attribute: attrs.Attribute[str], value: object) -> None:
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

    url: str = attrs.field(validator=_address)
    width: int = attrs.field(validator=f.number(1, 100_000, integer=True))
    height: int = attrs.field(validator=f.number(1, 100_000, integer=True))
    size: int = attrs.field(validator=f.number(1, 10**9, integer=True))


@attrs.frozen(kw_only=True)
class ImageRef:
    """An image as a record holds it: the re-encoded image (``url``, its pixel size and
    its ``size`` in bytes), its renditions at smaller widths, the alt text (required: say
    what the image shows) and the credit."""

    url: str = attrs.field(validator=_address)
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


def absolute_images(record: Mapping[str, Any], base_url: str) -> Mapping[str, Any]:
    """A record as the converter's JSON (a practice's, as a feed serves it stored) with the
    URLs of its ``images`` absolute against ``base_url``, as :meth:`ImageRef.absolute`
    makes them; the record itself when it has no images."""
    images = record.get("images")
    if not images:
        return record

    def full(image: Mapping[str, Any]) -> dict[str, Any]:
        return {**image, "url": urljoin(base_url, image["url"]),
                "renditions": [{**r, "url": urljoin(base_url, r["url"])}
                               for r in image.get("renditions") or ()]}

    return {**record, "images": [full(image) for image in images]}
