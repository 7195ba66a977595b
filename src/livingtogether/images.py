"""Uploaded images: verified, re-encoded without their metadata, rendered at a few widths.

:func:`process_image` accepts JPEG, PNG, GIF and WebP files that are what they
claim to be: the first bytes, the name's ending, the declared content type
and Pillow's own reading must agree, and the whole image must decode.
Refused, each with a message that says so: SVG (it can carry scripts), any
other type, a file that also holds something else (a ZIP or an HTML page
after the image: a polyglot), a truncated or corrupt file, an image of more
pixels than the limit (a decompression bomb), a file over the size limit.
The image is then re-encoded from its pixels alone (EXIF with its GPS
position, comments, colour profiles gone; the EXIF orientation applied
first), and smaller renditions are made for ``srcset``. Pillow is imported
on first use.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import PayloadTooLarge, ValidationError
from .media import MediaStore
from .models.media import ImageRef, Rendition
from .models.text import Text

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
#: The widths of the renditions (those narrower than the image are made).
WIDTHS: tuple[int, ...] = (480, 960, 1440)
#: The widest the stored image itself is (a large JPEG is decoded at a half, a quarter
#: or an eighth of its size when that is still this wide: much faster).
MAX_WIDTH = 2000

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
_ENDINGS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
#: What must not be inside an image: documents and markup a browser would find (the
#: usual polyglots); a ZIP archive is found by its directory's end record, which an
#: unzipper looks for in the last 64 KiB.
_FOREIGN: dict[bytes, str] = {
    b"%pdf-": "a PDF document", b"<script": "a script", b"<html": "an HTML page",
    b"<?php": "PHP code", b"<svg": "SVG markup", b"<iframe": "an HTML page",
}
_FOREIGN_RE = re.compile(b"|".join(re.escape(marker) for marker in _FOREIGN), re.IGNORECASE)
_ZIP_END = b"PK\x05\x06"


def _refuse(message: str) -> ValidationError:
    return ValidationError(message + "; upload a JPEG, PNG, GIF or WebP image", field="file")


def sniff(data: bytes) -> str:
    """The format the first bytes announce (``JPEG``, ``PNG``, ``GIF``, ``WEBP``)."""
    head = data[:64]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!doctype svg")):
        raise _refuse("SVG images are not accepted (an SVG can carry scripts)")
    raise _refuse("this file is not an image of a supported type")


def _check_claims(found: str, name: str | None, content_type: str | None) -> None:
    if content_type is not None and content_type.split(";")[0].strip().lower() != \
            _TYPES[found]:
        if "svg" in content_type.lower():
            raise _refuse("SVG images are not accepted (an SVG can carry scripts)")
        raise _refuse(f"the file is a {found} image but was sent as {content_type[:60]!r}")
    if name:
        ending = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ending == ".svg":
            raise _refuse("SVG images are not accepted (an SVG can carry scripts)")
        if ending and _ENDINGS.get(ending) != found:
            raise _refuse(f"the file is a {found} image but its name ends in {ending[:10]!r}")


def _decode(data: bytes, found: str, max_pixels: int) -> Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != found:
                raise _refuse(f"the file starts as {found} but reads as {probe.format}")
            width, height = probe.size
            if width * height > max_pixels:
                raise _refuse(f"the image is {width}×{height} pixels; the limit is "
                              f"{max_pixels:,} pixels in all (a decompression bomb?)")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if found == "JPEG" and width > MAX_WIDTH:  # decode at a fraction of the size
            image.draft("RGB", (MAX_WIDTH, max(1, height * MAX_WIDTH // width)))
        image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise _refuse(f"the image claims far more than the limit of {max_pixels:,} pixels "
                      "in all (a decompression bomb)") from None
    except (UnidentifiedImageError, OSError, SyntaxError,
            ValueError, EOFError) as error:
        raise _refuse(f"the image is truncated or corrupt ({str(error)[:80]})") from None
    return image


def _clean(image: Image) -> Image:
    """The pixels alone, the way they are meant to be seen (orientation applied)."""
    from PIL import ImageOps

    turned = image.getexif().get(0x0112, 1) not in (1, None)  # the orientation tag
    upright = (ImageOps.exif_transpose(image) or image) if turned else image
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info)
    clean = upright.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}
    return clean


def _encode(image: Image) -> tuple[bytes, str]:
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, "PNG", optimize=False, compress_level=6)
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), "image/jpeg"


def _resized(image: Image, width: int) -> Image:
    from PIL import Image as PILImage

    height = max(1, round(image.height * width / image.width))
    # bicubic after a box reduction: a rendition for the web, at a fraction of Lanczos' time
    return image.resize((width, height), PILImage.Resampling.BICUBIC, reducing_gap=2.0)


def process_image(data: bytes, *, store: MediaStore, alt: Text | Mapping[str, str],
                  name: str | None = None, content_type: str | None = None,
                  credit: str | None = None, widths: Sequence[int] = WIDTHS,
                  max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> ImageRef:
    """Verify, clean and store an uploaded image with its renditions (see the module's
    docstring); the :class:`ImageRef` a record keeps."""
    text_alt = alt if isinstance(alt, Text) else Text(alt)
    if not text_alt:
        raise ValidationError("describe what the image shows, for those who cannot see it",
                              field="alt")
    if not isinstance(data, (bytes, bytearray)):
        raise ValidationError("the upload must be the file's bytes", field="file")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}",
                              field="file")
    if not data:
        raise ValidationError("the file is empty", field="file")
    found = sniff(bytes(data))
    _check_claims(found, name, content_type)
    marker = _FOREIGN_RE.search(data)
    foreign = [_FOREIGN[marker.group().lower()]] if marker else []
    if _ZIP_END in data[-65_557:] or data.startswith(b"PK\x03\x04"):
        foreign.insert(0, "a ZIP archive")
    if foreign:
        raise _refuse(f"the file holds {foreign[0]} besides the image (a polyglot file)")
    image = _clean(_decode(bytes(data), found, max_pixels))
    if image.width > MAX_WIDTH:
        image = _resized(image, MAX_WIDTH)
    stem = name or "image"
    encoded, stored_type = _encode(image)
    key = store.put(stem, encoded, stored_type)
    renditions = []
    source = image
    for width in sorted(set(widths), reverse=True):  # each from the next larger one
        if width >= image.width:
            continue
        smaller = source = _resized(source, width)
        small, small_type = _encode(smaller)
        renditions.append(Rendition(url=store.url(store.put(f"{stem}-{width}", small,
                                                            small_type)),
                                    width=smaller.width, height=smaller.height,
                                    size=len(small)))
    return ImageRef(url=store.url(key), width=image.width, height=image.height,
                    size=len(encoded), alt=text_alt, credit=credit,
                    renditions=tuple(sorted(renditions, key=lambda r: r.width)))


def image_info(data: bytes) -> dict[str, Any]:
    """What Pillow reads of an image's metadata (its format, size, EXIF tags, info keys):
    for checking that a stored image carries none."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return {"format": image.format, "size": image.size, "exif": dict(image.getexif()),
                "info": sorted(image.info)}
