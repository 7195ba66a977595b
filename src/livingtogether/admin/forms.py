"""Form specs generated from the attrs models: what a staff screen renders and parses.

``FormSpec.of(Practice, languages=("en", "fr"))`` walks the model's fields and
their types, with the labels, help and widgets of :mod:`.labels` (or the
``meta`` given): a multilingual :class:`~livingtogether.models.Text` becomes one
input per site language (``title.en``, ``title.fr``), an enum a select of its
values, a slug reference a chooser naming the record kind, a tuple of models
a repeatable group (``links.0.url``), a tuple of strings a textarea of one per
line (or, with the widget ``repeat``, rows of one input each: ``partner_board.0``),
dates and times their HTML inputs (a date and time is entered as local
wall time in the zone of the record: the group's own ``zone``, else the
record's ``host_zone``, else with its UTC offset).

:meth:`FormSpec.parse` turns a flat ``{name: text}`` form into the model
through the one converter, so every rule stays in the models; a refusal is a
:class:`FormErrors` mapping each form name to its message, with the input
kept. :meth:`FormSpec.fields` gives what a template needs for each field.

One module (a little over 450 lines): the walk of the model that builds a spec
and the two walks that parse and render it mirror each other field kind by
field kind, and stay easiest to check side by side.
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timezone
from types import NoneType, UnionType
from typing import Any, Generic, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo

import attrs

from .. import convert
from ..errors import ValidationError
from ..models.fields import check_zone
from ..models.text import Text
from .labels import LABELS, FieldMeta

T = TypeVar("T")

#: ``local`` values of a date and time input (HTML ``datetime-local``).
_LOCAL = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2})?")
_YES = frozenset({"yes", "on", "true", "1"})
_ROW = re.compile(r"\.(\d{1,4})(?=\.|$)")


class FormErrors(ValidationError):
    """The form could not be made a record: ``errors`` maps each form name to what to fix,
    ``values`` keeps everything that was typed."""

    def __init__(self, message: str, *, field: str | None = None,
                 problems: list[tuple[str | None, str]] | None = None,
                 errors: Mapping[str, str] | None = None,
                 values: Mapping[str, str] | None = None) -> None:
        super().__init__(message, field=field, problems=problems)
        self.errors: dict[str, str] = dict(errors or {})
        self.values: dict[str, str] = dict(values or {})


@attrs.frozen(kw_only=True)
class FieldSpec:
    """One field of a form: ``path`` in the model, ``name`` in the form."""

    path: str
    name: str
    key: str  # the last part of the path: the attribute's name
    label: str
    help: str
    widget: str
    kind: str  # text, multilingual, enum, bool, int, float, date, datetime, lines, group, repeat
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    chooser: str | None = None
    children: tuple[FieldSpec, ...] = ()
    only_if: tuple[str, str] | None = None
    model: Any = None
    optional: bool = False  # ``X | None``: a blank input is ``None``, else the default
    default: Any = None  # the model's default as the converter writes it (``None``: none)


@attrs.define(kw_only=True)
class Rendered:
    """A field as a template renders it; ``items`` are a group's rows (a repeatable
    group ends with one blank row), ``languages`` a multilingual field's inputs, each
    ``(language, value, falls back to)``. Not frozen, for speed (an event's form makes
    thousands): treat it as read-only."""

    name: str
    label: str
    help: str
    widget: str
    value: str
    error: str | None
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    chooser: str | None = None
    languages: tuple[tuple[str, str, str | None], ...] = ()
    items: tuple[tuple[Rendered, ...], ...] = ()


def _unwrap(kind: Any) -> tuple[Any, bool]:
    """``(type, optional)`` of ``X | None``."""
    if get_origin(kind) in (typing.Union, UnionType):
        args = [a for a in get_args(kind) if a is not NoneType]
        return args[0], len(args) < len(get_args(kind))
    return kind, False


def _kind_of(kind: Any) -> str:
    if kind is Text:
        return "multilingual"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "enum"
    if kind is bool:
        return "bool"
    if kind in (int, float):
        return "int" if kind is int else "float"
    if kind is datetime:
        return "datetime"
    if kind is date:
        return "date"
    if get_origin(kind) is tuple:
        item = get_args(kind)[0]
        return "repeat" if attrs.has(item) or item is Text else "lines"
    if attrs.has(kind):
        return "group"
    return "text"


_WIDGETS = {"multilingual": "text", "enum": "select", "bool": "checkbox", "int": "number",
            "float": "number", "datetime": "datetime-local", "date": "date",
            "lines": "textarea", "repeat": "repeat", "group": "group", "text": "text"}


def _choice_label(value: str) -> str:
    return value.replace("_", " ").replace("-", " ").capitalize()


def _default(attribute: Any) -> Any:
    """The attribute's default as :func:`convert.unstructure` writes it (``None`` without one,
    or with a factory that needs the record)."""
    default = attribute.default
    if default is attrs.NOTHING:
        return None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return None
        default = default.factory()
    return convert.unstructure(default)


def _blank(specs: Sequence[FieldSpec], item: Mapping[str, Any]) -> bool:
    """Whether a row or group as parsed is left as the form showed it blank: every value
    empty or the model's default (a "Listed publicly" box checked by default is no row)."""
    defaults = {spec.key: spec.default for spec in specs}
    return all(v in (None, "", {}, [], False) or v == defaults.get(k) for k, v in item.items())


