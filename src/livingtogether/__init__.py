"""livingtogether: the International Observatory of Mayors on Living Together, embedded.

Open an :class:`Observatory` and use its services::

    from livingtogether import Observatory
    with Observatory.open() as obs:
        obs.cities.list()
"""

from __future__ import annotations

from .errors import (
    BadRequest,
    ConfigurationError,
    Conflict,
    LivingTogetherError,
    MigrationRequired,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    ValidationError,
)
from .models import *  # noqa: F403
from .models import __all__ as _models
from .observatory import ImportReport, Observatory
from .services import Page
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "ImportReport",
    "LivingTogetherError",
    "MigrationRequired",
    "NotFound",
    "Observatory",
    "Page",
    "PayloadTooLarge",
    "Settings",
    "TooManyRequests",
    "ValidationError",
    *_models,
]
