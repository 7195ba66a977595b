"""Uploaded documents: verified to be what they claim, then stored as they are.

:func:`process_document` accepts, each under the upload limit:

- a PDF: it starts with ``%PDF-1.x``, ends with ``%%EOF`` after a ``startxref``, and
  carries no active content (no ``/JavaScript``, ``/JS``, ``/Launch`` or
  ``/EmbeddedFile`` name, looked for in its bytes and in its Flate-compressed
  streams, with the names' ``#xx`` escapes written out: a PDF that runs a script,
  starts a program or hides a file is refused, with a message that says so) and no
  HTML (a PDF-HTML polyglot);
- plain text or CSV: valid UTF-8 without control characters or markup a browser
  would run;
- an OpenDocument (``.odt``, ``.ods``, ``.odp``) or Office Open XML (``.docx``,
  ``.xlsx``, ``.pptx``) document: a ZIP archive with the right ``mimetype`` entry
  (ODF) or ``[Content_Types].xml`` part (OOXML), without macros (``vbaProject.bin``,
  ``Basic/`` scripts).

The name's ending decides the type claimed; the content must agree, and a declared
content type other than the type's own (or the browsers' generic
``application/octet-stream``) is refused. Everything else is refused with a 4xx
naming what is accepted. The bytes are stored unchanged (a document is not
re-encoded): what is checked is that it is nothing else.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping

from .errors import PayloadTooLarge, ValidationError
from .media import MediaStore
from .models.media import Attachment
from .models.text import Text

#: What the library accepts, said in every refusal.
ACCEPTED = "a PDF, a plain text or CSV file, or an ODF/OOXML document (.odt, .ods, .odp, " \
    ".docx, .xlsx, .pptx) without macros"

_ENDINGS: dict[str, str] = {
    ".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
#: Names of the document types that may carry macros, refused by name as such.
_MACRO_ENDINGS = (".docm", ".xlsm", ".pptm", ".dotm", ".xltm", ".potm")
_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?)(?![A-Za-z])")
_MARKUP = re.compile(rb"<(script|html|iframe|svg|body|object|embed)[\s>/]|<\?php",
                     re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_GENERIC = ("application/octet-stream", "")
_STREAM = re.compile(rb"stream\r?\n")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: The most a PDF's compressed streams are inflated to, in all, for the check (a bomb).
_MAX_INFLATED = 64 * 1024 * 1024
_MAX_ENTRIES = 5000


def _refuse(message: str) -> ValidationError:
    return ValidationError(f"{message}; upload {ACCEPTED}", field="file")


def ending(name: str | None) -> str:
    """The lower-cased ending of ``name`` (``.pdf``), or ``""``."""
    base = (name or "").rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def is_document_name(name: str | None) -> bool:
    """Whether ``name`` claims a document (a type this module checks, or a macro one)."""
    found = ending(name)
    return found in _ENDINGS or found in _MACRO_ENDINGS


def _check_pdf(data: bytes) -> None:
    if not re.match(rb"%PDF-[12]\.\d", data[:16]):
        raise _refuse("the file's name says PDF but it does not start as a PDF")
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise _refuse("the PDF is truncated or corrupt (it has no startxref and %%EOF "
                      "trailer)")
    active = _active(data)
    if active:
        raise _refuse(f"the PDF carries active content (/{active.group(1).decode()}: a "
                      "script, a program to start or a hidden file); save it again without it")
    if _MARKUP.search(data):
        raise _refuse("the file holds an HTML page besides the PDF (a polyglot file)")


def _names(data: bytes) -> bytes:
    """``data`` with the PDF name escapes (``/J#61vaScript``) written out."""
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _active(data: bytes) -> re.Match[bytes] | None:
    """The first active-content name of a PDF: in its bytes, or inside its compressed
    (Flate) streams, such as the object streams of PDF 1.5 where a catalogue's
    ``/OpenAction`` may hide; a stream that does not inflate is left as it is."""
    found = _ACTIVE.search(_names(data))
    budget = _MAX_INFLATED
    view = memoryview(data)  # each stream read in place, not copied with the rest
    for start in _STREAM.finditer(data):
        if found is not None or budget <= 0:
            break
        if data[start.start() - 3:start.start()] == b"end":  # an "endstream" line
            continue
        inflater = zlib.decompressobj()
        try:
            stop = data.find(b"endstream", start.end())
            inflated = inflater.decompress(view[start.end():stop if stop > 0 else None],
                                           budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        found = _ACTIVE.search(_names(inflated))
    if found is None and budget <= 0:
        raise _refuse("the PDF's compressed streams inflate to more than "
                      f"{_MAX_INFLATED // 2**20} MB in all (a decompression bomb?)")
    return found


def _check_text(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refuse(f"the text is not valid UTF-8 (at byte {error.start})") from None
    if _CONTROL.search(text):
        raise _refuse("the text holds control characters: it is not a plain text file")
    if _MARKUP.search(data):
        raise _refuse("the text holds HTML or script markup")


def _check_zip(data: bytes, media_type: str, found: str) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse(f"a {found} document is a ZIP archive, and this file is not one")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if len(names) > _MAX_ENTRIES:
                raise _refuse(f"the archive holds {len(names):,} files")
            lower = [n.lower() for n in names]
            if any(n.endswith("vbaproject.bin") or n.startswith("basic/") for n in lower):
                raise _refuse("the document carries macros; save it as a document "
                              "without macros")
            if found.startswith(".od"):
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip() \
                    if "mimetype" in names else ""
                if mimetype != media_type:
                    raise _refuse(f"the document's mimetype entry is {mimetype[:80]!r}, "
                                  f"not {media_type!r}")
            else:
                if "[Content_Types].xml" not in names:
                    raise _refuse("the document has no [Content_Types].xml part")
                kinds = archive.read("[Content_Types].xml")
                if b"macroEnabled" in kinds:
                    raise _refuse("the document carries macros; save it as a document "
                                  "without macros")
                main = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}[found]
                if not any(n.startswith(main) for n in names):
                    raise _refuse(f"the file's name says {found} but it holds no {main} part")
    except zipfile.BadZipFile as error:
        raise _refuse(f"the archive is truncated or corrupt ({str(error)[:80]})") from None


def process_document(data: bytes, *, store: MediaStore, title: Text | Mapping[str, str],
                     name: str | None, content_type: str | None = None,
                     max_bytes: int) -> Attachment:
    """Verify and store an uploaded document (see the module's docstring); the
    :class:`Attachment` a record keeps."""
    text_title = title if isinstance(title, Text) else Text(title)
    if not text_title:
        raise ValidationError("give the document a title, in at least one language",
                              field="title")
    if not isinstance(data, (bytes, bytearray)):
        raise ValidationError("the upload must be the file's bytes", field="file")
    data = bytes(data)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}",
                              field="file")
    if not data:
        raise ValidationError("the file is empty", field="file")
    found = ending(name)
    if found in _MACRO_ENDINGS:
        raise _refuse(f"{found} documents carry macros")
    media_type = _ENDINGS.get(found)
    if media_type is None:
        raise _refuse(f"files ending in {found[:10]!r} are not accepted" if found
                      else "the file's name has no ending saying what it is")
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared not in _GENERIC and declared != media_type and not (
            media_type.startswith("text/") and declared.startswith("text/")
            and "html" not in declared):
        raise _refuse(f"the file's name says {found} but it was sent as {declared[:60]!r}")
    if media_type == "application/pdf":
        _check_pdf(data)
    elif media_type.startswith("text/"):
        _check_text(data)
    else:
        _check_zip(data, media_type, found)
    key = store.put(name or "document", data, media_type)
    return Attachment(url=store.url(key), title=text_title, media_type=media_type,
                      size=len(data))


__all__ = ["ACCEPTED", "is_document_name", "process_document"]
