"""What a newcomer's browser and a crawler see of the demo site, over real HTTP: the
page's header and navigation, its description, the icon, robots.txt, the stand-alone
widget pages' heading (issue 21)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from livingtogether.wsgi import make_app
from test_web_support import Client, Tree, serving


@pytest.fixture
def client(open_demo: Callable[..., Any]) -> Iterator[Client]:
    obs = open_demo(pledge_min_fill_seconds=0, base_url="http://city.example")
    with serving(make_app(obs, demo_page=True)) as base:
        yield Client(base)


def test_the_demo_page_has_a_header_navigation_and_a_description(client: Client) -> None:
    page = client.get("/?lang=fr")
    tree = Tree(page.text)
    assert not tree.problems, tree.problems
    [description] = tree.find("meta", name="description")
    assert len(description["content"]) > 50
    assert tree.find("link", rel="icon", href="/favicon.ico")
    assert tree.find("header", class_="lt-page__header")
    [nav] = tree.find("nav", class_="lt-page__nav")
    assert nav["aria-label"] == "Les widgets"
    for name in ("cities", "practices", "programme", "pledge"):
        assert tree.find("a", href=f"#lt-demo-{name}"), name
        assert tree.find("div", id=f"lt-demo-{name}"), name
    assert len(tree.find("h1")) == 1
    assert tree.find("a", href="#lt-page-main", class_="lt-page__skip")


def test_a_stand_alone_widget_page_has_a_heading_and_a_description(client: Client) -> None:
    page = client.get("/widgets/cities?lang=de", headers={"Sec-Fetch-Dest": "document"})
    tree = Tree(page.text)
    assert [h["class"] for h in tree.find("h1")] == ["lt-page__title"]
    assert tree.find("meta", name="description")
    fragment = client.get("/widgets/cities")  # embedded: the host's page has its own h1
    assert "<h1" not in fragment.text


def test_the_icon_and_robots_txt(client: Client) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO, holding a PNG
    assert icon.content[22:26] == b"\x89PNG"
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots.headers["Content-Type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /api/v1/" in lines
    # the email links' pages, their paths built from the route table
    assert {"Disallow: /widgets/pledge/confirm", "Disallow: /widgets/pledge/withdraw"} <= set(lines)
    assert client.get("/robots.txt", headers={"If-None-Match": robots.headers["ETag"]}
                      ).status_code == 304


def _sign(client: Client, referer: str, email: str) -> Tree:
    shown = Tree(client.get("/widgets/pledge").text)
    token = shown.find("input", name="form_token")[0]["value"]
    answer = client.post("/widgets/pledge/universal-declaration", headers={
        "Referer": referer, "Origin": client.base, "Sec-Fetch-Dest": "document"},
        data={"kind": "citizen", "name": "Jean Tremblay", "email": email, "country": "CA",
              "consent": "yes", "form_token": token})
    assert answer.status_code == 200, answer.text[:300]
    return Tree(answer.text)


def test_the_plain_forms_thanks_take_the_focus_and_lead_back(client: Client) -> None:
    """Signed without scripts: the thank-you takes the focus and links back to the page of
    this site the form was on; never to another site, nor to the widget itself."""
    tree = _sign(client, f"{client.base}/?lang=en#lt-demo-pledge", "a@example.org")
    [thanks] = tree.find("div", class_="lt-thanks")
    assert thanks["tabindex"] == "-1"
    assert "autofocus" in thanks
    assert tree.find("a", class_="lt-thanks__back", href=f"{client.base}/?lang=en#lt-demo-pledge")
    for elsewhere in ("https://evil.example/phish", f"{client.base}/widgets/pledge",
                      "javascript:alert(1)", f"{client.base}.evil.example/"):
        assert not _sign(client, elsewhere, "b@example.org").find(
            "a", class_="lt-thanks__back"), elsewhere