def _specs(model: Any, prefix: str, meta: Mapping[str, FieldMeta], skip: frozenset[str],
           ) -> tuple[FieldSpec, ...]:
    hints = typing.get_type_hints(model)
    found = []
    for attribute in attrs.fields(model):
        path = f"{prefix}{attribute.name}"
        if path in skip:
            continue
        info = meta.get(path, FieldMeta())
        kind, optional = _unwrap(hints[attribute.name])
        what = _kind_of(kind)
        children: tuple[FieldSpec, ...] = ()
        choices: tuple[tuple[str, str], ...] = ()
        inner: Any = kind
        if what == "enum":
            choices = tuple((m.value, _choice_label(m.value)) for m in kind)
        elif what == "group":
            children = _specs(kind, f"{path}.", meta, skip)
        elif what == "lines" and info.widget == "repeat" and get_args(kind)[:1] == (str,):
            # a tuple of strings shown as rows (board members, links), one input each
            what, inner = "repeat", str
            item = meta.get(f"{path}.#", FieldMeta())
            children = (FieldSpec(path=f"{path}.#", name=f"{path}.#", key="#",
                                  label=item.label, help=item.help,
                                  widget=item.widget or "text", kind="text", required=True,
                                  model=str),)
        elif what == "repeat":
            inner = get_args(kind)[0]
            children = _specs(inner, f"{path}.#.", meta, skip) if inner is not Text else (
                FieldSpec(path=f"{path}.#", name=f"{path}.#", key="#", label="", help="",
                          widget="text", kind="multilingual", required=True, model=Text),)
        widget = info.widget or ("chooser" if info.chooser else _WIDGETS[what])
        found.append(FieldSpec(
            path=path, name=info.name or path, key=attribute.name,
            label=info.label or _choice_label(attribute.name),
            help=info.help, widget=widget, kind=what, chooser=info.chooser,
            required=attribute.default is attrs.NOTHING and not optional,
            choices=choices, children=children, only_if=info.only_if, model=inner,
            optional=optional, default=_default(attribute)))
    return tuple(found)


def _local(value: str, zone: str | None, name: str) -> str:
    """A ``datetime-local`` value in ``zone`` as the converter's UTC text."""
    found = _LOCAL.fullmatch(value)
    if found is None or zone is None:
        return value  # with an offset, say: the converter judges it
    try:
        day, clock = date.fromisoformat(found.group(1)), time.fromisoformat(found.group(2))
    except ValueError:
        return value
    from ..models.programme import local_instant

    return str(convert.unstructure(local_instant(day, clock, zone, field=name)))


def _zone(group: Mapping[str, Any], top: Mapping[str, Any]) -> str | None:
    for candidate in (group.get("zone"), top.get("host_zone")):
        if isinstance(candidate, str):
            try:
                return check_zone(candidate, field=None)
            except ValidationError:
                continue
    return None


