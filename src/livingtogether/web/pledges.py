"""The pledge pages behind email links, the form's guards, and the pledge and campaign widgets.

A confirmation or withdrawal link (``GET /widgets/pledge/confirm?token=..``)
opens a page with one button; only the button's POST acts. Mail scanners and
link previews fetch the GET, which reads but never changes anything.

The form's guards are in :mod:`livingtogether.web.guard`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import convert
from ..errors import BadRequest, NotFound
from ..models import DEFAULT_DECLARATION, SignerKind, Text
from ..services.outbox import CONFIRM_TOKEN, LINK_PATHS, WITHDRAW_TOKEN
from ..services.signing import TokenCheck
from .bodies import parse_form
from .campaign import ZONE, campaign_widget
from .data import ok, page_json
from .http import Request, Response
from .params import LANG, Param, page_params
from .render import language, render, respond
from .routes import PREFIX, Call, Route, widget_route

if TYPE_CHECKING:
    from .routes import Site

#: Headers of the pages behind email links: never cached, never indexed, and
#: the token never sent on in a Referer.
_LINK_HEADERS = (("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                 ("X-Robots-Tag", "noindex"))


# -- the pages behind email links


def _token(call: Call, *, posted: bool) -> str:
    language(call)  # a bad ?lang= is answered before the body is read
    token = parse_form(call.request).get("token", "") if posted else call.params.get("token")
    if not token:
        raise BadRequest("the link has no token; open the link from the email in full",
                         field="token")
    return token[:200]


def _link_page(call: Call, action: str, check: TokenCheck, *, token: str = "",
               done: bool = False) -> Response:
    status = 404 if check.state == "invalid" else 200
    declaration = None
    if check.declaration:
        declaration = call.obs.declarations.get(check.declaration)
    lang = language(call)
    html = render(call.web, call.request, "pledge_link.html", lang, action=action,
                  state=check.state, token=token, done=done, declaration=declaration)
    return respond(call, html, lang, status).with_headers(_LINK_HEADERS, replace=True)


def confirm_page(call: Call) -> Response:
    """The page a confirmation link opens: one button; nothing changes here."""
    token = _token(call, posted=False)
    check = call.obs.signing.check_token(CONFIRM_TOKEN, token)
    return _link_page(call, "confirm", check, token=token)


def confirm_post(call: Call) -> Response:
    """The button on the confirmation page: confirm the signature."""
    check = call.obs.signing.confirm_token(_token(call, posted=True))
    return _link_page(call, "confirm", check, done=True)


def withdraw_page(call: Call) -> Response:
    """The page a withdrawal link opens: one button; nothing changes here."""
    token = _token(call, posted=False)
    check = call.obs.signing.check_token(WITHDRAW_TOKEN, token)
    if check.state == "done":
        check = TokenCheck(state="valid", declaration=check.declaration)
    return _link_page(call, "withdraw", check, token=token)


def withdraw_post(call: Call) -> Response:
    """The button on the withdrawal page: withdraw and erase the signature."""
    check = call.obs.signing.withdraw_token(_token(call, posted=True))
    if check.state == "done":
        check = TokenCheck(state="valid", declaration=check.declaration)
    return _link_page(call, "withdraw", check, done=True)


# -- widgets


def counter_html(web: Site, request: Request, lang: str, slug: str,
                 city: str | None = None) -> str:
    """The count of confirmed signatures with a progress bar toward the next milestone;
    with ``city``, also the network's line: "N in Izmir · M worldwide"."""
    declaration = web.observatory.declarations.get(slug)
    stats = web.observatory.pledge_stats.stats(slug)
    network = network_line(web, slug, city) if city else None
    return render(web, request, "pledge_counter.html", lang, declaration=declaration,
                  stats=stats, network=network)


def network_line(web: Site, declaration: str, city: str) -> dict[str, Any] | None:
    """What the network line shows: the people counted once worldwide and the signatures
    of ``city``, as the hub last gave them (or this site's own figures on the hub);
    ``None`` when there are none."""
    from ..services.count_report import network_figures

    obs = web.observatory
    figures = network_figures(obs.store, declaration) or obs.network_count.figures(declaration)
    if not figures["people"]:
        return None
    try:
        name: Any = obs.cities.get(city).name
    except NotFound:
        name = None
    here = figures["cities"].get(city, {}).get("signatures", 0)
    return {"here": here, "world": figures["people"], "city": name or Text({"en": city})}


def counter_widget(call: Call) -> Response:
    """The counter widget."""
    lang = language(call)
    p = call.params
    return respond(call, counter_html(call.web, call.request, lang, p["declaration"],
                                      p["city"]), lang)


def signatories_widget(call: Call) -> Response:
    """Institutions (or citizens) that signed and chose to appear publicly."""
    p, lang = call.params, language(call)
    declaration = call.obs.declarations.get(p["declaration"])
    page = call.obs.signatures.signatories(declaration.slug, kind=p["kind"], limit=p["limit"],
                                        offset=p["offset"])
    html = render(call.web, call.request, "pledge_signatories.html", lang,
                  declaration=declaration, page=page, kind=p["kind"].value)
    return respond(call, html, lang)


# -- the JSON API of campaigns and public signatories


