"""The pledge form: the declaration with its count and the form to sign it, and its post.

The form's guards (token, honeypot, the client's IP) are in :mod:`.guard`; the
signature's rules are the service's (:mod:`livingtogether.services.pledges`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .. import convert
from ..errors import ValidationError
from ..models import (
    CONSENT_VERSION,
    DEFAULT_DECLARATION,
    Declaration,
    InstitutionKind,
    Pledge,
    SignerKind,
)
from ..services.pledges import check_names, clean_text, normalise_email
from ..services.signing import FormTokenUsed
from . import embed, guard
from .bodies import parse_form
from .http import Request, Response
from .params import LANG, Param
from .render import NO_STORE, kept, language, render, respond, versions_of
from .routes import Call, Route, widget_route

if TYPE_CHECKING:
    from .routes import Site


@attrs.frozen(kw_only=True)
class PledgeForm:
    """The pledge form's state: what was typed and what is wrong."""

    values: dict[str, str] = attrs.field(factory=dict)
    errors: dict[str, str] = attrs.field(factory=dict)
    general: tuple[str, ...] = ()


def pledge_html(web: Site, request: Request, lang: str, declaration: Declaration,
                form: PledgeForm | None = None, *, issued: float | None = None,
                return_to: str | None = None) -> str:
    """A declaration, its count, and the form to sign it (with a fresh token, which
    keeps ``issued``, the time the form was first shown, when it is shown again);
    ``return_to`` (checked by :func:`.embed.return_target`) is the page the plain
    form's post sends the resident back to."""
    stats = web.observatory.pledge_stats.stats(declaration.slug)
    return render(web, request, "pledge.html", lang, declaration=declaration, stats=stats,
                  form=form or PledgeForm(values={"kind": "citizen"}),
                  signer_kinds=[k.value for k in SignerKind],
                  institution_kinds=[k.value for k in InstitutionKind],
                  form_token=guard.form_token(web, issued), honeypot=guard.HONEYPOT,
                  return_to=return_to)


def thanks_html(web: Site, request: Request, lang: str, declaration: Declaration) -> str:
    """The answer to a signature: the declaration's title, its count (kept until a
    confirmation moves it) and the thanks, with the way back; not the declaration's
    text nor a fresh form, which would cost more than the signature itself.

    The way back is the Referer when it is a page of this site other than the
    widget's own (never an open redirect). Rendered once per what it shows, kept
    while the pledges' data version holds (which a confirmation moves, and the
    declaration's changes).
    """
    stats = web.observatory.pledge_stats.stats(declaration.slug)
    back = request.headers.get("referer") or ""
    if (not back.startswith(f"{request.scheme}://{request.host}/") or len(back) >= 2000
            or web.router.url_for(request, "widget-pledge") in back):
        back = ""
    key = ("thanks", declaration.slug, lang, request.script_name, request.scheme,
           request.host, back, versions_of(web, "pledges"))
    return str(kept(web, key, lambda: render(web, request, "pledge_thanks.html", lang,
                                             declaration=declaration, stats=stats, back=back)))


def signed_answer(call: Call, lang: str, declaration: Declaration,
                  form: dict[str, str]) -> Response:
    """The answer to a signature: back to the page the plain form was on (``303`` with
    the :data:`.embed.SIGNED` mark and the thanks' anchor), or the thanks in place."""
    target = embed.return_target(call.request, form.get("return_to", "")[:embed.MAX_RETURN + 1],
                                 call.web.settings.allowed_origins, call.web.settings.base_url)
    if target is None:
        return respond(call, thanks_html(call.web, call.request, lang, declaration), lang)
    location = embed.with_query(target, embed.SIGNED,
                                guard.signed_mark(call.web, declaration.slug), THANKS_ANCHOR)
    return Response(status=303, headers=(("Location", location), *NO_STORE))


#: The id of the thanks, the anchor of the page returned to.
THANKS_ANCHOR = "lt-pledge-thanks"


# -- the handlers


def pledge_widget(call: Call) -> Response:
    """A declaration with its sign form; the thanks on the page a signature returned to."""
    slug = call.params["declaration"]
    declaration = call.obs.declarations.get(slug)
    lang = language(call)
    if guard.signed_recently(call.web, slug, call.params["signed"]):
        html = thanks_html(call.web, call.request, lang, declaration)
    else:
        back = embed.return_target(call.request, call.params["return_to"] or "",
                                   call.web.settings.allowed_origins, call.web.settings.base_url)
        html = pledge_html(call.web, call.request, lang, declaration, return_to=back)
    # its form token is good for one post: no cache may hand this page to two readers
    return respond(call, html, lang).with_headers(NO_STORE, replace=True)


#: Form fields by the model's field paths, to put each problem next to its field.
FORM_FIELDS = {
    "kind": "kind", "name": "name", "email": "email", "country": "country", "city": "city",
    "public": "public", "consent_version": "consent", "institution": "institution_name",
    "institution.name": "institution_name", "institution.kind": "institution_kind",
    "institution.representative_role": "representative_role",
    "institution.website": "institution_website",
}

_TEXT_FIELDS = ("kind", "name", "email", "country", "city", "institution_name",
                "institution_kind", "representative_role", "institution_website")


