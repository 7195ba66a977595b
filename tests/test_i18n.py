"""The catalogs and the choice of language: complete, in sync with the code, compiled,
plurals by each language's rules, one negotiation order, and every output in it."""

from __future__ import annotations

import gettext
import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural

from i18n_support import ROOT, catalog, template_catalog
from livingtogether import convert, i18n
from livingtogether.models import Pledge
from livingtogether.settings import Settings
from livingtogether.wsgi import make_app
from pledge_support import smtp_server
from test_web_support import Tree, serving

LANGUAGES = i18n.CATALOG_LANGUAGES
NUMBERS = range(0, 1001)


def _id(message: Any) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


# -- the catalogs


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_valid(language: str) -> None:
    found = catalog(language)
    template = {_id(m): m for m in template_catalog() if m.id}
    problems = []
    for message in found:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {_id(message)!r}")
        if not all(form and form.strip() for form in forms):
            problems.append(f"untranslated: {_id(message)!r}")
        if isinstance(message.id, tuple) and len(forms) != found.num_plurals:
            problems.append(f"{len(forms)} plural forms for {found.num_plurals}: {_id(message)!r}")
        for error in message.check(found):  # placeholders the source does not have, ...
            problems.append(f"{_id(message)!r}: {error}")
        for form in forms:  # ... and the placeholders the reader needs
            given = set(re.findall(r"%\((\w+)\)s", _id(message)))
            kept = set(re.findall(r"%\((\w+)\)s", form or ""))
            # a count may be written out ("one", "two"): Django's is "counter"
            if given - kept - {"num", "counter"}:
                problems.append(f"{_id(message)!r} loses {sorted(given - kept)}")
    assert set(template) == {_id(m) for m in found if m.id}, "run `make messages`"
    assert not problems, "\n".join(problems)


def test_the_template_has_every_string_of_the_code() -> None:
    """``make messages`` was run: extracting now finds what the .pot holds."""
    sys.path.insert(0, str(ROOT / "scripts"))  # the Django templates' extractor
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        methods, options = parse_mapping_cfg(handle)
    extracted = {message[2] if isinstance(message[2], str) else message[2][0]
                 for message in extract_from_dir(str(ROOT), methods, options,
                                                 keywords={**_KEYWORDS})}
    extracted.discard("")
    held = {_id(m) for m in template_catalog() if m.id}
    assert extracted == held, (f"not in the catalogs: {sorted(extracted - held)}; "
                               f"no longer in the code: {sorted(held - extracted)}")


_KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
                             "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}


def _content(translations: gettext.GNUTranslations) -> dict[str, Any]:
    """What a compiled catalog says, without the tool's own headers (its version, dates):
    every message and its translation, the language, and the plural rule."""
    messages = dict(translations._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)  # the header: compared field by field below
    info = translations.info()
    return {"messages": messages, "language": info.get("language"),
            "plural-forms": info.get("plural-forms"),
            "plurals": [translations.plural(n) for n in NUMBERS]}  # type: ignore[attr-defined]


def _compiled(found: Any) -> gettext.GNUTranslations:
    compiled = io.BytesIO()
    write_mo(compiled, found)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_po_file(language: str) -> None:
    """The committed .mo says what its .po says (``make messages`` compiled it): the same
    messages, translations, language and plural rule, whichever Babel compiled it."""
    found = catalog(language)
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "livingtogether.mo").open("rb") as f:
        shipped = _content(gettext.GNUTranslations(f))
    assert shipped == _content(_compiled(found)), "run `make messages` (or its compile step)"
    assert shipped["language"] == language
    assert shipped["plural-forms"] == found.plural_forms


def test_a_translation_changed_only_in_the_po_file_is_caught() -> None:
    """The comparison above sees a .po edited without compiling it again."""
    found = catalog("fr")
    with (i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "livingtogether.mo").open("rb") as f:
        shipped = _content(gettext.GNUTranslations(f))
    message = next(m for m in found if m.id and isinstance(m.id, str))
    message.string = f"{message.string} (changed)"
    assert shipped != _content(_compiled(found))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_wagtail_app_s_catalog_is_its_part_of_the_po_file(language: str) -> None:
    """Django finds the Wagtail app's strings, and only those, in its own ``django.mo``."""
    path = (ROOT / "plugins" / "livingtogether-wagtail" / "src" / "livingtogether_wagtail"
            / "locale" / language / "LC_MESSAGES" / "django.mo")
    if not path.parent.parent.parent.is_dir():
        pytest.skip("no Wagtail app in this tree")
    with path.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    ours = {_id(m) for m in catalog(language) if m.id and any(
        "livingtogether-wagtail" in where for where, _ in m.locations)}
    keys = {key[0] if isinstance(key, tuple) else key
            for key in shipped._catalog if key}  # type: ignore[attr-defined]
    assert keys == ours
    assert shipped.plural(11) == i18n.translations(language).plural(11)  # type: ignore[attr-defined]


