"""The views of a record viewset (:mod:`.record_viewsets`): list, new, edit, preview, history,
withdraw, each a translation of one call of the record type's core
:class:`~livingtogether.admin.editor.Editor` for the request's principal (:mod:`.principals`).

The editor checks every permission on the record's city: its ``Forbidden`` becomes
Wagtail's permission-denied answer, its ``NotFound`` a 404, a form the core's spec
refuses the form again with each message at its field and everything typed kept, a save
on a stale base the form again, the input kept, saying who saved meanwhile. Each action
ends with Wagtail's message.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied

from livingtogether.admin.editor import Editing, Editor
from livingtogether.admin.forms import FormErrors, FormSpec
from livingtogether.admin.services import Staff
from livingtogether.errors import EditConflict, Forbidden, NotFound, ValidationError
from livingtogether.models import Text
from livingtogether.staff_console.screens import Screen, staff_of
from livingtogether.web.render import render

from .conf import core_request, get_state
from .principals import principal
from .record_forms import ADD_ROW, RecordForm, errors_at, posted

if TYPE_CHECKING:
    from .record_viewsets import RecordViewSet


def staff() -> Staff:
    """The staff layer of the site's Observatory."""
    return staff_of(get_state().observatory)


def language() -> str:
    """The admin's language as the core names it (``en``, ``fr``...)."""
    return (get_language() or "en").split("-")[0]


def screen_of(request: HttpRequest) -> Screen:
    """The request as a console screen, for the console's description of the kind (its
    list and its preview's context read ``screen.web``, ``screen.principal``, the query)."""
    return Screen(console=SimpleNamespace(web=get_state().web), request=core_request(request),
                  principal=principal(request), lang=language(), token="")


def cell(value: Any) -> str:
    """A value as text, a multilingual one in the admin's language."""
    if isinstance(value, Text):
        return value.get(language())
    return "" if value is None else str(value)


class RecordView(TemplateView):
    """What every view of a record viewset shares: its viewset, editor and principal."""

    viewset: RecordViewSet = None  # type: ignore[assignment] (given by as_view)
    header_icon = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            if not self.viewset.may_open(principal(request)):
                raise PermissionDenied
            return super().dispatch(request, *args, **kwargs)
        except (Forbidden, PermissionDenied):
            return permission_denied(request)
        except NotFound as error:
            raise Http404(str(error)) from error

    @property
    def editor(self) -> Editor[Any]:
        """The core's editor of the record type."""
        return self.viewset.editor(staff())

    @property
    def key(self) -> str:
        """The record's key, from the URL."""
        return str(self.kwargs["key"])

    def url(self, action: str, key: str | None = None, **more: Any) -> str:
        """The URL of the viewset's view ``action`` (of the record ``key``)."""
        args = [key] if key is not None else []
        return reverse(self.viewset.get_url_name(action), args=[*args, *more.values()])

    def crumbs(self, *more: tuple[str, str]) -> list[dict[str, str]]:
        """Wagtail's breadcrumbs: the Observatory, the record type, then ``more``."""
        items = [{"url": self.url("index"), "label": str(self.viewset.menu_label)}]
        return items + [{"url": url, "label": label} for url, label in more]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("header_icon", self.viewset.icon)
        context["viewset"] = self.viewset
        return context


# -- the form: new and edit


