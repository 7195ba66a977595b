"""The console's media library over real HTTP (wsgiref on 127.0.0.1), on SQLite and
PostgreSQL: uploads refused with a clear 4xx and nothing stored, EXIF stripped,
renditions, the library's paging and delete, the practice form's images, the widget's
``<img>``, and the image carried by the JSON API, the bundle and the hub."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from livingtogether import Observatory, demo
from livingtogether.admin.media import MediaLibrary
from livingtogether.hub import HubClient
from livingtogether.images import image_info
from livingtogether.models import ImageRef, Text
from livingtogether.wsgi import make_app
from test_admin_media import SVG, bomb_header, gif_zip_polyglot, photo, png
from test_console_http import PEOPLE, authenticate, client, problems, token_of
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

ALT = {"alt.en": "Neighbours around a long table", "alt.fr": "Des voisins autour d'une table"}


@pytest.fixture
def media_folder(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def obs(database_url: str, media_folder: Path) -> Iterator[Observatory]:
    observatory = Observatory.open(database_url, media_folder=str(media_folder))
    demo.install(observatory)
    try:
        yield observatory
    finally:
        observatory.close()


@pytest.fixture
def base(obs: Observatory) -> Iterator[str]:
    with serving(make_app(obs, console_auth=authenticate)) as url:
        yield url


def stored(folder: Path) -> list[Path]:
    """The files in the media store (none of a refused upload)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(browser: Client, data: bytes, name: str, content_type: str,
           **fields: str) -> requests.Response:
    page = browser.get("/console/media")
    assert page.status_code == 200, page.text
    form = {"csrf_token": token_of(page.text), "city": "izmir", **ALT, **fields}
    return browser.post("/console/media", data=form,
                        files={"file": (name, data, content_type)})


def jpeg_with_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("evil.jar", b"\xca\xfe\xba\xbe")  # a GIFAR's idea, on a JPEG
    return photo(300, 200) + archive.getvalue()


@pytest.mark.parametrize(("data", "name", "content_type", "status", "message"), [
    (b"%PDF-1.7\n1 0 obj", "report.pdf", "application/pdf", 422, "not an image"),
    (png(), "photo.jpg", "image/jpeg", 422, "the file is a PNG image"),
    (jpeg_with_zip(), "photo.jpg", "image/jpeg", 422, "a ZIP archive besides the image"),
    (gif_zip_polyglot(), "cat.gif", "image/gif", 422, "a ZIP archive besides the image"),
    (photo(300, 200) + b"<html><script>alert(1)</script></html>", "a.jpg", "image/jpeg",
     422, "an HTML page"),
    (SVG, "logo.svg", "image/svg+xml", 422, "SVG images are not accepted"),
    (photo(300, 200)[:-300], "cut.jpg", "image/jpeg", 422, "truncated or corrupt"),
    (bomb_header(), "huge.png", "image/png", 422, "decompression bomb"),
])
def test_each_bad_upload_is_refused_clearly_and_nothing_is_stored(
        base: str, obs: Observatory, media_folder: Path, data: bytes, name: str,
        content_type: str, status: int, message: str) -> None:
    browser = client(base, "publisher")
    answer = upload(browser, data, name, content_type, credit="Kept credit")
    assert answer.status_code == status
    assert message in answer.text
    assert "Nothing was stored" in answer.text
    assert 'value="Neighbours around a long table"' in answer.text  # the alt text kept
    assert 'value="Kept credit"' in answer.text
    assert stored(media_folder) == []
    assert MediaLibrary(obs).page(PEOPLE["publisher"]).total == 0


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(
        database_url: str, media_folder: Path) -> None:
    with Observatory.open(database_url, media_folder=str(media_folder),
                          max_upload_bytes=50_000) as obs:
        demo.install(obs)
        with serving(make_app(obs, console_auth=authenticate)) as url:
            browser = client(url, "publisher")
            answer = upload(browser, photo(2000, 2000), "big.jpg", "image/jpeg")
            assert answer.status_code == 413
            assert "limit" in answer.text
            assert stored(media_folder) == []
            # the server is still well: a small one passes
            assert upload(browser, photo(100, 80), "small.jpg",
                          "image/jpeg").status_code == 303


