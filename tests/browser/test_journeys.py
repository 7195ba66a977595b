"""A resident's journey in headless Chromium, on each of the three kinds of host.

* a Flask site: the app of docs/flask.md, its widgets rendered in its own page;
* a Wagtail site: the demo project of the plugin, the widgets as StreamField
  blocks, served by gunicorn in its own process;
* a static page on another origin using embed.js against the plain WSGI app
  of docs/embed.md mounted under a prefix.

Each: the programme shows its first session at the right time in every zone,
axe-core finds no WCAG 2.1 A/AA violation in any widget (blank, with errors,
signed), a citizen signs and the signature is stored. The email leg (the
message reaches a real SMTP server, the link confirms, the counter goes up)
is ``test_*_confirmation``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.wsgi import mounted
from pledge_support import SMTPServer, free_port
from test_docs import code_blocks
from test_web_support import serving

from .conftest import ROOT
from .journeys import Host, shoot, walk

EVENT = "izmir-2021"
WAGTAIL = ROOT / "plugins" / "livingtogether-wagtail"


def docs_namespace(page: str, folder: Path, **env: str) -> dict[str, Any]:
    """Run the python blocks of ``docs/PAGE`` (in ``folder``) up to the first that serves."""
    namespace: dict[str, Any] = {"__name__": f"docs_{page.replace('.', '_')}"}
    old_cwd = Path.cwd()
    old_env = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    os.chdir(folder)
    try:
        line, code = code_blocks(ROOT / "docs" / page, "python")[0]
        exec(compile("\n" * (line - 1) + code, str(ROOT / "docs" / page), "exec"), namespace)
    finally:
        os.chdir(old_cwd)
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return namespace


# -- Flask


@pytest.fixture
def flask_site(tmp_path: Path, smtp: SMTPServer) -> Iterator[tuple[str, Any]]:
    """The docs' Flask app on a real server, with the demo data."""
    create_app = docs_namespace("flask.md", tmp_path)["create_app"]
    port = free_port()
    app = create_app({"LIVINGTOGETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'flask.sqlite3'}",
                      "LIVINGTOGETHER_BASE_URL": f"http://127.0.0.1:{port}/observatory",
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port})
    observatory = app.extensions["livingtogether"].observatory
    install(observatory)
    with serving(app, threaded=True, port=port) as base:
        yield base, app
    observatory.close()


def test_flask_journey(flask_site: tuple[str, Any], page: Any, axe_source: str,
                       artifacts: Path, smtp: SMTPServer) -> None:
    from livingtogether_flask import send_outbox

    base, app = flask_site

    def worker() -> None:  # the site's worker, through its MAIL_* relay
        assert send_outbox(app).sent

    host = Host(url=f"{base}/summit", mount=f"{base}/observatory/", widgets=3,
                observatory=app.extensions["livingtogether"].observatory, send_mail=worker)
    walk(page, host, smtp, axe_source, artifacts, "flask@example.org", EVENT)


# -- Wagtail


@pytest.fixture
def wagtail_site(tmp_path: Path,
                 smtp: SMTPServer) -> Iterator[tuple[str, Observatory, dict[str, str]]]:
    """The demo Wagtail project under gunicorn in its own process, with the demo page."""
    port = free_port()
    database = f"sqlite:///{tmp_path / 'lt.sqlite3'}"
    env = {**os.environ, "LT_DEMO_DIR": str(tmp_path / "demo"),
           "LIVINGTOGETHER_DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "demo.settings",
           "LIVINGTOGETHER_BASE_URL": f"http://127.0.0.1:{port}/observatory",
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(smtp.port)}
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["setup_demo"]):
        subprocess.run([*manage, *command], cwd=WAGTAIL, env=env, check=True, timeout=180,
                       capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "demo.wsgi:application"],
        cwd=WAGTAIL, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/observatory/static/livingtogether.css", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # up, but slow to answer yet
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start: "
                                         + server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        observatory = Observatory.open(database)
        yield base, observatory, env
        observatory.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_wagtail_journey(wagtail_site: tuple[str, Observatory, dict[str, str]], page: Any,
                         axe_source: str, artifacts: Path, smtp: SMTPServer) -> None:
    base, observatory, env = wagtail_site

    def worker() -> None:  # the management command, through Django's email backend
        sent = subprocess.run([sys.executable, "manage.py", "livingtogether_outbox"],
                              cwd=WAGTAIL, env=env, check=True, timeout=120,
                              capture_output=True, text=True)
        assert sent.stdout.startswith("1 sent"), sent.stdout + sent.stderr

    # the demo page's widgets: programme, counter, pledge, cities, Izmir's practices
    host = Host(url=f"{base}/", mount=f"{base}/observatory/", widgets=5,
                observatory=observatory, send_mail=worker)
    walk(page, host, smtp, axe_source, artifacts, "wagtail@example.org", EVENT)


