"""The signature screens (the secretariat's): list and search, withdraw on a resident's
request, CSV export, retention.

Every action goes through ``Staff(obs).signatures`` (:mod:`livingtogether.admin.signatures`),
which checks the network-wide permissions ``signatures.view``, ``signatures.withdraw`` and
``signatures.export`` and writes the audit: a withdrawal with its reason, an export
before any data leaves, a retention pass with what it removed. A withdrawal and a
retention pass each need a confirmation step; the export is a POST (it is audited, so
no link or prefetch may start it). Every answer of the console is ``no-store``.
"""

from __future__ import annotations

import io

from ..admin.principals import Permission
from ..errors import ValidationError
from ..models import DEFAULT_DECLARATION, Declaration
from ..web.http import Response
from .screens import Screen, route, whole

PAGE_SIZE = 25


def declarations(screen: Screen) -> list[Declaration]:
    """The network's declarations (whose signatures these screens show)."""
    return list(screen.web.observatory.declarations.list(limit=200).items)


def chosen(screen: Screen, value: str | None) -> str:
    """The declaration named by ``value`` (by default the Universal Declaration, or the
    first one of a site without it); ``ValidationError`` when the site has none or
    ``value`` is not one of them."""
    known = [declaration.slug for declaration in declarations(screen)]
    if not known:
        raise ValidationError("this site has no declaration yet, so no signature",
                              field="declaration")
    if not value:
        return DEFAULT_DECLARATION if DEFAULT_DECLARATION in known else known[0]
    if value not in known:
        raise ValidationError(f"{value[:60]!r} is not a declaration of this site; choose one "
                              "of: " + ", ".join(known), field="declaration")
    return value


def list_signatures(screen: Screen) -> Response:
    """The signatures of a declaration, the newest first, or those matching ``q``
    (name, address or city)."""
    screen.principal.require(Permission.SIGNATURES_VIEW, None)
    query = screen.request.query
    declaration = chosen(screen, query.get("declaration"))
    page = whole(query.get("page") or "1", "page", minimum=1, maximum=100_000)
    q = (query.get("q") or "").strip()[:200]
    found = screen.staff.signatures.search(screen.principal, declaration, q,
                                           limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return screen.page("console/signatures.html", items=found.items, total=found.total,
                       page=page, pages=pages, q=q, declaration=declaration,
                       declarations=declarations(screen),
                       withdrawn=query.get("withdrawn") == "1",
                       may_withdraw=screen.principal.can(Permission.SIGNATURES_WITHDRAW),
                       may_export=screen.principal.can(Permission.SIGNATURES_EXPORT))


def _pledge_id(screen: Screen) -> int:
    return whole(screen.path["id"], "id", minimum=1, maximum=2**31 - 1)


def confirm_withdrawal(screen: Screen) -> Response:
    """The confirmation step of a withdrawal: who signed, and the reason to record."""
    screen.principal.require(Permission.SIGNATURES_WITHDRAW, None)
    pledge = screen.staff.signatures.get(screen.principal, _pledge_id(screen))
    return screen.page("console/signature_withdraw.html", pledge=pledge, reason="",
                       error=None)


def withdraw_signature(screen: Screen) -> Response:
    """Withdraw the signature (erased with its personal data), the reason in the audit."""
    pledge_id = _pledge_id(screen)
    form = screen.form()
    reason = (form.get("reason") or "").strip()
    if not reason:
        screen.principal.require(Permission.SIGNATURES_WITHDRAW, None)
        pledge = screen.staff.signatures.get(screen.principal, pledge_id)
        return screen.page("console/signature_withdraw.html", 422, pledge=pledge,
                           reason=reason[:2000], error=screen.gettext(
                               "Say why (e.g. the resident's request and its date): "
                               "the audit keeps the reason."))
    pledge = screen.staff.signatures.get(screen.principal, pledge_id)
    screen.staff.signatures.withdraw(screen.principal, pledge_id, reason=reason)
    return screen.redirect("console-signatures", declaration=pledge.declaration,
                           withdrawn="1")


def export_signatures(screen: Screen) -> Response:
    """The confirmed signatures of the declaration as CSV (audited before it is written)."""
    declaration = chosen(screen, screen.form().get("declaration"))
    out = io.StringIO()
    screen.staff.signatures.export_csv(screen.principal, declaration, out)
    return Response(status=200, body=out.getvalue().encode("utf-8"), headers=(
        ("Content-Type", "text/csv; charset=utf-8"),
        ("Content-Disposition", f'attachment; filename="signatures-{declaration}.csv"')))


def retention_page(screen: Screen) -> Response:
    """What the retention does and after how long, with the button that runs it."""
    screen.principal.require(Permission.SIGNATURES_WITHDRAW, None)
    return screen.page("console/retention.html", report=None, error=None,
                       settings=screen.web.settings)


def run_retention(screen: Screen) -> Response:
    """Run the retention, once its confirmation box is ticked."""
    settings = screen.web.settings
    if screen.form().get("confirm") != "yes":
        screen.principal.require(Permission.SIGNATURES_WITHDRAW, None)
        return screen.page("console/retention.html", 422, report=None, settings=settings,
                           error=screen.gettext("Tick the box to confirm: the retention "
                                                "erases personal data for good."))
    report = screen.staff.signatures.retention(
        screen.principal, pending_days=settings.retention_pending_days,
        closed_months=settings.retention_closed_months)
    return screen.page("console/retention.html", report=report, error=None,
                       settings=settings)


ROUTES = (
    route("GET", "/signatures", "console-signatures", list_signatures),
    route("POST", "/signatures/export", "console-signatures-export", export_signatures),
    route("GET", "/signatures/retention", "console-retention", retention_page),
    route("POST", "/signatures/retention", "console-retention-run", run_retention),
    route("GET", "/signatures/{id}/withdraw", "console-signature-withdraw",
                 confirm_withdrawal),
    route("POST", "/signatures/{id}/withdraw", "console-signature-withdraw-run",
                 withdraw_signature),
)
