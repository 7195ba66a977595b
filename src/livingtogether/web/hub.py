"""The hub's API: the change feeds members pull, and the submissions they push.

``GET /api/v1/sync/{cities,practices,events}`` page through a feed with a
stable cursor (and ``updated_since``); deleted or unpublished records come as
tombstones, and only records that were public once are named at all (the same
with or without a token). The ``/api/v1/submissions`` endpoints need an API token
(``Authorization: Bearer lt_...``): ``submit`` for the token's own city's
practices, ``moderate`` to publish or reject them. A missing or unknown token
answers 401, a token that may not do this 403, and neither changes anything.
"""

from __future__ import annotations

from typing import Any

from .. import convert
from ..errors import ValidationError
from ..models import Practice
from ..models.hub import (
    HUB_SUBMISSION_PATH,
    HUB_SUBMISSIONS_PATH,
    HUB_SYNC_PATH,
    ApiToken,
    FeedKind,
    Scope,
)
from ..models.media import absolute_images
from ..services.tokens import require
from .bodies import parse_json
from .data import ok, private
from .params import Param
from .routes import Call, Route

#: Most changes one page of a feed may hold.
MAX_FEED_PAGE = 1000

FEED_PARAMS = (
    Param(name="cursor", kind="cursor",
          description="the next_cursor of the previous page; leave out to start"),
    Param(name="updated_since", kind="instant",
          description="only records changed at or after this instant (ISO 8601 with an "
                      "offset, e.g. 2026-01-31T12:00:00Z)"),
    Param(name="limit", kind="integer", description="how many changes to return",
          default=200, minimum=1, maximum=MAX_FEED_PAGE),
)


def feed(kind: FeedKind) -> Any:
    """The handler of one feed."""

    def handler(call: Call) -> Any:
        p = call.params
        page = call.obs.feed.page(kind, cursor=p["cursor"], limit=p["limit"],
                                  updated_since=p["updated_since"])
        data = convert.unstructure(page)
        if kind is FeedKind.PRACTICES:  # the images' URLs absolute: other sites show them
            base = site_root(call)
            for item in data["items"]:
                if item.get("record"):
                    item["record"] = absolute_images(item["record"], base)
        return ok(data)

    handler.__doc__ = f"The change feed of {kind.value}."
    return handler


def site_root(call: Call) -> str:
    """What a relative media URL of this site is relative to: ``base_url`` if set, else
    the address the request came to."""
    return call.web.settings.base_url or f"{call.request.scheme}://{call.request.host}/"


def token_of(call: Call, scope: Scope, *, city: str | None = None) -> ApiToken:
    """The request's API token, checked for ``scope`` (and ``city``); 401 or 403 otherwise."""
    header = call.request.headers.get("authorization") or ""
    kind, _, secret = header.strip().partition(" ")
    token = call.obs.tokens.authenticate(secret.strip() if kind.lower() == "bearer" else None)
    require(token, scope, city=city)
    return token


def _city(token: ApiToken) -> str:
    assert token.city is not None  # a submit token always has one
    return token.city


def list_submissions(call: Call) -> Any:
    """The moderation state of every practice of the token's city."""
    token = token_of(call, Scope.SUBMIT)
    found = call.obs.submissions.of_city(_city(token))
    return private({"city": token.city, "items": convert.unstructure(found)})


def get_submission(call: Call) -> Any:
    """The moderation state of one practice of the token's city."""
    token = token_of(call, Scope.SUBMIT)
    found = call.obs.submissions.get(call.path["slug"], city=_city(token))
    return private(convert.unstructure(found))


def put_submission(call: Call) -> Any:
    """Submit a practice of the token's city for review (again, if it changed)."""
    token = token_of(call, Scope.SUBMIT)
    data = parse_json(call.request)
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object: a practice")
    practice = convert.structure(data, Practice)
    if practice.slug != call.path["slug"]:
        raise ValidationError(f"the body's slug {practice.slug!r} is not the path's "
                              f"{call.path['slug']!r}", field="slug")
    found = call.obs.submissions.submit(practice, city=_city(token))
    if found.changed:
        call.obs.tokens.touch(token)
    return private(convert.unstructure(found))


def publish_submission(call: Call) -> Any:
    """Publish a submitted practice (moderators)."""
    token_of(call, Scope.MODERATE)
    found = call.obs.submissions.publish(call.path["slug"])
    return private(convert.unstructure(found))


def reject_submission(call: Call) -> Any:
    """Reject a submitted practice with a reason (moderators)."""
    token_of(call, Scope.MODERATE)
    data = parse_json(call.request)
    if not isinstance(data, dict) or set(data) != {"reason"}:
        raise ValidationError("send {\"reason\": \"...\"}: why, so that the city can act on it",
                              field="reason")
    found = call.obs.submissions.reject(call.path["slug"], data["reason"])
    return private(convert.unstructure(found))


_FEED_ERRORS = (400,)
_AUTH_ERRORS = (401, 403, 404)
_WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)

ROUTES: tuple[Route, ...] = (
    *(Route(method="GET", path=HUB_SYNC_PATH.format(kind=kind.value), handler=feed(kind),
            name=f"sync-{kind.value}", summary=f"The change feed of {kind.value}", tag="hub",
            description="Every change in order, a page at a time: the record as it is now, "
                        "or a tombstone (deleted: true) for one deleted or no longer public. "
                        "A record never public (a practice in review) is not listed. "
                        "Follow next_cursor until has_more is false; store it to continue "
                        "later from where you stopped.",
            params=FEED_PARAMS, response=f"{kind.name.title()}Feed", errors=_FEED_ERRORS)
      for kind in FeedKind),
    Route(method="GET", path=HUB_SUBMISSIONS_PATH, handler=list_submissions,
          name="submissions", summary="The moderation state of the token's city's practices",
          tag="hub", response="SubmissionList", errors=(401, 403), auth=True),
    Route(method="GET", path=HUB_SUBMISSION_PATH, handler=get_submission,
          name="submission", summary="The moderation state of one practice", tag="hub",
          response="Submission", errors=_AUTH_ERRORS, auth=True),
    Route(method="PUT", path=HUB_SUBMISSION_PATH, handler=put_submission,
          name="submit", summary="Submit a practice of the token's city for review", tag="hub",
          description="Needs a token with the submit scope of the practice's city. The "
                      "status and rejection_reason sent are ignored: the hub sets them. "
                      "Sending what the hub has already changes nothing.",
          body="Practice", response="Submission", errors=_WRITE_ERRORS, auth=True),
    Route(method="POST", path=f"{HUB_SUBMISSION_PATH}/publish",
          handler=publish_submission, name="publish-submission",
          summary="Publish a submitted practice", tag="hub",
          description="Needs a token with the moderate scope.",
          response="Submission", errors=(401, 403, 404, 409), auth=True),
    Route(method="POST", path=f"{HUB_SUBMISSION_PATH}/reject",
          handler=reject_submission, name="reject-submission",
          summary="Reject a submitted practice, saying why", tag="hub",
          description="Needs a token with the moderate scope.",
          body="RejectRequest", response="Submission", errors=_WRITE_ERRORS, auth=True),
)
