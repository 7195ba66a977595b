"""The query parameters of the routes: their names, types and bounds, checked before a
handler runs (so that every handler receives typed values) and documented in the
OpenAPI document from the same declaration (:meth:`Param.schema`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import BadRequest, ValidationError
from ..models import fields as f

if TYPE_CHECKING:
    from ..settings import Settings


@attrs.frozen
class FromSettings:
    """A parameter bound or default read from the Observatory's settings, e.g. ``page_size``."""

    name: str

    def value(self, settings: Settings) -> Any:
        """The setting's value."""
        return getattr(settings, self.name)


def _setting(value: Any, settings: Settings) -> Any:
    return value.value(settings) if isinstance(value, FromSettings) else value


#: Parameter kinds checked by the models' own checks, so that a query accepts
#: exactly what a record may hold: ``kind -> (check, normalise)``.
_CHECKS: dict[str, tuple[Callable[..., str], Callable[[str], str]]] = {
    "slug": (f.check_slug, lambda value: value),
    "country": (f.check_country, lambda value: value.strip().upper()),
    "language": (f.check_language, lambda value: value.strip().lower()),
    "zone": (f.check_zone, lambda value: value.strip()),
    "token": (lambda value, field: _check_token(value, field), lambda value: value.strip()),
    "cursor": (lambda value, field: _check_cursor(value, field), lambda value: value.strip()),
    "instant": (lambda value, field: _check_instant(value, field), lambda value: value.strip()),
}

#: A token of an email's link: URL-safe base64.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _check_token(value: str, field: str) -> str:
    if not TOKEN_RE.fullmatch(value):
        raise ValidationError("is not the token of one of our links; open the link from the "
                              "email in full (copying it may have cut it)", field=field)
    return value


def _check_cursor(value: str, field: str) -> str:
    from ..services.sync import decode_cursor

    decode_cursor(value)
    return value


def _check_instant(value: str, field: str) -> Any:
    from .. import convert

    return convert.structure(value, datetime)


@attrs.frozen(kw_only=True)
class Param:
    """A query parameter: its name, type and bounds.

    ``kind`` is ``integer``, ``string``, ``slug``, ``country`` (ISO 3166-1
    alpha-2), ``language``, ``zone`` (IANA), ``token`` (of an email's link), ``cursor`` (of the
    hub's feeds), ``instant`` (ISO 8601 with an offset, parsed to a UTC
    ``datetime``) or ``enum`` (with ``choices``, an enum class).
    """

    name: str
    kind: str
    description: str
    default: Any = None
    minimum: int | FromSettings | None = None
    maximum: int | FromSettings | None = None
    choices: type[enum.Enum] | None = None
    required: bool = False

    def parse(self, values: tuple[str, ...], settings: Settings) -> Any:
        """The typed value of this parameter from its raw values; ``BadRequest`` when wrong."""
        if not values:
            if self.required:
                raise BadRequest("is required", field=self.name)
            return _setting(self.default, settings)
        if len(values) > 1:
            raise BadRequest(f"give {self.name} once, not {len(values)} times", field=self.name)
        raw = values[0]
        if raw == "" and not self.required:
            return _setting(self.default, settings)
        shown = raw[:40]
        if self.kind == "integer":
            minimum, maximum = _setting(self.minimum, settings), _setting(self.maximum, settings)
            if not re.fullmatch(r"[0-9]{1,12}", raw):
                raise BadRequest(f"{shown!r} is not a whole number; give one from {minimum} to "
                                 f"{maximum}", field=self.name)
            number = int(raw)
            if (minimum is not None and number < minimum) or (
                    maximum is not None and number > maximum):
                raise BadRequest(f"must be a whole number from {minimum} to {maximum}, not "
                                 f"{number}", field=self.name)
            return number
        if self.kind == "enum":
            assert self.choices is not None
            try:
                return self.choices(raw)
            except ValueError:
                allowed = ", ".join(repr(member.value) for member in self.choices)
                raise BadRequest(f"{shown!r} is not one of {allowed}", field=self.name) from None
        if self.kind in _CHECKS:
            check, normalise = _CHECKS[self.kind]
            try:
                return check(normalise(raw), field=self.name)
            except ValidationError as error:
                raise BadRequest(error.message, field=self.name) from None
        return raw

    def schema(self, settings: Settings | None = None) -> dict[str, Any]:
        """The parameter's JSON Schema (bounds from ``settings`` or their defaults)."""
        from ..settings import Settings as _Settings

        settings = settings or _Settings()
        schema: dict[str, Any]
        if self.kind == "integer":
            schema = {"type": "integer"}
            for key, bound in (("minimum", self.minimum), ("maximum", self.maximum)):
                if bound is not None:
                    schema[key] = _setting(bound, settings)
        elif self.kind == "enum":
            assert self.choices is not None
            schema = {"type": "string", "enum": [member.value for member in self.choices]}
        elif self.kind == "slug":
            schema = {"type": "string", "pattern": f"^{f.SLUG_RE.pattern}$",
                      "maxLength": f.MAX_SLUG}
        elif self.kind == "country":
            schema = {"type": "string", "enum": sorted(f.countries())}
        elif self.kind == "language":
            schema = {"type": "string", "pattern": f"^{f.LANGUAGE_RE.pattern}$",
                      "maxLength": 35}
        elif self.kind == "token":
            schema = {"type": "string", "pattern": f"^{TOKEN_RE.pattern}$"}
        elif self.kind == "cursor":
            schema = {"type": "string", "pattern": "^[0-9]{1,15}$"}
        elif self.kind == "instant":
            schema = {"type": "string", "format": "date-time"}
        else:
            schema = {"type": "string"}
        default = _setting(self.default, settings)
        if default is not None:
            schema["default"] = default.value if isinstance(default, enum.Enum) else default
        return schema


def page_params() -> tuple[Param, Param]:
    """``limit`` and ``offset``, bounded by the settings."""
    return (
        Param(name="limit", kind="integer", description="how many items to return",
              default=FromSettings("page_size"), minimum=1,
              maximum=FromSettings("max_page_size")),
        Param(name="offset", kind="integer", description="how many items to skip",
              default=0, minimum=0, maximum=10**9),
    )


LANG = Param(name="lang", kind="language",
             description="the reader's language (else Accept-Language, else the default)")
