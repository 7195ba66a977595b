"""The review screens' building blocks: who acts, the lazy listing, the base views, and
the signatures' views (the moderation's are in :mod:`.review_moderation`).

The views subclass Wagtail's generic ones and only translate: every read and write
goes through the core's staff layer (``Staff(obs)``), which checks the permissions
again and writes the audit. A refusal of the core (``LivingTogetherError``) becomes
Wagtail's error message or the error of the form's field, never a 500.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import ButtonsColumnMixin, Column, TitleColumn
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton, ListingButton

from livingtogether.admin.principals import Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import LivingTogetherError, ValidationError
from livingtogether.models import DEFAULT_DECLARATION, Pledge, PledgeStatus

from .conf import get_state
from .models import Access
from .paging import Paged
from .principals import principal_of


#: The plugin's Django permissions (``livingtogether.<codename>``, Settings → Groups)
#: and the core's permission each grants.
def allowed(user: Any, *codenames: str) -> bool:
    """Whether ``user`` holds one of ``livingtogether.<codename>`` (a superuser holds all)."""
    return any(user.has_perm(f"livingtogether.{codename}") for codename in codenames)


class ActionsColumn(ButtonsColumnMixin, TitleColumn):
    """The title of a row, linked, with the row's buttons beneath it."""

    def __init__(self, name: str, *, buttons: Callable[[Any], list[Any]], **kwargs: Any,
                 ) -> None:
        super().__init__(name, **kwargs)
        self.row_buttons = buttons

    def get_buttons(self, instance: Any, parent_context: Any) -> list[Any]:
        """The buttons of ``instance``'s row."""
        return self.row_buttons(instance)


def choice_filter(label: Any, choices: Callable[[], list[tuple[str, str]]],
                  ) -> django_filters.ChoiceFilter:
    """A filter of the drawer whose choices the core gives (read when the form is made)."""
    return django_filters.ChoiceFilter(label=label, choices=choices)


class ReviewMixin:
    """The Django permission a view needs (one of ``permissions``), the core's staff
    layer and the principal of the request's user."""

    permissions: tuple[str, ...] = ()
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Wagtail's permission-denied page unless the user holds one of the permissions."""
        if not allowed(request.user, *self.permissions):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    @cached_property
    def obs(self) -> Any:
        """The site's Observatory."""
        return get_state().observatory

    @cached_property
    def staff(self) -> Staff:
        """The core's staff layer over the site's Observatory."""
        return Staff(self.obs)

    @cached_property
    def principal(self) -> Principal:
        """Who acts, as the core knows them."""
        return principal_of(self.request.user)


class ReviewListing(ReviewMixin, BaseListingView):  # type: ignore[misc]
    """A Wagtail listing over the core: ``rows()`` gives a :class:`Paged` (or a list);
    the drawer's filters and the search box give its arguments."""

    paginate_by = 50

    def get_filterset_kwargs(self) -> dict[str, Any]:
        """The drawer's filters read the request; they filter nothing in Django."""
        return {**super().get_filterset_kwargs(), "queryset": Access.objects.none()}

    def chosen(self, name: str) -> str:
        """The value of the drawer's filter ``name`` (``""``: none, or not a choice)."""
        if not self.filters or not self.filters.is_valid():
            return ""
        return str(self.filters.form.cleaned_data.get(name) or "")

    def rows(self) -> Sequence[Any]:
        """The listing's rows, from the core."""
        raise NotImplementedError

    def get_queryset(self) -> Sequence[Any]:
        """The rows, their total asked now so that a refusal of the core is a message."""
        if self.filters and not self.filters.is_valid():
            for name, errors in self.filters.form.errors.items():
                messages.error(self.request, f"{self.filters.form[name].label}: {errors[0]}")
        try:
            rows = self.rows()
            len(rows)
        except LivingTogetherError as error:
            messages.error(self.request, str(error))
            return []
        return rows


class ReviewPage(ReviewMixin, WagtailAdminTemplateMixin, View):
    """A page of the review screens in Wagtail's furniture, with its breadcrumbs."""

    index_url_name = ""
    index_label: Any = ""

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        """Home, the listing, this page."""
        return [*self.breadcrumbs_items, {"url": reverse(self.index_url_name),
                                          "label": self.index_label},
                {"url": "", "label": self.get_page_title()}]

    def show(self, status: int = 200, **context: Any) -> TemplateResponse:
        """This page with ``context``."""
        return TemplateResponse(self.request, self.get_template_names(),
                                self.get_context_data(**context), status=status)

    def back(self, error: LivingTogetherError | None = None, **query: str) -> HttpResponse:
        """Back to the listing (with ``error`` as Wagtail's error message)."""
        if error is not None:
            messages.error(self.request, str(error))
        url = reverse(self.index_url_name)
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        return HttpResponseRedirect(url)


# -- signatures


def declaration_choices() -> list[tuple[str, str]]:
    """The site's declarations, for the filter and the export."""
    found = get_state().observatory.declarations.list(limit=200).items
    return [(d.slug, d.title.get() or d.slug) for d in found]


class SignatureFilters(WagtailFilterSet):
    """The declaration (the Universal Declaration by default) and the status."""

    declaration = choice_filter(gettext_lazy("Declaration"), declaration_choices)
    status = choice_filter(gettext_lazy("Status"),
                           lambda: [(s.value, s.value.capitalize()) for s in PledgeStatus])

    class Meta:
        model = Access
        fields: list[str] = []


