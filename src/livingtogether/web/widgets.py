"""Embeddable HTML widgets under ``/widgets/``, and the demo page.

Each widget is an HTML fragment with one root element,
``<section class="lt-widget lt-widget--NAME" lang=".." dir="..">``, to include
in a city's page (server side, or by fetching it). Opened directly in a
browser tab or frame (``Sec-Fetch-Dest: document`` or ``iframe``), as after
posting the pledge form without scripts, the fragment comes wrapped in a
minimal page that links the stylesheet.

Templates are Jinja2 with autoescaping and the ``i18n`` extension (null
translations for now): every user-facing string is ``{{ _("...") }}``. Dates
are formatted by Babel in the reader's language; times are converted with
``zoneinfo`` for each display zone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import attrs
import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_interval
from babel.numbers import format_decimal
from markupsafe import Markup

from .. import convert
from ..errors import BadRequest, NotFound, ValidationError
from ..models import (
    City,
    Declaration,
    Event,
    InstitutionKind,
    Localized,
    Person,
    Pledge,
    SignerKind,
    Text,
)
from ..models import fields as f
from ..services.pledges import clean_text, normalise_email
from . import guard
from .http import Request, Response, accepted_languages, html_response, parse_form, pick_language
from .routes import LANG, Call, Param, Route

if TYPE_CHECKING:
    from .app import WebApp

#: The declaration the pledge widget shows when the request names none.
DEFAULT_DECLARATION = "universal-declaration"
#: The version of the consent text the pledge form shows; stored with each signature.
CONSENT_VERSION = "2022-1"

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


def make_environment() -> jinja2.Environment:
    """The widgets' Jinja2 environment: autoescaped HTML, i18n with null translations."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("livingtogether.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


# -- the reader's language


def negotiate_language(web: WebApp, request: Request, requested: str | None) -> str:
    """``?lang=`` if offered, else the best of Accept-Language, else the default language."""
    settings = web.settings
    if requested:
        found = pick_language([requested], settings.languages)
        if found is None:
            raise BadRequest(f"{requested!r} is not offered here; choose one of "
                             f"{', '.join(settings.languages)}", field="lang")
        return found
    wanted = accepted_languages(request.headers.get("accept-language"))
    return pick_language(wanted, settings.languages) or settings.default_language


@functools.lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(language.split("-")[0]) if "-" in language else Locale("en")


def text_direction(language: str) -> str:
    """``rtl`` or ``ltr``."""
    try:
        return "rtl" if _locale(language).text_direction == "rtl" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


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
        self.dir = text_direction(language)
        self.locale = _locale(language)
        settings = web.settings
        self.fallbacks = tuple(dict.fromkeys((settings.default_language,
                                              *settings.fallback_languages)))
        self._cities: dict[str, City] | None = None

    # content

    def text(self, value: Text | None) -> Localized | None:
        """The best translation of ``value`` for the reader."""
        return value.resolve(self.lang, self.fallbacks) if value else None

    def attrs(self, found: Localized | None) -> Markup:
        """`` lang=".." dir=".."`` when ``found`` is in another language than the widget."""
        if found is None or found.language == self.lang:
            return Markup("")
        direction = text_direction(found.language)
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

    def part(self, event: Event, key: str | None) -> Any:
        """The event part ``key``, if any."""
        return next((p for p in event.parts if p.key == key), None)

    def person(self, person: Person) -> tuple[str | None, str | None]:
        """``(main, detail)``: the name (or city, or affiliation) and what follows it."""
        name = " ".join(part for part in (person.honorific, person.name) if part) or None
        if person.affiliation:
            return (name, person.affiliation) if name else (person.affiliation, None)
        # Only now the city's name: reading the cities costs more than all the rest.
        city = self.city_name(person.city)
        city_text = city.text if city else person.city
        return (name, city_text) if name else (city_text, None)

    def roles(self, people: Iterable[Person]) -> list[tuple[str, list[Person]]]:
        """People grouped by role, in order of first appearance."""
        grouped: dict[str, list[Person]] = {}
        for person in people:
            grouped.setdefault(person.role.value, []).append(person)
        return list(grouped.items())


def all_cities(web: WebApp) -> Iterator[City]:
    """Every city, by slug (one query: pages would count them too)."""
    observatory = web.observatory
    with observatory.store.read() as connection:
        return iter(observatory.cities.all_in(connection))


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


def respond(call: Call, html: str, status: int = 200) -> Response:
    """A widget response: the fragment, or a minimal page around it when opened directly."""
    destination = (call.request.headers.get("sec-fetch-dest") or "").lower()
    if destination in ("document", "iframe"):
        html = render(call.web, call.request, "standalone.html", language(call),
                      fragment=Markup(html))  # noqa: S704 (rendered by our autoescaping templates)
    return html_response(html, status, (("Vary", "Accept-Language, Sec-Fetch-Dest"),))