# -- a static page on another origin, with embed.js


def static_pages(folder: Path) -> Any:
    """A plain static site (WSGI): the HTML files of ``folder``, by name."""
    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        name = environ.get("PATH_INFO", "").lstrip("/")
        found = folder / name
        if "/" in name or not name.endswith(".html") or not found.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [found.read_bytes()]
    return application


def not_found(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The rest of the serving site."""
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


HOSTILE_CSS = """
h2 { color: rgb(255, 0, 0); font-size: 64px; text-transform: uppercase; }
p, li { margin: 40px; letter-spacing: 6px; }
input, select { width: 30px; }
ul { list-style: square; }
.lt-widget { --lt-accent: #8a1538; }
"""


@pytest.fixture
def embed_site(tmp_path: Path, smtp: SMTPServer) -> Iterator[tuple[str, str, Observatory]]:
    """The docs' WSGI app under /lt, and a static page of another origin embedding it."""
    pages = tmp_path / "site"
    pages.mkdir()
    with serving(static_pages(pages), threaded=True) as host:
        port = free_port()
        namespace = docs_namespace(
            "embed.md", tmp_path, MEMBER_SITES=host,
            LIVINGTOGETHER_DATABASE_URL=f"sqlite:///{tmp_path / 'wsgi.sqlite3'}",
            LIVINGTOGETHER_BASE_URL=f"http://127.0.0.1:{port}/lt")
        observatory = namespace["observatory"]
        install(observatory)
        site = mounted(namespace["application"], "/lt", not_found)
        with serving(site, port=port) as server:
            (_line, html), = code_blocks(ROOT / "docs" / "embed.md", "html")
            html = html.replace("https://observatory.example/lt", f"{server}/lt")
            html = html.replace("</head>", f"<style>{HOSTILE_CSS}</style>\n</head>")
            html = html.replace("</main>", "<h2 id='host-heading'>Host news</h2>\n</main>")
            (pages / "index.html").write_text(html, encoding="utf-8")
            yield host, server, observatory
        observatory.close()


def host_styles_stay_out(page: Any) -> None:
    """The host's styles do not reach the widget, nor the widget's the host; frames work;
    the widget's own script (the reader's time in the programme) runs."""
    page.locator(".lt-widget--programme .lt-times__local").first.wait_for()
    style = """(el) => { const s = getComputedStyle(el);
        return [s.color, s.fontSize, s.textTransform, s.marginTop]; }"""
    host_heading = page.eval_on_selector("#host-heading", style)
    assert host_heading[:3] == ["rgb(255, 0, 0)", "64px", "uppercase"]
    widget_heading = page.eval_on_selector(".lt-widget--programme h2", style)
    assert widget_heading[0] != "rgb(255, 0, 0)"
    assert widget_heading[2] == "none"
    assert float(widget_heading[1].removesuffix("px")) < 40
    width = page.eval_on_selector("#lt-pledge-name", "el => el.getBoundingClientRect().width")
    assert width > 200
    button = page.eval_on_selector(".lt-widget--pledge .lt-button",
                                   "el => getComputedStyle(el).backgroundColor")
    assert button == "rgb(138, 21, 56)"  # themed by the host's custom property
    # the iframe mode: the frame loads from the WSGI app, which the host may frame
    page.frame_locator("[data-livingtogether=cities] iframe").locator(".lt-widget--cities") \
        .wait_for()
    frame = page.locator("[data-livingtogether=cities] iframe")
    assert frame.get_attribute("title")
    # ... and fits the widget's height (static/frame.js tells embed.js), not data-height
    inner = next(f for f in page.frames if "/widgets/cities" in f.url)
    page.wait_for_function(
        """() => { const f = document.querySelector('[data-livingtogether=cities] iframe');
                   return f && f.height !== '500'; }""", timeout=10_000)
    content = inner.evaluate(
        "() => Math.ceil(document.documentElement.getBoundingClientRect().height)")
    assert content > 500
    assert abs(frame.evaluate("el => el.getBoundingClientRect().height") - content) <= 2
    assert inner.evaluate("() => document.documentElement.scrollHeight <= innerHeight + 1")
    # a height posted by anything but that frame (here the host page itself) is ignored
    fitted = frame.get_attribute("height")
    page.evaluate("() => window.postMessage({livingtogether: 'height', height: 7}, '*')")
    page.wait_for_timeout(300)
    assert frame.get_attribute("height") == fitted


def embedded(page: Any) -> None:
    """Wait until embed.js has put the three widgets in the page."""
    for name, widget in (("programme", "programme"), ("counter", "pledge-counter"),
                         ("pledge", "pledge")):
        page.locator(f"[data-livingtogether={name}][data-livingtogether-state=ready] "
                     f".lt-widget--{widget}").wait_for()


def test_embed_journey(embed_site: tuple[str, str, Observatory], page: Any, axe_source: str,
                       artifacts: Path, smtp: SMTPServer) -> None:
    from livingtogether.mail import SMTPMailer

    host_url, server, observatory = embed_site

    def worker() -> None:  # as `livingtogether outbox send` does, through the SMTP server
        assert observatory.outbox.send(SMTPMailer("127.0.0.1", smtp.port,
                                                          security="none")).sent

    host = Host(url=f"{host_url}/index.html", mount=f"{server}/lt/", widgets=3,
                observatory=observatory, send_mail=worker, ready=embedded, stays=True)
    walk(page, host, smtp, axe_source, artifacts, "embed@example.org", EVENT,
         also=host_styles_stay_out)


def test_embed_refused_on_a_site_not_allowed(embed_site: tuple[str, str, Observatory],
                                             page: Any, tmp_path: Path) -> None:
    _host, _server, _ = embed_site
    other = tmp_path / "other"
    other.mkdir()
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    (other / "index.html").write_text(html, encoding="utf-8")
    with serving(static_pages(other), threaded=True) as stranger:
        failed: list[str] = []
        page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
        page.goto(f"{stranger}/index.html")
        page.locator("[data-livingtogether=programme][data-livingtogether-state=error]") \
            .wait_for()
        assert page.locator(".lt-widget--programme").count() == 0
        # the frame is refused by frame-ancestors: nothing of the widget inside
        frame = page.locator("[data-livingtogether=cities] iframe")
        frame.wait_for()
        time.sleep(1)
        inner = page.frames[-1]
        assert inner.locator(".lt-widget--cities").count() == 0
    assert re.search(r"CORS|Access-Control-Allow-Origin", " ".join(failed)), failed


def test_flask_page_works_without_scripts(flask_site: tuple[str, Any], browser: Any,
                                          artifacts: Path) -> None:
    """With scripts off, the programme shows and the form signs (a plain POST), and the
    resident is back on the page they signed on, the thanks shown and focused."""
    base, app = flask_site
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/summit")
        assert page.locator(".lt-widget--programme .lt-times li").count() > 0
        page.wait_for_timeout(2200)  # the form's least fill time
        page.locator("#lt-pledge-kind-citizen").check()
        page.locator("#lt-pledge-name").fill("Sans Script")
        page.locator("#lt-pledge-email").fill("noscript@example.org")
        page.locator("#lt-pledge-country").select_option("FR")
        page.locator("#lt-pledge-consent").check()
        page.locator(".lt-widget--pledge button[type=submit]").click()
        page.locator(".lt-widget--pledge .lt-thanks").wait_for()
        assert page.url.startswith(f"{base}/summit?lt_signed="), page.url
        assert page.url.endswith("#lt-pledge-thanks")
        assert page.locator(".lt-widget--programme").count() == 1  # the page, not the widget
        assert page.locator(".lt-widget--pledge form").count() == 0
        assert page.evaluate("document.activeElement.id") == "lt-pledge-thanks"
        shoot(page, artifacts, "signed-without-scripts")
    finally:
        context.close()
    stored = app.extensions["livingtogether"].observatory.signatures.list(
        "universal-declaration").items
    assert [p.name for p in stored if p.email == "noscript@example.org"] == ["Sans Script"]
