"""The JSON answers the route modules share: one record, a page of records, a private answer.

Every record is rendered by the one converter (``convert.unstructure``). Lists
answer ``{"items": [...], "total", "limit", "offset"}``.
"""

from __future__ import annotations

from typing import Any

from .. import convert
from ..errors import NotFound
from ..models import ModerationStatus, Practice
from ..services import Page
from .http import PUBLIC, Response, json_response
from .routes import Call

#: Fields of a pledge the server sets; a signature request must leave them out.
SERVER_FIELDS = ("declaration", "id", "status", "signed_at", "confirmed_at")


def ok(data: Any) -> Response:
    """A 200 JSON response that any site may read."""
    return json_response(data, 200, PUBLIC)


def private(data: Any, status: int = 200) -> Response:
    """A JSON response for one client only: no cache keeps it."""
    return json_response(data, status, (("Cache-Control", "no-store"),))


def download(body: bytes, media_type: str, filename: str | None = None) -> Response:
    """An open-data file any site may read, saved as ``filename`` when one is given."""
    headers = [("Content-Type", media_type), *PUBLIC]
    if filename:
        headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
    return Response(status=200, headers=tuple(headers), body=body)


def page_json(page: Page[Any]) -> dict[str, Any]:
    """A page of records as ``{"items", "total", "limit", "offset"}``."""
    return {"items": convert.unstructure(list(page.items)), "total": page.total,
            "limit": page.limit, "offset": page.offset}


def published_practice(call: Call, slug: str) -> Practice:
    """The practice ``slug`` if it is published; ``NotFound`` (the same as unknown) otherwise."""
    try:
        practice = call.obs.practices.get(slug)
    except NotFound:
        practice = None
    if practice is None or practice.status is not ModerationStatus.PUBLISHED:
        raise NotFound(f"there is no practice {slug!r}", field="slug")
    return practice