def language(call: Call) -> str:
    """The language of this call's widget."""
    return negotiate_language(call.web, call.request, call.params.get("lang"))


def error_fragment(web: WebApp, request: Request, status: int, message: str,
                   headers: Iterable[tuple[str, str]]) -> Response:
    """An error as a widget fragment, in the default language."""
    html = render(web, request, "error.html", web.settings.default_language,
                  status=status, message=message)
    return html_response(html, status, headers)


def cities_html(web: WebApp, request: Request, lang: str) -> str:
    """The member directory (see ``web.catalogue``)."""
    from .catalogue import directory_html

    return directory_html(web, request, lang)


def practices_html(web: WebApp, request: Request, lang: str, params: dict[str, Any]) -> str:
    """The practices search widget (see ``web.catalogue``)."""
    from .catalogue import search_html

    return search_html(web, request, lang, params)


@attrs.frozen(kw_only=True)
class PledgeForm:
    """The pledge form's state: what was typed, what is wrong, whether it is done."""

    values: dict[str, str] = attrs.field(factory=dict)
    errors: dict[str, str] = attrs.field(factory=dict)
    general: tuple[str, ...] = ()
    thanks: bool = False


def pledge_html(web: WebApp, request: Request, lang: str, declaration: Declaration,
                form: PledgeForm | None = None) -> str:
    """A declaration, its count, and the form to sign it."""
    stats = web.observatory.pledges.stats(declaration.slug)
    return render(web, request, "pledge.html", lang, declaration=declaration, stats=stats,
                  form=form or PledgeForm(values={"kind": "citizen"}),
                  signer_kinds=[k.value for k in SignerKind],
                  institution_kinds=[k.value for k in InstitutionKind],
                  form_token=guard.form_token(web), honeypot=guard.HONEYPOT)


# -- the handlers




def pledge_widget(call: Call) -> Response:
    """A declaration with its sign form."""
    slug = call.params["declaration"]
    declaration = call.obs.pledges.declarations.get(slug)
    return respond(call, pledge_html(call.web, call.request, language(call), declaration))


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

    The template turns each key (``missing-name``) into its translatable message.
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
                                         PledgeForm(thanks=True)))
    errors = _required(values)
    general: list[str] = [problem] if problem else []
    if not errors:
        try:
            pledge = pledge_from_form(values, slug)
            if general:  # not signed: the form is shown again, each field checked
                normalise_email(pledge.email)
            else:
                ip = guard.client_ip(call.request, call.web.settings.trusted_proxies)
                call.obs.pledges.sign(pledge, language=lang, ip=ip)
        except ValidationError as error:
            for field, message in error.problems:
                target = FORM_FIELDS.get(field or "")
                if target and target not in errors:
                    errors[target] = message
                elif not target:
                    general.append(message)
    if errors or general:
        form = PledgeForm(values=values, errors=errors, general=tuple(general))
        html = pledge_html(call.web, call.request, lang, declaration, form)
        return respond(call, html, 422)
    html = pledge_html(call.web, call.request, lang, declaration, PledgeForm(thanks=True))
    return respond(call, html)


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
    sections = [("cities", "/widgets/cities", cities_html(web, request, lang)),
                ("practices", "/widgets/practices", practices_html(web, request, lang, {}))]
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
    return html_response(html, 200, (("Vary", "Accept-Language"),))


def _widget(**fields: Any) -> Route:
    return Route(kind="html", tag="widgets", response_type="text/html", **fields)


_WIDGET_ERRORS = (400, 404)

ROUTES: tuple[Route, ...] = (
    _widget(method="GET", path="/widgets/pledge", handler=pledge_widget, name="widget-pledge",
          summary="Widget: a declaration, its count and the form to sign it",
          params=(LANG, Param(name="declaration", kind="slug", default=DEFAULT_DECLARATION,
                              description="the declaration to show")),
          errors=_WIDGET_ERRORS),
    _widget(method="POST", path="/widgets/pledge/{slug}", handler=sign_widget,
          name="widget-pledge-sign", summary="Widget: sign through the pledge form",
          description="Answers the widget again: with a thank-you (200), or with the form "
                      "and its errors next to each field (422).",
          params=(LANG,), body="PledgeForm", body_type="application/x-www-form-urlencoded",
          errors=(400, 404, 413, 415, 422, 429)),
)

DEMO_ROUTE = _widget(method="GET", path="/", handler=demo_page, name="demo",
                     summary="A demo page showing every widget", params=(LANG,),
                     in_schema=False)

