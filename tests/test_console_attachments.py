"""Practice attachments over real HTTP (wsgiref on 127.0.0.1), on SQLite and PostgreSQL:
documents uploaded to the media library (a PDF, text, ODF/OOXML), those refused with a
clear 4xx and nothing stored (a PDF with JavaScript, a PDF-HTML polyglot, a document
with macros, a file over the limit, any other type), the served file's headers, the
practice form's chooser (a forged URL refused at its field), the widget's download
list, and the attachment carried by the JSON API, the bundle and the hub."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from livingtogether import Observatory, convert, demo
from livingtogether.admin.media import MediaLibrary
from livingtogether.documents import process_document
from livingtogether.errors import ValidationError
from livingtogether.hub import HubClient, _with_absolute_images
from livingtogether.media import LocalMediaStore
from livingtogether.models import Attachment, Text
from livingtogether.wsgi import make_app
from test_admin_media import photo
from test_console_http import PEOPLE, authenticate, client, problems, token_of
from test_web_support import Client, serving
from xss_vectors import html_problems

TITLE = {"title.en": "Annual report", "title.fr": "Rapport annuel"}
OOXML = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf(body: bytes = b"", *, hidden: bytes | None = None) -> bytes:
    """A small well-formed PDF (one empty page), with ``body`` inside its catalogue and
    ``hidden`` (if given) in a Flate-compressed object stream."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + body + b">>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    if hidden is not None:
        packed = zlib.compress(b"5 0 " + hidden)
        objects.append(b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>"
                       b"\nstream\n" % len(packed) + packed + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + content + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def docx(*, macros: bool = False) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zipped.writestr("word/document.xml", "<w:document/>")
        if macros:
            zipped.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return archive.getvalue()


def odt() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zipped.writestr("content.xml", "<office:document-content/>")
    return archive.getvalue()


@pytest.fixture
def media_folder(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def obs(database_url: str, media_folder: Path) -> Iterator[Observatory]:
    observatory = Observatory.open(database_url, media_folder=str(media_folder),
                                   base_url="https://izmir.example.org/")
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
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(browser: Client, data: bytes, name: str, content_type: str,
           **fields: str) -> requests.Response:
    page = browser.get("/console/media")
    assert page.status_code == 200, page.text
    form = {"csrf_token": token_of(page.text), "city": "izmir", "kind": "document",
            **TITLE, **fields}
    return browser.post("/console/media", data=form,
                        files={"file": (name, data, content_type)})


@pytest.mark.parametrize(("data", "name", "content_type", "status", "message"), [
    (pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "), "report.pdf",
     "application/pdf", 422, "the PDF carries active content (/JavaScript"),
    (pdf(b"/OpenAction << /S /Launch /F (calc.exe) >> "), "report.pdf",
     "application/pdf", 422, "(/Launch"),
    (pdf(b"/Names << /EmbeddedFiles 4 0 R >> "), "report.pdf", "application/pdf", 422,
     "(/EmbeddedFiles"),
    (pdf(hidden=b"<< /S /JavaScript /JS (app.alert(1)) >>"), "report.pdf",
     "application/pdf", 422, "the PDF carries active content (/JavaScript"),
    (pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> "), "report.pdf",
     "application/pdf", 422, "the PDF carries active content (/JavaScript"),
    (pdf().replace(b"%%EOF", b"%%EOF<html><script>alert(1)</script></html>"), "report.pdf",
     "application/pdf", 422, "an HTML page besides the PDF"),
    (b"<html><script>alert(1)</script>", "report.pdf", "application/pdf", 422,
     "does not start as a PDF"),
    (pdf()[:200], "report.pdf", "application/pdf", 422, "truncated or corrupt"),
    (docx(macros=True), "minutes.docm", "application/vnd.ms-word.document.macroEnabled.12",
     422, ".docm documents carry macros"),
    (docx(macros=True), "minutes.docx", OOXML, 422, "the document carries macros"),
    (pdf(), "minutes.docx", OOXML, 422, "is a ZIP archive, and this file is not one"),
    (docx(), "minutes.odt", "application/vnd.oasis.opendocument.text", 422,
     "mimetype entry"),
    (b"a,b\n<script>alert(1)</script>\n", "list.csv", "text/csv", 422, "markup"),
    (b"\xff\xfe bad", "notes.txt", "text/plain", 422, "not valid UTF-8"),
    (pdf(), "report.pdf", "text/html", 422, "sent as 'text/html'"),
    (b"MZ\x90\x00", "setup.exe", "application/octet-stream", 422,
     "files ending in '.exe' are not accepted"),
    (photo(100, 80), "photo.jpg", "image/jpeg", 422, "upload a PDF, a plain text"),
])
def test_each_bad_document_is_refused_clearly_and_nothing_is_stored(
        base: str, obs: Observatory, media_folder: Path, data: bytes, name: str,
        content_type: str, status: int, message: str) -> None:
    browser = client(base, "publisher")
    answer = upload(browser, data, name, content_type)
    assert answer.status_code == status, answer.text
    assert message in answer.text.replace("&#39;", "'"), answer.text
    assert "ODF/OOXML document" in answer.text  # says what is accepted
    assert problems(answer.text) == []
    assert 'value="Rapport annuel"' in answer.text  # the title typed is kept
    assert stored(media_folder) == []
    assert MediaLibrary(obs).page(PEOPLE["publisher"]).total == 0


def test_a_document_over_the_limit_is_413_and_the_title_required(
        database_url: str, media_folder: Path) -> None:
    with Observatory.open(database_url, media_folder=str(media_folder),
                          max_upload_bytes=50_000) as obs:
        demo.install(obs)
        with serving(make_app(obs, console_auth=authenticate)) as url:
            browser = client(url, "publisher")
            big = pdf(b"/Padding (" + b"x" * 60_000 + b") ")
            answer = upload(browser, big, "big.pdf", "application/pdf")
            assert answer.status_code == 413
            assert "limit" in answer.text
            untitled = upload(browser, pdf(), "a.pdf", "application/pdf",
                              **{"title.en": "", "title.fr": ""})
            assert untitled.status_code == 422
            assert "give the document a title" in untitled.text
            assert stored(media_folder) == []
            assert upload(browser, pdf(), "small.pdf", "application/pdf").status_code == 303


@pytest.mark.parametrize(("data", "name", "content_type", "media_type"), [
    (pdf(), "Annual report 2025.PDF", "application/pdf", "application/pdf"),
    (pdf(hidden=b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"), "fonts.pdf",
     "application/pdf", "application/pdf"),
    (docx(), "minutes.docx", "application/octet-stream", OOXML),
    (odt(), "minutes.odt", "application/vnd.oasis.opendocument.text",
     "application/vnd.oasis.opendocument.text"),
    ("name,city\nAyşe,İzmir\n".encode(), "people.csv", "text/csv", "text/csv"),
])
def test_a_document_is_stored_listed_and_served_as_an_attachment(
        base: str, obs: Observatory, media_folder: Path, data: bytes, name: str,
        content_type: str, media_type: str) -> None:
    browser = client(base, "publisher")
    answer = upload(browser, data, name, content_type)
    assert answer.status_code == 303, answer.text
    [item] = MediaLibrary(obs).page(PEOPLE["publisher"], kind="document").items
    assert MediaLibrary(obs).page(PEOPLE["publisher"], kind="image").total == 0
    attachment = item.attachment
    assert attachment is not None
    assert item.image is None
    assert attachment.media_type == media_type
    assert attachment.size == len(data)
    assert attachment.title == Text({"en": TITLE["title.en"], "fr": TITLE["title.fr"]})
    served = requests.get(base + attachment.url, timeout=10)
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["Content-Type"] == media_type
    assert served.headers["Content-Disposition"] == "attachment"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    page = browser.get("/console/media?lang=fr")
    assert "Rapport annuel" in page.text
    ending = name.rsplit(".", 1)[-1].upper()
    assert f"{ending} · " in page.text
    assert problems(page.text) == []
    assert len(stored(media_folder)) == 1


def publish_with_attachment(browser: Client, item_id: int, slug: str = "report") -> None:
    page = browser.get("/console/practices/new")
    assert f'name="attachments.add" value="{item_id}"' in page.text
    form = {"csrf_token": token_of(page.text), "base": "0", "city": "izmir",
            "kind": "practice", "slug": slug, "title.en": "The long table",
            "attachments.add": str(item_id)}
    created = browser.post("/console/practices/new", data=form)
    assert created.status_code == 303, created.text
    edit = browser.get(f"/console/practices/{slug}")
    assert 'name="attachments.0.title.fr"' in edit.text
    assert 'name="attachments.0.url"' in edit.text
    assert problems(edit.text) == []
    found = re.search(r'name="base" value="(\d+)"', edit.text)
    assert found
    published = browser.post(f"/console/practices/{slug}/publish",
                             data={"csrf_token": token_of(edit.text),
                                   "base": found.group(1)})
    assert published.status_code == 303, published.text


def test_a_practice_s_attachment_in_the_widget_api_bundle_and_hub(
        base: str, obs: Observatory, tmp_path: Path) -> None:
    browser = client(base, "publisher")
    report = pdf(b"/Padding (" + b"x" * 2400 + b") ")
    assert upload(browser, report, "report.pdf", "application/pdf",
                  **{"title.en": "Report <script>alert(1)</script>"}).status_code == 303
    item = MediaLibrary(obs).page(PEOPLE["publisher"]).items[0]
    assert item.attachment is not None
    publish_with_attachment(browser, item.id)
    practice = obs.practices.get("report")
    assert practice.attachments == (item.attachment,)
    # a published practice's attachment cannot be deleted from the library
    page = browser.get("/console/media")
    refused = browser.post(f"/console/media/{item.id}/delete",
                           data={"csrf_token": token_of(page.text)})
    assert refused.status_code == 409
    assert "'report'" in refused.text.replace("&#39;", "'")
    # the widget: in French; in Arabic the English title falls back, marked
    for lang, title, marked in (("fr", "Rapport annuel", ""),
                                ("ar", "Report &lt;script&gt;", ' lang="en"')):
        html = requests.get(f"{base}/widgets/practices/report?lang={lang}", timeout=10).text
        link = re.search(r'<a href="[^"]+" download type="application/pdf"[^>]*>[^<]*', html)
        assert link, html
        assert f'href="{item.attachment.url}"' in link.group(0)
        assert marked in link.group(0)
        assert title in link.group(0)
        assert "PDF" in html
        assert ("(in English)" in html or "lt-fallback" in html) == bool(marked)
        assert html_problems(html) == []
    size = requests.get(f"{base}/widgets/practices/report?lang=en", timeout=10).text
    assert "(PDF, 3 kB)" in size
    # the JSON API and the OpenAPI description
    api = requests.get(f"{base}/api/v1/practices/report", timeout=10).json()
    assert api["attachments"][0]["url"] == item.attachment.url
    assert api["attachments"][0]["media_type"] == "application/pdf"
    spec = requests.get(f"{base}/openapi.json", timeout=10).json()
    schemas = spec["components"]["schemas"]
    assert "attachments" in schemas["Practice"]["properties"]
    assert {"url", "title", "media_type", "size"} <= set(schemas["Attachment"]["properties"])
    # the bundle, out and back in
    with Observatory.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}") as copy:
        copy.import_bundle(obs.export_bundle())
        assert copy.practices.get("report").attachments == (item.attachment,)
    # the hub: the push body and the feed carry absolute URLs; a member pulling keeps them
    pushed = _with_absolute_images(obs, practice)
    assert pushed["attachments"][0]["url"] == "https://izmir.example.org" + \
        item.attachment.url
    feed = requests.get(f"{base}/api/v1/sync/practices", timeout=10).json()
    [record] = [i["record"] for i in feed["items"] if i["slug"] == "report"]
    assert record["attachments"][0]["url"].endswith(item.attachment.url)
    assert record["attachments"][0]["url"].startswith(("http://", "https://"))
    with Observatory.open(f"sqlite:///{tmp_path / 'member.sqlite3'}") as member, \
            HubClient(base) as hub:
        hub.pull(member)
        pulled = member.practices.get("report").attachments[0]
        assert pulled.url == record["attachments"][0]["url"]
        assert pulled.title == item.attachment.title


def test_a_forged_attachment_url_in_the_practice_form_is_refused(
        base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    assert upload(browser, pdf(), "a.pdf", "application/pdf").status_code == 303
    item = MediaLibrary(obs).page(PEOPLE["publisher"]).items[0]
    assert item.attachment is not None
    page = browser.get("/console/practices/new")
    form = {"csrf_token": token_of(page.text), "base": "0", "city": "izmir",
            "kind": "practice", "slug": "forged-doc", "title.en": "Forged",
            "attachments.0.url": "https://evil.example/malware.pdf",
            "attachments.0.media_type": "application/pdf", "attachments.0.size": "1",
            "attachments.0.title.en": "x"}
    refused = browser.post("/console/practices/new", data=form)
    assert refused.status_code == 422
    assert "is not a document of the media library" in refused.text
    assert "attachments.0.url" in refused.text
    assert "forged-doc" not in [p.slug for p in obs.practices.list(limit=200).items]
    # the reference comes from the library, whatever the form says of it; the title is ours
    tampered = {**form, "attachments.0.url": item.attachment.url,
                "attachments.0.size": "999999", "attachments.0.title.en": "Our title"}
    assert browser.post("/console/practices/new", data=tampered).status_code == 303
    edit = browser.get("/console/practices/forged-doc")
    assert f'name="attachments.0.size" value="{item.attachment.size}"' in edit.text
    assert 'value="Our title"' in edit.text
    assert "evil.example" not in edit.text
    # an image of the library is not a document
    image_upload = browser.get("/console/media")
    browser.post("/console/media", data={"csrf_token": token_of(image_upload.text),
                                         "city": "izmir", "alt.en": "A table"},
                 files={"file": ("t.jpg", photo(200, 100), "image/jpeg")})
    image = MediaLibrary(obs).page(PEOPLE["publisher"], kind="image").items[0]
    page = browser.get("/console/practices/new")
    wrong = browser.post("/console/practices/new", data={
        "csrf_token": token_of(page.text), "base": "0", "city": "izmir", "kind": "practice",
        "slug": "wrong-kind", "title.en": "Wrong", "attachments.add": str(image.id)})
    assert wrong.status_code == 422
    assert "is not a document" in wrong.text


def test_an_attachment_from_a_hostile_api_body_is_refused(tmp_path: Path) -> None:
    for url, kind in (("javascript:alert(1)", "application/pdf"),
                      ("//evil.example/x.pdf", "application/pdf"),
                      ("/media/ab/x.html", "text/html")):
        with pytest.raises(ValidationError):
            convert.structure({"url": url, "title": {"en": "x"}, "media_type": kind,
                               "size": 1}, Attachment)
    with pytest.raises(ValidationError, match="title"):
        convert.structure({"url": "/media/a.pdf", "title": {}, "media_type":
                           "application/pdf", "size": 1}, Attachment)
    store = LocalMediaStore(tmp_path)
    with pytest.raises(ValidationError, match="upload a PDF"):
        process_document(b"%PDF-1.4\n/JS (x)\nstartxref\n0\n%%EOF", store=store,
                         title={"en": "x"}, name="x.pdf", max_bytes=10_000)
    assert list(tmp_path.iterdir()) == []
