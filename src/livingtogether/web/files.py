"""The static files of the widgets (``web/static/``), served under ``/static/``.

The files are read once, when the app starts; a request names one of them by
its bare name, so no path can reach outside the folder. Each answer carries
its content type, an ETag (answering ``If-None-Match`` with 304) and a day of
caching, and answers Range requests (:func:`.conditional.send_bytes`).
"""

from __future__ import annotations

from importlib import resources

import attrs

from ..errors import NotFound
from .conditional import entity_tag, send_bytes
from .http import Response
from .routes import Call, Route

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

CACHE_CONTROL = "public, max-age=86400"


@attrs.frozen
class StaticFile:
    """One static file: its bytes, type and ETag."""

    body: bytes
    content_type: str
    etag: str


class StaticFiles:
    """The files of ``livingtogether/web/static``, by name."""

    def __init__(self) -> None:
        self.files: dict[str, StaticFile] = {}
        folder = resources.files("livingtogether.web").joinpath("static")
        for entry in folder.iterdir():
            suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
            if not entry.is_file() or suffix not in CONTENT_TYPES:
                continue
            body = entry.read_bytes()
            self.files[entry.name] = StaticFile(body, CONTENT_TYPES[suffix], entity_tag(body))

    def version(self, name: str) -> str:
        """A short fingerprint of ``name``'s content, to bust caches in URLs."""
        found = self.files.get(name)
        return found.etag.strip('"')[:12] if found else ""


def serve(call: Call) -> Response:
    """A static file by name, whole or the range asked; 304 when the client's copy is current."""
    name = call.path["name"]
    found = call.web.static.files.get(name)
    if found is None:
        raise NotFound(f"there is no static file {name[:100]!r}")
    body = found.body
    return send_bytes(call.request, len(body), lambda start, stop: body[start:stop],
                      etag=found.etag, headers=(("Content-Type", found.content_type),
                                                ("Cache-Control", CACHE_CONTROL)))


ROUTE = Route(method="GET", path="/static/{name}", handler=serve, name="static",
              summary="A static file of the widgets (their stylesheet)", tag="static",
              kind="json", response_type="text/css", in_schema=False)
