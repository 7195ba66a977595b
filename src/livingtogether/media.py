"""Where uploaded files live: the media store protocol and its local-folder default.

A host plugs in its own storage (S3, Django's storages...) by passing any object
with the four methods of :class:`MediaStore`. Keys are the store's own: never a
path or a name from the client. :class:`LocalMediaStore` keeps files in one
folder under keys made of the content's hash and a slug of the name given, so
a key can never leave the folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from .errors import NotFound, ValidationError
from .models.fields import slugify

#: The file name ending of each content type the library stores.
EXTENSIONS: dict[str, str] = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "application/pdf": ".pdf", "text/vtt": ".vtt", "application/zip": ".zip",
    "text/plain": ".txt", "text/csv": ".csv",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{24}(?:-[a-z0-9-]{1,60})?\.[a-z]{3,4}")


class MediaStore(Protocol):
    """Storage of uploaded files: ``put`` returns the key under which the file is kept."""

    def put(self, name: str, data: bytes, content_type: str) -> str:
        """Store ``data`` (``name`` is a hint for the key, never a path); return its key."""
        ...

    def url(self, key: str) -> str:
        """The address the public fetches the file at."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The file, for reading; ``NotFound`` if there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; ``NotFound`` if there is none."""
        ...


class LocalMediaStore:
    """Files in ``folder``, served by the site at ``base_url`` (e.g. ``/media/``).

    The key is ``ab/<hash>-<name>.<ext>``: the first bytes of the content's SHA-256,
    a slug of the name given, the ending of its content type; the same content stored
    twice is one file. Files are written to a temporary file and renamed, so a reader
    never sees half of one.
    """

    def __init__(self, folder: str | os.PathLike[str], *, base_url: str = "/media/") -> None:
        self.folder = Path(folder)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise NotFound(f"{str(key)[:80]!r} is not a key of this media store", field="key")
        return self.folder / key

    def put(self, name: str, data: bytes, content_type: str) -> str:
        """Store ``data`` of ``content_type`` (one of :data:`EXTENSIONS`); return its key."""
        extension = EXTENSIONS.get(content_type)
        if extension is None:
            raise ValidationError(f"{content_type[:60]!r} files are not stored; the types are: "
                                  + ", ".join(EXTENSIONS), field="content_type")
        stem = slugify(Path(str(name)).stem)[:60].strip("-")
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:26]}" + (f"-{stem}" if stem else "") + extension
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def url(self, key: str) -> str:
        """``base_url`` followed by the key."""
        self._path(key)
        return self.base_url + key

    def open(self, key: str) -> BinaryIO:
        """The stored file."""
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(f"there is no file {key!r}", field="key") from None

    def delete(self, key: str) -> None:
        """Remove the stored file."""
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            raise NotFound(f"there is no file {key!r}", field="key") from None
