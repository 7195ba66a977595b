"""The route table on werkzeug's routing: every route found by the path built for it, URLs
built under the mount point, 405 with Allow, and no route's path pasted into a template."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from livingtogether.errors import NotFound
from livingtogether.services.outbox import CONFIRM_TOKEN, LINK_PATHS, WITHDRAW_TOKEN
from livingtogether.web import Request, build_routes
from livingtogether.web.embed import WIDGETS
from livingtogether.web.errors import MethodNotAllowed
from livingtogether.web.routes import Route, Router

WEB = Path(__file__).resolve().parent.parent / "src" / "livingtogether" / "web"
ROUTES = build_routes(demo_page=True)
ROUTER = Router(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_every_route_is_found_by_the_path_built_for_it(route: Route) -> None:
    values = {name: f"{name}-1" for name in route.path_params}
    path = ROUTER.path_for(route.name, **values)
    assert path == re.sub(r"\{([a-z_]+)\}", r"\1-1", route.path)
    assert ROUTER.match(route.method, path) == (route, values)
    assert ROUTER.match(route.method, path + "/")[0] is route  # a trailing slash, as before
    if route.method == "GET":
        assert ROUTER.match("HEAD", path)[0] is route


def test_route_names_are_unique() -> None:
    names = [route.name for route in ROUTES]
    assert len(names) == len(set(names))


def test_urls_are_built_under_the_mount_point() -> None:
    request = Request.build(method="GET", path="/widgets/cities", script_name="/site/lt/",
                            scheme="https", host="city.example")
    assert ROUTER.url_for(request, "widget-practice", slug="a-b", lang="fr") == \
        "/site/lt/widgets/practices/a-b?lang=fr"
    # empty values are left out; the others are encoded as a form's
    assert ROUTER.url_for(request, "widget-practices", q="a b/c&d", theme=None, city="",
                          offset=0) == "/site/lt/widgets/practices?q=a+b%2Fc%26d&offset=0"
    assert ROUTER.url_for(request, "practices-atom", external=True) == \
        "https://city.example/site/lt/api/v1/practices.atom"
    assert ROUTER.url_for(request, "static", name="livingtogether.css", v="0123") == \
        "/site/lt/static/livingtogether.css?v=0123"
    root = Request.build(method="GET", path="/")
    assert ROUTER.url_for(root, "openapi") == "/openapi.json"


def test_wrong_methods_are_405_with_the_allowed_ones_in_the_table_order() -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        ROUTER.match("DELETE", "/widgets/pledge/confirm/")
    assert caught.value.allow == ("GET", "POST", "HEAD")
    assert "does not accept DELETE; use GET or POST or HEAD" in str(caught.value)
    with pytest.raises(MethodNotAllowed) as only_post:
        ROUTER.match("GET", "/widgets/pledge/some-declaration")
    assert only_post.value.allow == ("POST",)
    with pytest.raises(NotFound, match="there is nothing at /api/v1/nothing"):
        ROUTER.match("GET", "/api/v1/nothing")
    # a static part wins over a placeholder, whatever the order of the table
    assert ROUTER.match("GET", "/widgets/pledge/counter")[0].name == "widget-pledge-counter"
    assert ROUTER.match("POST", "/widgets/pledge/confirm")[0].name == "pledge-confirm"


def test_no_template_pastes_a_route_path() -> None:
    # every link and form action is built from the route table (L.url_for, L.static)
    for template in sorted((WEB / "templates").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        pasted = re.findall(r"[\"'](/(?:widgets|api|static|openapi)[^\"']*)[\"']", text)
        assert pasted == [], (template.name, pasted)


def test_embed_js_knows_the_widgets_at_their_routes_paths() -> None:
    # embed.js runs in the browser, without the route table: its copy must agree
    script = (WEB / "static" / "embed.js").read_text(encoding="utf-8")
    found = dict(re.findall(r"(\w+): \{ path: (\"[^\"]+\")", script))
    assert set(found) == set(WIDGETS)
    for name, (route, _params) in WIDGETS.items():
        assert json.loads(found[name]) == ROUTER.by_name[route].path, name


def test_the_emails_links_open_the_pages_of_the_route_table() -> None:
    """The outbox writes its links without a web app: they must be the table's pages."""
    for purpose, page in ((CONFIRM_TOKEN, "pledge-confirm-page"),
                          (WITHDRAW_TOKEN, "pledge-withdraw-page")):
        assert ROUTER.path_for(page) == LINK_PATHS[purpose]
        route, _ = ROUTER.match("GET", LINK_PATHS[purpose])
        assert route.name == page
