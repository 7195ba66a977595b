"""The local media store's files, served by the web app at ``/media/<key>``.

Only when the Observatory's media store is a :class:`~livingtogether.media.LocalMediaStore`
(a host's own store serves its own URLs). Every answer says what it is and is never
a document: ``X-Content-Type-Options: nosniff``, the data CSP (``default-src 'none';
sandbox``: no script runs), and a file that is not an image is an attachment
(``Content-Disposition``). The keys are content hashes, so a file is cached for a year.
"""

from __future__ import annotations

from ..errors import ConfigurationError, NotFound
from ..media import EXTENSIONS, LocalMediaStore
from .conditional import send_bytes
from .http import Response
from .routes import Call, Route

CACHE_CONTROL = "public, max-age=31536000, immutable"
_TYPES = {ending: kind for kind, ending in EXTENSIONS.items()}


def serve(call: Call) -> Response:
    """A file of the local media store, whole or the range asked."""
    key = f"{call.path['folder']}/{call.path['name']}"
    try:
        store = call.obs.media
    except ConfigurationError:
        store = None
    if not isinstance(store, LocalMediaStore):
        raise NotFound("this site serves no media files")
    with store.open(key) as handle:  # NotFound for a key that is not the store's
        body = handle.read()
    kind = _TYPES.get("." + key.rsplit(".", 1)[-1], "application/octet-stream")
    headers = [("Content-Type", kind), ("Cache-Control", CACHE_CONTROL)]
    if not kind.startswith("image/"):
        headers.append(("Content-Disposition", "attachment"))
    return send_bytes(call.request, len(body), lambda start, stop: body[start:stop],
                      etag='"' + key.rsplit("/", 1)[-1].split("-", 1)[0].split(".")[0] + '"',
                      headers=headers)


ROUTE = Route(method="GET", path="/media/{folder}/{name}", handler=serve, name="media",
              summary="An uploaded image of the local media store", tag="static",
              kind="json", response_type="image/jpeg", in_schema=False)
