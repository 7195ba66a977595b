"""Every widget in every language, over real HTTP and in headless Chromium.

Each widget, in each of its states (empty form, errors, thanks, the pages behind
the email links, an error page), is served by a real server on 127.0.0.1 in
en, fr, es, de, tr and ar, and fails the test on:

- any of our strings left in English (a catalog message shown untranslated, or
  any text the English page shows too that is not content, a name, a number or
  a date);
- a root without the reader's ``lang`` and ``dir``, content shown in another
  language without its ``lang`` (and ``dir`` where the direction changes);
- any axe-core violation (WCAG 2.1 A and AA) in Chromium.

In Arabic the layout mirrors: a screenshot of the same widget in English and in
Arabic has its ink against opposite edges.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from i18n_support import (
    ROOT,
    Page,
    ink_columns,
    misplaced_content,
    strings_of,
    template_catalog,
    texts_of,
    untranslated,
)
from livingtogether import Observatory, convert, i18n
from livingtogether.demo import PRACTICES, bundle, install
from livingtogether.mail import SMTPMailer
from livingtogether.models import Pledge
from livingtogether.wsgi import make_app
from pledge_support import links, smtp_server
from test_web_support import serving

LANGUAGES = i18n.CATALOG_LANGUAGES
CHROMIUM = Path(os.environ.get("LIVINGTOGETHER_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(os.environ.get("LIVINGTOGETHER_AXE_JS",
                          ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"))
ARTIFACTS = ROOT / "test-artifacts" / "i18n"
DECLARATION = "universal-declaration"
SIGN = f"/widgets/pledge/{DECLARATION}"

#: People who sign in the fixture: names, cities and institutions are content.
SIGNERS = (
    {"kind": "citizen", "name": "Amina Benali", "email": "amina@example.org",
     "country": "MA", "city": "Rabat", "public": True},
    {"kind": "citizen", "name": "Jean Tremblay", "email": "jean@example.org",
     "country": "CA", "city": "Montréal", "public": True},
    {"kind": "institution", "name": "Aylin Kaya", "email": "office@example.org",
     "country": "TR", "city": "Izmir", "public": True,
     "institution": {"name": "Komşu Derneği", "kind": "ngo", "representative_role": "Chair",
                     "website": "https://example.org"}},
)


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}; `make test` provides it")
    pytest.skip(what)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo data with three confirmed public signatures, one pending and its links,
    served on 127.0.0.1."""
    url = f"sqlite:///{tmp_path_factory.mktemp('i18n') / 'site.sqlite3'}"
    obs = Observatory.open(url, base_url="http://city.example", secret_key="k" * 32,
                           pledge_ip_limit=0, pledge_min_fill_seconds=0,
                           pledge_email_limit=100)
    try:
        install(obs)
        for signer in SIGNERS:
            pledge = obs.pledges.sign(convert.structure(
                {"declaration": DECLARATION, "consent_version": "2022-1", **signer}, Pledge))
            obs.pledges.confirm(pledge.id)  # type: ignore[arg-type]
        pending = obs.pledges.sign(convert.structure(
            {"declaration": DECLARATION, "kind": "citizen", "name": "Ana Pérez",
             "email": "ana@example.org", "country": "UY", "consent_version": "2022-1"},
            Pledge), language="es")
        with smtp_server() as server:
            obs.pledges.send_outbox(SMTPMailer("127.0.0.1", server.port, security="none",
                                               timeout=5))
            server.inbox.wait(len(SIGNERS) + 1)
            [message] = server.inbox.to("ana@example.org")
        tokens = links(message)
        assert "Hola, Ana Pérez:" in message.get_content()  # in the language she signed in
        assert pending.id is not None
        with serving(make_app(obs, demo_page=True), threaded=True) as base:
            yield {"base": base, "obs": obs, "tokens": tokens}
    finally:
        obs.close()


