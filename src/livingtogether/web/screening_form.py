"""Screenings residents register for: the screening page with its form, the form's
post, and the pages behind the links of the registration's emails.

The form has the signing form's guards (:mod:`.guard`: a signed time-stamped
token good for one post, the honeypot, the client's IP counted against the rate
limit); registering stores a pending registration and queues the email whose
link confirms it. As with signatures, a link opens a page with one button and
only the button's POST acts (mail scanners fetch links). The rules are the
service's (:mod:`livingtogether.services.screenings`).
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound, ValidationError
from ..services.pledges import clean_text
from ..services.screenings import LINK_PATHS, MAX_SEATS, SCREENING_PAGE_PATH, Registration
from ..services.signing import FormTokenUsed
from ..store import now
from . import guard
from .bodies import parse_form
from .campaign import ZONE
from .http import Response
from .params import LANG, Param
from .pledge_form import PledgeForm
from .render import NO_STORE, language, render, respond
from .routes import Call, Route, widget_route

#: Headers of the pages behind email links: never cached, never indexed, the token
#: never sent on in a Referer.
_LINK_HEADERS = (("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                 ("X-Robots-Tag", "noindex"))
_FIELDS = ("name", "email", "seats")


def _screening_html(call: Call, lang: str, form: PledgeForm | None = None, *,
                    issued: float | None = None) -> str:
    path = call.path
    campaign = call.obs.campaigns.get(path["slug"])
    at = (campaign.slug, path["city"], path["key"])
    screening = call.obs.screenings.screening(*at)
    if not screening.public:
        raise NotFound(f"there is no screening {path['key'][:60]!r} of {path['city'][:60]!r} "
                       f"in {campaign.slug!r}", field="screening")
    seats = call.obs.screenings.seats(*at) if screening.capacity else None
    open_ = seats is not None and screening.starts_at > now()
    most = min(MAX_SEATS, (seats.left or seats.capacity) if seats else 1)
    return render(call.web, call.request, "screening.html", lang, campaign=campaign,
                  city=path["city"], screening=screening, seats=seats,
                  zone=call.params.get("zone"), open=open_, most=max(1, most),
                  form=form or PledgeForm(values={"seats": "1"}),
                  form_token=guard.form_token(call.web, issued), honeypot=guard.HONEYPOT)


def screening_widget(call: Call) -> Response:
    """A screening residents can attend: venue, address, its time in its zone and the
    reader's, accessibility, language and subtitles, capacity and seats left, and the
    form to register (or to join the waiting list when it is full)."""
    lang = language(call)
    # its form's token is good for one post: no cache may hand this page to two readers
    return respond(call, _screening_html(call, lang), lang).with_headers(NO_STORE,
                                                                         replace=True)


def _seats(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 3 else None


def register_post(call: Call) -> Response:
    """The screening's form posted: register (a pending registration and its email),
    or show the form again with its errors."""
    lang = language(call)
    raw = parse_form(call.request)
    values = {name: clean_text(raw.get(name, "")[:2000]) for name in _FIELDS}
    problem = guard.form_problem(call.web, raw)
    if problem == "bot":  # answered like a registration, so that the bot learns nothing
        return _registered(call, lang)
    errors = {name: f"missing-{name}" for name in ("name", "email")
              if not values[name].strip()}
    seats = _seats(values["seats"])
    if seats is None or not 1 <= seats <= MAX_SEATS:
        errors["seats"] = "invalid-seats"
    general: list[str] = [problem] if problem else []
    if not errors and not general:
        path = call.path
        try:
            call.obs.screenings.register(
                path["slug"], path["city"], path["key"], name=values["name"],
                email=values["email"], seats=seats or 1, language=lang,
                ip=guard.client_ip(call.request, call.web.settings),
                form_token=guard.posted_token(raw), form_valid_for=guard.FORM_USED_FOR)
        except FormTokenUsed:
            general.append("form-used")
        except ValidationError as error:
            if isinstance(error, NotFound):
                raise
            field = error.field if error.field in _FIELDS else None
            if field:
                errors[field] = f"invalid-{field}"
            else:
                general.append("closed" if error.field == "screening" else "invalid-form")
        else:
            return _registered(call, lang)
    # not registered: the genuine token is spent all the same (each is good for one post)
    if problem != "form-expired" and not call.obs.keys.use_form_token(
            guard.posted_token(raw), valid_for=guard.FORM_USED_FOR):
        general = ["form-used"]
    form = PledgeForm(values=values, errors=errors, general=tuple(general))
    html = _screening_html(call, lang, form, issued=guard.form_issued(call.web, raw))
    return respond(call, html, lang, 422).with_headers(NO_STORE, replace=True)


def _registered(call: Call, lang: str) -> Response:
    html = render(call.web, call.request, "screening_link.html", lang, action="registered",
                  registration=None, token="", done=True)
    return respond(call, html, lang).with_headers(NO_STORE, replace=True)


# -- the pages behind email links


def _token(call: Call, *, posted: bool) -> str:
    language(call)  # a bad ?lang= is answered before the body is read
    token = parse_form(call.request).get("token", "") if posted else call.params.get("token")
    if not token:
        raise BadRequest("the link has no token; open the link from the email in full",
                         field="token")
    return token[:200]


def _link_page(call: Call, action: str, registration: Registration | None, *,
               token: str = "", done: bool = False) -> Response:
    lang = language(call)
    screening = None
    if registration is not None:
        screening = call.obs.screenings.screening(
            registration.campaign, registration.city, registration.screening)
    html = render(call.web, call.request, "screening_link.html", lang, action=action,
                  registration=registration, screening=screening, token=token, done=done)
    status = 404 if registration is None else 200
    return respond(call, html, lang, status).with_headers(_LINK_HEADERS, replace=True)


def _found(call: Call, token: str) -> Registration | None:
    try:
        return call.obs.screenings.find(token)
    except NotFound:
        return None


def confirm_page(call: Call) -> Response:
    """The page a confirmation link opens: one button; nothing changes here."""
    token = _token(call, posted=False)
    return _link_page(call, "confirm", _found(call, token), token=token)


def confirm_post(call: Call) -> Response:
    """The button on the confirmation page: confirm (seats, or the waiting list)."""
    token = _token(call, posted=True)
    try:
        registration = call.obs.screenings.confirm(token)
    except NotFound:
        registration = None
    return _link_page(call, "confirm", registration, done=True)


def cancel_page(call: Call) -> Response:
    """The page a cancellation link opens: one button; nothing changes here."""
    token = _token(call, posted=False)
    return _link_page(call, "cancel", _found(call, token), token=token)


def cancel_post(call: Call) -> Response:
    """The button on the cancellation page: cancel, erase the name and address, free
    the seats (the waiting list moves up and is told by email)."""
    token = _token(call, posted=True)
    try:
        registration, _moved = call.obs.screenings.cancel(token)
    except NotFound:
        return _link_page(call, "cancel", None, done=True)
    return _link_page(call, "cancel", registration, done=True)


_TOKEN = Param(name="token", kind="token", required=True,
               description="the token from the email's link")
_PATH = SCREENING_PAGE_PATH

ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path=LINK_PATHS["confirm"], handler=confirm_page,
                 name="screening-confirm-page",
                 summary="Page of a registration's confirmation link: one button",
                 description="Changes nothing; the button POSTs the token.",
                 params=(LANG, _TOKEN), errors=(400, 404)),
    widget_route(method="POST", path=LINK_PATHS["confirm"], handler=confirm_post,
                 name="screening-confirm",
                 summary="Confirm a screening registration: seats if they are left, else "
                         "the waiting list (the link page's button)",
                 params=(LANG,), body="TokenForm",
                 body_type="application/x-www-form-urlencoded", errors=(400, 404, 413, 415)),
    widget_route(method="GET", path=LINK_PATHS["cancel"], handler=cancel_page,
                 name="screening-cancel-page",
                 summary="Page of a registration's cancellation link: one button",
                 description="Changes nothing; the button POSTs the token.",
                 params=(LANG, _TOKEN), errors=(400, 404)),
    widget_route(method="POST", path=LINK_PATHS["cancel"], handler=cancel_post,
                 name="screening-cancel",
                 summary="Cancel a screening registration and erase its personal data; the "
                         "waiting list moves up (the link page's button)",
                 params=(LANG,), body="TokenForm",
                 body_type="application/x-www-form-urlencoded", errors=(400, 404, 413, 415)),
    widget_route(method="GET", path=_PATH, handler=screening_widget, name="widget-screening",
                 reads=("campaigns", "cities"),
                 etag=False,  # its seats left change with registrations; its form's token
                 summary="Widget: a screening residents can attend, its time in its zone and "
                         "the reader's, accessibility, language, subtitles, seats left and "
                         "the form to register",
                 params=(LANG, ZONE), errors=(400, 404)),
    widget_route(method="POST", path=_PATH, handler=register_post,
                 name="widget-screening-register",
                 summary="Widget: register for a screening (name, email, seats)",
                 description="Answers with a page asking to confirm by the email's link "
                             "(200), or with the form and its errors next to each field "
                             "(422).",
                 params=(LANG,), body="ScreeningForm",
                 body_type="application/x-www-form-urlencoded",
                 errors=(400, 404, 413, 415, 422, 429)),
)
