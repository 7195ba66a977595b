"""The library's errors as HTTP statuses and JSON error bodies.

=================== ======================================================
``ValidationError``  422 (a body or record field is not acceptable)
``BadRequest``       400 (malformed request: JSON, UTF-8, a query parameter)
``UnsupportedMediaType`` 415 (a body of the wrong Content-Type)
``MethodNotAllowed`` 405 with ``Allow``
``Forbidden``        403 (a token that may not; a form from a site not allowed)
``NotFound``         404 (an unknown record or route)
``Unauthorized``     401 with ``WWW-Authenticate: Bearer`` (no token, or an unknown one)
``Conflict``         409
``PayloadTooLarge``  413
``RequestTimeout``   408 (the client stopped sending its body)
``TooManyRequests``  429 with ``Retry-After``
``ConfigurationError`` 500 with a generic message (the site's fault; logged)
anything else        500 with a generic message (logged, never a traceback)
=================== ======================================================
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    BadRequest,
    ConfigurationError,
    Conflict,
    LivingTogetherError,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
    ValidationError,
)
from ..errors import Forbidden as Forbidden  # re-exported: the web layer's 403


class UnsupportedMediaType(BadRequest):
    """The body is not of a media type the endpoint reads."""


class RequestTimeout(BadRequest):
    """The client stopped sending the body it announced (the server's read timed out)."""


class MethodNotAllowed(BadRequest):
    """The path exists but not for this method; ``allow`` lists those it has."""

    def __init__(self, message: str, *, allow: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allow = allow


#: The generic message of a 500: what went wrong is logged, never shown.
INTERNAL_MESSAGE = "something went wrong on our side; please try again later"

_STATUSES: tuple[tuple[type[LivingTogetherError], int], ...] = (
    (UnsupportedMediaType, 415),
    (RequestTimeout, 408),
    (MethodNotAllowed, 405),
    (Forbidden, 403),
    (PayloadTooLarge, 413),
    (TooManyRequests, 429),
    (ValidationError, 422),
    (NotFound, 404),
    (Unauthorized, 401),
    (Conflict, 409),
    (BadRequest, 400),
    (ConfigurationError, 500),
)


def status_for(error: LivingTogetherError) -> int:
    """The HTTP status of ``error`` (400 for a subclass this table does not know)."""
    return next((status for kind, status in _STATUSES if isinstance(error, kind)), 400)


def error_body(error: LivingTogetherError | None) -> dict[str, Any]:
    """``{"error": {"message", "field", "problems": [{"field", "message"}]}}``."""
    if error is None or status_for(error) >= 500:
        return {"error": {"message": INTERNAL_MESSAGE, "field": None, "problems": []}}
    return {
        "error": {
            "message": error.message,
            "field": error.field,
            "problems": [{"field": field, "message": message}
                         for field, message in error.problems],
        }
    }