def _required(form: dict[str, str]) -> dict[str, str]:
    """Keys of the messages for fields left empty (the model checks the rest).

    The template turns each key (``missing-name``, ``invalid-email``) into its
    message in the reader's language.
    """
    missing = {}
    for name in ("name", "email", "country"):
        if not form.get(name, "").strip():
            missing[name] = f"missing-{name}"
    if form.get("kind") not in {k.value for k in SignerKind}:
        missing["kind"] = "missing-kind"
    if form.get("kind") == SignerKind.INSTITUTION.value:
        for name in ("institution_name", "institution_kind", "representative_role"):
            if not form.get(name, "").strip():
                missing[name] = f"missing-{name}"
    if form.get("consent") != "yes":
        missing["consent"] = "missing-consent"
    return missing


def pledge_from_form(form: dict[str, str], declaration: str) -> Pledge:
    """A pending pledge from the form's fields (``ValidationError`` naming model fields)."""
    institution = None
    if form.get("kind") == SignerKind.INSTITUTION.value:
        institution = {
            "name": form.get("institution_name", "").strip(),
            "kind": form.get("institution_kind", ""),
            "representative_role": form.get("representative_role", "").strip(),
            "website": form.get("institution_website", "").strip() or None,
        }
    data = {
        "declaration": declaration, "kind": form.get("kind", ""),
        "name": form.get("name", "").strip(), "email": form.get("email", "").strip(),
        "country": form.get("country", "").strip(), "city": form.get("city", "").strip() or None,
        "public": form.get("public") == "yes", "consent_version": CONSENT_VERSION,
        "institution": institution,
    }
    return convert.structure(data, Pledge)


def sign_widget(call: Call) -> Response:
    """The pledge form posted: sign, or show the form again with its errors."""
    slug = call.path["slug"]
    declaration = call.obs.declarations.get(slug)
    lang = language(call)
    raw = parse_form(call.request)
    values = {name: clean_text(raw.get(name, "")[:2000])
              for name in (*_TEXT_FIELDS, "public", "consent")}
    problem = guard.form_problem(call.web, raw)  # its token is spent below, once
    if problem == "bot":  # answered like a signature, so that the bot learns nothing
        return signed_answer(call, lang, declaration, raw)
    errors = _required(values)
    general: list[str] = [problem] if problem else []
    if not errors:
        try:
            pledge = pledge_from_form(values, slug)
            if general:  # not signed: the form is shown again, each field checked
                check_names(pledge)
                normalise_email(pledge.email)
            else:
                ip = guard.client_ip(call.request, call.web.settings)
                call.obs.signing.sign(pledge, language=lang, ip=ip,
                                      form_token=guard.posted_token(raw),
                                      form_valid_for=guard.FORM_USED_FOR)
        except FormTokenUsed:
            general.append("form-used")
        except ValidationError as error:
            # The model's messages are for developers, in English: the reader gets the
            # translated message of the field (the template's ``invalid-*`` keys).
            for field, _message in error.problems:
                target = FORM_FIELDS.get(field or "")
                if target and target not in errors:
                    errors[target] = f"invalid-{target}"
                elif not target and "invalid-form" not in general:
                    general.append("invalid-form")
    if errors or general:
        # not signed: the genuine token is spent all the same (each is good for one post)
        if problem != "form-expired" and not call.obs.keys.use_form_token(
                guard.posted_token(raw), valid_for=guard.FORM_USED_FOR):
            general = ["form-used"]
        form = PledgeForm(values=values, errors=errors, general=tuple(general))
        # a fresh token (the posted one is spent) that keeps when the form was first shown
        back = embed.return_target(call.request, raw.get("return_to", "")[:embed.MAX_RETURN + 1],
                                   call.web.settings.allowed_origins, call.web.settings.base_url)
        html = pledge_html(call.web, call.request, lang, declaration, form,
                           issued=guard.form_issued(call.web, raw), return_to=back)
        return respond(call, html, lang, 422)
    return signed_answer(call, lang, declaration, raw)


_WIDGET_ERRORS = (400, 404)

ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/pledge", handler=pledge_widget, name="widget-pledge",
          reads=("pledges",), etag=False,  # its form's token ages
          summary="Widget: a declaration, its count and the form to sign it",
          params=(LANG, Param(name="declaration", kind="slug", default=DEFAULT_DECLARATION,
                              description="the declaration to show"),
                  Param(name="return_to", kind="url",
                        description="the page the form, posted without scripts, returns "
                                    "to (this site's, the base URL's or an allowed origin's; "
                                    "any other is ignored)"),
                  Param(name="signed", kind="token",
                        description="the mark of a signature just made (the page returned "
                                    "to carries it): the thanks instead of the form")),
          errors=_WIDGET_ERRORS),
    widget_route(method="POST", path="/widgets/pledge/{slug}", handler=sign_widget,
          name="widget-pledge-sign", summary="Widget: sign through the pledge form",
          description="Answers with a thank-you: back on the page the form was on (303 to "
                      "its return_to, marked so that the page shows the thanks), else in "
                      "place (200); or with the form and its errors next to each field (422).",
          params=(LANG,), body="PledgeForm", body_type="application/x-www-form-urlencoded",
          errors=(400, 404, 413, 415, 422, 429)),
)