class FormView(RecordView):
    """New (no key) and edit: the core's form spec with Wagtail's widgets."""

    template_name = "livingtogether_wagtail/admin/record_form.html"
    creating = False

    def spec(self) -> FormSpec[Any]:
        """The record type's form for the site's languages."""
        return self.viewset.form(get_state().observatory.settings.languages)

    def editing(self) -> Editing[Any] | None:
        """The record as staff open it (``None`` when creating)."""
        return None if self.creating else self.editor.get(principal(self.request), self.key)

    def page(self, form: RecordForm, editing: Editing[Any] | None, base: int,
             status: int = 200) -> HttpResponse:
        title = str(self.viewset.new_label) if editing is None else self.key
        who = principal(self.request)
        key = None if editing is None else self.key
        context = self.get_context_data(
            form=form, editing=editing, base=base, page_title=title, header_title=title,
            breadcrumbs_items=self.crumbs(("", title)), add_row=ADD_ROW,
            action_url=self.url("add") if key is None else self.url("edit", key),
            preview_url=self.url("preview", key) if key else None,
            history_url=self.url("history", key) if key else None,
            withdraw_url=self.url("withdraw", key) if key and self.viewset.deletable
            and editing is not None and editing.published is not None else None,
            may_publish=self.viewset.may_publish(who),
            may_submit=hasattr(self.editor, "submit") and not self.viewset.may_publish(who),
            media=form.media)
        return self.render_to_response(context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editing = self.editing()
        spec = self.spec()
        form = RecordForm(spec, spec.fields(editing.current if editing else None),
                          self.viewset.choices(principal(request)))
        return self.page(form, editing, editing.base if editing else 0)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editing = self.editing()
        spec = self.spec()
        choices = self.viewset.choices(principal(request))
        typed = posted(request.POST)
        layout = spec.fields(None, error=FormErrors("", values=typed))
        form = RecordForm(spec, layout, choices)
        base = _number(request.POST.get("base"))
        try:
            values = form.values(request.POST)
        except FormErrors as error:
            return self.refused(spec, choices, error, editing, base)
        if editing is not None:
            values.update(self.viewset.values_of(self.key))  # a record keeps its address
        if request.POST.get(ADD_ROW):  # a row more, nothing saved
            again = RecordForm(spec, spec.fields(None, error=FormErrors("", values=values)),
                               choices)
            return self.page(again, editing, base)
        try:
            record = spec.parse(values)
            self.save(record, base, editing)
        except EditConflict as conflict:
            messages.error(request, _(
                "%(person)s saved revision %(number)s of this record while you were editing "
                "it. Nothing of yours was saved: your text is below. Open the record again "
                "to see their version, then apply your changes to it.") % {
                    "person": conflict.current_author or "?",
                    "number": conflict.current_number})
            return self.refused(spec, choices, FormErrors("", values=values), editing, base,
                                status=409)
        except FormErrors as error:
            return self.refused(spec, choices, error, editing, base)
        except Forbidden:
            raise
        except ValidationError as error:
            name = spec.name_of(error.field)
            return self.refused(spec, choices, FormErrors(
                error.message, field=name, errors={name: error.message} if name else {},
                values=values), editing, base)
        key = self.editor.key_of(record)
        return redirect(self.url("edit", key))

    def refused(self, spec: FormSpec[Any], choices: Any, error: FormErrors,
                editing: Editing[Any] | None, base: int, status: int = 200) -> HttpResponse:
        """The form again as typed, each problem at its field."""
        form = RecordForm(spec, spec.fields(None, error=error), choices)
        if error.errors or error.message:
            errors_at(form, error)
            messages.error(self.request, _("The record could not be saved: see the "
                                           "messages at the fields."))
        return self.page(form, editing, base, status=status)

    def save(self, record: Any, base: int, editing: Editing[Any] | None) -> None:
        """Save the record as the button pressed says: a draft, published, or sent for
        review."""
        who = principal(self.request)
        action = self.request.POST.get("action", "draft")
        editor = self.editor
        key = editor.key_of(record)
        if editing is None and self._taken(key):
            raise ValidationError(_("this short name is taken by another record; choose "
                                    "another"), field=self.viewset.keys[-1])
        if action == "publish":
            editor.save_and_publish(who, record, base=base)
            messages.success(self.request, _("%(key)s: published.") % {"key": key})
        elif action == "submit" and hasattr(editor, "submit"):
            revision = editor.save_draft(who, record, base=base)
            editor.submit(who, key, base=revision.number)
            messages.success(self.request, _("%(key)s: sent for review.") % {"key": key})
        else:
            editor.save_draft(who, record, base=base)
            messages.success(self.request, _("%(key)s: draft saved.") % {"key": key})

    def _taken(self, key: str) -> bool:
        try:
            self.editor.get(principal(self.request), key)
        except NotFound:
            return False
        except Forbidden:
            return True
        return True


class CreateView(FormView):
    """A new record (its first draft)."""

    creating = True


def _number(raw: str | None) -> int:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else 0


# -- preview, history, restore, withdraw


class PreviewView(RecordView):
    """The record (its draft if any) as the public widget shows it."""

    template_name = "livingtogether_wagtail/admin/record_preview.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editing = self.editor.get(principal(request), self.key)
        record = editing.current
        web = get_state().web
        html = ""
        if self.viewset.preview_template:
            html = render(web, core_request(request), self.viewset.preview_template,
                          language(), **self.viewset.screens.preview_context(
                              screen_of(request), record))
        summary = () if html else [
            (field.label, cell(getattr(record, field.name.split(".")[0], None)))
            for field in self.viewset.form(web.settings.languages).fields(record)]
        title = _("Preview of %(key)s") % {"key": self.key}
        return self.render_to_response(self.get_context_data(
            page_title=title, header_title=title, editing=editing, preview=html,
            summary=summary, edit_url=self.url("edit", self.key),
            breadcrumbs_items=self.crumbs((self.url("edit", self.key), self.key),
                                          ("", _("Preview")))))


class HistoryView(RecordView):
    """The record's revisions, the newest first, who and when; restore one as a draft."""

    template_name = "livingtogether_wagtail/admin/record_history.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        history = self.editor.history(principal(request), self.key, limit=50)
        title = _("History of %(key)s") % {"key": self.key}
        return self.render_to_response(self.get_context_data(
            page_title=title, header_title=title, revisions=history.items,
            total=history.total, base=history.items[0].number if history.items else 0,
            edit_url=self.url("edit", self.key), restore_url=self.url("restore", self.key),
            breadcrumbs_items=self.crumbs((self.url("edit", self.key), self.key),
                                          ("", _("History")))))


class RestoreView(RecordView):
    """Bring an old revision back as a new draft (POST)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        number = _number(request.POST.get("number"))
        try:
            self.editor.restore(principal(request), self.key, number,
                                base=_number(request.POST.get("base")))
        except (EditConflict, ValidationError) as error:
            if isinstance(error, Forbidden):
                raise
            messages.error(request, str(error))
            return redirect(self.url("history", self.key))
        messages.success(request, _("Revision %(number)s restored as a draft.")
                         % {"number": number})
        return redirect(self.url("edit", self.key))


class WithdrawView(RecordView):
    """Confirm, then withdraw the record from the public; its history stays."""

    template_name = "livingtogether_wagtail/admin/record_withdraw.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editing = self.editor.get(principal(request), self.key)
        title = _("Withdraw %(key)s") % {"key": self.key}
        return self.render_to_response(self.get_context_data(
            page_title=title, header_title=title, editing=editing, base=editing.base,
            edit_url=self.url("edit", self.key),
            breadcrumbs_items=self.crumbs((self.url("edit", self.key), self.key),
                                          ("", _("Withdraw")))))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.editor.delete(principal(request), self.key,
                               base=_number(request.POST.get("base")))
        except EditConflict as error:
            messages.error(request, str(error))
            return redirect(self.url("withdraw", self.key))
        messages.success(request, _("%(key)s: withdrawn; its history stays, to restore it.")
                         % {"key": self.key})
        return redirect(self.url("history", self.key))
