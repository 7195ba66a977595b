"""Uploaded images, with real files made by Pillow here: verified, cleaned, rendered."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from livingtogether import convert
from livingtogether.errors import NotFound, PayloadTooLarge, ValidationError
from livingtogether.images import image_info, process_image
from livingtogether.media import LocalMediaStore
from livingtogether.models import ImageRef, Text

ALT = {"en": "The mayor opening the dialogue", "fr": "Le maire ouvre le dialogue"}


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media", base_url="/media/")


def photo(width: int = 1200, height: int = 800, *, gps: bool = True,
          orientation: int | None = None) -> bytes:
    """A JPEG with EXIF: a GPS position, a camera, and optionally an orientation."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(0, width, 40):  # some detail, so that it is not one colour
        image.paste((30, 30, 200), (x, 0, x + 10, height))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0131] = "SecretEditor 1.0"  # Software
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (38.0, 25.0, 12.0), 3: "E", 4: (27.0, 8.0, 30.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, comment=b"taken at home")
    return out.getvalue()


def png(width: int = 300, height: int = 200) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 128, 0, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def test_a_photo_is_re_encoded_without_its_metadata_and_rendered(
        store: LocalMediaStore) -> None:
    data = photo(2000, 1000)
    assert 34853 in image_info(data)["exif"]  # the GPS is there before
    ref = process_image(data, store=store, alt=ALT, name="../../etc/passwd.jpg",
                        content_type="image/jpeg", credit="City of Izmir")
    assert (ref.width, ref.height) == (2000, 1000)
    assert [r.width for r in ref.renditions] == [480, 960, 1440]
    assert [r.height for r in ref.renditions] == [240, 480, 720]
    assert ref.srcset.split(", ")[0].endswith(" 480w")
    assert ref.srcset.split(", ")[-1].endswith(" 2000w")
    key = ref.url.removeprefix("/media/")
    assert ".." not in key
    assert "/etc/" not in key
    with store.open(key) as stored:
        cleaned = stored.read()
    assert len(cleaned) == ref.size
    info = image_info(cleaned)
    assert info["exif"] == {}  # no GPS, no camera, no software
    assert "comment" not in info["info"]
    assert b"CameraMaker" not in cleaned
    assert b"taken at home" not in cleaned
    for rendition in ref.renditions:
        with store.open(rendition.url.removeprefix("/media/")) as stored:
            assert image_info(stored.read())["size"] == (rendition.width, rendition.height)
    assert ref.alt == Text(ALT)
    assert ref.credit == "City of Izmir"
    assert convert.structure(convert.unstructure(ref), ImageRef) == ref  # held by value


def test_the_orientation_is_applied_before_it_is_stripped(store: LocalMediaStore) -> None:
    ref = process_image(photo(600, 300, orientation=6), store=store, alt=ALT)  # 90° turn
    assert (ref.width, ref.height) == (300, 600)


def test_a_png_keeps_its_transparency(store: LocalMediaStore) -> None:
    ref = process_image(png(), store=store, alt=ALT, name="logo.png", content_type="image/png")
    assert ref.url.endswith(".png")
    assert ref.renditions == ()  # narrower than every rendition width
    with store.open(ref.url.removeprefix("/media/")) as stored:
        image = Image.open(stored)
        assert image.mode == "RGBA"
        assert image.getpixel((5, 5)) == (0, 128, 0, 128)


def test_images_sent_through_the_hub_carry_absolute_urls(store: LocalMediaStore) -> None:
    ref = process_image(photo(1000, 500), store=store, alt=ALT)
    absolute = ref.absolute("https://izmir.example.org/")
    assert absolute.url.startswith("https://izmir.example.org/media/")
    assert all(r.url.startswith("https://izmir.example.org/media/")
               for r in absolute.renditions)


def gif_zip_polyglot() -> bytes:
    image = Image.new("P", (20, 20), 1)
    out = io.BytesIO()
    image.save(out, "GIF")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue() + archive.getvalue()


