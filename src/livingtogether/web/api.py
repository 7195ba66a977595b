"""The JSON API under ``/api/v1/``: read the public records, sign a declaration.

Every record is rendered by the one converter (:mod:`.data`). Reading endpoints
allow any origin (the data is public); signing answers 202 with the same
neutral message whether the address is new or not, and never echoes it.
"""

from __future__ import annotations

from typing import Any

from .. import convert
from ..errors import ValidationError
from ..models import CityStatus, Pledge
from .bodies import parse_json
from .data import SERVER_FIELDS, ok, page_json, private, published_practice
from .guard import client_ip
from .http import Response, request_language
from .params import Param, page_params
from .routes import PREFIX, Call, Route

#: The answer to every accepted signature, new or repeated.
SIGNATURE_ACCEPTED = {
    "status": "accepted",
    "message": "Thank you. Your signature is recorded; it counts once it is confirmed.",
}


def list_cities(call: Call) -> Response:
    """Member cities, by slug."""
    p = call.params
    return ok(page_json(call.obs.cities.list(
        country=p["country"], status=p["status"], limit=p["limit"], offset=p["offset"])))


def get_city(call: Call) -> Response:
    """One city."""
    return ok(convert.unstructure(call.obs.cities.get(call.path["slug"])))


def get_practice(call: Call) -> Response:
    """One published practice."""
    return ok(convert.unstructure(published_practice(call, call.path["slug"])))


def list_events(call: Call) -> Response:
    """Events, the latest first, each with its sessions, as published."""
    p = call.params
    return ok(page_json(call.obs.programme.published_list(limit=p["limit"],
                                                          offset=p["offset"])))


def get_event(call: Call) -> Response:
    """One event with its whole programme, as published."""
    return ok(convert.unstructure(call.obs.programme.published(call.path["slug"]).event))


def get_declaration(call: Call) -> Response:
    """One declaration, its title and text."""
    return ok(convert.unstructure(call.obs.declarations.get(call.path["slug"])))


def declaration_stats(call: Call) -> Response:
    """Confirmed signatures of a declaration."""
    return ok(convert.unstructure(call.obs.pledge_stats.stats(call.path["slug"])))


def all_stats(call: Call) -> Response:
    """Confirmed signatures of every declaration, or of the one named."""
    slug = call.params["declaration"]
    found = [call.obs.pledge_stats.stats(slug)] if slug else call.obs.pledge_stats.all_stats()
    return ok({"items": convert.unstructure(found)})


def signature_from(data: Any, declaration: str) -> Pledge:
    """A pending :class:`Pledge` of ``declaration`` from a request's JSON object."""
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object with the signer's fields")
    given = [name for name in SERVER_FIELDS if name in data]
    if given:
        problems: list[tuple[str | None, str]] = [
            (name, "is set by the server; leave it out") for name in given]
        raise ValidationError(problems[0][1], field=given[0], problems=problems)
    return convert.structure({**data, "declaration": declaration}, Pledge)


def _language(call: Call) -> str:
    """The language of the emails a signature sends: ``?lang=`` (if offered), the host
    framework's active language, Accept-Language, the default."""
    return request_language(call.web.settings, call.request, call.request.query.get("lang"))


def sign(call: Call) -> Response:
    """Sign a declaration; answers 202 whether the address is new or not."""
    slug = call.path["slug"]
    call.obs.declarations.get(slug)  # an unknown declaration is 404 whatever the body
    pledge = signature_from(parse_json(call.request), slug)
    ip = client_ip(call.request, call.web.settings)
    call.obs.signing.sign(pledge, language=_language(call), ip=ip)
    return private(SIGNATURE_ACCEPTED, 202)


_LIST_ERRORS = (400,)
_GET_ERRORS = (404,)

ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/cities", handler=list_cities, name="cities",
          summary="List member cities", tag="cities",
          params=(
              Param(name="country", kind="country",
                    description="only cities of this ISO 3166-1 alpha-2 country, e.g. TR"),
              Param(name="status", kind="enum", choices=CityStatus,
                    description="only cities of this standing"),
              *page_params()),
          response="CityPage", errors=_LIST_ERRORS),
    Route(method="GET", path=f"{PREFIX}/cities/{{slug}}", handler=get_city, name="city",
          summary="Get a city", tag="cities", response="City", errors=_GET_ERRORS),
    Route(method="GET", path=f"{PREFIX}/practices/{{slug}}", handler=get_practice,
          name="practice", summary="Get a published practice", tag="practices",
          description="Practices that are not published answer 404, as unknown ones do.",
          response="Practice", errors=_GET_ERRORS),
    Route(method="GET", path=f"{PREFIX}/events", handler=list_events, name="events",
          summary="List events, the latest first", tag="programme",
          params=page_params(), response="EventPage", errors=_LIST_ERRORS),
    Route(method="GET", path=f"{PREFIX}/events/{{slug}}", handler=get_event, name="event",
          summary="Get an event with its sessions", tag="programme", response="Event",
          errors=_GET_ERRORS),
    Route(method="GET", path=f"{PREFIX}/declarations/{{slug}}", handler=get_declaration,
          name="declaration", summary="Get a declaration", tag="pledges",
          response="Declaration", errors=_GET_ERRORS),
    Route(method="GET", path=f"{PREFIX}/declarations/{{slug}}/stats", handler=declaration_stats,
          name="declaration-stats", summary="Count a declaration's confirmed signatures",
          tag="pledges", response="PledgeStats", errors=_GET_ERRORS),
    Route(method="GET", path=f"{PREFIX}/pledges/stats", handler=all_stats, name="pledge-stats",
          summary="Count the confirmed signatures of every declaration", tag="pledges",
          params=(Param(name="declaration", kind="slug",
                        description="only this declaration (404 if there is none)"),),
          response="PledgeStatsList", errors=(400, 404)),
    Route(method="POST", path=f"{PREFIX}/declarations/{{slug}}/signatures", handler=sign,
          name="sign", summary="Sign a declaration", tag="pledges",
          description="Stores a pending signature, which counts once confirmed. "
                      "The answer is the same whether the address has signed before or not, "
                      "and never contains it.",
          body="SignatureRequest", response="SignatureAccepted", status=202,
          errors=(400, 404, 413, 415, 422, 429)),
)
