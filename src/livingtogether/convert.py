"""The one converter: models <-> JSON-ready data (dicts, lists, str, int, float, bool, None).

Use :func:`unstructure` and :func:`structure`; they are the only way models
become data and back, for the JSON API, the import/export bundle and storage.
A value that does not fit raises :class:`~livingtogether.errors.ValidationError`
naming every offending field by its path (``sessions.2.people.0.role``).

:func:`make_converter` registers these hooks:

- :class:`~livingtogether.models.text.Text` <-> ``{"en": "...", "fr": "..."}``
- ``datetime`` <-> ISO 8601 in UTC with ``Z`` (``2021-12-07T13:00:00Z``); an
  input without a UTC offset is refused, one with an offset is moved to UTC
- ``date`` <-> ``YYYY-MM-DD``
- enums <-> their value; an unknown value lists the allowed ones
- ``tuple[X, ...]`` <-> list; a string or mapping where a list belongs is refused
- ``str``, ``int``, ``float``, ``bool``: strict, no silent coercion
  (``"5"`` is not an int, ``1`` is not a bool)
- attrs classes: only mappings, unknown keys refused
- :class:`~livingtogether.models.City`: its derived ``member_since`` (the first year
  it joined) and ``status`` (its standing now) written beside its ``memberships``;
  read back, they are checked against the periods, and data of the earlier shape
  (``member_since`` and ``status`` without ``memberships``: old clients, bundles,
  hubs) becomes the periods it stands for
- a change feed's item (:class:`~livingtogether.models.hub.FeedItem`) -> its fields,
  its ``record`` as it is (JSON-ready data already: walking it again cost a third of
  a feed page)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from .errors import LivingTogetherError, ValidationError
from .models.text import Text

T = TypeVar("T")

_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _structure_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"must be text, not {_kind(value)}")
    return value


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"must be a whole number, not {_kind(value)}")
    return value


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"must be a number, not {_kind(value)}")
    return float(value)


def _structure_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"must be true or false, not {_kind(value)}")
    return value


def _structure_datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value):
        raise ValidationError(
            "must be a date and time in ISO 8601 with its UTC offset, e.g. '2021-12-07T13:00:00Z'"
        )
    if not (value.endswith("Z") or re.search(r"[+-]\d{2}:\d{2}$", value)):
        raise ValidationError(
            f"{value!r} has no UTC offset; add one, e.g. '{value}Z' for UTC"
        )
    try:
        parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a real date and time") from None
    return parsed.astimezone(timezone.utc)


def _unstructure_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _structure_date(value: Any, _: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValidationError("must be a date in ISO 8601, e.g. '2021-12-07'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a real date") from None


def _structure_text(value: Any, _: Any) -> Text:
    return Text(value)


def _structure_enum(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(member.value) for member in kind)
        shown = repr(value)[:60] if isinstance(value, (str, int)) else _kind(value)
        raise ValidationError(f"{shown} is not one of {allowed}") from None


def _model_enums() -> list[type[enum.Enum]]:
    from . import models

    found = (getattr(models, name) for name in models.__all__)
    return [kind for kind in found if isinstance(kind, type) and issubclass(kind, enum.Enum)]


def _is_tuple(kind: Any) -> bool:
    return get_origin(kind) is tuple


def _tuple_hook(kind: Any, converter: cattrs.Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    item = get_args(kind)[0]
    handler = converter.get_structure_hook(item)

    def structure(value: Any, _: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise ValidationError(f"must be a list, not {_kind(value)}")
        result, errors = [], []
        for index, element in enumerate(value):
            try:
                result.append(handler(element, item))
            except Exception as error:  # collected, then raised together below
                note = IterableValidationNote(f"index {index}", index, item)
                error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
                errors.append(error)
        if errors:
            raise IterableValidationError("invalid items", errors, kind)
        return tuple(result)

    return structure


def _class_hook(kind: type, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    generated: Callable[[Any, Any], Any] = make_dict_structure_fn(
        kind, converter, _cattrs_forbid_extra_keys=True
    )

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError(f"must be an object, not {_kind(value)}")
        return generated(value, kind)

    return structure


_DERIVED = ("member_since", "status")


def _city_hooks(converter: cattrs.Converter) -> None:
    from .models.cities import City, CityStatus, legacy_memberships

    generated = make_dict_unstructure_fn(City, converter)
    fields = _class_hook(City, converter)

    def unstructure_city(city: City) -> dict[str, Any]:
        data: dict[str, Any] = generated(city)
        data["member_since"] = city.member_since
        data["status"] = city.status.value
        return data

    def structure_city(value: Any, _: Any) -> City:
        if not isinstance(value, Mapping) or not any(key in value for key in _DERIVED):
            return fields(value, City)  # type: ignore[no-any-return]
        data = {key: item for key, item in value.items() if key not in _DERIVED}
        given = {key: value[key] for key in _DERIVED if key in value}
        if "memberships" not in value:
            try:
                data["memberships"] = converter.unstructure(legacy_memberships(
                    given.get("member_since"), given.get("status")))
            except LivingTogetherError as error:  # the year, as the period's field says
                raise ValidationError(error.message, field="member_since") from None
            except ValueError:
                allowed = ", ".join(repr(s.value) for s in CityStatus)
                shown = repr(given.get("status"))[:60]
                raise ValidationError(f"{shown} is not one of {allowed}",
                                      field="status") from None
            return fields(data, City)  # type: ignore[no-any-return]
        city: City = fields(data, City)
        derived = {"member_since": city.member_since, "status": city.status.value}
        for key, item in given.items():
            if item != derived[key]:
                raise ValidationError(
                    f"{key} is derived from the periods of membership ({derived[key]!r} "
                    f"here, not {item!r}): change memberships instead, or leave {key} out",
                    field=key)
        return city

    converter.register_unstructure_hook(City, unstructure_city)
    converter.register_structure_hook(City, structure_city)


def make_converter() -> cattrs.Converter:
    """The library's converter (see this module's docstring for its hooks)."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(Text, _structure_text)
    converter.register_unstructure_hook(Text, lambda text: dict(text.values))
    # Registered per class: the models' enums derive from ``str``, whose strict
    # hook would otherwise win the dispatch.
    for kind in _model_enums():
        converter.register_structure_hook(kind, _structure_enum)
        converter.register_unstructure_hook(kind, lambda member: member.value)
    converter.register_structure_hook_factory(_is_tuple, _tuple_hook)
    from .models.hub import FeedItem

    converter.register_unstructure_hook(FeedItem, lambda item: {
        "slug": item.slug, "deleted": item.deleted,
        "changed_at": _unstructure_datetime(item.changed_at), "record": item.record})
    converter.register_structure_hook_factory(
        lambda kind: attrs.has(kind) and kind is not Text, _class_hook
    )
    _city_hooks(converter)
    return converter