def bomb_header() -> bytes:
    """A PNG that claims 20000×20000 pixels (and holds a few bytes)."""
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * 3 * 20_000
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(row * 4)) + _chunk(b"IEND", b""))


SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
       b'height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/>'
       b"</svg>")


@pytest.mark.parametrize(("data", "name", "content_type", "message"), [
    (SVG, "logo.svg", "image/svg+xml", "SVG images are not accepted"),
    (SVG, "logo.png", "image/png", "SVG images are not accepted"),
    (b"  \n<svg onload=alert(1)>", None, None, "SVG images are not accepted"),
    (gif_zip_polyglot(), "cat.gif", "image/gif", "a ZIP archive besides the image"),
    (photo(200, 100)[:-400], "cut.jpg", "image/jpeg", "truncated or corrupt"),
    (photo(200, 100)[:600], "cut.jpg", None, "truncated or corrupt"),
    (bomb_header(), "huge.png", "image/png", "(a decompression bomb)"),
    (bomb_header(), "huge.png", "image/png", "the limit of 40,000,000 pixels"),
    (png(), "photo.jpg", None, "its name ends in '.jpg'"),
    (png(), None, "image/jpeg", "was sent as 'image/jpeg'"),
    (b"%PDF-1.7\n...", "report.pdf", "application/pdf", "not an image of a supported type"),
    (b"MZ\x90\x00" + b"\x00" * 100, "setup.exe", None, "not an image of a supported type"),
    (png() + b"<html><script>alert(1)</script></html>", "x.png", None, "an HTML page"),
    (png() + b"<SCRIPT>alert(1)</SCRIPT>", "x.png", None, "a script"),
])
def test_what_is_not_the_image_it_claims_is_refused_clearly(
        store: LocalMediaStore, data: bytes, name: str | None, content_type: str | None,
        message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        process_image(data, store=store, alt=ALT, name=name, content_type=content_type)
    assert message in caught.value.message
    assert caught.value.field == "file"
    assert "upload a JPEG, PNG, GIF or WebP image" in caught.value.message
    assert not any(store.folder.rglob("*.*")) if store.folder.exists() else True  # nothing kept


def test_limits_and_the_alt_text(store: LocalMediaStore) -> None:
    with pytest.raises(ValidationError, match="is 2000×1000 pixels; the limit is 1,000,000"):
        process_image(photo(2000, 1000), store=store, alt=ALT, max_pixels=1_000_000)
    with pytest.raises(PayloadTooLarge, match="the limit is 1,000"):
        process_image(photo(), store=store, alt=ALT, max_bytes=1_000)
    with pytest.raises(ValidationError, match="describe what the image shows"):
        process_image(photo(), store=store, alt={})
    with pytest.raises(ValidationError, match="the file is empty"):
        process_image(b"", store=store, alt=ALT)
    with pytest.raises(ValidationError, match="is required"):
        ImageRef(url="/media/x.jpg", width=1, height=1, size=1, alt=Text({}))
    with pytest.raises(ValidationError, match="neither an http"):
        ImageRef(url="javascript:alert(1)", width=1, height=1, size=1, alt=Text(ALT))


def test_the_local_store_never_takes_a_path_from_outside(store: LocalMediaStore) -> None:
    key = store.put("../../../../tmp/evil name.jpg", b"data", "image/jpeg")
    assert key.endswith("-evil-name.jpg")
    assert (store.folder / key).read_bytes() == b"data"
    assert store.put("again.jpg", b"data", "image/jpeg") != key  # another name, another key
    for bad in ("../../etc/passwd", "/etc/passwd", "ab/../../x.jpg", "", "ab/cd.jpg"):
        with pytest.raises(NotFound):
            store.open(bad)
        with pytest.raises(NotFound):
            store.delete(bad)
    with pytest.raises(ValidationError, match="are not stored"):
        store.put("page.html", b"<html>", "text/html")
    store.delete(key)
    with pytest.raises(NotFound):
        store.open(key)
