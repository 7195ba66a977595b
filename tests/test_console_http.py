"""The staff console over real HTTP (wsgiref on 127.0.0.1), on SQLite and PostgreSQL.

Mounted by ``make_app(..., console_auth=...)`` with a host-style authenticator
(a trusted header standing in for an auth proxy's ``REMOTE_USER``), on the
demo data: an editor and a publisher of Izmir, and Düsseldorf's own practice.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.wsgi import make_app
from serve_support import served
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

PEOPLE = {
    "editor": Principal.with_roles(id="editor@izmir", name="Elif", roles=["city-editor"],
                                   cities=["izmir"]),
    "publisher": Principal.with_roles(id="publisher@izmir", name="Ayşe",
                                      roles=["city-publisher"], cities=["izmir"]),
}
DUSSELDORF_PRACTICE = "example-intercultural-library-evenings"


def authenticate(environ: dict[str, Any]) -> Principal | None:
    """The test host's authentication: the user its proxy names."""
    return PEOPLE.get(environ.get("HTTP_X_TEST_USER", ""))


@pytest.fixture
def obs(database_url: str) -> Iterator[Observatory]:
    observatory = Observatory.open(database_url)
    demo.install(observatory)
    try:
        yield observatory
    finally:
        observatory.close()


@pytest.fixture
def base(obs: Observatory) -> Iterator[str]:
    with serving(make_app(obs, console_auth=authenticate)) as url:
        yield url


def client(base: str, who: str) -> Client:
    """A browser session signed in as ``who``."""
    browser = Client(base)
    browser.session.headers["X-Test-User"] = who
    return browser


def problems(html: str) -> list[str]:
    """What could run a script in a console page: in its content (``<main>``, where
    everything typed is shown), by :func:`html_problems`, and nothing before it but
    the page's own head and header."""
    head, _, rest = html.partition('<main id="lt-console-main"')
    main = rest.rpartition("</main>")[0]
    assert main, "not a console page"
    assert "<script" not in head.lower()
    assert html.count("<script") == 0  # the console needs no script at all
    return html_problems("<main" + main + "</main>")


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def base_of(html: str) -> str:
    found = re.search(r'name="base" value="(\d+)"', html)
    assert found
    return found.group(1)


def new_form(browser: Client, **fields: str) -> dict[str, str]:
    page = browser.get("/console/practices/new")
    assert page.status_code == 200
    return {"csrf_token": token_of(page.text), "base": "0", "city": "izmir",
            "kind": "practice", **fields}


def drafts(obs: Observatory) -> list[str]:
    who = PEOPLE["publisher"]
    return [revision.key for revision in Staff(obs).practices.drafts(who).items]


def test_not_mounted_without_an_authenticator(obs: Observatory) -> None:
    with serving(make_app(obs)) as url:
        answer = Client(url).get("/console/practices", headers={"X-Test-User": "publisher"})
        assert answer.status_code == 404
        assert Client(url).get("/console").status_code == 404


def test_the_demo_page_links_to_the_console_only_when_mounted(obs: Observatory) -> None:
    with serving(make_app(obs, demo_page=True, console_auth=authenticate)) as url:
        assert 'href="/console/"' in Client(url).get("/").text
    with serving(make_app(obs, demo_page=True)) as url:
        assert "/console/" not in Client(url).get("/").text


def test_nobody_signed_in_gets_401_with_a_page(base: str) -> None:
    answer = Client(base).get("/console/practices")
    assert answer.status_code == 401
    assert "Sign-in needed" in answer.text
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"


