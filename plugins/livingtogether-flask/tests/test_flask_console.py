"""The staff console mounted by the Flask extension, in a real Flask site with
Flask-Login and Flask-WTF, served over HTTP on 127.0.0.1.

The site's principal loader is the one docs/flask.md shows: Flask-Login's
``current_user`` mapped to a ``Principal`` (anonymous: ``None``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import flask
import flask_login
import pytest
import requests
from flask_wtf import CSRFProtect
from livingtogether_flask import LivingTogether

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import ConfigurationError


class User(flask_login.UserMixin):
    """The host site's own user."""

    def __init__(self, user_id: str, city: str, roles: list[str]) -> None:
        self.id, self.city, self.roles = user_id, city, roles


USERS = {"ayse": User("ayse", "izmir", ["city-publisher"]),
         "visitor": User("visitor", "izmir", [])}


def principal_of(user: Any) -> Principal | None:
    """docs/flask.md's loader: the signed-in user as a Principal, staff only."""
    if not user.is_authenticated or not user.roles:
        return None
    return Principal.with_roles(id=user.id, name=user.id.title(), roles=user.roles,
                                cities=[user.city])


def site(observatory: Observatory, **config: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="test-only", LIVINGTOGETHER_OBSERVATORY=observatory,
                      **config)
    CSRFProtect(app)
    login = flask_login.LoginManager(app)
    login.user_loader(USERS.get)
    LivingTogether(app)

    @app.get("/login/<name>")
    def sign_in(name: str) -> str:
        flask_login.login_user(USERS[name])
        return "signed in"

    return app


@pytest.mark.parametrize("direct", [True, False])
def test_the_console_under_the_prefix_for_the_flask_login_user(
        observatory: Observatory, serve: Callable[..., str], direct: bool) -> None:
    base = serve(site(observatory, LIVINGTOGETHER_CONSOLE_PRINCIPAL=principal_of,
                      LIVINGTOGETHER_DIRECT=direct))
    browser = requests.Session()
    console = base + "/livingtogether/console"
    assert browser.get(console + "/practices", timeout=10).status_code == 401
    browser.get(base + "/login/visitor", timeout=10)
    assert browser.get(console + "/practices", timeout=10).status_code == 401  # not staff
    browser.get(base + "/login/ayse", timeout=10)
    page = browser.get(console + "/practices", timeout=10)
    assert page.status_code == 200
    assert "Signed in as Ayse" in page.text
    assert 'href="/livingtogether/console/practices/new"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    # a form posted through Flask (Flask-WTF on): the console's own token guards it
    form = browser.get(console + "/practices/new", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    data = {"csrf_token": token.group(1), "base": "0", "city": "izmir", "kind": "practice",
            "slug": "flask-draft", "title.en": "Drafted in Flask"}
    forged = browser.post(console + "/practices/new", data={**data, "csrf_token": "f" * 43},
                          timeout=10, allow_redirects=False)
    assert forged.status_code == 403
    saved = browser.post(console + "/practices/new", data=data, timeout=10,
                         allow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["Location"].startswith("/livingtogether/console/practices/flask-draft")
    ayse = principal_of(USERS["ayse"])
    assert ayse is not None
    assert [r.key for r in Staff(observatory).practices.drafts(ayse).items] == ["flask-draft"]
    # the widgets beside it still answer
    assert browser.get(base + "/livingtogether/widgets/practices", timeout=10).status_code \
        == 200


def test_without_a_loader_there_is_no_console(observatory: Observatory,
                                              serve: Callable[..., str]) -> None:
    base = serve(site(observatory))
    browser = requests.Session()
    browser.get(base + "/login/ayse", timeout=10)
    assert browser.get(base + "/livingtogether/console/practices", timeout=10).status_code \
        == 404
    assert browser.get(base + "/livingtogether/console/", timeout=10).status_code == 404


def test_a_loader_that_is_not_callable_is_refused(observatory: Observatory) -> None:
    with pytest.raises(ConfigurationError, match="LIVINGTOGETHER_CONSOLE_PRINCIPAL"):
        site(observatory, LIVINGTOGETHER_CONSOLE_PRINCIPAL="principal_of")
