"""Validators shared by every model: each raises ``ValidationError`` naming the field.

They are attrs validators (``(instance, attribute, value)``); the converter turns
the field name into a full path such as ``sessions.2.people.0.name``.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from ..errors import ValidationError

Validator = Callable[[Any, Any, Any], None]

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
# C0 controls other than tab, newline and carriage return, DEL, C1 controls,
# and lone surrogates: none of them belongs in text a person reads, NUL breaks
# PostgreSQL, and a lone surrogate cannot be encoded as UTF-8.
_FORBIDDEN_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_SINGLE_LINE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

MAX_SLUG = 100
SHORT = 300
MEDIUM = 2_000
LONG = 200_000


def fail(attribute: Any, message: str) -> None:
    """Raise the library's validation error for ``attribute``."""
    raise ValidationError(message, field=getattr(attribute, "name", None))


def check_text(value: object, *, field: str | None, max_length: int, multiline: bool) -> str:
    """Return ``value`` if it is acceptable text, else raise ``ValidationError``."""
    if not isinstance(value, str):
        raise ValidationError(f"must be text, not {type(value).__name__}", field=field)
    if len(value) > max_length:
        raise ValidationError(
            f"is {len(value)} characters long; the limit is {max_length}", field=field
        )
    bad = (_FORBIDDEN_RE if multiline else _FORBIDDEN_SINGLE_LINE_RE).search(value)
    if bad:
        kind = "line breaks or control characters" if not multiline else "control characters"
        raise ValidationError(
            f"contains {kind} (U+{ord(bad.group()):04X}); remove them", field=field
        )
    return value


def text(max_length: int = SHORT, *, multiline: bool = False, required: bool = True) -> Validator:
    """Plain text of at most ``max_length`` characters; non-blank if ``required``."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None and not required:
            return
        check_text(value, field=attribute.name, max_length=max_length, multiline=multiline)
        if required and not value.strip():
            fail(attribute, "must not be blank")

    return validate


def optional_text(max_length: int = SHORT, *, multiline: bool = False) -> Validator:
    """Text or ``None``."""
    return text(max_length, multiline=multiline, required=False)


def strings(max_items: int = 50, max_length: int = SHORT) -> Validator:
    """A tuple of non-blank single-line strings."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        items = _tuple(attribute, value, max_items)
        for index, item in enumerate(items):
            field = f"{attribute.name}.{index}"
            check_text(item, field=field, max_length=max_length, multiline=False)
            if not item.strip():
                raise ValidationError("must not be blank", field=field)

    return validate


def _tuple(attribute: Any, value: Any, max_items: int) -> tuple[Any, ...]:
    if not isinstance(value, tuple):
        fail(attribute, f"must be a list, not {type(value).__name__}")
    if len(value) > max_items:
        fail(attribute, f"has {len(value)} items; the limit is {max_items}")
    return value  # type: ignore[no-any-return]


def items(max_items: int = 200) -> Validator:
    """A tuple (of models validated on their own) of at most ``max_items``."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        _tuple(attribute, value, max_items)

    return validate


def check_number(value: object, *, field: str | None, minimum: float,
                 maximum: float | None = None, integer: bool = True, unit: str = "") -> Any:
    """Return ``value`` if it is a number (whole when ``integer``; never a bool) from
    ``minimum`` to ``maximum`` (no upper bound when ``None``), else raise
    ``ValidationError`` saying so: the check of every bounded number an API call takes."""
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    number = cast(float, value) if isinstance(value, kinds) and not isinstance(value, bool) \
        else None
    if number is None or not minimum <= number or (maximum is not None and number > maximum):
        what = ("a whole number" if integer else "a number") + (f" of {unit}" if unit else "")
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise ValidationError(f"must be {what} {bounds}", field=field)
    return value


def check_slug(value: object, *, field: str | None) -> str:
    """Return ``value`` if it is a slug, else raise ``ValidationError``."""
    if not isinstance(value, str):
        raise ValidationError(f"must be text, not {type(value).__name__}", field=field)
    if len(value) > MAX_SLUG or not SLUG_RE.fullmatch(value):
        raise ValidationError(
            f"{value[:60]!r} is not a valid slug: use 1 to {MAX_SLUG} lowercase letters, "
            "digits and single hyphens, e.g. 'izmir-2021'",
            field=field,
        )
    return value


def slug(_: Any, attribute: Any, value: Any) -> None:
    """A lowercase ASCII slug: letters, digits and single hyphens."""
    check_slug(value, field=attribute.name)


def slugs(max_items: int = 50) -> Validator:
    """A tuple of distinct slugs."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        for index, item in enumerate(_tuple(attribute, value, max_items)):
            check_slug(item, field=f"{attribute.name}.{index}")
        distinct(value, attribute=attribute, what="value")

    return validate


def optional_slug(instance: Any, attribute: Any, value: Any) -> None:
    """A slug or ``None``."""
    if value is not None:
        slug(instance, attribute, value)


