"""The core's :class:`~livingtogether.admin.forms.FormSpec` as a Django form with Wagtail's widgets.

The spec stays the one judge: a :class:`RecordForm` only renders the spec's fields
(:meth:`FormSpec.fields`) with Wagtail's widgets and reads the browser's input back as
the flat ``{name: text}`` form the spec parses; every refusal is the spec's
:class:`~livingtogether.admin.forms.FormErrors`, shown at its field. The fields keep the
spec's names (``title.en``, ``links.0.url``).

Widgets: a text per language (``TextInput``, ``Textarea``, Draftail for rich text, the
core sanitising it on save), selects for enums and for the records a slug refers to
(cities of the editor, themes, campaigns...), Wagtail's date and date-time pickers, a
checkbox, a textarea of one item per line. A repeatable group (links, screenings) is
a fieldset per row plus one blank row; its "add a row" button re-renders the form as
typed with one blank row more. Images are chosen from Wagtail's image library
(``AdminImageChooser``): the image chosen becomes the core's image reference, with the
URLs of its renditions; a row's alt text and credit stay editable, "remove" drops it.
Documents (attachments) are kept as they are (the console adds them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from wagtail.admin.rich_text import DraftailRichTextArea
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput
from wagtail.images import get_image_model
from wagtail.images.widgets import AdminImageChooser

from livingtogether import convert, i18n
from livingtogether.admin.forms import FormErrors, FormSpec, Rendered
from livingtogether.models import ImageRef

#: The button that grows a repeatable group by one row (its value: the group's name).
ADD_ROW = "add_row"
#: Draftail's features for the core's rich text (what the sanitiser keeps).
FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link"]
_ROW_OF = re.compile(r"^(.*\.\d{1,4})\.")
#: The renditions' widths an image chosen from the library carries (for ``srcset``).
WIDTHS = (400, 800)
Choices = Callable[[str], "list[tuple[str, str]] | None"]


class Section:
    """A heading and the bound fields under it (one per field, group row or image)."""

    def __init__(self, legend: str, names: list[str], add_row: str | None = None,
                 image: str | None = None) -> None:
        self.legend = legend
        self.names = names
        self.add_row = add_row
        self.image = image  # the URL of the row's image, shown beside its fields
        self.fields: list[forms.BoundField] = []


class _Bound(forms.BoundField):
    """A field whose id has no dots (``id_title-en``): Wagtail's scripts find a widget by
    a CSS selector of its id, where a dot would start a class."""

    @property
    def auto_id(self) -> str:
        return "id_" + self.html_name.replace(".", "-")


class RecordForm(forms.Form):
    """The form of one record (see the module's docstring)."""

    def __init__(self, spec: FormSpec[Any], rendered: Sequence[Rendered], choices: Choices,
                 *, data: Any = None, files: Any = None) -> None:
        super().__init__(data, files)
        self.spec = spec
        self.choices = choices
        self.kinds: dict[str, str] = {}  # field name: how its value is read back
        self.sections: list[Section] = []
        self.image_groups: list[str] = []
        # the spec's labels and help are the core catalog's, shown in the admin's language
        self.t = i18n.translations((get_language() or "en").split("-")[0]).gettext
        for field in rendered:
            self._add(field, self.t(field.label) if field.label else "")
        for section in self.sections:
            section.fields = [self[name] for name in section.names]
        self.hidden_names = [name for name, kind in self.kinds.items() if kind == "hidden"]

    # -- building

    def _field(self, name: str, field: forms.Field, kind: str = "text") -> str:
        field.get_bound_field = lambda form, name: _Bound(form, field, name)  # type: ignore[method-assign]
        self.fields[name] = field
        self.kinds[name] = kind
        return name

    def _add(self, field: Rendered, legend: str) -> None:
        if field.widget == "image":
            self._images(field)
        elif field.widget == "attachment":
            self._hidden(field)
        elif field.items:
            repeat = field.widget == "repeat"
            for number, row in enumerate(field.items, start=1):
                names: list[str] = []
                for child in row:
                    names.extend(self._inputs(child, self.t(child.label) if child.label
                                              else legend))
                last = number == len(field.items)
                self.sections.append(Section(f"{legend} {number}" if repeat else legend, names,
                                             add_row=field.name if repeat and last else None))
        else:
            self.sections.append(Section("", self._inputs(field, legend)))

    def _inputs(self, field: Rendered, label: str) -> list[str]:
        """The Django fields of one field of the spec (one per language, or one)."""
        if field.items:  # a group inside a row: its fields flattened
            return [name for row in field.items for child in row
                    for name in self._inputs(child, f"{label}: {self.t(child.label)}")]
        required = False  # the spec judges; the browser must not refuse first
        common = {"label": label, "help_text": self.t(field.help) if field.help else "",
                  "required": required}
        if field.languages:
            names = []
            for language, value, _ in field.languages:
                widget = _text_widget(field.widget)
                names.append(self._field(f"{field.name}.{language}", forms.CharField(
                    initial=value, widget=widget, strip=False,
                    **{**common, "label": f"{label} ({language})"}),
                    "html" if field.widget == "richtext" else "text"))
            return names
        value = field.value
        if field.widget == "checkbox":
            return [self._field(field.name, forms.BooleanField(initial=bool(value), **common),
                                "bool")]
        if field.widget == "chooser-many":
            offered = self.choices(field.chooser or "") or []
            chosen = [line for line in value.split("\n") if line]
            offered += [(slug, slug) for slug in chosen if slug not in dict(offered)]
            return [self._field(field.name, forms.MultipleChoiceField(
                choices=offered, initial=chosen, widget=forms.CheckboxSelectMultiple,
                **common), "many")]
        offered = list(field.choices) if field.choices else (
            self.choices(field.chooser) if field.chooser else None)
        if offered is not None:
            if value and value not in dict(offered):
                offered.append((value, value))
            return [self._field(field.name, forms.ChoiceField(
                choices=[("", "---------"), *offered], initial=value, **common))]
        if field.widget == "date":
            widget: forms.Widget = AdminDateInput(format="%Y-%m-%d")
        elif field.widget == "datetime-local":
            widget = AdminDateTimeInput(format="%Y-%m-%d %H:%M")
            value = value.replace("T", " ")
        else:
            widget = _text_widget(field.widget)
        return [self._field(field.name, forms.CharField(initial=value, widget=widget,
                                                        strip=False, **common))]

    def _hidden(self, field: Rendered) -> None:
        if field.languages:
            for language, value, _ in field.languages:
                self._field(f"{field.name}.{language}", forms.CharField(
                    initial=value, required=False, widget=forms.HiddenInput), "hidden")
            return
        if field.items:
            for row in field.items:
                for child in row:
                    self._hidden(child)
            return
        self._field(field.name, forms.CharField(initial=field.value, required=False,
                                                widget=forms.HiddenInput), "hidden")

    def _images(self, field: Rendered) -> None:
        """A fieldset per image kept (its alt text and credit editable, "remove"), and
        the library's chooser to add one."""
        self.image_groups.append(field.name)
        for number, row in enumerate(field.items[:-1], start=1):
            names: list[str] = []
            url = ""
            for child in row:
                if child.name.endswith((".alt", ".credit")):
                    names.extend(self._inputs(child, self.t(child.label)))
                else:
                    self._hidden(child)
                    if child.name.endswith(".url"):
                        url = child.value
            prefix = row[0].name.rsplit(".", 1)[0]
            names.append(self._field(f"{prefix}.remove", forms.BooleanField(
                required=False, label=_remove_label()), "remove"))
            self.sections.append(Section(f"{self.t(field.label)} {number}", names,
                                         image=url))
        add = self._field(f"{field.name}.add", forms.ModelChoiceField(
            queryset=get_image_model().objects.all(), required=False,
            label=self.t(field.label), help_text=self.t(field.help) if field.help else "",
            widget=AdminImageChooser), "image")
        self.sections.append(Section("", [add]))

    # -- reading back

    def values(self, data: MultiValueDict[str, Any]) -> dict[str, str]:
        """The browser's input as the flat form the spec parses (images chosen made
        references, rows removed dropped); ``FormErrors`` for an image that is not in
        the library."""
        out: dict[str, str] = {}
        removed: list[str] = []
        added: list[tuple[str, str]] = []
        unreadable: dict[str, str] = {}
        for name, kind in self.kinds.items():
            widget = self.fields[name].widget
            if kind == "html":
                try:
                    out[name] = _rich_text(widget, data, name)
                except (ValueError, TypeError, KeyError, AttributeError):
                    unreadable[name] = _unreadable()
                continue
            raw = widget.value_from_datadict(data, {}, name)
            if kind == "bool":
                out[name] = "yes" if raw else ""
            elif kind == "remove":
                if raw:
                    removed.append(name.removesuffix("remove"))
            elif kind == "many":
                out[name] = "\n".join(str(item) for item in raw or ())
            elif kind == "image":
                if raw not in (None, ""):
                    added.append((name.removesuffix(".add"), str(raw)))
            else:
                out[name] = "" if raw is None else str(raw)
        out = {k: v for k, v in out.items() if not k.startswith(tuple(removed))
               and _posted_row(k, data)}
        if unreadable:
            first = next(iter(unreadable.values()))
            raise FormErrors(first, field=next(iter(unreadable)),
                             problems=list(unreadable.items()), errors=unreadable, values=out)
        for group, wanted in added:
            _add_image(self.spec, out, group, wanted)
        return out


def _posted_row(name: str, data: MultiValueDict[str, Any]) -> bool:
    """Whether the row of ``name`` (``links.1.url``: ``links.1``) came with the input: the
    blank row the form would add is no row the browser sent."""
    found = _ROW_OF.match(name)
    if found is None:
        return True
    prefix = found.group(1) + "."
    return any(str(key).startswith(prefix) for key in data)


def _rich_text(widget: forms.Widget, data: MultiValueDict[str, Any], name: str) -> str:
    """Draftail's input (its JSON) as the HTML the core sanitises; ``ValueError`` and
    the like for input no Draftail sent."""
    raw = data.get(name)
    if raw is None or not str(raw).strip() or str(raw).strip() == "null":
        return ""
    if not str(raw).lstrip().startswith("{"):
        raise ValueError("not Draftail's JSON")
    html = widget.value_from_datadict(data, {}, name)
    return "" if html is None else str(html)


def _unreadable() -> str:
    from django.utils.translation import gettext

    return gettext("The text could not be read (it did not come from the editor): "
                   "type it again.")


def _text_widget(widget: str) -> forms.Widget:
    if widget == "richtext":
        return DraftailRichTextArea(features=FEATURES)
    if widget == "textarea":
        return forms.Textarea(attrs={"rows": 4})
    if widget == "url":
        return forms.URLInput()
    if widget == "number":
        return forms.TextInput(attrs={"inputmode": "decimal"})
    return forms.TextInput()


def _remove_label() -> str:
    from django.utils.translation import gettext

    return gettext("Remove this image")


def _add_image(spec: FormSpec[Any], out: dict[str, str], group: str, wanted: str) -> None:
    """The library image ``wanted`` (its id) as a new row of ``group``."""
    image = get_image_model().objects.filter(pk=int(wanted)).first() \
        if wanted.isdigit() and len(wanted) < 12 else None
    if image is None:
        message = f"there is no image {wanted[:20]!r} in the library: choose one"
        raise FormErrors(message, field=f"{group}.add", problems=[(f"{group}.add", message)],
                         errors={f"{group}.add": message}, values=out)
    main = image.get_rendition("max-1600x1600")
    renditions = [image.get_rendition(f"width-{width}") for width in WIDTHS
                  if width < main.width]
    alt = getattr(image, "description", "") or image.title
    reference = convert.structure({
        "url": main.url, "width": main.width, "height": main.height,
        "size": max(main.file.size, 1),
        "alt": {spec.languages[0] if spec.languages else "en": alt[:200]},
        "renditions": [{"url": r.url, "width": r.width, "height": r.height,
                        "size": max(r.file.size, 1)} for r in renditions]}, ImageRef)
    rows = [int(part) for key in out if key.startswith(f"{group}.")
            for part in [key[len(group) + 1:].split(".", 1)[0]] if part.isdigit()]
    row = f"{group}.{max(rows, default=-1) + 1}."
    one = FormSpec(ImageRef, languages=spec.languages)
    out.update({row + name: value for name, value in one.form_data(reference).items()})


def errors_at(form: RecordForm, error: FormErrors) -> None:
    """The spec's refusal shown at each field (the whole record's at the form's top)."""
    form.cleaned_data = {}
    for name, message in error.errors.items():
        target = _field_of(form, name)
        form.add_error(target, message)  # type: ignore[arg-type]
    if not error.errors:
        form.add_error(None, error.message)


def _field_of(form: RecordForm, name: str) -> str | None:
    """The Django field showing ``name`` (a multilingual field's first language, the
    image chooser for an image's problem, else none: the form's top)."""
    if name in form.fields:
        return name
    for candidate in form.fields:
        if candidate.startswith(f"{name}."):
            return candidate
    for group in form.image_groups:
        if name.startswith(f"{group}."):
            return f"{group}.add"
    return None


def posted(data: Mapping[str, Any]) -> dict[str, str]:
    """The raw POST as the spec's rendering reads it (the rows typed, their numbers)."""
    return {str(key): str(value) for key, value in data.items()
            if key not in ("csrfmiddlewaretoken", ADD_ROW, "base", "action")}
