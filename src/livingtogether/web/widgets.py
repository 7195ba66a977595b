"""Embeddable HTML widgets under ``/widgets/``, and the demo page.

Each widget is an HTML fragment with one root element,
``<section class="lt-widget lt-widget--NAME" lang=".." dir="..">``, to include
in a city's page (server side, or by fetching it). Opened directly in a
browser tab or frame (``Sec-Fetch-Dest: document`` or ``iframe``), as after
posting the pledge form without scripts, the fragment comes wrapped in a
minimal page that links the stylesheet.

Templates are Jinja2 with autoescaping and the ``i18n`` extension (newstyle
gettext): every user-facing string is ``{{ _("...") }}`` or ``{{ ngettext(...) }}``,
translated from the catalogs of :mod:`livingtogether.i18n` into the language of
the :class:`Localizer` rendering it. Dates and numbers are formatted by Babel
in the reader's language; times are converted with ``zoneinfo`` for each
display zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import attrs
import jinja2
from babel.dates import format_date, format_datetime, format_interval
from babel.lists import format_list
from babel.numbers import format_decimal
from markupsafe import Markup

from .. import convert, i18n
from ..errors import BadRequest, NotFound, ValidationError
from ..i18n import N_
from ..models import (
    City,
    Declaration,
    InstitutionKind,
    Localized,
    Person,
    Pledge,
    SignerKind,
    Text,
)
from ..models import fields as f
from ..services.pledges import check_names, clean_text, normalise_email
from . import guard
from .http import WIDGET_VARY, Request, Response, html_response, parse_form, request_language
from .routes import LANG, Call, Param, Route, widget_route

if TYPE_CHECKING:
    from .app import WebApp

#: The declaration the pledge widget shows when the request names none.
DEFAULT_DECLARATION = "universal-declaration"
#: The version of the consent text the pledge form shows; stored with each signature.
CONSENT_VERSION = "2022-1"

#: The names of the Observatory's own themes, translated by the catalogs; a theme's
#: label in the site's taxonomy wins when it exists in the reader's language.
THEME_NAMES = {
    "social-development": N_("Social development"),
    "immigration-and-integration": N_("Immigration and integration"),
    "governance-and-participation": N_("Governance and participation"),
    "culture": N_("Culture"),
    "public-safety": N_("Public safety"),
    "resilience": N_("Resilience"),
    "diversity-equity-and-inclusion": N_("Diversity, equity and inclusion"),
    "dialogue-and-solidarity": N_("Dialogue and solidarity"),
    "human-rights-and-democracy": N_("Human rights and democracy"),
}

#: Abbreviations for zones whose tz database abbreviation is only a number
#: (``+03``); the offset itself always comes from ``zoneinfo``.
ZONE_ABBREVIATIONS = {
    "Europe/Istanbul": "TRT",
    "Asia/Istanbul": "TRT",
    "America/Montevideo": "UYT",
    "America/Sao_Paulo": "BRT",
    "America/Argentina/Buenos_Aires": "ART",
    "America/Bogota": "COT",
    "America/Lima": "PET",
    "Asia/Dubai": "GST",
    "Asia/Singapore": "SGT",
}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return str(context["L"].gettext(message))


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int) -> str:
    return str(context["L"].ngettext(singular, plural, count))


def make_environment() -> jinja2.Environment:
    """The widgets' Jinja2 environment: autoescaped HTML, i18n in the Localizer's language.

    The template's ``L`` (:class:`Localizer`) holds the catalog, so one shared
    environment renders every language; newstyle gettext escapes the values
    put into a translated message, never the message itself.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("livingtogether.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True)
    return env


# -- the reader's language


def negotiate_language(web: WebApp, request: Request, requested: str | None) -> str:
    """The request's language (:func:`livingtogether.i18n.negotiate`): ``requested``
    (``?lang=``; 400 if not offered), the host framework's active language
    (``request.language``, set by the adapter), Accept-Language, the default."""
    settings = web.settings
    if requested and i18n.match([requested], settings.languages) is None:
        raise BadRequest(f"{requested!r} is not offered here; choose one of "
                         f"{', '.join(settings.languages)}", field="lang")
    return request_language(settings, request, requested)


def utc_offset(offset: timedelta | None) -> str:
    """``UTC+3``, ``UTC-5``, ``UTC+5:30`` from an offset given by ``zoneinfo``."""
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(moment: datetime, zone: str) -> str:
    """``TRT (UTC+3)``, ``CET (UTC+1)``, ``EST (UTC-5)``; just the offset when no name is known."""
    offset = utc_offset(moment.utcoffset())
    abbreviation = moment.tzname() or ""
    if not abbreviation or abbreviation[0] in "+-":
        abbreviation = ZONE_ABBREVIATIONS.get(zone, "")
    if abbreviation and abbreviation != "UTC":
        return f"{abbreviation} ({offset})"
    return offset


class Localizer:
    """What templates use to show content in the reader's language (``L`` in templates)."""

    def __init__(self, web: WebApp, request: Request, language: str) -> None:
        self.web = web
        self.request = request
        self.lang = language
        self.dir = i18n.text_direction(language)
        self.locale = i18n.locale(language)
        self.translations = i18n.translations(language)
        # TRANSLATORS: between the items of a list, as in "Izmir, Türkiye" (Arabic: "، ")
        self.comma = self.translations.pgettext("list separator", ", ")
        self.colon = i18n.colon(self.translations)
        self.fallbacks = web.settings.content_fallbacks
        self._cities: dict[str, City] | None = None

    # our own strings

    def gettext(self, message: str) -> str:
        """``message`` translated into the reader's language."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The plural form for ``count`` in the reader's language (Arabic has six)."""
        return self.translations.ngettext(singular, plural, count)

    # content

    def text(self, value: Text | None) -> Localized | None:
        """The best translation of ``value`` for the reader."""
        return value.resolve(self.lang, self.fallbacks) if value else None

    def attrs(self, found: Localized | str | None) -> Markup:
        """`` lang=".." dir=".."`` when ``found`` is in another language than the widget
        (nothing for a plain string: a name, in no language in particular)."""
        if not isinstance(found, Localized) or found.language == self.lang:
            return Markup("")
        direction = i18n.text_direction(found.language)
        if direction != self.dir:
            return Markup(' lang="{}" dir="{}"').format(found.language, direction)
        return Markup(' lang="{}"').format(found.language)

    @staticmethod
    def paragraphs(value: str) -> list[list[str]]:
        """Paragraphs (split at blank lines), each a list of its lines."""
        blocks = [block.strip() for block in value.replace("\r\n", "\n").split("\n\n")]
        return [block.split("\n") for block in blocks if block]

    # formatting

    def format_date(self, day: date, width: str = "full") -> str:
        """``Tuesday, December 7, 2021`` in the reader's language."""
        return format_date(day, format=width, locale=self.locale)

    def interval(self, first: date, last: date) -> str:
        """``Dec 7 – 10, 2021``."""
        if first == last:
            return self.format_date(first, "long")
        return format_interval(first, last, "yMMMd", locale=self.locale)

    def join(self, items: Iterable[str]) -> str:
        """``a, b and c`` as the reader's language joins a list (Babel)."""
        return format_list([str(item) for item in items], locale=self.locale)

    def number(self, value: int) -> str:
        """``12,345`` in the reader's language."""
        return format_decimal(value, locale=self.locale)

    def local_time(self, moment: datetime, zone: str) -> dict[str, str]:
        """``{"text", "iso"}``: ``moment`` in ``zone``, e.g. ``16 May 2022, 19:00 TRT (UTC+3)``."""
        local = moment.astimezone(ZoneInfo(zone))
        text = format_datetime(local, "medium", tzinfo=ZoneInfo(zone), locale=self.locale)
        return {"text": f"{text} {zone_name(local, zone)}",
                "iso": local.isoformat(timespec="minutes")}

    def country(self, code: str) -> str:
        """The country's name in the reader's language."""
        return str(self.locale.territories.get(code, code))

    def language_name(self, code: str) -> str:
        """A language's name in the reader's language (``français`` for ``fr`` in French)."""
        return str(self.locale.languages.get(code.replace("-", "_"), code))

    def countries(self) -> list[tuple[str, str]]:
        """``(code, name)`` of every country, by name."""
        return sorted(((code, self.country(code)) for code in f.countries()),
                      key=lambda item: item[1].casefold())

    def url(self, path: str, **query: Any) -> str:
        """``path`` under the mount point, with the non-empty ``query`` values."""
        pairs = {name: value for name, value in query.items() if value not in (None, "")}
        return self.request.url_for(path) + (f"?{urlencode(pairs)}" if pairs else "")

    def static(self, name: str) -> str:
        """The URL of a static file, fingerprinted."""
        return self.url(f"/static/{name}", v=self.web.static.version(name))

    # records

    def cities(self) -> dict[str, City]:
        """Every city by slug (loaded once per request)."""
        if self._cities is None:
            self._cities = {city.slug: city for city in all_cities(self.web)}
        return self._cities

    def use_cities(self, cities: dict[str, City]) -> None:
        """Take ``cities`` (every city by slug, read earlier) instead of reading them."""
        self._cities = cities

    def city_name(self, slug: str | None) -> Localized | None:
        """A city's name for the reader; ``None`` if unknown."""
        city = self.cities().get(slug or "")
        return self.text(city.name) if city else None

    def theme(self, slug: str, themes: Mapping[str, Any] | None = None) -> Localized:
        """A theme's name: the taxonomy's (``themes``: :class:`~livingtogether.models.Theme`
        by slug) in the reader's language; else the catalog's name of one of the
        Observatory's themes; else the taxonomy's in a fallback language."""
        theme = (themes or {}).get(slug)
        found = self.text(theme.label) if theme is not None else None
        if found is not None and found.language == self.lang:
            return found
        if slug in THEME_NAMES:
            return Localized(self.lang, self.gettext(THEME_NAMES[slug]))
        return found or Localized(self.lang, slug.replace("-", " "))

    def person(self, person: Person) -> tuple[str | Localized | None, str | Localized | None]:
        """``(main, detail)``: the name (or city, or affiliation) and what follows it;
        a city's name comes as :class:`Localized`, to be marked with its language."""
        name = " ".join(part for part in (person.honorific, person.name) if part) or None
        if person.affiliation:
            return (name, person.affiliation) if name else (person.affiliation, None)
        # Only now the city's name: reading the cities costs more than all the rest.
        city_text: str | Localized | None = self.city_name(person.city) or person.city
        return (name, city_text) if name else (city_text, None)

    def roles(self, people: Iterable[Person]) -> list[tuple[str, list[Person]]]:
        """People grouped by role, in order of first appearance."""
        grouped: dict[str, list[Person]] = {}
        for person in people:
            grouped.setdefault(person.role.value, []).append(person)
        return list(grouped.items())


def all_cities(web: WebApp) -> list[City]:
    """Every city, by slug (one query: pages would count them too); a new list each call."""
    observatory = web.observatory
    with observatory.store.read() as connection:
        return observatory.cities.all_in(connection)


# -- rendering


def render(web: WebApp, request: Request, template: str, language: str, **context: Any) -> str:
    """Render ``template`` for ``request`` in ``language``."""
    localizer = Localizer(web, request, language)
    return text_of(web.templates.get_template(template), L=localizer, request=request,
                   **context)


def text_of(template: jinja2.Template, **context: Any) -> str:
    """``template`` rendered with ``context``.

    Its output comes in pieces, most of them escaped ``Markup``, which the garbage
    collector tracks (``str`` it does not): joined as they come, the thousands of a
    large widget would live until the end and make Python scan the whole heap again
    and again. Each becomes a plain ``str`` first.
    """
    # What ``Template.render`` does, but for the ``str``.
    try:
        return "".join(map(str, template.root_render_func(template.new_context(context))))
    except Exception:
        template.environment.handle_exception()  # raises it with the template's lines


def respond(call: Call, html: str, lang: str, status: int = 200) -> Response:
    """A widget response in ``lang``: the fragment, or a minimal page around it when
    opened directly."""
    html = as_opened(call.web, call.request, html, lang)
    return html_response(html, status, (("Vary", WIDGET_VARY),))


def as_opened(web: WebApp, request: Request, html: str, lang: str) -> str:
    """``html`` wrapped in a minimal page when the browser opens it directly."""
    destination = (request.headers.get("sec-fetch-dest") or "").lower()
    if destination in ("document", "iframe"):
        return render(web, request, "standalone.html", lang,
                      fragment=Markup(html))  # noqa: S704 (rendered by our autoescaping templates)
    return html


def language(call: Call) -> str:
    """The language of this call's widget."""
    return negotiate_language(call.web, call.request, call.params.get("lang"))


def error_fragment(web: WebApp, request: Request, status: int, message: str,
                   headers: Iterable[tuple[str, str]]) -> Response:
    """An error as a widget fragment, in the request's language if it can tell."""
    lang = request_language(web.settings, request, request.query.get("lang"))
    html = render(web, request, "error.html", lang, status=status, message=message)
    return html_response(as_opened(web, request, html, lang), status,
                         (*headers, ("Vary", WIDGET_VARY)))


@attrs.frozen(kw_only=True)
class PledgeForm:
    """The pledge form's state: what was typed, what is wrong, whether it is done."""

    values: dict[str, str] = attrs.field(factory=dict)
    errors: dict[str, str] = attrs.field(factory=dict)
    general: tuple[str, ...] = ()
    thanks: bool = False


def pledge_html(web: WebApp, request: Request, lang: str, declaration: Declaration,
                form: PledgeForm | None = None, *, issued: float | None = None) -> str:
    """A declaration, its count, and the form to sign it (with a fresh token, which
    keeps ``issued``, the time the form was first shown, when it is shown again)."""
    stats = web.observatory.pledges.stats(declaration.slug)
    return render(web, request, "pledge.html", lang, declaration=declaration, stats=stats,
                  form=form or PledgeForm(values={"kind": "citizen"}),
                  signer_kinds=[k.value for k in SignerKind],
                  institution_kinds=[k.value for k in InstitutionKind],
                  form_token=guard.form_token(web, issued), honeypot=guard.HONEYPOT)


# -- the handlers




#: The header of every page with a signing form (its token is one reader's, once).
NO_STORE = (("Cache-Control", "no-store"),)


def pledge_widget(call: Call) -> Response:
    """A declaration with its sign form."""
    slug = call.params["declaration"]
    declaration = call.obs.pledges.declarations.get(slug)
    lang = language(call)
    # its form token is good for one post: no cache may hand this page to two readers
    return respond(call, pledge_html(call.web, call.request, lang, declaration), lang) \
        .with_headers(NO_STORE, replace=True)


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
    declaration = call.obs.pledges.declarations.get(slug)
    lang = language(call)
    raw = parse_form(call.request)
    values = {name: clean_text(raw.get(name, "")[:2000])
              for name in (*_TEXT_FIELDS, "public", "consent")}
    problem = guard.form_problem(call.web, raw)
    if problem == "bot":  # answered like a signature, so that the bot learns nothing
        return respond(call, pledge_html(call.web, call.request, lang, declaration,
                                         PledgeForm(thanks=True)), lang)
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
                call.obs.pledges.sign(pledge, language=lang, ip=ip)
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
        form = PledgeForm(values=values, errors=errors, general=tuple(general))
        # a fresh token (the posted one is spent) that keeps when the form was first shown
        html = pledge_html(call.web, call.request, lang, declaration, form,
                           issued=guard.form_issued(call.web, raw))
        return respond(call, html, lang, 422)
    html = pledge_html(call.web, call.request, lang, declaration, PledgeForm(thanks=True))
    return respond(call, html, lang)


def demo_page(call: Call) -> Response:
    """Every widget on one page, with the stylesheet."""
    web, request = call.web, call.request
    lang = language(call)
    events = web.observatory.programme.list(limit=1)
    try:
        declaration: Declaration | None = web.observatory.pledges.declarations.get(
            DEFAULT_DECLARATION)
    except NotFound:
        found = web.observatory.pledges.declarations.list(limit=1).items
        declaration = found[0] if found else None
    from .catalogue import directory_html, search_html

    sections = [("cities", "/widgets/cities", directory_html(web, request, lang)),
                ("practices", "/widgets/practices", search_html(web, request, lang, {}))]
    if events.items:
        from .programme import programme_html

        event = web.observatory.programme.published(events.items[0].slug)
        sections.append(("programme", f"/widgets/programme/{event.event.slug}",
                         programme_html(web, request, lang, event)))
    if declaration is not None:
        sections.append(("pledge", f"/widgets/pledge?declaration={declaration.slug}",
                         pledge_html(web, request, lang, declaration)))
    html = render(web, request, "demo.html", lang,
                  sections=[(name, url, Markup(body))  # noqa: S704 (our templates' output)
                            for name, url, body in sections])
    return html_response(html, 200, (("Vary", "Accept-Language"), *NO_STORE))


_WIDGET_ERRORS = (400, 404)

ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/pledge", handler=pledge_widget, name="widget-pledge",
          reads=("pledges",), etag=False,  # its form's token ages
          summary="Widget: a declaration, its count and the form to sign it",
          params=(LANG, Param(name="declaration", kind="slug", default=DEFAULT_DECLARATION,
                              description="the declaration to show")),
          errors=_WIDGET_ERRORS),
    widget_route(method="POST", path="/widgets/pledge/{slug}", handler=sign_widget,
          name="widget-pledge-sign", summary="Widget: sign through the pledge form",
          description="Answers the widget again: with a thank-you (200), or with the form "
                      "and its errors next to each field (422).",
          params=(LANG,), body="PledgeForm", body_type="application/x-www-form-urlencoded",
          errors=(400, 404, 413, 415, 422, 429)),
)

DEMO_ROUTE = widget_route(method="GET", path="/", handler=demo_page, name="demo",
                     summary="A demo page showing every widget", params=(LANG,),
                     in_schema=False)

