"""The search rate limit (issue 14, item 5): per client IP, behind trusted proxies only,
counted in the database so that every process shares it, answered 429 with Retry-After.

Real servers on 127.0.0.1, each test on SQLite and on PostgreSQL. The limits count
fixed clock minutes; :func:`fresh_minute` waits out the last seconds of a minute so
that a test's requests fall in one window.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.wsgi import make_app
from test_web_support import Client, error_of, serving

LIMIT = 5
BROWSE = 8


def fresh_minute(needed: float = 8.0) -> None:
    """Wait for the next clock minute if fewer than ``needed`` seconds are left of this one."""
    left = 60 - time.time() % 60
    if left < needed:
        time.sleep(left + 0.05)


@pytest.fixture
def site(database_url: str) -> Iterator[Any]:
    """``site(**settings)``: a base URL serving the demo on the test's database with
    the small limits above (more settings on top)."""
    opened: list[Observatory] = []
    contexts: list[Any] = []

    def start(**settings: Any) -> str:
        obs = Observatory.open(database_url, **{"search_ip_limit": LIMIT,
                                                "browse_ip_limit": BROWSE, **settings})
        if not opened:
            install(obs)
        opened.append(obs)
        context = serving(make_app(obs), threaded=True)
        contexts.append(context)
        return str(context.__enter__())

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)
    for obs in opened:
        obs.close()


def test_n_plus_one_searches_from_one_client_get_429(site: Any) -> None:
    """Behind a trusted proxy: the sixth search with words of one client is refused with
    Retry-After and a clear message, in the API and the widget alike; another client
    (another X-Forwarded-For) is still served; browsing has its own, higher limit."""
    client = Client(site(trusted_proxies="127.0.0.1"))
    ada = {"X-Forwarded-For": "203.0.113.7"}
    fresh_minute()
    for number in range(LIMIT):
        path = "/api/v1/practices" if number % 2 else "/widgets/practices"
        answer = client.get(path, params={"q": f"city {number}"}, headers=ada)
        assert answer.status_code == 200, (number, answer.text[:200])
    refused = client.get("/api/v1/practices", params={"q": "one more"}, headers=ada)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    message = error_of(refused)["message"]
    assert f"the limit is {LIMIT}" in message
    assert "try again" in message
    widget = client.get("/widgets/practices", params={"q": "and more"}, headers=ada)
    assert widget.status_code == 429
    assert widget.headers["Content-Type"].startswith("text/html")
    assert "too many searches" in widget.text
    assert widget.headers["Retry-After"]
    # another client behind the same proxy
    other = client.get("/api/v1/practices", params={"q": "city"},
                       headers={"X-Forwarded-For": "198.51.100.20"})
    assert other.status_code == 200
    # browsing without words: its own limit
    for _ in range(BROWSE):
        assert client.get("/api/v1/practices", headers=ada).status_code == 200
    browse = client.get("/api/v1/practices", params={"q": "  "}, headers=ada)
    assert browse.status_code == 429
    assert "searches without words" in error_of(browse)["message"]


def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_help(site: Any) -> None:
    """The peer (127.0.0.1) is not a trusted proxy: each request claims another
    X-Forwarded-For, and still counts as the peer's."""
    client = Client(site(trusted_proxies="10.0.0.0/8"))
    fresh_minute()
    answers = [client.get("/api/v1/practices", params={"q": "city"},
                          headers={"X-Forwarded-For": f"192.0.2.{number}"}).status_code
               for number in range(LIMIT + 1)]
    assert answers == [200] * LIMIT + [429]


def test_the_limit_is_shared_by_two_servers_on_one_database(site: Any) -> None:
    """Two servers (two Observatories) on one database count one client together."""
    first = Client(site(trusted_proxies="127.0.0.1"))
    second = Client(site(trusted_proxies="127.0.0.1"))
    ada = {"X-Forwarded-For": "203.0.113.9"}
    fresh_minute()
    statuses = [(first if number % 2 else second).get(
        "/api/v1/practices", params={"q": f"words {number}"}, headers=ada).status_code
        for number in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]


def test_no_limit_when_set_to_0(site: Any) -> None:
    """``search_ip_limit=0`` and ``browse_ip_limit=0`` turn the limits off."""
    client = Client(site(trusted_proxies="127.0.0.1", search_ip_limit=0, browse_ip_limit=0))
    fresh_minute()
    for number in range(max(LIMIT, BROWSE) + 2):
        assert client.get("/api/v1/practices", params={"q": f"w{number}"}).status_code == 200
        assert client.get("/api/v1/practices").status_code == 200


def test_counting_a_search_keeps_the_widget_cache(open_demo: Any) -> None:
    """The limit's counter is no change of content: the data's versions (the widgets'
    cache keys and ETags) stay as they are, and the cached widget is served again."""
    obs = open_demo(search_ip_limit=LIMIT)
    with serving(make_app(obs)) as base:
        client = Client(base)
        first = client.get("/widgets/practices", params={"q": "warm"})
        before = obs.store.versions()
        for number in range(3):
            assert client.get("/api/v1/practices", params={"q": f"w{number}"}
                              ).status_code == 200
        assert obs.store.versions() == before
        again = client.get("/widgets/practices", params={"q": "warm"})
        assert again.headers["ETag"] == first.headers["ETag"]


def test_windows_past_are_purged_now_and_then(database_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The searches themselves remove the rate-limit windows past (about one call in
    ``PURGE_ONE_IN``; here every call), the current ones stay."""
    from datetime import timedelta

    import sqlalchemy as sa

    from livingtogether.services import guard
    from livingtogether.store import now, schema

    with Observatory.open(database_url) as obs:
        with obs.store.write() as connection:
            connection.execute(schema.rate_limits.insert(), [
                {"key": f"search-ip:1:old{n}", "hits": 3,
                 "expires_at": now() - timedelta(minutes=2)} for n in range(5)])
        monkeypatch.setattr(guard, "PURGE_ONE_IN", 1)
        assert guard.retry_after(obs.store, "search-ip", "ada", limit=2,
                                 window=timedelta(minutes=1)) == 0
        with obs.store.read() as connection:
            keys = list(connection.scalars(sa.select(schema.rate_limits.c.key)))
        assert len(keys) == 1
        assert keys[0].endswith(":ada")