def cases(site: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str] | None, int]]:
    """``(name, method, path, form, status)`` of every widget state to check."""
    tokens = site["tokens"]
    base = site["base"]
    form_token = _form_token(base)
    person = {"kind": "citizen", "name": "Lea Wagner", "email": "lea@example.org",
              "country": "DE", "consent": "yes", "form_token": form_token}
    return [
        ("cities", "GET", "/widgets/cities", None, 200),
        ("practices", "GET", "/widgets/practices?limit=2", None, 200),
        ("practices-search", "GET", "/widgets/practices?q=dialogue&theme=culture", None, 200),
        ("practices-none", "GET", "/widgets/practices?q=zzzzqqq", None, 200),
        ("practice", "GET", f"/widgets/practices/{PRACTICES[0].slug}", None, 200),
        ("programme", "GET", "/widgets/programme/izmir-2021", None, 200),
        ("pledge", "GET", f"/widgets/pledge?declaration={DECLARATION}", None, 200),
        ("pledge-errors", "POST", SIGN, {"kind": "institution", "email": "lea@",
                                         "form_token": form_token}, 422),
        ("pledge-thanks", "POST", SIGN, person, 200),
        ("counter", "GET", "/widgets/pledge/counter", None, 200),
        ("signatories", "GET", "/widgets/pledge/signatories", None, 200),
        ("institutions", "GET", "/widgets/pledge/signatories?kind=institution", None, 200),
        ("campaign", "GET", "/widgets/campaign/idltp-2022", None, 200),
        ("confirm", "GET", f"/widgets/pledge/confirm?token={tokens['confirm']}", None, 200),
        ("withdraw", "GET", f"/widgets/pledge/withdraw?token={tokens['withdraw']}", None, 200),
        ("link-invalid", "GET", "/widgets/pledge/confirm?token=" + "A" * 43, None, 404),
        ("error", "GET", "/widgets/programme/no-such-event", None, 404),
        ("demo", "GET", "/", None, 200),
    ]


def _form_token(base: str) -> str:
    from test_web_support import Tree

    page = Tree(requests.get(f"{base}/widgets/pledge", timeout=10).text)
    return page.find("input", name="form_token")[0]["value"]


def fetch(base: str, method: str, path: str, form: dict[str, str] | None, lang: str,
          status: int) -> str:
    """The widget as a page (as a browser opening it gets it), in ``lang``."""
    separator = "&" if "?" in path else "?"
    response = requests.request(method, f"{base}{path}{separator}lang={lang}", data=form,
                                headers={"Sec-Fetch-Dest": "document"}, timeout=30)
    assert response.status_code == status, (path, lang, response.text[:300])
    return response.text


def test_every_widget_in_every_language(site: dict[str, Any]) -> None:
    data = bundle()
    content = [*strings_of(data), *strings_of([dict(s) for s in SIGNERS]),
               "Ana Pérez", "Lea Wagner"]
    texts = list(texts_of(data))
    names = [*strings_of(data, plain_only=True), *strings_of([dict(s) for s in SIGNERS])]
    msgids = [m.id if isinstance(m.id, str) else m.id[0] for m in template_catalog() if m.id]
    problems: list[str] = []
    for name, method, path, form, status in cases(site):
        english = Page(fetch(site["base"], method, path, form, "en", status))
        for lang in LANGUAGES:
            html = english if lang == "en" else Page(
                fetch(site["base"], method, path, form, lang, status))
            where = f"{name} [{lang}]"
            if html.root_lang != lang or html.root_dir != i18n.text_direction(lang):
                problems.append(f"{where}: root lang={html.root_lang} dir={html.root_dir}")
            problems += [f"{where}: {p}" for p in html.direction_problems]
            problems += [f"{where}: {p}" for p in misplaced_content(html, lang, texts, names)]
            if lang != "en":
                problems += [f"{where}: {p}"
                             for p in untranslated(english, html, lang, content, msgids)]
    assert not problems, "\n".join(problems)


def test_the_untranslated_check_catches_english() -> None:
    """The check above fails on an English page passed off as French, on a message of
    the catalog left in English, and on content that lost its ``lang``."""
    english = Page('<section lang="en" dir="ltr"><h2>Member cities</h2>'
                   "<p>Unmarked words nobody translated</p><p>Montréal</p></section>")
    french = Page('<section lang="fr" dir="ltr"><h2>Member cities</h2>'
                  "<p>Unmarked words nobody translated</p><p>Montréal</p></section>")
    found = untranslated(english, french, "fr", ["Montréal"], ["Member cities"])
    assert any("catalog message in English" in p and "Member cities" in p for p in found)
    assert any("same as in English" in p and "Unmarked words" in p for p in found)
    assert not any("Montréal" in p for p in found)
    unmarked = Page('<section lang="fr" dir="ltr"><h3>Summit in English only</h3></section>')
    assert misplaced_content(unmarked, "fr", [{"en": "Summit in English only"}])
    marked = Page('<section lang="fr" dir="ltr"><h3 lang="en">Summit in English only</h3>'
                  "</section>")
    assert not misplaced_content(marked, "fr", [{"en": "Summit in English only"}])
    mixed = Page('<section lang="ar" dir="rtl"><h3 lang="en">Summit</h3></section>')
    assert mixed.direction_problems


