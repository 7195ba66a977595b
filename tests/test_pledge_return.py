"""The plain pledge form returns the resident to the page they signed on (issue 21).

A widget rendered in a host's page carries that page's address (``return_to``);
the signature's answer is a 303 back to it with a signed mark, and the page
returned to shows the thanks. Any address that is not this site's, the base
URL's or an allowed origin's is ignored: the thanks come in place, never a
redirect elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from livingtogether import Observatory
from livingtogether.web.embed import SIGNED, render_widget
from livingtogether.web.http import Request
from livingtogether.wsgi import make_app
from test_pledges_http import FORM, SIGN, open_site
from test_web_support import Client, Tree, serving

IZMIR = "https://www.izmir.example"


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Client, Observatory, Any, str]]:
    """A real HTTP server; its web app, to render widgets in a host page, and its base."""
    obs = open_site(database_url, pledge_min_fill_seconds=0, allowed_origins=(IZMIR,))
    app = make_app(obs)
    try:
        with serving(app, threaded=True) as base:
            yield Client(base), obs, app.web, base
    finally:
        obs.close()


def host_page(base: str, path: str, query: str = "") -> Request:
    """The request of a host page at ``path`` on the server's own origin."""
    return Request.build(method="GET", path=path, query_string=query,
                         host=urlsplit(base).netloc, scheme="http")


def signing(client: Client, email: str, headers: dict[str, str] | None = None,
            **extra: str) -> Any:
    """A genuine form's post."""
    token = Tree(client.get("/widgets/pledge").text).find("input", name="form_token")[0]["value"]
    return client.post(SIGN, data={**FORM, "email": email, "form_token": token, **extra},
                       headers=headers or {})


def test_the_plain_form_returns_to_its_page_which_shows_the_thanks(
        site: tuple[Client, Observatory, Any, str]) -> None:
    client, obs, web, base = site
    page = host_page(base, "/news/sign", f"a=1&{SIGNED}=stale")
    form = Tree(render_widget(web, page, "pledge")).find("input", name="return_to")
    assert [f["value"] for f in form] == [f"{base}/news/sign?a=1"]  # the old mark dropped

    answer = signing(client, "back@example.org", return_to=form[0]["value"])
    assert answer.status_code == 303
    assert answer.headers["Cache-Control"] == "no-store"
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{base}/news/sign"
    assert location.fragment == "lt-pledge-thanks"
    query = parse_qs(location.query)
    assert query["a"] == ["1"]
    assert [p.email for p in obs.signatures.list("universal-declaration").items] == [
        "back@example.org"]

    # the page returned to: the thanks, focusable and with the anchor's id, no form
    returned = render_widget(web, host_page(base, "/news/sign", location.query), "pledge")
    thanks = Tree(returned).find("div", id="lt-pledge-thanks")
    assert thanks
    assert thanks[0]["tabindex"] == "-1"
    assert "Thank you for signing" in returned
    assert not Tree(returned).find("form")

    # a mark changed, of another declaration, or too old: the form as ever
    mark = query[SIGNED][0]
    stamp, _, signature = mark.partition("-")
    old = str(int(time.time()) - 3600)
    for forged in (f"{stamp}-{'0' * 24}", f"{int(stamp) + 1}-{signature}",
                   f"{old}-{obs.keys.hash('signed', f'universal-declaration.{old}')[:24]}",
                   f"{stamp}-{obs.keys.hash('signed', f'other.{stamp}')[:24]}",
                   "<script>alert(1)</script>", "1" * 200):
        shown = render_widget(web, host_page(base, "/news/sign", f"{SIGNED}={forged}"), "pledge")
        assert Tree(shown).find("form"), forged
        assert "Thank you for signing" not in shown
        direct = client.get("/widgets/pledge", params={"signed": forged})
        assert direct.status_code in (200, 400)
        assert "Thank you for signing" not in direct.text