def test_the_alt_text_is_required_and_a_forged_token_refused(
        base: str, media_folder: Path) -> None:
    browser = client(base, "publisher")
    answer = upload(browser, photo(), "a.jpg", "image/jpeg", **{"alt.en": "", "alt.fr": ""})
    assert answer.status_code == 422
    assert "describe what the image shows" in answer.text
    forged = browser.post("/console/media", data={"csrf_token": "x" * 43, "city": "izmir",
                                                  **ALT},
                          files={"file": ("a.jpg", photo(), "image/jpeg")})
    assert forged.status_code == 403
    assert stored(media_folder) == []


def test_an_upload_is_cleaned_rendered_and_served_safely(
        base: str, obs: Observatory, media_folder: Path) -> None:
    browser = client(base, "publisher")
    answer = upload(browser, photo(2000, 1000), "Opening day.JPG", "image/jpeg")
    assert answer.status_code == 303, answer.text
    [item] = MediaLibrary(obs).page(PEOPLE["publisher"]).items
    image = item.image
    assert (image.width, image.height) == (2000, 1000)
    assert [r.width for r in image.renditions] == [480, 960, 1440]
    assert image.alt == Text({"en": ALT["alt.en"], "fr": ALT["alt.fr"]})
    served = requests.get(base + image.url, timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "sandbox" in served.headers["Content-Security-Policy"]
    info = image_info(served.content)
    assert info["exif"] == {}
    assert "exif" not in info["info"]
    assert len(stored(media_folder)) == 4
    page = browser.get("/console/media")
    assert ALT["alt.en"] in page.text
    assert image.renditions[0].url in page.text
    assert requests.get(base + "/media/00/not-a-key.jpg", timeout=10).status_code == 404


def test_xss_in_alt_and_credit_is_inert(base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    for vector in VECTORS[:6]:
        answer = upload(browser, photo(200, 100), "x.jpg", "image/jpeg",
                        **{"alt.en": vector[:300], "credit": vector[:200]})
        assert answer.status_code in (303, 422)
        page = browser.get(answer.headers.get("Location", "/console/media").replace(
            base, "") if answer.status_code == 303 else "/console/media")
        assert problems(page.text) == []


def test_the_library_pages_and_a_used_image_cannot_be_deleted(
        base: str, obs: Observatory, media_folder: Path) -> None:
    browser = client(base, "publisher")
    for width in range(100, 100 + 26):
        assert upload(browser, photo(width, 80, gps=False), f"p{width}.jpg",
                      "image/jpeg").status_code == 303
    first = browser.get("/console/media")
    assert "26 files" in first.text
    assert "Page 1 of 2" in first.text
    second = browser.get("/console/media?page=2")
    assert second.text.count('class="lt-console__media"') == 1
    assert second.text.count("<li>\n<img") == 2
    # choose the newest in a practice and publish it
    library = MediaLibrary(obs)
    newest = library.page(PEOPLE["publisher"], limit=1).items[0]
    slug = publish_with_image(browser, newest.id)
    refused = browser.post(f"/console/media/{newest.id}/delete",
                           data={"csrf_token": token_of(first.text)})
    assert refused.status_code == 409
    assert slug in refused.text
    assert newest.image.url in {p.name and "/media/" + str(p.relative_to(media_folder))
                                for p in stored(media_folder)}
    other = library.page(PEOPLE["publisher"], limit=2).items[1]
    done = browser.post(f"/console/media/{other.id}/delete",
                        data={"csrf_token": token_of(first.text)})
    assert done.status_code == 303
    assert library.page(PEOPLE["publisher"]).total == 25
    assert not (media_folder / other.keys[0]).exists()


def publish_with_image(browser: Client, item_id: int, slug: str = "long-table") -> str:
    """Create a practice in the console with library image ``item_id``; publish it."""
    page = browser.get("/console/practices/new")
    assert f'name="images.add" value="{item_id}"' in page.text
    form = {"csrf_token": token_of(page.text), "base": "0", "city": "izmir",
            "kind": "practice", "slug": slug, "title.en": "The long table",
            "images.add": str(item_id)}
    created = browser.post("/console/practices/new", data=form)
    assert created.status_code == 303, created.text
    edit = browser.get(f"/console/practices/{slug}")
    assert 'name="images.0.alt.fr"' in edit.text
    assert 'name="images.0.url"' in edit.text
    base = re.search(r'name="base" value="(\d+)"', edit.text)
    assert base
    token = token_of(edit.text)
    published = browser.post(f"/console/practices/{slug}/publish",
                             data={"csrf_token": token, "base": base.group(1)})
    assert published.status_code == 303, published.text
    return slug


def test_a_practice_s_image_in_the_widget_api_bundle_and_hub(
        base: str, obs: Observatory, tmp_path: Path) -> None:
    browser = client(base, "publisher")
    assert upload(browser, photo(1600, 900), "table.jpg", "image/jpeg",
                  credit="Photo <b>Ayşe</b>").status_code == 303
    item = MediaLibrary(obs).page(PEOPLE["publisher"]).items[0]
    slug = publish_with_image(browser, item.id)
    practice = obs.practices.get(slug)
    assert practice.images == (item.image,)
    # the widget, in French and in Arabic (which falls back to English, marked)
    for lang, alt, marked in (("fr", ALT["alt.fr"], ""), ("ar", ALT["alt.en"], ' lang="en"')):
        html = requests.get(f"{base}/widgets/practices/{slug}?lang={lang}", timeout=10).text
        img = re.search(r"<img [^>]+>", html)
        assert img, html
        tag = img.group(0)
        assert f'alt="{alt}"{marked}' in tag.replace("&#39;", "'")
        assert f'srcset="{item.image.srcset}"' in tag
        assert 'width="1600" height="900"' in tag
        assert 'loading="lazy"' in tag
        assert "Photo &lt;b&gt;Ayşe&lt;/b&gt;" in html
        assert html_problems(html) == []
    # the JSON API
    api = requests.get(f"{base}/api/v1/practices/{slug}", timeout=10).json()
    assert api["images"][0]["url"] == item.image.url
    assert api["images"][0]["alt"]["fr"] == ALT["alt.fr"]
    # the bundle, out and back in
    bundle = obs.export_bundle()
    with Observatory.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}") as copy:
        copy.import_bundle(bundle)
        assert copy.practices.get(slug).images == (item.image,)
    # the hub's feed gives absolute URLs; a member pulling it keeps them
    feed = requests.get(f"{base}/api/v1/sync/practices", timeout=10).json()
    [record] = [i["record"] for i in feed["items"] if i["slug"] == slug]
    assert record["images"][0]["url"] == base + item.image.url
    assert all(r["url"].startswith(base + "/media/") for r in record["images"][0]["renditions"])
    with Observatory.open(f"sqlite:///{tmp_path / 'member.sqlite3'}") as member, \
            serving(make_app(member)) as member_url:
        with HubClient(base) as hub:
            hub.pull(member)
        pulled = member.practices.get(slug).images[0]
        assert pulled == item.image.absolute(base + "/")
        html = requests.get(f"{member_url}/widgets/practices/{slug}", timeout=10)
        assert f'src="{base}{item.image.url}"' in html.text
        assert "img-src 'self' data: https:" in html.headers["Content-Security-Policy"]


def test_an_image_ref_from_a_hostile_api_body_is_refused() -> None:
    from livingtogether import convert
    from livingtogether.errors import ValidationError

    for url in ("javascript:alert(1)", "//evil.example/x.jpg", "data:image/png;base64,AA"):
        with pytest.raises(ValidationError):
            convert.structure({"url": url, "width": 1, "height": 1, "size": 1,
                               "alt": {"en": "x"}}, ImageRef)


def test_a_forged_image_reference_in_the_practice_form_is_refused(
        base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    assert upload(browser, photo(600, 400), "a.jpg", "image/jpeg").status_code == 303
    item = MediaLibrary(obs).page(PEOPLE["publisher"]).items[0]
    page = browser.get("/console/practices/new")
    form = {"csrf_token": token_of(page.text), "base": "0", "city": "izmir",
            "kind": "practice", "slug": "forged-image", "title.en": "Forged",
            "images.0.url": "https://tracker.example/pixel.jpg", "images.0.width": "1",
            "images.0.height": "1", "images.0.size": "1", "images.0.alt.en": "x"}
    refused = browser.post("/console/practices/new", data=form)
    assert refused.status_code == 422
    assert "is not an image of the media library" in refused.text
    assert "forged-image" not in [p.slug for p in obs.practices.list(limit=200).items]
    # a library image's reference comes from the library, whatever the form says of it
    tampered = {**form, "images.0.url": item.image.url, "images.0.width": "99999",
                "images.0.alt.en": "Our own words"}
    assert browser.post("/console/practices/new", data=tampered).status_code == 303
    edit = browser.get("/console/practices/forged-image")
    assert 'name="images.0.width" value="600"' in edit.text
    assert 'value="Our own words"' in edit.text