# -- in Chromium


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core, installed from npm into .cache/npm when missing (as `make test` does)."""
    if not AXE.is_file() and "LIVINGTOGETHER_AXE_JS" not in os.environ:
        npm = subprocess.run(["which", "npm"], capture_output=True, text=True,
                             check=False).stdout.strip()
        if not npm:
            _missing(f"no axe-core at {AXE} and no npm to install it")
        subprocess.run([npm, "install", "--prefix", str(AXE.parents[2]), "axe-core@4",
                        "--no-audit", "--no-fund", "--silent"], check=False, timeout=300)
    if not AXE.is_file():
        _missing(f"no axe-core at {AXE} (npm install --prefix .cache/npm axe-core@4)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright."""
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


AXE_RUN = """async () => {
  const found = await axe.run({include: [['.lt-widget']]},
                              {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa',
                                                              'wcag21a', 'wcag21aa']}});
  return found.violations.map(v => v.id + ': ' + v.help + ' @ ' +
                                   v.nodes.map(n => n.target.join(' ')).join(', '));
}"""


def test_every_widget_passes_axe_in_every_language(site: dict[str, Any], chromium: Any,
                                                   axe_source: str) -> None:
    base = site["base"]
    context = chromium.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []
    try:
        for name, method, path, form, status in cases(site):
            if name == "demo":
                continue  # every widget of it is checked on its own
            for lang in LANGUAGES:
                separator = "&" if "?" in path else "?"
                url = f"{base}{path}{separator}lang={lang}"
                if method == "GET":
                    page.goto(url)
                else:  # a form's answer, shown where the browser would show it
                    html = fetch(base, method, path, form, lang, status)
                    page.goto(f"{base}/widgets/cities?lang={lang}")
                    page.set_content(html)
                assert page.evaluate("document.documentElement.lang") == lang, (name, lang)
                page.evaluate(axe_source)
                for violation in page.evaluate(AXE_RUN):
                    problems.append(f"{name} [{lang}]: {violation}")
    finally:
        context.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)


def test_arabic_mirrors_the_layout(site: dict[str, Any], chromium: Any) -> None:
    """The pledge widget's title, counter and form sit against the right edge in Arabic
    and the left edge in English: CSS logical properties, no per-direction rules."""
    base = site["base"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 900, "height": 1200})
    page = context.new_page()
    edges = {}
    try:
        for lang in ("en", "ar"):
            page.goto(f"{base}/widgets/pledge/signatories?lang={lang}")
            widget = page.locator(".lt-widget")
            box = widget.bounding_box()
            page.screenshot(path=str(ARTIFACTS / f"signatories-{lang}.png"), full_page=True)
            for selector in ("h2", ".lt-signatories li >> nth=0", ".lt-total"):
                shot = widget.locator(selector).first.screenshot(animations="disabled")
                element = widget.locator(selector).first.bounding_box()
                _, first, last = ink_columns(shot)
                # where the ink starts and ends, measured from the widget's edges
                left = element["x"] - box["x"] + first
                right = box["x"] + box["width"] - (element["x"] + last)
                edges[(lang, selector)] = (left, right)
            assert page.evaluate("getComputedStyle(document.querySelector('.lt-widget'))"
                                 ".direction") == ("rtl" if lang == "ar" else "ltr")
    finally:
        context.close()
    for selector in ("h2", ".lt-signatories li >> nth=0", ".lt-total"):
        en_left, en_right = edges[("en", selector)]
        ar_left, ar_right = edges[("ar", selector)]
        assert en_left < 60 < en_right, (selector, edges)
        assert ar_right < 60 < ar_left, (selector, edges)
        # the list's indent mirrors too: the same distance from the start edge
        assert abs(en_left - ar_right) < 12, (selector, edges)