CONVERTER = make_converter()


def unstructure(value: Any) -> Any:
    """A model (or list of models) as JSON-ready data."""
    return CONVERTER.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """``data`` as a ``kind`` model; ``ValidationError`` listing every problem otherwise."""
    try:
        return CONVERTER.structure(data, kind)
    except ValidationError as error:
        raise ValidationError(error.message, field=error.field) from None
    except Exception as error:
        problems = list(_problems(error, ()))
        if not problems:
            raise
        field, message = problems[0]
        rest = len(problems) - 1
        more = f" (and {rest} more problem{'s' if rest != 1 else ''})" if rest else ""
        raise ValidationError(message + more, field=field, problems=problems) from None


def _problems(error: BaseException, path: tuple[str, ...]) -> Any:
    """Yield ``(field path, message)`` for every leaf error under ``error``."""
    if isinstance(error, ForbiddenExtraKeysError):
        names = ", ".join(sorted(repr(name) for name in error.extra_fields))
        allowed = ", ".join(a.name for a in attrs.fields(error.cl))
        yield _join(path), f"unknown field {names}; the fields are: {allowed}"
    elif isinstance(error, ClassValidationError):
        noted, other = error.group_exceptions()
        for sub, note in noted:
            yield from _problems(sub, (*path, note.name))
        for sub in other:
            yield from _problems(sub, path)
    elif isinstance(error, IterableValidationError):
        inoted, iother = error.group_exceptions()
        for sub, inote in inoted:
            yield from _problems(sub, (*path, str(inote.index)))
        for sub in iother:
            yield from _problems(sub, path)
    elif isinstance(error, KeyError) and _has_attribute_note(error):
        yield _join(path), "is required"
    elif isinstance(error, LivingTogetherError):
        yield _join((*path, error.field) if error.field else path), error.message
    elif isinstance(error, (TypeError, ValueError, AttributeError)):
        yield _join(path), "has the wrong type or shape"


def _has_attribute_note(error: BaseException) -> bool:
    notes = getattr(error, "__notes__", ())
    return any(isinstance(note, AttributeValidationNote) for note in notes)


def _join(path: tuple[str, ...]) -> str | None:
    return ".".join(path) or None