def list_campaigns(call: Call) -> Response:
    """Campaigns, by slug."""
    p = call.params
    return ok(page_json(call.obs.campaigns.list(limit=p["limit"], offset=p["offset"])))


def get_campaign(call: Call) -> Response:
    """One campaign."""
    return ok(convert.unstructure(call.obs.campaigns.get(call.path["slug"])))


def campaign_participations(call: Call) -> Response:
    """The cities taking part in a campaign and what each does."""
    found = call.obs.participations.taking_part(call.path["slug"])
    return ok({"items": convert.unstructure(found)})


def campaign_screenings(call: Call) -> Response:
    """A campaign's public screenings still to come, by time."""
    found = call.obs.participations.screenings(call.path["slug"])
    return ok({"items": convert.unstructure(found)})


def signatories(call: Call) -> Response:
    """The signatories of a declaration who chose to appear publicly (never an address)."""
    p = call.params
    slug = call.path["slug"]
    call.obs.declarations.get(slug)
    return ok(page_json(call.obs.signatures.signatories(slug, kind=p["kind"], limit=p["limit"],
                                                     offset=p["offset"])))


_KIND = Param(name="kind", kind="enum", choices=SignerKind, default=SignerKind.INSTITUTION,
              description="which signatories")

API_ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/campaigns", handler=list_campaigns, name="campaigns",
          summary="List campaigns", tag="pledges", params=page_params(),
          response="CampaignPage", errors=(400,)),
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}", handler=get_campaign,
          name="campaign", summary="Get a campaign", tag="pledges", response="Campaign",
          errors=(404,)),
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}/participations",
          handler=campaign_participations, name="campaign-participations",
          summary="The cities taking part in a campaign", tag="pledges",
          response="CampaignParticipationList", errors=(404,)),
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}/screenings",
          handler=campaign_screenings, name="campaign-screenings",
          summary="A campaign's public screenings still to come", tag="pledges",
          response="UpcomingScreeningList", errors=(404,)),
    Route(method="GET", path=f"{PREFIX}/declarations/{{slug}}/signatories",
          handler=signatories, name="declaration-signatories",
          summary="Signatories who chose to appear publicly (names, never addresses)",
          tag="pledges", params=(_KIND, *page_params()), response="PublicSignatoryPage",
          errors=(400, 404)),
)


_TOKEN = Param(name="token", kind="token", required=True,
               description="the token from the email's link")
_DECLARATION = Param(name="declaration", kind="slug", default=DEFAULT_DECLARATION,
                     description="the declaration")

_CITY = Param(name="city", kind="slug", default=None,
              description="a member city: show its signatures and the network's count")

#: Listed before the pledge form's ``POST /widgets/pledge/{slug}``, which they shadow.
ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path=LINK_PATHS[CONFIRM_TOKEN], handler=confirm_page,
          name="pledge-confirm-page", summary="Page of a confirmation link: one button",
          description="Changes nothing, so that mail scanners opening the link confirm "
                      "nothing; the button POSTs the token.",
          params=(LANG, _TOKEN), errors=(400, 404)),
    widget_route(method="POST", path=LINK_PATHS[CONFIRM_TOKEN], handler=confirm_post,
          name="pledge-confirm", summary="Confirm a signature (the button of the link's page)",
          params=(LANG,), body="TokenForm", body_type="application/x-www-form-urlencoded",
          errors=(400, 404, 413, 415)),
    widget_route(method="GET", path=LINK_PATHS[WITHDRAW_TOKEN], handler=withdraw_page,
          name="pledge-withdraw-page", summary="Page of a withdrawal link: one button",
          description="Changes nothing; the button POSTs the token.",
          params=(LANG, _TOKEN), errors=(400, 404)),
    widget_route(method="POST", path=LINK_PATHS[WITHDRAW_TOKEN], handler=withdraw_post,
          name="pledge-withdraw",
          summary="Withdraw a signature and erase its personal data (the link page's button)",
          params=(LANG,), body="TokenForm", body_type="application/x-www-form-urlencoded",
          errors=(400, 404, 413, 415)),
    widget_route(method="GET", path="/widgets/pledge/counter", handler=counter_widget,
          name="widget-pledge-counter", reads=("pledges",),
          summary="Widget: confirmed signatures and progress toward the next milestone",
          description="With city, also the network's count: the signatures of that city "
                      "and the people who signed anywhere in the network, each once.",
          params=(LANG, _DECLARATION, _CITY), errors=(400, 404)),
    widget_route(method="GET", path="/widgets/pledge/signatories", handler=signatories_widget,
          name="widget-pledge-signatories", reads=("pledges", "cities"),
          summary="Widget: the signatories who chose to appear publicly",
          params=(LANG, _DECLARATION,
                  _KIND, *page_params()),
          errors=(400, 404)),
    widget_route(method="GET", path="/widgets/campaign/{slug}", handler=campaign_widget,
          name="widget-campaign", reads=("campaigns", "pledges", "cities"),
          etag=False,  # its screenings "to come" change with the time
          summary="Widget: a campaign's film and teaser, how to take part, its kit, "
                  "the day's status, the cities taking part and the screenings to come",
          params=(LANG, ZONE), errors=(400, 404)),
)