def test_posts_without_a_genuine_csrf_token_are_refused(base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    form = new_form(browser, slug="forged", **{"title.en": "Forged"})
    missing = {k: v for k, v in form.items() if k != "csrf_token"}
    answer = browser.post("/console/practices/new", data=missing)
    assert answer.status_code == 403
    assert "security token" in answer.text
    answer = browser.post("/console/practices/new", data={**form, "csrf_token": "x" * 43})
    assert answer.status_code == 403
    # another browser's token (no cookie of its own) is refused too
    stranger = requests.post(base + "/console/practices/new", data=form, timeout=10,
                             headers={"X-Test-User": "publisher"})
    assert stranger.status_code == 403
    assert drafts(obs) == []
    assert browser.get("/console/practices/forged").status_code == 404


def test_a_practice_from_a_mistake_to_the_public_widget(base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    typed = {"slug": "tea-and-talk", "title.fr": "Thé et discussion",
             "summary.ar": "حوار الجيران", "links.0.url": "javascript:alert(1)",
             "links.0.label.en": "Our page"}
    # a deliberate mistake: a script link (and no English title, which is fine)
    answer = browser.post("/console/practices/new", data=new_form(browser, **typed))
    assert answer.status_code == 422
    html = answer.text
    assert 'id="f-links-0-url-error"' in html
    assert re.search(r'name="links.0.url" value="javascript:alert\(1\)"[^>]*'
                     r'aria-describedby="f-links-0-url-error" aria-invalid="true"', html)
    assert 'value="Thé et discussion" lang="fr" dir="ltr"' in html
    assert 'lang="ar" dir="rtl"' in html
    assert "حوار الجيران" in html
    assert drafts(obs) == []
    # a new practice may not take the address of one that exists (Izmir's, Düsseldorf's)
    for taken in ("example-newcomer-welcome-network", DUSSELDORF_PRACTICE):
        answer = browser.post("/console/practices/new",
                              data=new_form(browser, **{**typed, "slug": taken,
                                                        "links.0.url": "https://example.org"}))
        assert answer.status_code == 409
        assert 'id="f-slug-error"' in answer.text
        assert 'value="Thé et discussion"' in answer.text
    assert drafts(obs) == []
    # fixed: stored as a draft, not public
    fixed = new_form(browser, **{**typed, "links.0.url": "https://example.org/tea",
                                 "themes.dialogue-and-solidarity": "yes"})
    answer = browser.post("/console/practices/new", data=fixed)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/console/practices/tea-and-talk?saved=1")
    assert drafts(obs) == ["tea-and-talk"]
    assert browser.get("/widgets/practices/tea-and-talk").status_code == 404
    # preview through the widget's own template
    preview = browser.get("/console/practices/tea-and-talk/preview?lang=fr")
    assert preview.status_code == 200
    assert "lt-widget--practice" in preview.text
    assert "Thé et discussion" in preview.text
    # publish: on the public widget
    page = browser.get("/console/practices/tea-and-talk")
    answer = browser.post("/console/practices/tea-and-talk/publish",
                          data={"csrf_token": token_of(page.text), "base": base_of(page.text),
                                "summary": "first version"})
    assert answer.status_code == 303
    public = browser.get("/widgets/practices?city=izmir&lang=fr")
    assert "Thé et discussion" in public.text
    # an edit, then a restore of the first revision
    page = browser.get("/console/practices/tea-and-talk")
    form = {"csrf_token": token_of(page.text), "base": base_of(page.text), "city": "izmir",
            "kind": "practice", "title.fr": "Thé, café et discussion"}
    assert browser.post("/console/practices/tea-and-talk", data=form).status_code == 303
    history = browser.get("/console/practices/tea-and-talk/history")
    assert history.status_code == 200
    assert "first version" in history.text
    assert "Restore revision 1" in history.text
    answer = browser.post("/console/practices/tea-and-talk/restore",
                          data={"csrf_token": token_of(history.text), "number": "1",
                                "base": base_of(history.text)})
    assert answer.status_code == 303
    restored = Staff(obs).practices.get(PEOPLE["publisher"], "tea-and-talk")
    assert restored.draft is not None
    assert restored.draft.title.values == {"fr": "Thé et discussion"}


def test_a_stale_save_is_a_conflict_that_keeps_the_input(base: str, obs: Observatory) -> None:
    ayse, elif_ = client(base, "publisher"), client(base, "editor")
    browser = ayse
    assert browser.post("/console/practices/new", data=new_form(
        browser, slug="walks", **{"title.en": "Walks"})).status_code == 303
    first, second = ayse.get("/console/practices/walks"), elif_.get("/console/practices/walks")
    assert base_of(first.text) == base_of(second.text) == "1"
    saved = ayse.post("/console/practices/walks", data={
        "csrf_token": token_of(first.text), "base": "1", "city": "izmir", "kind": "practice",
        "title.en": "Walks in the old town"})
    assert saved.status_code == 303
    stale = elif_.post("/console/practices/walks", data={
        "csrf_token": token_of(second.text), "base": "1", "city": "izmir", "kind": "practice",
        "title.en": "Walks along the bay"})
    assert stale.status_code == 409
    assert 'value="Walks along the bay"' in stale.text
    assert "Ayşe saved revision 2" in stale.text
    kept = Staff(obs).practices.get(PEOPLE["publisher"], "walks")
    assert kept.draft is not None
    assert kept.draft.title.values == {"en": "Walks in the old town"}


def test_an_izmir_editor_cannot_touch_dusseldorfs_practice(base: str, obs: Observatory) -> None:
    browser = client(base, "editor")
    answer = browser.get(f"/console/practices/{DUSSELDORF_PRACTICE}")
    assert answer.status_code == 403
    assert "practices.edit" in answer.text
    assert "dusseldorf" in answer.text
    token = token_of(browser.get("/console/practices/new").text)
    answer = browser.post(f"/console/practices/{DUSSELDORF_PRACTICE}", data={
        "csrf_token": token, "base": "0", "city": "dusseldorf", "kind": "practice",
        "title.en": "Taken over"})
    assert answer.status_code == 403
    # nor move a practice of its own city there
    answer = browser.post("/console/practices/new", data=new_form(
        browser, slug="moved", city="dusseldorf", **{"title.en": "Moved"}))
    assert answer.status_code == 403
    assert drafts(obs) == []
    assert obs.practices.get(DUSSELDORF_PRACTICE).title.values.get("en") != "Taken over"
    # an editor may save drafts but not publish
    assert browser.post("/console/practices/new", data=new_form(
        browser, slug="mine", **{"title.en": "Mine"})).status_code == 303
    page = browser.get("/console/practices/mine")
    assert "Publish the draft" in page.text  # shown; the service decides
    answer = browser.post("/console/practices/mine/publish", data={
        "csrf_token": token_of(page.text), "base": base_of(page.text)})
    assert answer.status_code == 403
    assert "practices.publish" in answer.text


def test_the_console_speaks_arabic_mirrored(base: str) -> None:
    page = client(base, "publisher").get("/console/practices/new?lang=ar")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "حفظ المسودة" in page.text  # "Save the draft"
    assert '<label for="f-slug">الاسم المختصر في العناوين' in page.text  # the form's labels
    assert 'lang="fr" dir="ltr"' in page.text  # each input in its own language
    french = client(base, "publisher").get("/console/practices?lang=fr")
    assert "Nouvelle pratique" in french.text


TEXT_FIELDS = ("title.en", "summary.en", "body.en", "contact", "partners",
               "links.0.label.en")


def test_xss_vectors_in_every_text_field_come_back_harmless(base: str,
                                                            obs: Observatory) -> None:
    browser = client(base, "publisher")
    token = token_of(browser.get("/console/practices/new").text)
    accepted = 0
    for index, vector in enumerate(VECTORS):
        slug = f"xss-{index}"
        form = {"csrf_token": token, "base": "0", "city": "izmir", "kind": "practice",
                "slug": slug, "links.0.url": "https://example.org/x",
                **dict.fromkeys(TEXT_FIELDS, vector)}
        # first with a mistake: the typed vectors come back escaped
        refused = browser.post("/console/practices/new", data={**form, "year_started": "x"})
        assert refused.status_code == 422
        assert problems(refused.text) == [], vector
        answer = browser.post("/console/practices/new", data=form)
        if answer.status_code == 422:  # a text the models refuse (a control character)
            assert problems(answer.text) == [], vector
            assert slug not in drafts(obs)
            continue
        assert answer.status_code == 303, vector
        accepted += 1
        for path in (f"/console/practices/{slug}", f"/console/practices/{slug}/preview"):
            page = browser.get(path)
            assert page.status_code == 200
            assert problems(page.text) == [], (vector, path)
        page = browser.get(f"/console/practices/{slug}")
        assert browser.post(f"/console/practices/{slug}/publish", data={
            "csrf_token": token, "base": base_of(page.text)}).status_code == 303
        public = browser.get(f"/widgets/practices/{slug}")
        assert public.status_code == 200
        assert html_problems(public.text) == [], vector
    assert accepted > len(VECTORS) * 3 // 4
    listed = browser.get("/console/practices?page=2")
    assert listed.status_code == 200
    assert problems(listed.text) == []


def test_the_demo_serves_the_console_behind_its_documented_login(sqlite_url: str) -> None:
    with served(sqlite_url, "--demo-console") as (url, _):
        assert requests.get(url + "/console/", timeout=10).status_code == 401
        wrong = requests.get(url + "/console/", auth=("demo", "nope"), timeout=10)
        assert wrong.status_code == 401
        answer = requests.get(url + "/console/practices", auth=("demo", "demo"), timeout=10)
        assert answer.status_code == 200
        assert "Demo secretariat" in answer.text
    with served(sqlite_url) as (url, _):  # without the flag: no console at all
        assert requests.get(url + "/console/", auth=("demo", "demo"),
                            timeout=10).status_code == 404


def test_the_demo_login_is_refused_off_the_loopback(sqlite_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "livingtogether.cli", "--database-url", sqlite_url, "serve",
         "--host", "0.0.0.0", "--port", "0", "--demo-console"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "serve it on 127.0.0.1 only" in done.stderr
