"""The Flask extension in a real Flask site served over HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import flask
import pytest
import requests
from flask_wtf import CSRFProtect
from livingtogether_flask import LivingTogether, state

from conftest import free_port
from livingtogether import Observatory
from livingtogether.errors import ConfigurationError
from livingtogether.models import Pledge, SignerKind

FORM = {"kind": "citizen", "name": "Ayşe Yılmaz", "email": "ayse@example.org",
        "country": "TR", "consent": "yes"}


def form(observatory: Observatory, **fields: str) -> dict[str, str]:
    """The form as a browser sends it back a minute after showing it (with its guard token)."""
    token = observatory.keys.form_token(issued=time.time() - 60)
    return {**FORM, "form_token": token, **fields}
PAGE = """<!DOCTYPE html><html lang="en"><head><title>t</title>{{ livingtogether_stylesheet() }}
</head><body><main>{{ livingtogether_widget(name, **params) }}</main></body></html>"""


def site(observatory: Observatory, **config: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(LIVINGTOGETHER_OBSERVATORY=observatory, **config)
    LivingTogether(app)

    @app.get("/page/<name>")
    def page(name: str) -> str:
        params = dict(flask.request.args)
        return flask.render_template_string(PAGE, name=name, params=params)

    return app


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "blueprint-view"])
def test_blueprint_serves_widgets_api_and_static(observatory: Observatory,
                                                 serve: Callable[[Any], str],
                                                 direct: bool) -> None:
    app = site(observatory, LIVINGTOGETHER_URL_PREFIX="/observatory/",
               LIVINGTOGETHER_DIRECT=direct)
    answered_by_flask: list[str] = []
    app.before_request(lambda: answered_by_flask.append(flask.request.path) and None)
    base = serve(app)
    widget = requests.get(f"{base}/observatory/widgets/programme/izmir-2021", timeout=10)
    assert widget.status_code == 200
    assert widget.text.startswith('<section class="lt-widget lt-widget--programme"')
    assert "16:00" in widget.text  # the opening session, Izmir time
    assert "frame-ancestors 'self'" in widget.headers["Content-Security-Policy"]
    api = requests.get(f"{base}/observatory/api/v1/cities?country=TR", timeout=10)
    assert api.status_code == 200
    assert api.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "izmir" in {city["slug"] for city in api.json()["items"]}
    css = requests.get(f"{base}/observatory/static/livingtogether.css", timeout=10)
    assert css.status_code == 200
    assert ".lt-widget" in css.text
    # the core's errors come through as they are, never a 500
    assert requests.get(f"{base}/observatory/api/v1/cities/nowhere", timeout=10).status_code == 404
    bad = requests.get(f"{base}/observatory/api/v1/cities?limit=lots", timeout=10)
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "limit"
    assert requests.delete(f"{base}/observatory/widgets/cities", timeout=10).status_code == 405
    # the host's own routes are untouched
    assert requests.get(f"{base}/elsewhere", timeout=10).status_code == 404
    assert flask.url_for  # the blueprint is registered either way:
    with app.test_request_context():
        assert flask.url_for("livingtogether.serve", path="widgets/cities") == \
            "/observatory/widgets/cities"
    # direct: answered before Flask's dispatch; else by the blueprint's view
    ours = [p for p in answered_by_flask if p.startswith("/observatory/")]
    assert (ours == []) is direct, answered_by_flask


def test_widget_in_the_hosts_template_posts_to_the_blueprint(
        observatory: Observatory, serve: Callable[[Any], str]) -> None:
    base = serve(site(observatory, LIVINGTOGETHER_URL_PREFIX="/lt"))
    page = requests.get(f"{base}/page/pledge", headers={"Accept-Language": "fr"}, timeout=10)
    assert page.status_code == 200
    assert '<link rel="stylesheet" href="/lt/static/livingtogether.css?v=' in page.text
    assert 'lang="fr"' in page.text
    assert 'action="/lt/widgets/pledge/universal-declaration?lang=fr"' in page.text
    before = observatory.pledge_stats.stats("universal-declaration")
    signed = requests.post(f"{base}/lt/widgets/pledge/universal-declaration?lang=fr",
                           data=form(observatory), headers={"Origin": base}, timeout=10)
    assert signed.status_code == 200, signed.text
    assert 'class="lt-thanks"' in signed.text
    stored = observatory.signatures.list("universal-declaration").items
    assert any(p.email == FORM["email"] for p in stored)
    after = observatory.pledge_stats.stats("universal-declaration")
    assert after.confirmed == before.confirmed  # counted only once confirmed by email
    programme = requests.get(f"{base}/page/programme?event=izmir-2021", timeout=10)
    assert "lt-widget--programme" in programme.text
    missing = requests.get(f"{base}/page/programme?event=nowhere", timeout=10)
    assert missing.status_code == 200
    assert "lt-widget--error" in missing.text
    city = requests.get(f"{base}/page/city?city=izmir", timeout=10)
    assert "lt-widget--city" in city.text
    assert 'href="/lt/widgets/programme/izmir-2021' in city.text
    assert "lt-widget--error" in requests.get(f"{base}/page/city?city=atlantis",
                                              timeout=10).text


def test_cross_site_posts_need_an_allowed_origin(observatory: Observatory,
                                                serve: Callable[[Any], str]) -> None:
    app = flask.Flask(__name__)
    app.config.update(LIVINGTOGETHER_DATABASE_URL=observatory.settings.database_url,
                      LIVINGTOGETHER_ALLOWED_ORIGINS=["https://izmir.example"])
    LivingTogether(app)
    base = serve(app)
    url = f"{base}/livingtogether/widgets/pledge/universal-declaration"
    refused = requests.post(url, data=form(observatory), timeout=10,
                            headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    member = requests.post(url, data=form(observatory), timeout=10,
                           headers={"Origin": "https://izmir.example"})
    assert member.status_code == 200
    assert member.headers["Access-Control-Allow-Origin"] == "https://izmir.example"
    state(app).observatory.close()


def test_flask_wtf_protects_the_host_but_not_the_widgets(
        observatory: Observatory, serve: Callable[[Any], str]) -> None:
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="test", LIVINGTOGETHER_OBSERVATORY=observatory)
    CSRFProtect(app)
    LivingTogether(app)

    @app.post("/contact")
    def contact() -> str:
        return "sent"

    base = serve(app)
    assert requests.post(f"{base}/contact", data={"a": "b"}, timeout=10).status_code == 400
    signed = requests.post(f"{base}/livingtogether/widgets/pledge/universal-declaration",
                           data=form(observatory), timeout=10)
    assert signed.status_code == 200, signed.text[:300]


def test_app_factory_one_extension_two_apps(tmp_path: Any) -> None:
    extension = LivingTogether()
    apps = []
    for name in ("a", "b"):
        app = flask.Flask(name)
        app.config["LIVINGTOGETHER_DATABASE_URL"] = f"sqlite:///{tmp_path / name}.sqlite3"
        app.config["LIVINGTOGETHER_LANGUAGES"] = ("fr", "en") if name == "a" else ("en",)
        extension.init_app(app)
        apps.append(app)
    first, second = (state(app) for app in apps)
    assert first.observatory is not second.observatory
    assert first.observatory.settings.languages == ("fr", "en")
    assert second.observatory.settings.languages == ("en",)
    assert not hasattr(extension, "app")
    with apps[0].test_client() as client:
        assert client.get("/livingtogether/api/v1/cities").json["total"] == 0
    for found in (first, second):
        found.observatory.close()


@pytest.mark.parametrize(("config", "message"), [
    ({"LIVINGTOGETHER_PAGESIZE": 5}, "unknown setting LIVINGTOGETHER_PAGESIZE"),
    ({"LIVINGTOGETHER_URL_PREFIX": "observatory"}, "LIVINGTOGETHER_URL_PREFIX"),
    ({"LIVINGTOGETHER_ALLOWED_ORIGINS": ["izmir.example"]}, "is not an origin"),
    ({"LIVINGTOGETHER_PAGE_SIZE": 0}, "page_size"),
])
def test_configuration_mistakes_are_named(tmp_path: Any, config: dict[str, Any],
                                          message: str) -> None:
    app = flask.Flask(__name__)
    app.config.update(LIVINGTOGETHER_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", **config)
    with pytest.raises(ConfigurationError, match=message):
        LivingTogether(app)


def test_no_extension_no_widget() -> None:
    app = flask.Flask(__name__)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="init_app"):
        state()


def test_confirmation_email_through_the_sites_smtp(observatory: Observatory, smtp: Any,
                                                    serve: Callable[..., str]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = flask.Flask(__name__)
    app.config.update(LIVINGTOGETHER_DATABASE_URL=observatory.settings.database_url,
                      LIVINGTOGETHER_BASE_URL=f"{base}/observatory",
                      LIVINGTOGETHER_URL_PREFIX="/observatory",
                      MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                      MAIL_DEFAULT_SENDER=("Izmir", "observatory@izmir.example"))
    LivingTogether(app)
    assert serve(app, port=port) == base
    counter = f"{base}/observatory/widgets/pledge/counter"
    before = int(re.search(r'value="(\d+)"', requests.get(counter, timeout=10).text)[1])
    signed = requests.post(f"{base}/observatory/widgets/pledge/universal-declaration",
                           data=form(observatory, email="mail@example.org"), timeout=10)
    assert signed.status_code == 200
    result = app.test_cli_runner().invoke(args=["livingtogether", "send-outbox"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 sent")
    message = smtp.wait_for("mail@example.org")
    assert message["From"] == "Izmir <observatory@izmir.example>"
    link = re.search(r"http://\S+/widgets/pledge/confirm\?token=[\w-]+",
                     message.get_body(("plain",)).get_content())[0]
    assert link.startswith(f"{base}/observatory/")
    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="token" value="([\w-]+)"', page.text)[1]
    confirmed = requests.post(link.split("?")[0], data={"token": token}, timeout=10)
    assert confirmed.status_code == 200
    after = int(re.search(r'value="(\d+)"', requests.get(counter, timeout=10).text)[1])
    assert after == before + 1
    state(app).observatory.close()


def test_the_cores_smtp_settings_win_over_flask_mails(observatory: Observatory,
                                                       smtp: Any) -> None:
    # LIVINGTOGETHER_SMTP_* are core settings the extension accepts; they must be used,
    # not ignored for the MAIL_* defaults (localhost:25).
    app = flask.Flask(__name__)
    app.config.update(LIVINGTOGETHER_DATABASE_URL=observatory.settings.database_url,
                      LIVINGTOGETHER_BASE_URL="http://127.0.0.1/observatory",
                      LIVINGTOGETHER_SMTP_HOST="127.0.0.1", LIVINGTOGETHER_SMTP_PORT=smtp.port,
                      LIVINGTOGETHER_SMTP_SECURITY="none", MAIL_SERVER="mail.invalid")
    LivingTogether(app)
    found = state(app)
    assert (found.mailer.host, found.mailer.port) == ("127.0.0.1", smtp.port)
    observatory.signing.sign(Pledge(
        declaration="universal-declaration", kind=SignerKind.CITIZEN, name="Ayşe",
        email="core.smtp@example.org", country="TR", consent_version="2022-1"))
    result = app.test_cli_runner().invoke(args=["livingtogether", "send-outbox"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 sent")
    assert smtp.wait_for("core.smtp@example.org")["To"] == "Ayşe <core.smtp@example.org>"
    found.observatory.close()


def test_core_settings_fall_back_to_the_environment(tmp_path: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A core setting the config leaves out comes from its LIVINGTOGETHER_* variable (the
    config wins); send-outbox without a base URL is one line and exit status 2."""
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    monkeypatch.delenv("LIVINGTOGETHER_BASE_URL", raising=False)
    bare = flask.Flask(__name__)
    bare.config.update(LIVINGTOGETHER_DATABASE_URL=database)
    LivingTogether(bare)
    refused = bare.test_cli_runner().invoke(args=["livingtogether", "send-outbox"])
    assert refused.exit_code == 2
    assert refused.output.strip().splitlines() == [
        "Error: base_url: set base_url (LIVINGTOGETHER_BASE_URL) to the public address where "
        "the widgets are mounted, e.g. https://city.example/observatory; the links in emails "
        "start with it"]
    state(bare).observatory.close()

    monkeypatch.setenv("LIVINGTOGETHER_BASE_URL", "https://www.izmir.example/observatory")
    monkeypatch.setenv("LIVINGTOGETHER_PAGE_SIZE", "7")
    app = flask.Flask(__name__)
    app.config.update(LIVINGTOGETHER_DATABASE_URL=database, LIVINGTOGETHER_PAGE_SIZE=9)
    LivingTogether(app)
    settings = state(app).observatory.settings
    assert settings.base_url == "https://www.izmir.example/observatory"
    assert settings.page_size == 9  # the config wins over the environment
    sent = app.test_cli_runner().invoke(args=["livingtogether", "send-outbox"])
    assert sent.exit_code == 0, sent.output
    state(app).observatory.close()