class FormSpec(Generic[T]):
    """The form of one model (see the module's docstring).

    ``languages``: the site's languages, one input each for a multilingual text;
    ``meta``: labels, help, widgets by model path (default :data:`.labels.LABELS`);
    ``exclude``: model paths not in the form; ``fixed``: values the form never carries
    (e.g. the declaration a pledge signs), by model path.
    """

    def __init__(self, model: type[T], *, languages: Sequence[str] = ("en", "fr"),
                 meta: Mapping[str, FieldMeta] | None = None, exclude: Sequence[str] = (),
                 fixed: Mapping[str, Any] | None = None) -> None:
        self.model = model
        self.languages = tuple(languages)
        self.fixed = dict(fixed or {})
        table = meta if meta is not None else LABELS.get(model.__name__, {})
        self.specs = _specs(model, "", table, frozenset(exclude) | frozenset(self.fixed))
        self._names = {spec.path: spec for spec in self._walk(self.specs)}

    @staticmethod
    def _walk(specs: Sequence[FieldSpec]) -> list[FieldSpec]:
        out: list[FieldSpec] = []
        for spec in specs:
            out.append(spec)
            out.extend(FormSpec._walk(spec.children))
        return out

    # -- parsing

    def parse(self, form: Mapping[str, str]) -> T:
        """The record the form describes; :class:`FormErrors` naming the form's fields."""
        values = {str(k): v if isinstance(v, str) else str(v) for k, v in form.items()}
        ctx = _Parse()
        errors = ctx.errors
        data = self._data(self.specs, values, "", "", ctx, top=None)
        for path, value in self.fixed.items():
            data[path] = value
        if not errors:
            try:
                return convert.structure(data, self.model)
            except ValidationError as error:
                for field, message in error.problems:
                    errors.setdefault(ctx.row_of(self.name_of(field)), message)
        first = next(iter(errors.items()))
        raise FormErrors(first[1] + (
            f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            field=first[0], problems=list(errors.items()), errors=errors, values=values)

    def name_of(self, path: str | None) -> str:
        """The form name of the model path ``path`` (an item's index kept: ``links.2.url``);
        the form's own name ``""`` for an error about the whole record."""
        if not path:
            return ""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            generic = ".".join("#" if p.isdigit() else p for p in parts[:end])
            spec = self._names.get(generic)
            if spec is None:
                continue
            name = spec.name
            if spec.name == generic:  # the default: the path itself, with the real indices
                name = ".".join(parts[:end])
            rest = parts[end:]
            if spec.kind == "multilingual" and rest and rest[0] in self.languages:
                return f"{name}.{rest[0]}"
            return name
        return path

    def _data(self, specs: Sequence[FieldSpec], form: Mapping[str, str], prefix: str,
              real: str, ctx: _Parse, top: dict[str, Any] | None) -> dict[str, Any]:
        data: dict[str, Any] = {}
        top = data if top is None else top
        later: list[tuple[str, FieldSpec, str]] = []
        for spec in specs:
            key = spec.key
            name = spec.name if spec.name != spec.path else real + key
            if spec.only_if is not None:
                other = self._names[spec.only_if[0]]
                if form.get(other.name, "") != spec.only_if[1]:
                    data[key] = None
                    continue
            if spec.kind == "datetime":  # after the group's zone, which may come later
                later.append((key, spec, name))
                continue
            value = self._value(spec, name, form, ctx, data, top)
            if value is not _MISSING:
                data[key] = value
        for key, spec, name in later:
            value = self._value(spec, name, form, ctx, data, top)
            if value is not _MISSING:
                data[key] = value
        return data

    def _value(self, spec: FieldSpec, name: str, form: Mapping[str, str],
               ctx: _Parse, group: dict[str, Any], top: dict[str, Any]) -> Any:
        raw = form.get(name, "")
        kind = spec.kind
        if kind == "multilingual":
            return {lang: form[f"{name}.{lang}"].strip() for lang in self.languages
                    if form.get(f"{name}.{lang}", "").strip()}
        if kind == "bool":
            return raw.strip().lower() in _YES
        if kind == "group":
            inner = self._data(spec.children, form, "", f"{name}.", ctx, top)
            if not spec.required and _blank(spec.children, inner):
                return None
            return inner
        if kind == "repeat":
            indices = ctx.rows_of(form).get(name, [])
            items: list[Any] = []
            for index in indices:
                if spec.model is Text or spec.model is str:
                    item: Any = {lang: form[f"{name}.{index}.{lang}"].strip()
                                 for lang in self.languages
                                 if form.get(f"{name}.{index}.{lang}", "").strip()} \
                        if spec.model is Text else form.get(f"{name}.{index}", "").strip()
                    if item:
                        ctx.rows[f"{name}.{len(items)}"] = f"{name}.{index}"
                        items.append(item)
                    continue
                item = self._data(spec.children, form, "", f"{name}.{index}.", ctx, top)
                if not _blank(spec.children, item):
                    # the converter names items by position: map it to the form's row
                    ctx.rows[f"{name}.{len(items)}"] = f"{name}.{index}"
                    items.append(item)
            return items
        text = raw.strip()
        if kind == "lines":
            lines = [line.strip() for line in re.split(r"[\r\n,]+", raw) if line.strip()]
            if spec.model is not None and get_args(spec.model)[:1] == (int,):
                try:
                    return [int(line) for line in lines]
                except ValueError:
                    ctx.errors[name] = "write whole numbers, one per line"
                    return _MISSING
            return lines
        if not text:
            if spec.required:
                return ""
            return None if spec.optional and spec.kind != "enum" else _MISSING
        if kind in ("int", "float"):
            try:
                return int(text) if kind == "int" else float(text)
            except ValueError:
                ctx.errors[name] = "must be a whole number" if kind == "int" else \
                    "must be a number"
                return _MISSING
        if kind == "datetime":
            try:
                return _local(text, _zone(group, top), name)
            except ValidationError as error:
                ctx.errors[name] = error.message
                return _MISSING
        return text

    # -- rendering

    def fields(self, record: T | None = None, *, error: FormErrors | None = None,
               ) -> tuple[Rendered, ...]:
        """What a template renders for each field: the typed input and its errors after a
        refusal (``error``), else the record's values, else the defaults."""
        data = convert.unstructure(record) if record is not None else {}
        values = error.values if error is not None else None
        problems = error.errors if error is not None else {}
        rows = _row_numbers(values) if values is not None else {}
        return tuple(self._render(spec, spec.name, data, data, values, problems, rows)
                     for spec in self.specs)

    def form_data(self, record: T) -> dict[str, str]:
        """The flat form a browser posts back for ``record`` as :meth:`fields` renders it
        (blank rows and languages included): what :meth:`parse` reads."""
        out: dict[str, str] = {}

        def walk(field: Rendered) -> None:
            for language, value, _ in field.languages:
                out[f"{field.name}.{language}"] = value
            for row in field.items:
                for child in row:
                    walk(child)
            if not field.languages and not field.items:
                out[field.name] = field.value

        for field in self.fields(record):
            walk(field)
        return out

    def _render(self, spec: FieldSpec, name: str, group: Mapping[str, Any],
                top: Mapping[str, Any], values: Mapping[str, str] | None,
                problems: Mapping[str, str], rows_in: Mapping[str, list[int]]) -> Rendered:
        # a field the record (or a blank row) does not carry shows the model's default
        stored = group.get(spec.key, spec.default) if isinstance(group, Mapping) else None
        common: dict[str, Any] = {
            "name": name, "label": spec.label, "help": spec.help, "widget": spec.widget,
            "required": spec.required, "choices": spec.choices, "chooser": spec.chooser,
            "error": problems.get(name)}
        if spec.kind == "multilingual":
            texts = stored if isinstance(stored, Mapping) else {}
            if values is not None:
                texts = {lang: values.get(f"{name}.{lang}", "") for lang in self.languages}
            try:  # what each empty language falls back to; none for input Text refuses
                text = Text({k: v for k, v in texts.items() if v}) \
                    if any(texts.values()) else None
            except ValidationError:
                text = None
            languages = []
            for lang in self.languages:
                value = texts.get(lang, "")
                shown = text.resolve(lang) if text is not None and not value else None
                languages.append((lang, value, shown.language if shown else None))
                if problems.get(f"{name}.{lang}") and common["error"] is None:
                    common["error"] = problems[f"{name}.{lang}"]
            return Rendered(value="", languages=tuple(languages), **common)
        if spec.kind in ("group", "repeat"):
            rows: list[tuple[Rendered, ...]] = []
            if spec.kind == "group":
                inner = stored if isinstance(stored, Mapping) else {}
                rows.append(tuple(self._render(c, c.name if c.name != c.path else
                                               f"{name}.{c.key}",
                                               inner, top, values, problems, rows_in)
                                  for c in spec.children))
            else:
                indices = list(range(len(stored))) if isinstance(stored, list) else []
                if values is not None:  # the rows the form had, under their own numbers
                    indices = list(rows_in.get(name, []))
                indices.append(indices[-1] + 1 if indices else 0)  # a blank row to add one
                for index in indices:
                    item = stored[index] if values is None and isinstance(stored, list) \
                        and index < len(stored) else {}
                    if spec.model is Text or spec.model is str:
                        if spec.model is str and not isinstance(item, str):
                            item = None  # the blank row
                        rows.append((self._render(
                            spec.children[0], f"{name}.{index}", {"#": item}, top, values,
                            problems, rows_in),))
                        continue
                    rows.append(tuple(self._render(c, f"{name}.{index}.{c.key}", item, top,
                                                   values, problems, rows_in)
                                      for c in spec.children))
            return Rendered(value="", items=tuple(rows), **common)
        if values is not None:
            return Rendered(value=values.get(name, ""), **common)
        return Rendered(value=self._shown(spec, stored, group, top), **common)

    def _shown(self, spec: FieldSpec, stored: Any, group: Mapping[str, Any],
               top: Mapping[str, Any]) -> str:
        if stored is None:
            return ""
        if spec.kind == "bool":
            return "yes" if stored else ""
        if spec.kind == "lines":
            return "\n".join(str(item) for item in stored)
        if spec.kind == "datetime":
            zone = _zone(group, top)
            instant = datetime.fromisoformat(str(stored).replace("Z", "+00:00"))
            local = instant.astimezone(ZoneInfo(zone) if zone else timezone.utc)
            return local.replace(tzinfo=None).isoformat(timespec="minutes")  # datetime-local
        return str(stored)


def _row_numbers(form: Mapping[str, str]) -> dict[str, list[int]]:
    """The row numbers the form has under each repeatable group's name, in order
    (``links.0.url``, ``links.3.url``: ``{"links": [0, 3]}``), in one pass over it."""
    found: dict[str, set[int]] = {}
    for key in form:
        if "." not in key:
            continue
        for number in _ROW.finditer(key):
            found.setdefault(key[:number.start()], set()).add(int(number.group(1)))
    return {name: sorted(numbers) for name, numbers in found.items()}


class _Parse:
    """What one parse collects: the errors by form name, and which form row each item
    of a repeatable group came from (blank rows are skipped, so positions shift)."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.rows: dict[str, str] = {}
        self._numbers: dict[str, list[int]] | None = None

    def rows_of(self, form: Mapping[str, str]) -> dict[str, list[int]]:
        """:func:`_row_numbers` of the form, computed once."""
        if self._numbers is None:
            self._numbers = _row_numbers(form)
        return self._numbers

    def row_of(self, name: str) -> str:
        """``name`` with each item's position replaced by its row in the form."""
        parts = name.split(".")
        for end in range(1, len(parts) + 1):  # the outer group first: inner rows name it
            head = ".".join(parts[:end])
            if head in self.rows:
                parts = [*self.rows[head].split("."), *parts[end:]]
        return ".".join(parts)


class _Missing:
    """The form gives nothing for a field: the model's default applies."""


_MISSING: Any = _Missing()


def pledge_form(declaration: str, consent_version: str) -> FormSpec[Any]:
    """The public signing form of ``declaration`` as a spec (its first user): the names
    the form has always had, the declaration and the consent version fixed."""
    from ..models import Pledge

    return FormSpec(Pledge, languages=(), exclude=("id", "status", "signed_at", "confirmed_at"),
                    fixed={"declaration": declaration, "consent_version": consent_version})
