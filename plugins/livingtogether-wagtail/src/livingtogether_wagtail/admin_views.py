"""Wagtail admin views: signatures (with CSV export), practices moderation, participations.

Signatures are personal data: only superusers and users with the
``livingtogether.view_signatures`` permission see them. Moderation needs
``livingtogether.moderate_practices`` (or a superuser). Every view reads and
writes through the core's services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from livingtogether.errors import LivingTogetherError
from livingtogether.models import DEFAULT_DECLARATION, PledgeStatus

from .conf import get_state

PAGE = 50


def allowed(user: Any, permission: str) -> bool:
    """Whether ``user`` holds ``livingtogether.<permission>`` (an active superuser holds all)."""
    return bool(user.has_perm(f"livingtogether.{permission}"))


def _allowed(request: HttpRequest, permission: str) -> None:
    if not allowed(request.user, permission):
        raise PermissionDenied


def _offset(request: HttpRequest) -> int:
    raw = request.GET.get("offset", "0")
    return int(raw) if raw.isdigit() and len(raw) < 9 else 0


def signatures(request: HttpRequest) -> HttpResponse:
    """The signatures of one declaration, paged, by status; ``?format=csv``: the confirmed ones."""
    _allowed(request, "view_signatures")
    obs = get_state().observatory
    slug = request.GET.get("declaration") or DEFAULT_DECLARATION
    raw_status = request.GET.get("status", "")
    try:
        status = PledgeStatus(raw_status) if raw_status else None
        if request.GET.get("format") == "csv":
            # the core's export: confirmed signatures, cells safe from spreadsheet formulas
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            obs.signature_export.write_csv(slug, response)  # type: ignore[arg-type]
            response["Content-Disposition"] = f'attachment; filename="signatures-{slug}.csv"'
            return response
        declaration = obs.declarations.get(slug)
    except (ValueError, LivingTogetherError) as error:
        return render(request, "livingtogether_wagtail/admin/error.html",
                      {"page_title": _("Signatures"), "message": str(error)}, status=400)
    declarations = obs.declarations.list(limit=200).items
    page = obs.signatures.list(declaration.slug, status=status, limit=PAGE, offset=_offset(request))
    return render(request, "livingtogether_wagtail/admin/signatures.html", {
        "page_title": _("Signatures"), "header_icon": "form", "page": page,
        "declarations": declarations, "declaration": declaration, "status": raw_status,
        "statuses": [s.value for s in PledgeStatus],
        "next_offset": page.offset + PAGE if page.offset + PAGE < page.total else None,
        "previous_offset": max(page.offset - PAGE, 0) if page.offset else None,
    })


@require_http_methods(["GET", "POST"])
def practices(request: HttpRequest) -> HttpResponse:
    """The moderation queue (submitted practices and revisions): publish, or reject saying why."""
    _allowed(request, "moderate_practices")
    obs = get_state().observatory
    if request.method == "POST":
        slug = request.POST.get("practice", "")
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "").strip() or None
        try:
            if action == "approve":
                obs.practices.publish(slug)
            elif action == "reject":
                obs.practices.reject(slug, reason or "")
            else:
                raise LivingTogetherError("choose approve or reject")
        except LivingTogetherError as error:
            messages.error(request, f"{slug[:100]}: {error}")
            return HttpResponseRedirect(reverse("livingtogether_admin:practices"))
        done = _("published") if action == "approve" else _("rejected")
        messages.success(request, f"{slug}: {done}")
        return HttpResponseRedirect(reverse("livingtogether_admin:practices"))
    queue = obs.practices.review_queue()
    return render(request, "livingtogether_wagtail/admin/practices.html", {
        "page_title": _("Practices to moderate"), "header_icon": "doc-full", "queue": queue,
    })


def participations(request: HttpRequest) -> HttpResponse:
    """Cities taking part in the campaigns: dissemination, screenings, signing."""
    _allowed(request, "view_participations")
    obs = get_state().observatory
    page = obs.participations.list(limit=PAGE, offset=_offset(request))
    return render(request, "livingtogether_wagtail/admin/participations.html", {
        "page_title": _("Campaign participations"), "header_icon": "group", "page": page,
    })