def slugify(value: str) -> str:
    """A slug made from ``value`` (accents dropped, everything else hyphenated)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:MAX_SLUG].strip("-")


def language(_: Any, attribute: Any, value: Any) -> None:
    """A BCP 47 language tag in lowercase, e.g. ``fr`` or ``fr-ca``."""
    check_language(value, field=attribute.name)


def check_language(value: object, *, field: str | None) -> str:
    """Return ``value`` if it is a language tag, else raise ``ValidationError``."""
    if not isinstance(value, str) or not LANGUAGE_RE.fullmatch(value) or len(value) > 35:
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise ValidationError(
            f"{shown!r} is not a language code: use a lowercase BCP 47 tag such as "
            "'en', 'fr' or 'pt-br'",
            field=field,
        )
    return value


def languages(_: Any, attribute: Any, value: Any) -> None:
    """A tuple of language tags."""
    for index, item in enumerate(_tuple(attribute, value, 50)):
        check_language(item, field=f"{attribute.name}.{index}")


#: Two-letter codes CLDR knows that are not countries: unions, reserved and
#: private-use codes (XK, Kosovo, stays: it is in common use).
NOT_COUNTRIES = frozenset({
    "AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ",
})


@functools.cache
def countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes accepted for a country."""
    from babel import Locale

    codes: list[str] = [str(code) for code in Locale("en").territories]
    return frozenset(
        code for code in codes
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


def check_country(value: object, *, field: str | None) -> str:
    """Return ``value`` if it is a country code, else raise ``ValidationError``."""
    if not isinstance(value, str) or value not in countries():
        shown = value[:20] if isinstance(value, str) else type(value).__name__
        raise ValidationError(
            f"{shown!r} is not an ISO 3166-1 alpha-2 country code: use two capitals "
            "such as 'TR', 'FR' or 'CA'",
            field=field,
        )
    return value


def country(_: Any, attribute: Any, value: Any) -> None:
    """An ISO 3166-1 alpha-2 country code in capitals, e.g. ``TR``."""
    check_country(value, field=attribute.name)


def upper(value: Any) -> Any:
    """attrs converter: capitals for text, anything else unchanged (the validator judges)."""
    return value.strip().upper() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    """attrs converter: lowercase for text, anything else unchanged."""
    return value.strip().lower() if isinstance(value, str) else value


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_zone(value: object, *, field: str | None) -> str:
    """Return ``value`` if it is an IANA time zone name, else raise ``ValidationError``."""
    if not isinstance(value, str) or value not in _zones():
        shown = value[:60] if isinstance(value, str) else type(value).__name__
        raise ValidationError(
            f"{shown!r} is not an IANA time zone: use a name such as 'Europe/Istanbul' "
            "or 'America/Montreal'",
            field=field,
        )
    return value


def zone(_: Any, attribute: Any, value: Any) -> None:
    """An IANA time zone name."""
    check_zone(value, field=attribute.name)


def optional_zone(_: Any, attribute: Any, value: Any) -> None:
    """An IANA time zone name or ``None``."""
    if value is not None:
        check_zone(value, field=attribute.name)


def url(required: bool = False) -> Validator:
    """An absolute http(s) URL (never ``javascript:`` or ``data:``)."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None and not required:
            return
        check_text(value, field=attribute.name, max_length=MEDIUM, multiline=False)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fail(attribute, f"{value[:80]!r} is not an http:// or https:// address")

    return validate


def urls(_: Any, attribute: Any, value: Any) -> None:
    """A tuple of http(s) URLs."""
    check = url(required=True)
    for index, item in enumerate(_tuple(attribute, value, 50)):
        try:
            check(None, attribute, item)
        except ValidationError as error:
            raise ValidationError(error.message, field=f"{attribute.name}.{index}") from None


def number(
    minimum: float | None = None, maximum: float | None = None, *, required: bool = True,
    integer: bool = False,
) -> Validator:
    """A number (``bool`` refused) within ``[minimum, maximum]``."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None and not required:
            return
        kinds: tuple[type, ...] = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            fail(attribute, f"must be {'a whole number' if integer else 'a number'}, "
                 f"not {type(value).__name__}")
        if value != value or value in (float("inf"), float("-inf")):
            fail(attribute, "must be a finite number")
        if minimum is not None and value < minimum:
            fail(attribute, f"must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            fail(attribute, f"must be at most {maximum}, not {value}")

    return validate


def instance_of(kind: type, *, required: bool = True) -> Validator:
    """A value of ``kind`` (``bool`` never passes for a number)."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None and not required:
            return
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            fail(attribute, f"must be {kind.__name__}, not {type(value).__name__}")

    return validate


def aware_utc(required: bool = False) -> Validator:
    """A timezone-aware ``datetime``; converters store it in UTC."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None and not required:
            return
        if not isinstance(value, datetime):
            fail(attribute, f"must be a date and time, not {type(value).__name__}")
        if value.utcoffset() != timedelta(0):
            fail(attribute, "must be an instant in UTC, e.g. '2021-12-07T13:00:00Z'")

    return validate


def to_utc(value: Any) -> Any:
    """attrs converter: an aware ``datetime`` moved to UTC; naive or other values unchanged."""
    from datetime import timezone

    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    return value


def a_date(required: bool = True) -> Validator:
    """A calendar ``date`` (not a ``datetime``)."""

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None and not required:
            return
        if not isinstance(value, date) or isinstance(value, datetime):
            fail(attribute, f"must be a date such as '2021-12-07', not {type(value).__name__}")

    return validate


def distinct(values: Iterable[Any], *, attribute: Any, what: str) -> None:
    """Refuse duplicates among ``values``."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            fail(attribute, f"{what} {value!r} appears twice; each must be unique")
        seen.add(value)
