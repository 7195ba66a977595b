"""Embedding over a real server: CORS, frame-ancestors, cross-site posts, widgets by name."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from livingtogether.errors import ConfigurationError
from livingtogether.settings import Settings
from livingtogether.web import Request
from livingtogether.web.embed import render_widget
from livingtogether.wsgi import make_app
from test_web_support import Client, check_fragment, serving

MEMBER = "https://www.izmir.bel.tr"
STRANGER = "https://evil.example"
FORM = {"kind": "citizen", "name": "Jean Tremblay", "email": "jean@example.org",
        "country": "CA", "consent": "yes"}


def signed_form(obs: Any, **fields: str) -> dict[str, str]:
    """The form as a browser sends it back a minute after showing it (with its guard token)."""
    return {**FORM, "form_token": obs.keys.form_token(issued=time.time() - 60), **fields}
SIGN = "/widgets/pledge/universal-declaration"
COUNTER = "/widgets/pledge/counter"


def counted(html: str) -> int:
    """The number of confirmed signatures a counter widget shows."""
    tree = check_fragment(html, "pledge-counter")
    return int(tree.find("progress")[0]["value"])

@pytest.fixture
def serve(open_demo: Callable[..., Any]) -> Iterator[Callable[..., Client]]:
    """``serve(**settings)``: a client of the demo data served with those settings."""
    stack: list[Any] = []

    def start(**settings: Any) -> Client:
        obs = open_demo(**settings)
        context = serving(make_app(obs))
        stack.append(context)
        client = Client(context.__enter__())
        client.obs = obs  # type: ignore[attr-defined]
        return client

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def test_cors_answers_member_origins_only(serve: Callable[..., Client]) -> None:
    client = serve(allowed_origins=[MEMBER])
    member = client.get("/widgets/programme/izmir-2021", headers={"Origin": MEMBER})
    assert member.status_code == 200
    assert member.headers["Access-Control-Allow-Origin"] == MEMBER
    assert "Origin" in member.headers["Vary"]
    assert "Accept-Language" in member.headers["Vary"]
    other = client.get("/widgets/programme/izmir-2021", headers={"Origin": STRANGER})
    assert "Access-Control-Allow-Origin" not in other.headers
    api = client.get("/api/v1/cities", headers={"Origin": MEMBER})
    assert api.headers["Access-Control-Allow-Origin"] == MEMBER


def test_no_cors_without_allowed_origins(serve: Callable[..., Client]) -> None:
    client = serve()
    response = client.get("/widgets/cities", headers={"Origin": MEMBER})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_frame_ancestors_list_the_members(serve: Callable[..., Client]) -> None:
    csp = serve(allowed_origins=[MEMBER, "http://127.0.0.1:9"]).get(
        "/widgets/cities").headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {MEMBER} http://127.0.0.1:9" in csp
    default = serve().get("/widgets/cities").headers["Content-Security-Policy"]
    assert default.endswith("frame-ancestors 'self'")
    anyone = serve(allowed_origins="*").get("/widgets/cities").headers["Content-Security-Policy"]
    assert anyone.endswith("frame-ancestors *")


def test_cross_site_posts_are_refused_unless_allowed(serve: Callable[..., Client]) -> None:
    client = serve(allowed_origins=[MEMBER])
    obs = client.obs  # type: ignore[attr-defined]
    form = signed_form(obs)
    refused = client.post(SIGN, data=form, headers={"Origin": STRANGER})
    assert refused.status_code == 403
    check_fragment(refused.text, "error")
    assert "allowed_origins" in refused.text
    hidden = client.post(SIGN, data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert hidden.status_code == 403
    null = client.post(SIGN, data=form, headers={"Origin": "null"})
    assert null.status_code == 403
    api = client.post("/api/v1/declarations/universal-declaration/signatures",
                      json={**FORM, "consent_version": "2022-1"}, headers={"Origin": STRANGER})
    assert api.status_code == 403
    assert api.json()["error"]["message"].startswith("forms may not be posted here")
    # a member site, the site itself, and clients that are not browsers may post
    # (each with a token of its own: a token is good for one post)
    member = client.post(SIGN, data=form, headers={"Origin": MEMBER})
    assert member.status_code == 200, member.text
    assert "lt-thanks" in member.text
    assert member.headers["Access-Control-Allow-Origin"] == MEMBER
    own = client.post(SIGN, data=signed_form(obs, email="own@example.org"),
                      headers={"Origin": client.base})
    assert own.status_code == 200
    same = client.post(SIGN, data=signed_form(obs, email="same@example.org"),
                       headers={"Origin": STRANGER.replace("evil", "x"),
                                "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
    curl = signed_form(obs, email="curl@example.org")
    assert client.post(SIGN, data=curl).status_code == 200
    assert len(client.obs.signatures.list("universal-declaration").items) == 4  # type: ignore


def test_embed_script_is_served(serve: Callable[..., Client]) -> None:
    response = serve().get("/static/embed.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    for name in ("cities", "practices", "programme", "pledge", "counter"):
        assert f"{name}: {{ path: \"/widgets/" in response.text
    assert 'counter: { path: "/widgets/pledge/counter"' in response.text


@pytest.mark.parametrize("value", ["example.org", "https://example.org/path", "ftp://x.org",
                                   "https://*.example.org", "https://x.org:port", ""])
def test_origin_settings_are_checked(value: str) -> None:
    with pytest.raises(ConfigurationError, match="allowed_origins"):
        Settings.build(allowed_origins=[value])


def test_origin_settings_are_normalised() -> None:
    settings = Settings.from_environ(
        {"LIVINGTOGETHER_ALLOWED_ORIGINS": "https://A.example/, https://a.example,http://b:8080"})
    assert settings.allowed_origins == ("https://a.example", "http://b:8080")


def test_render_widget_inline(open_demo: Callable[..., Any]) -> None:
    web = make_app(open_demo()).web  # type: ignore[attr-defined]
    host = Request.build(method="GET", path="/page", headers=[("Accept-Language", "fr")],
                         script_name="/lt", host="city.example")
    html = render_widget(web, host, "pledge")
    tree = check_fragment(html, "pledge")
    assert tree.find("form")[0]["action"] == "/lt/widgets/pledge/universal-declaration?lang=fr"
    programme = check_fragment(render_widget(web, host, "programme", event="izmir-2021"),
                               "programme")
    assert programme.elements[0][1]["lang"] == "fr"
    # a wrong slug or widget shows the error fragment instead of breaking the host page
    assert "lt-widget--error" in render_widget(web, host, "programme", event="nowhere")
    assert "there is no widget" in render_widget(web, host, "calendar")
    assert "needs the event" in render_widget(web, host, "programme")
    assert "takes no colour" in render_widget(web, host, "cities", colour="red")


def test_widget_cache_is_emptied_by_any_write(open_demo: Callable[..., Any]) -> None:
    obs = open_demo()
    with serving(make_app(obs)) as base:
        client = Client(base)
        first = client.get(COUNTER)
        before = counted(first.text)
        # a pledge signed and confirmed through this process shows at once
        assert client.post(SIGN, data=signed_form(obs)).status_code == 200
        pledge = obs.signatures.list("universal-declaration").items[-1]
        assert client.get(COUNTER).text == first.text  # pending: no change
        obs.signing.confirm(pledge.id)
        assert counted(client.get(COUNTER).text) == before + 1


def test_widget_cache_keeps_answers_and_can_be_off(open_demo: Callable[..., Any]) -> None:
    for seconds, kept in ((10, 1), (0, 0)):
        web = make_app(open_demo(widget_cache_seconds=seconds)).web  # type: ignore[attr-defined]
        request = Request.build(method="GET", path="/widgets/programme/izmir-2021")
        first = web.handle(request)
        assert first.status == 200
        assert len(web.cache or ()) == kept
        again = web.handle(request)
        assert again.body == first.body
        assert again.header("ETag") == first.header("ETag") is not None
        link = Request.build(method="GET", path="/widgets/pledge/confirm",
                             query_string="token=" + "a" * 40)
        web.handle(link)  # one reader's page
        assert web.handle(Request.build(method="GET",
                                        path="/widgets/programme/nowhere")).status == 404
        web.handle(Request.build(method="GET", path="/widgets/programme/izmir-2021",
                                 query_string="lang=xx"))  # a 400
        assert len(web.cache or ()) == kept  # neither that page nor an error is kept


def test_adapters_open_the_observatory_their_configuration_names(sqlite_url: str) -> None:
    """``Observatory.from_config``: what both adapters call with their framework's config."""
    from livingtogether import Observatory

    config = {"LT_DATABASE_URL": sqlite_url, "LT_DEFAULT_LANGUAGE": "fr", "LT_OWN": "x"}
    with Observatory.from_config(config, prefix="LT_", ignore=("LT_OWN",),
                                 mail_from="Ville <ville@example.org>") as opened:
        assert opened.settings.default_language == "fr"
        assert opened.settings.mail_from == "Ville <ville@example.org>"
        with Observatory.from_config({"LT_MAIL_FROM": "a@example.org",
                                      "LT_DATABASE_URL": sqlite_url}, prefix="LT_",
                                     mail_from="b@example.org") as own:
            assert own.settings.mail_from == "a@example.org"  # the settings' sender wins
        assert Observatory.from_config({"LT_OWN": "x"}, prefix="LT_", ignore=("LT_OWN",),
                                       given=opened) is opened
        with pytest.raises(ConfigurationError, match=r"^LT_OBSERVATORY is given, .*remove "
                                                     r"LT_DATABASE_URL, LT_DEFAULT_LANGUAGE$"):
            Observatory.from_config(config, prefix="LT_", ignore=("LT_OWN",), given=opened,
                                    given_key="LT_OBSERVATORY")
        with pytest.raises(ConfigurationError, match="unknown setting LT_TYPO"):
            Observatory.from_config({"LT_TYPO": 1}, prefix="LT_")


def test_an_observatory_opens_from_settings_as_they_are(sqlite_url: str) -> None:
    """``Observatory.from_settings``: the CLI's one way in, from settings built once."""
    from livingtogether import Observatory
    from livingtogether.settings import Settings

    settings = Settings.build(database_url=sqlite_url, default_language="tr")
    with Observatory.from_settings(settings) as opened:
        assert opened.settings is settings
        assert opened.store.version() == opened.store.latest  # migrated on opening
