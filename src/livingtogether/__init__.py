"""livingtogether: the International Observatory of Mayors on Living Together, embedded.

Open an :class:`Observatory` and use its services::

    from livingtogether import Observatory
    with Observatory.open() as obs:
        obs.cities.list()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from .settings import Settings

if TYPE_CHECKING:
    from .observatory import ImportReport, Observatory
    from .services import Page

__version__ = "0.1.0"

#: Imported when first used, so that importing the package for its models and
#: errors costs what they cost: the store (SQLAlchemy, Alembic), the services
#: and the web layer (Jinja2) come with the first Observatory.
_LAZY = {"Observatory": "observatory", "ImportReport": "observatory", "Page": "services"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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
