"""What a browser or a crawler asks of any site, answered: ``/favicon.ico`` (the
Observatory's two rings, ``static/favicon.ico``) and ``/robots.txt`` (everything may be
read: the widgets show public content only; the JSON API and the signing links are
left out of crawls). Mounted under a prefix, they answer there too, harmlessly."""

from __future__ import annotations

import functools
from importlib import resources

from .http import Response
from .routes import PREFIX, Call, Route

CACHE_CONTROL = "public, max-age=86400"

#: The pages crawlers are asked to leave alone: the email links' (their tokens are
#: personal); the JSON API is left out as a whole, under :data:`.routes.PREFIX`.
UNCRAWLED = ("pledge-confirm-page", "pledge-withdraw-page")


@functools.cache
def _favicon() -> bytes:
    folder = resources.files("livingtogether.web").joinpath("static")
    return folder.joinpath("favicon.ico").read_bytes()


def favicon(call: Call) -> Response:
    """The site's icon (a 32-pixel ICO holding a PNG)."""
    return Response(status=200, body=_favicon(), headers=(
        ("Content-Type", "image/x-icon"), ("Cache-Control", CACHE_CONTROL)))


def robots(call: Call) -> Response:
    """The crawlers' rules: everything but the JSON API and :data:`UNCRAWLED`, their
    paths built from the route table under the mount point."""
    root = call.request.script_name
    rules = ["User-agent: *", f"Disallow: {root}{PREFIX}/",
             *(f"Disallow: {call.url_for(name)}" for name in UNCRAWLED), f"Allow: {root}/", ""]
    return Response(status=200, body="\n".join(rules).encode("ascii"), headers=(
        ("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", CACHE_CONTROL)))


ROUTES = (
    Route(method="GET", path="/favicon.ico", handler=favicon, name="favicon",
          summary="The site's icon", tag="static", response_type="image/x-icon",
          in_schema=False, etag=True),
    Route(method="GET", path="/robots.txt", handler=robots, name="robots",
          summary="The crawlers' rules", tag="static", response_type="text/plain",
          in_schema=False, etag=True),
)