def test_other_sites_allowed_and_refused(site: tuple[Client, Observatory, Any, str]) -> None:
    client, _obs, _web, base = site
    for allowed in (f"{IZMIR}/en/peace?x=1", "http://city.example/news", f"{base}/",
                    "/relative/page"):
        answer = signing(client, f"ok{abs(hash(allowed))}@example.org", return_to=allowed)
        assert answer.status_code == 303, allowed
        target = answer.headers["Location"].split("?")[0]
        assert target == (f"{base}/relative/page" if allowed.startswith("/")
                          else allowed.split("?")[0]), allowed
    hostile = ["https://evil.example/", "//evil.example/x", "/\\evil.example/",
               "///evil.example", f"http://{urlsplit(base).netloc}@evil.example/",
               "http://evil.example\\@city.example/", "javascript:alert(1)",
               "data:text/html,<script>alert(1)</script>", "ftp://city.example/",
               f"{base}/x\r\nSet-Cookie: a=1", f"{base}/\u00e9", f"{base}/" + "a" * 3000,
               "http://city.example:notaport/", f"{IZMIR}.evil.example/",
               "https://www.izmir.example:8443/", " http://evil.example/", "http:evil.example",
               f'{base}/"><script>alert(1)</script>']
    for number, value in enumerate(hostile):
        answer = signing(client, f"hostile{number}@example.org", return_to=value)
        assert answer.status_code == 200, value
        assert "Location" not in answer.headers
        assert "Thank you for signing" in answer.text
        assert "evil" not in answer.text
        assert "<script>alert" not in answer.text
    # a widget asked for with a hostile return_to shows a form without it
    for value in hostile[:4]:
        tree = Tree(client.get("/widgets/pledge", params={"return_to": value}).text)
        assert not tree.find("input", name="return_to"), value
    tree = Tree(client.get("/widgets/pledge", params={"return_to": f"{IZMIR}/p"}).text)
    assert [f["value"] for f in tree.find("input", name="return_to")] == [f"{IZMIR}/p"]


def test_a_form_with_errors_keeps_where_to_return_and_a_bot_is_sent_back_too(
        site: tuple[Client, Observatory, Any, str]) -> None:
    client, obs, _web, base = site
    wrong = signing(client, "not-an-address", return_to=f"{base}/news")
    assert wrong.status_code == 422
    tree = Tree(wrong.text)
    assert [f["value"] for f in tree.find("input", name="return_to")] == [f"{base}/news"]
    again = client.post(SIGN, data={**FORM, "email": "fixed@example.org", "return_to":
                                    f"{base}/news", "form_token": tree.find(
                                        "input", name="form_token")[0]["value"]})
    assert again.status_code == 303
    # the honeypot filled: answered as a signature would be, nothing stored
    bot = signing(client, "bot@example.org", return_to=f"{base}/news", homepage="spam")
    assert bot.status_code == 303
    emails = {p.email for p in obs.signatures.list("universal-declaration").items}
    assert emails == {"fixed@example.org"}


def test_the_thanks_in_place_is_kept_rendered_until_its_count_moves(
        site: tuple[Client, Observatory, Any, str]) -> None:
    client, obs, _web, base = site
    first = signing(client, "one@example.org", headers={"Referer": f"{base}/page"})
    second = signing(client, "two@example.org", headers={"Referer": f"{base}/page"})
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert Tree(first.text).find("a", class_="lt-thanks__back")[0]["href"] == f"{base}/page"
    other = signing(client, "three@example.org", headers={"Referer": "https://evil.example/"})
    assert not Tree(other.text).find("a", class_="lt-thanks__back")
    pledge = next(p for p in obs.signatures.list("universal-declaration").items
                  if p.email == "one@example.org")
    assert pledge.id is not None
    obs.signing.confirm(pledge.id)
    counted = signing(client, "four@example.org", headers={"Referer": f"{base}/page"})
    assert counted.text != first.text
    assert "1 confirmed signature" in counted.text