class SignatureListing(ReviewListing):
    """A declaration's signatures, the newest first; search by name, address or city."""

    permissions = ("view_signatures",)
    is_searchable = True
    filterset_class = SignatureFilters
    verbose_name = gettext_lazy("signature")
    verbose_name_plural = gettext_lazy("signatures")

    @cached_property
    def declaration(self) -> str:
        """The chosen declaration, else the Universal Declaration or, on a site without it,
        the first (``ValidationError``: none)."""
        chosen = self.chosen("declaration")
        if chosen:
            return chosen
        known = declaration_choices()
        if not known:
            raise ValidationError("this site has no declaration yet, so no signature",
                                  field="declaration")
        slugs = [slug for slug, _ in known]
        return DEFAULT_DECLARATION if DEFAULT_DECLARATION in slugs else slugs[0]

    def rows(self) -> Paged[Pledge]:
        """The core's search, a page at a time."""
        status = PledgeStatus(self.chosen("status")) if self.chosen("status") else None
        declaration, q = self.declaration, self.search_query
        return Paged(lambda limit, offset: self.staff.signatures.search(
            self.principal, declaration, q, status=status, limit=limit, offset=offset))

    def get_page_subtitle(self) -> str:
        """The declaration shown."""
        try:
            return self.declaration
        except LivingTogetherError:
            return ""

    @cached_property
    def columns(self) -> list[Any]:  # type: ignore[override]
        """Who signed, how to reach them, where from, the status, when."""
        may_withdraw = allowed(self.request.user, "signatures_withdraw")
        withdraw = "livingtogether_signatures:withdraw"

        def buttons(pledge: Pledge) -> list[Any]:
            if not may_withdraw:
                return []
            return [ListingButton(_("Withdraw"), reverse(withdraw, args=(pledge.id,)),
                                  icon_name="bin", priority=10)]

        return [
            ActionsColumn("name", label=_("Name"), buttons=buttons,
                          get_url=lambda p: reverse(withdraw, args=(p.id,))
                          if may_withdraw else None),
            Column("email", label=_("Email")),
            Column("country", label=_("Country")),
            Column("city", label=_("City")),
            Column("status", label=_("Status"), accessor=lambda p: p.status.value),
            Column("signed_at", label=_("Signed"),
                   accessor=lambda p: f"{p.signed_at:%Y-%m-%d %H:%M}" if p.signed_at else ""),
        ]

    def get_header_buttons(self) -> list[Any]:
        """Export CSV, for who may export."""
        buttons = list(super().get_header_buttons())
        if allowed(self.request.user, "signatures_export"):
            buttons.append(HeaderButton(_("Export CSV"),
                                        reverse("livingtogether_signatures:export"),
                                        icon_name="download"))
        return buttons


class ReasonForm(forms.Form):
    """Why the signature is withdrawn (the audit keeps it)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (e.g. the resident's request and its date)"),
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SignaturePage(ReviewPage):
    """The signatures' pages beside the listing."""

    index_url_name = "livingtogether_signatures:index"
    index_label = gettext_lazy("Signatures")
    header_icon = "form"
    template_name = "livingtogether_wagtail/admin/review_form.html"


class WithdrawSignature(SignaturePage):
    """Withdraw a signature at its signer's request: who signed, the reason, confirm."""

    permissions = ("signatures_withdraw",)
    page_title = gettext_lazy("Withdraw a signature")

    def _page(self, form: ReasonForm, pledge: Pledge, status: int = 200) -> TemplateResponse:
        return self.show(status, form=form, pledge=pledge, submit_button_label=_("Withdraw"),
                         action_url=self.request.path, media=form.media)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The confirmation step."""
        try:
            pledge = self.staff.signatures.get(self.principal, pk)
        except LivingTogetherError as error:
            return self.back(error)
        return self._page(ReasonForm(), pledge)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Withdraw it (erased with its personal data), the reason in the audit."""
        form = ReasonForm(request.POST)
        try:
            pledge = self.staff.signatures.get(self.principal, pk)
            if form.is_valid():
                self.staff.signatures.withdraw(self.principal, pk,
                                               reason=form.cleaned_data["reason"])
                messages.success(request, _("The signature of %(name)s is withdrawn.")
                                 % {"name": pledge.name})
                return self.back(declaration=pledge.declaration)
        except ValidationError as error:
            if error.field != "reason":
                return self.back(error)
            form.add_error("reason", error.message)
        except LivingTogetherError as error:
            return self.back(error)
        messages.validation_error(request, _("The signature was not withdrawn."), form)
        return self._page(form, pledge)


class ExportForm(forms.Form):
    """Which declaration's confirmed signatures to export."""

    declaration = forms.ChoiceField(label=gettext_lazy("Declaration"),
                                    choices=declaration_choices)


class ExportSignatures(SignaturePage):
    """The audited CSV export: a form (the export is recorded before any data leaves, so
    no link or prefetch may start it), then the file."""

    permissions = ("signatures_export",)
    page_title = gettext_lazy("Export the confirmed signatures")

    def _page(self, form: ExportForm) -> TemplateResponse:
        return self.show(form=form, submit_button_label=_("Download CSV"),
                         action_url=self.request.path, media=form.media)

    def get(self, request: HttpRequest) -> HttpResponse:
        """The form."""
        return self._page(ExportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        """The CSV file, its cells safe from spreadsheet formulas (the core's export)."""
        form = ExportForm(request.POST)
        if not form.is_valid():
            messages.validation_error(request, _("Choose a declaration."), form)
            return self._page(form)
        slug = form.cleaned_data["declaration"]
        out = io.StringIO()
        try:
            self.staff.signatures.export_csv(self.principal, slug, out)
        except LivingTogetherError as error:
            messages.error(request, str(error))
            return self._page(form)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="signatures-{slug}.csv"'
        response["Cache-Control"] = "no-store"
        return response