def test_the_package_ships_its_catalogs() -> None:
    """What pyproject.toml packages: the .mo files an install needs to translate."""
    data = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*/LC_MESSAGES/*.mo"' in data
    for language in LANGUAGES:
        assert (Path(i18n.__file__).parent / "locale" / language / "LC_MESSAGES"
                / "livingtogether.mo").is_file()


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_the_language_s_own_rules(language: str) -> None:
    """Each catalog's plural formula sorts 0..1000 into exactly the CLDR categories
    its language has (Babel's default formula for Arabic does not: ours is fixed)."""
    rule = i18n.translations(language).plural  # type: ignore[attr-defined]
    locale = Locale.parse(language)
    by_index: dict[int, set[str]] = {}
    for n in NUMBERS:
        by_index.setdefault(rule(n), set()).add(locale.plural_form(n))
    assert all(len(categories) == 1 for categories in by_index.values()), by_index
    assert len(by_index) == max(1, len({locale.plural_form(n) for n in NUMBERS}))
    if language == "ar":
        order = ["zero", "one", "two", "few", "many", "other"]
        assert [by_index[i].pop() for i in range(6)] == order
        assert get_plural("ar").plural_forms != catalog("ar").plural_forms


@pytest.mark.parametrize(("language", "counts"), [
    ("en", {1: "1 confirmed signature", 2: "2 confirmed signatures",
            1000: "1,000 confirmed signatures"}),
    ("fr", {0: "0 signature confirmée", 1: "1 signature confirmée",
            2: "2 signatures confirmées", 1000: "1\u202f000 signatures confirmées"}),
    ("de", {1: "1 bestätigte Unterschrift", 2: "2 bestätigte Unterschriften"}),
    ("es", {1: "1 firma confirmada", 2: "2 firmas confirmadas"}),
    ("tr", {1: "1 onaylı imza", 2: "2 onaylı imza"}),
    ("ar", {0: "لا توجد توقيعات مؤكدة", 1: "توقيع مؤكد واحد", 2: "توقيعان مؤكدان",
            3: "3 توقيعات مؤكدة", 11: "11 توقيعًا مؤكدًا", 100: "100 توقيع مؤكد",
            102: "102 توقيع مؤكد", 103: "103 توقيعات مؤكدة"}),
])
def test_the_counter_s_plural_in_each_language(language: str, counts: dict[int, str]) -> None:
    from babel.numbers import format_decimal

    for count, expected in counts.items():
        text = i18n.ngettext(language, "%(num)s confirmed signature",
                             "%(num)s confirmed signatures", count)
        assert text % {"num": format_decimal(count, locale=i18n.locale(language))} == expected


# -- the choice of language


def test_negotiate_takes_the_first_offered_of_each_source() -> None:
    offered = ("en", "fr", "ar")
    pick = i18n.negotiate
    assert pick(offered=offered, default="en") == "en"
    assert pick(offered=offered, default="fr", accepted=["de", "ar-MA"]) == "ar"
    assert pick(offered=offered, default="en", active="fr_CA", accepted=["ar"]) == "fr"
    assert pick(offered=offered, default="en", requested="ar", active="fr") == "ar"
    assert pick(offered=offered, default="en", requested="xx", active="de",
                accepted=["fr"]) == "fr"
    assert i18n.match(["PT-br", "EN"], offered) == "en"
    assert i18n.gettext("../fr", "Member cities") == "Member cities"  # a tag, not a path
    assert i18n.gettext("fr-CA", "Member cities") == "Villes membres"
    assert i18n.content_chain(("en", "fr"), "fr") == ("fr", "en")


def test_the_settings_compute_the_content_chain_once() -> None:
    settings = Settings(default_language="de", fallback_languages=("fr", "de", "en"))
    assert settings.content_fallbacks == ("de", "fr", "en")
    assert settings.content_fallbacks is settings.content_fallbacks
    assert Settings().content_fallbacks == ("en", "fr")


@pytest.fixture
def obs(open_demo: Any) -> Any:
    """The demo data on SQLite, with a site whose default language is French."""
    return open_demo(default_language="fr", languages=("en", "fr", "es", "de", "tr", "ar"),
                     fallback_languages=("en",))


def test_each_request_gets_its_language_in_order(obs: Any) -> None:
    """?lang=, then the site's active language (the adapter's hook), then Accept-Language,
    then the default; over a real server."""
    active: dict[str, str | None] = {"language": None}
    app = make_app(obs, language=lambda environ: active["language"])
    with serving(app) as base:
        def lang(query: str = "", accept: str | None = None) -> tuple[str, str]:
            headers = {"Accept-Language": accept} if accept else {}
            response = requests.get(f"{base}/widgets/cities{query}", headers=headers,
                                    timeout=10)
            assert response.status_code == 200
            root = Tree(response.text).elements[0][1]
            return root["lang"], root["dir"]

        assert lang() == ("fr", "ltr")  # the site's default
        assert lang(accept="de-AT, en;q=0.5") == ("de", "ltr")
        active["language"] = "ar"
        assert lang(accept="de") == ("ar", "rtl")  # the site's choice beats the browser's
        # the same request as before but for the site's language: not the cached answer
        assert lang(accept="de-AT, en;q=0.5") == ("ar", "rtl")
        assert lang("?lang=tr", accept="de") == ("tr", "ltr")
        active["language"] = "ja"  # not offered: the next source decides
        assert lang(accept="es") == ("es", "ltr")
        refused = requests.get(f"{base}/widgets/cities?lang=ja", timeout=10,
                               headers={"Accept-Language": "de"})
        assert refused.status_code == 400
        # the error page speaks the reader's language; the developer's detail is marked
        tree = Tree(refused.text)
        assert tree.elements[0][1]["lang"] == "de"
        assert "Diese Anfrage kann nicht beantwortet werden" in tree.text
        assert tree.find("p", lang="en")


@pytest.mark.parametrize(("default", "chain", "shown"), [
    ("en", ("fr",), "en"), ("fr", ("en",), "fr"), ("de", ("fr", "en"), "fr")])
def test_content_falls_back_along_the_chain_and_says_so(
        open_demo: Any, default: str, chain: tuple[str, ...], shown: str) -> None:
    """A text missing in the reader's language comes in the first language of the site's
    chain (its default, then ``fallback_languages``) that has it, marked with it."""
    obs = open_demo(default_language=default, fallback_languages=chain)
    slug = "example-neighbourhood-dialogue-circles"  # in English and French only
    with serving(make_app(obs)) as base:
        page = requests.get(f"{base}/widgets/practices/{slug}?lang=tr", timeout=10).text
    tree = Tree(page)
    assert tree.elements[0][1]["lang"] == "tr"
    assert tree.find("h2", id="lt-practice-title")[0].get("lang") == shown
    assert tree.find("div", lang=shown)  # the summary too
    assert "Tüm uygulamalar" in tree.text  # our own words are Turkish


def test_emails_are_written_in_the_signer_s_language(open_demo: Any) -> None:
    obs = open_demo(base_url="http://city.example", secret_key="k" * 32,
                    pledge_ip_limit=0)
    signers = {"ar": "samira@example.org", "de": "jonas@example.org", "fr": "lea@example.org"}
    for language, email in signers.items():
        obs.signing.sign(convert.structure({
            "declaration": "universal-declaration", "kind": "citizen", "name": "N. N.",
            "email": email, "country": "MA", "consent_version": "2022-1"}, Pledge),
            language=language)
    from livingtogether.mail import SMTPMailer

    with smtp_server() as server:
        obs.outbox.send(SMTPMailer("127.0.0.1", server.port, security="none",
                                           timeout=5))
        server.inbox.wait(3)
        arabic, german, french = (server.inbox.to(signers[x])[0] for x in ("ar", "de", "fr"))
    assert arabic["Subject"].startswith("يُرجى تأكيد توقيعك")
    assert arabic["Content-Language"] == "ar"
    assert "مرحبًا N. N.،" in arabic.get_content()
    assert german["Subject"].startswith("Bitte bestätigen Sie Ihre Unterschrift")
    body = german.get_content()
    assert "Der Link gilt bis" in body
    # the expiry is a date as German writes it (Babel), not strftime's English
    assert re.search(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}", body), body
    assert "Bonjour N. N.," in french.get_content()


def test_calendar_schedule_and_feed_are_translated(open_demo: Any) -> None:
    obs = open_demo()
    with serving(make_app(obs)) as base:
        ics = requests.get(f"{base}/api/v1/events/izmir-2021/calendar.ics?lang=es",
                           timeout=30).text
        frab = requests.get(f"{base}/api/v1/events/izmir-2021/schedule.json?lang=de",
                            timeout=30).json()
        feed = requests.get(f"{base}/api/v1/events/izmir-2021/changes.atom?lang=fr",
                            timeout=30).text
    unfolded = ics.replace("\r\n ", "")
    assert "Preguntas orientadoras:" in unfolded
    assert "Guiding questions" not in unfolded
    assert "Conferencias magistrales:" in unfolded  # the plural: two keynote speakers
    sessions = [s for day in frab["schedule"]["conference"]["days"]
                for room in day["rooms"].values() for s in room]
    assert any("Leitfragen:" in (s["description"] or "") for s in sessions)
    assert "modifications du programme" in feed


def test_formatting_goes_through_babel_only() -> None:
    """No strftime anywhere in the library: dates and numbers are Babel's."""
    source = Path(i18n.__file__).parent
    found = [str(path) for path in source.rglob("*.py")
             if "strftime" in path.read_text(encoding="utf-8")]
    found += [str(path) for path in source.rglob("*.html")
              if "strftime" in path.read_text(encoding="utf-8")]
    assert not found, found


def test_the_stylesheet_mirrors_by_itself() -> None:
    """Only logical properties: no left/right that Arabic would have to undo."""
    css = (Path(i18n.__file__).parent / "web" / "static" / "livingtogether.css").read_text(
        encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    physical = re.findall(r"(?:margin|padding|border)-(?:left|right)\b[^;]*|"
                          r"(?<![-\w])(?:left|right)\s*:[^;]*|"
                          r"(?:float|clear|text-align)\s*:\s*(?:left|right)\b", css)
    assert not physical, physical
