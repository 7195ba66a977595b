"""The hub's network count: the key member sites hash with, their reports, the open figures.

``GET /api/v1/network/key`` (a ``submit`` token) answers the current network
key and the token's city; it is never in a feed. ``POST /api/v1/network/signatures``
(the same token) applies one batch of keyed hashes and tombstones for the
token's own city. ``GET /api/v1/network/count`` and
``GET /api/v1/network/institutions`` are open data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .. import convert
from ..errors import ValidationError
from ..models import DEFAULT_DECLARATION
from ..models.hub import (
    HUB_NETWORK_COUNT_PATH,
    HUB_NETWORK_INSTITUTIONS_PATH,
    HUB_NETWORK_KEY_PATH,
    HUB_NETWORK_SIGNATURES_PATH,
    Scope,
    SignatureReport,
)
from .bodies import parse_json
from .data import ok, page_json, private
from .hub import token_of
from .params import Param, page_params
from .routes import Call, Route

T = TypeVar("T")

_DECLARATION = Param(name="declaration", kind="slug", default=DEFAULT_DECLARATION,
                     description="the declaration")


def network_key(call: Call) -> Any:
    """The current network key, for the token's city to hash its signatures with."""
    token = token_of(call, Scope.SUBMIT)
    key = call.obs.network_count.key()
    return private({"id": key.id, "secret": key.secret,
                    "created_at": convert.unstructure(key.created_at), "city": token.city})


def apply_report(call: Call, model: type[T], apply: Callable[[T, str | None], object],
                 shape: str) -> Any:
    """Apply the body (a JSON object of ``model``, ``shape`` saying how one looks) as the
    report of the request's token's city, with ``apply(report, city)``; its result."""
    token = token_of(call, Scope.SUBMIT)
    data = parse_json(call.request)
    if not isinstance(data, dict):
        raise ValidationError(f"the body must be a JSON object: {shape}")
    result = apply(convert.structure(data, model), token.city)
    call.obs.tokens.touch(token)
    return private(convert.unstructure(result))


def report_signatures(call: Call) -> Any:
    """Apply one batch of the token's city's signatures (keyed hashes) and withdrawals."""
    return apply_report(call, SignatureReport,
                        lambda report, city: call.obs.network_count.report(report, city=city),
                        '{"city", "key_id", "signatures": [...], "withdrawn": [...]}')


def network_count(call: Call) -> Any:
    """The network's count of a declaration: each person once across every member site."""
    return ok(call.obs.network_count.figures(call.params["declaration"]))


def network_institutions(call: Call) -> Any:
    """The institutions that signed on any member site and agreed to be listed."""
    p = call.params
    return ok(page_json(call.obs.network_count.institutions(
        p["declaration"], limit=p["limit"], offset=p["offset"])))


ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=HUB_NETWORK_KEY_PATH, handler=network_key, name="network-key",
          summary="The network key the token's city hashes its signatures with", tag="hub",
          description="Needs a token with the submit scope. Never in a feed; keep it only "
                      "for the time of a report.",
          response="NetworkKey", errors=(401, 403), auth=True),
    Route(method="POST", path=HUB_NETWORK_SIGNATURES_PATH, handler=report_signatures,
          name="network-signatures",
          summary="Report a batch of the token's city's signatures to the network count",
          tag="hub",
          description="Keyed hashes (HMAC-SHA256 of the canonical address under the network "
                      "key), never addresses; withdrawals as tombstones. At most 1,000 a "
                      "batch. Sending a batch again changes nothing.",
          body="SignatureReport", response="ReportResult",
          errors=(400, 401, 403, 409, 413, 415, 422), auth=True),
    Route(method="GET", path=HUB_NETWORK_COUNT_PATH, handler=network_count,
          name="network-count", summary="The network's count of a declaration (open data)",
          tag="hub",
          description="People counted once across every member site, by kind and country; "
                      "the signatures each member city reported, by kind.",
          params=(_DECLARATION,), response="NetworkCount", errors=(400,)),
    Route(method="GET", path=HUB_NETWORK_INSTITUTIONS_PATH, handler=network_institutions,
          name="network-institutions",
          summary="Institutions that signed anywhere in the network and agreed to be listed",
          tag="hub", params=(_DECLARATION, *page_params()),
          response="NetworkInstitutionList", errors=(400,)),
)
