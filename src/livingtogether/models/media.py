"""Images that records hold by value: where each rendition is, its size, its alt text."""

from __future__ import annotations

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
