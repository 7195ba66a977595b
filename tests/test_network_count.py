"""The network count over real processes: a hub and three member sites, each served by
``livingtogether serve`` on 127.0.0.1, each syncing with ``livingtogether hub count``.

One module-scoped network; the tests run in order on it (each says what it adds):
the same person signing in Izmir and in Montréal counts once; a withdrawal lowers
the count after the next sync; a site that is down stops nobody and catches up
after, nothing counted twice (an answer lost on the way included); no address,
nor a plain hash of one, is ever stored by the hub; bad input gets a clear 4xx.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
import sqlalchemy as sa

from hub_support import FaultyProxy
from livingtogether import Observatory
from livingtogether.errors import Conflict, Forbidden
from livingtogether.hub import HubClient
from livingtogether.models import (
    City,
    Declaration,
    Institution,
    InstitutionKind,
    Pledge,
    SignerKind,
    Text,
)
from livingtogether.models.hub import CountedSignature, CountWithdrawal, SignatureReport
from livingtogether.services.pledges import email_key
from livingtogether.wsgi import make_app
from serve_support import served
from test_web_support import serving

CITIES = {"izmir": ("Izmir", "TR"), "montreal": ("Montréal", "CA"), "paris": ("Paris", "FR")}
DECLARATION = "universal-declaration"


@attrs.define
class Network:
    """The hub and its members: their databases, URLs, tokens, and every address signed."""

    root: Path
    hub_db: str
    hub_url: str
    members: dict[str, str]  # city -> database URL
    urls: dict[str, str]  # city -> the member's served URL
    tokens: dict[str, str]
    servers: dict[str, ExitStack]  # city -> its served process
    signed: dict[str, dict[str, int]] = attrs.field(factory=dict)  # city -> address -> id

    def sign(self, city: str, address: str, *, institution: str | None = None) -> None:
        """A signature on ``city``'s site, confirmed (as its confirmation link would)."""
        with Observatory.open(self.members[city]) as obs:
            kind = SignerKind.INSTITUTION if institution else SignerKind.CITIZEN
            pledge = obs.signing.sign(Pledge(
                declaration=DECLARATION, kind=kind, name="Signer", email=address,
                country=CITIES[city][1], consent_version="2022-1", public=True,
                institution=Institution(name=institution, kind=InstitutionKind.NGO,
                                        representative_role="chair") if institution else None))
            assert pledge.id is not None
            obs.signing.confirm(pledge.id)
        self.signed.setdefault(city, {})[address] = pledge.id

    def withdraw(self, city: str, address: str) -> None:
        with Observatory.open(self.members[city]) as obs:
            obs.signing.withdraw(self.signed[city].pop(address))

    def sync(self, city: str, hub_url: str | None = None) -> subprocess.CompletedProcess[str]:
        """``livingtogether hub count`` for ``city``'s site, in its own process."""
        return subprocess.run(
            [sys.executable, "-m", "livingtogether.cli", "--database-url", self.members[city],
             "hub", "count", "--to", hub_url or self.hub_url, "--retries", "0",
             "--timeout", "10"],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "LIVINGTOGETHER_HUB_TOKEN": self.tokens[city]})

    def count(self) -> dict[str, Any]:
        answer = requests.get(f"{self.hub_url}/api/v1/network/count", timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def expected_people(self) -> int:
        """Every canonical address signed on any site, once: what the network counts."""
        return len({email_key(a) for found in self.signed.values() for a in found})


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("network")
    hub_db = f"sqlite:///{root / 'hub.sqlite3'}"
    tokens = {}
    with Observatory.open(hub_db) as hub:
        for slug, (name, country) in CITIES.items():
            hub.cities.create(City(slug=slug, name=Text({"en": name}), country=country))
            tokens[slug] = hub.tokens.create(name=f"{slug}-site", city=slug,
                                             scopes=["submit"])[1]
    members = {}
    for slug, (name, country) in CITIES.items():
        members[slug] = f"sqlite:///{root / slug}.sqlite3"
        with Observatory.open(members[slug]) as obs:
            obs.cities.create(City(slug=slug, name=Text({"en": name}), country=country))
            obs.declarations.create(Declaration(slug=DECLARATION,
                                                title=Text({"en": "The Declaration"})))
    with ExitStack() as stack:
        hub_url, _ = stack.enter_context(served(hub_db))
        servers = {slug: stack.enter_context(ExitStack()) for slug in members}
        urls = {slug: servers[slug].enter_context(served(url))[0]
                for slug, url in members.items()}
        yield Network(root=root, hub_db=hub_db, hub_url=hub_url, members=members, urls=urls,
                      tokens=tokens, servers=servers)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_same_person_on_two_sites_counts_once(network: Network) -> None:
    network.sign("izmir", "ada@example.org")
    network.sign("izmir", "bora@example.org")
    network.sign("izmir", "board@ngo.example", institution="Izmir Peace NGO")
    network.sign("montreal", "ADA@Example.ORG")  # the same person, written otherwise
    network.sign("montreal", "chloe@example.org")
    network.sign("paris", "dan@example.org")
    for city in CITIES:
        _ok(network.sync(city))
    found = network.count()
    assert found["people"] == network.expected_people() == 5
    assert found["cities"]["izmir"] == {"signatures": 3,
                                        "by_kind": {"citizen": 2, "institution": 1}}
    assert found["cities"]["montreal"]["signatures"] == 2
    assert found["by_kind"] == {"citizen": 4, "institution": 1}
    # Ada is counted in the country of her first report (Izmir's site: Turkey).
    assert found["by_country"] == {"CA": 1, "FR": 1, "TR": 3}
    listed = requests.get(f"{network.hub_url}/api/v1/network/institutions", timeout=10).json()
    assert [(i["name"], i["city"]) for i in listed["items"]] == [("Izmir Peace NGO", "izmir")]
    assert "Signer" not in str(listed)  # the representative's name stays on the site
    # A second sync sends nothing, and the count stays.
    assert "0 signatures sent, 0 withdrawn" in _ok(network.sync("izmir"))
    assert network.count() == found
    # The member's counter widget shows the network line, in the reader's language.
    widget = requests.get(f"{network.urls['izmir']}/widgets/pledge/counter",
                          params={"city": "izmir", "lang": "en"}, timeout=10)
    assert "3 in Izmir · 5 worldwide" in widget.text
    def montreal() -> str:
        return requests.get(f"{network.urls['montreal']}/widgets/pledge/counter",
                            params={"city": "montreal", "lang": "fr"}, timeout=10).text

    # Montréal synced before Paris: its figures are the hub's as of that sync...
    assert "2 à Montréal · 4 dans le monde" in montreal()
    _ok(network.sync("montreal"))  # ...until its next one
    assert "2 à Montréal · 5 dans le monde" in montreal()


def test_a_withdrawal_lowers_the_count_after_the_next_sync(network: Network) -> None:
    network.withdraw("izmir", "ada@example.org")
    assert network.count()["people"] == 5  # not before the sync
    assert "1 withdrawn" in _ok(network.sync("izmir"))
    found = network.count()
    assert found["people"] == 5  # Ada still signs in Montréal
    assert found["cities"]["izmir"]["signatures"] == 2
    network.withdraw("montreal", "ADA@Example.ORG")
    _ok(network.sync("montreal"))
    found = network.count()
    assert found["people"] == network.expected_people() == 4
    assert found["by_country"] == {"CA": 1, "FR": 1, "TR": 2}


def test_a_site_that_is_down_stops_no_one_and_catches_up(network: Network) -> None:
    # Paris's site is down (its process stopped) while the others sign and sync.
    network.servers["paris"].close()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{network.urls['paris']}/widgets/pledge/counter", timeout=5)
    network.sign("izmir", "eda@example.org")
    network.sign("montreal", "eda@example.org")
    network.sign("paris", "fleur@example.org")  # written while Paris's site is down
    _ok(network.sync("izmir"))
    _ok(network.sync("montreal"))
    assert network.count()["people"] == network.expected_people() - 1  # Fleur not yet
    # Paris comes back; its sync reaches the hub through a proxy that loses the answer
    # to the first report after the hub applied it: the retry counts nothing twice.
    network.urls["paris"] = network.servers["paris"].enter_context(
        served(network.members["paris"]))[0]
    proxy = FaultyProxy(network.hub_url, ["pass", "cut"])
    with proxy.serving() as proxied, Observatory.open(network.members["paris"]) as obs, \
            HubClient(proxied, token=network.tokens["paris"], retries=2, backoff=0.01) as client:
        sent = client.report_signatures(obs)
    assert [action for action, _ in proxy.seen[:3]] == ["pass", "cut", "pass"]
    # The proxy is another address, so another ledger: both of Paris's signatures went,
    # and Dan, counted before, is not counted again.
    assert sent.counted == 2
    found = network.count()
    assert found["people"] == network.expected_people() == 6
    assert found["cities"]["paris"]["signatures"] == 2
    # Through the hub's own address, Fleur goes again (its ledger never saw her): the
    # hub counts her once all the same; then nothing is left to send.
    assert "1 signatures sent" in _ok(network.sync("paris"))
    assert network.count() == found
    assert "0 signatures sent" in _ok(network.sync("paris"))
    assert network.count() == found


def test_no_address_nor_plain_hash_leaves_a_member_site(network: Network) -> None:
    engine = sa.create_engine(network.hub_db)
    try:
        with engine.connect() as connection:
            dump = "\n".join(connection.connection.driver_connection.iterdump())  # type: ignore[union-attr]
    finally:
        engine.dispose()
    addresses = {a for found in network.signed.values() for a in found} | {
        "ada@example.org", "ADA@Example.ORG"}
    for address in addresses:
        for form in (address, email_key(address)):
            assert form.lower() not in dump.lower()
            assert hashlib.sha256(form.encode()).hexdigest() not in dump
            assert hashlib.md5(form.encode()).hexdigest() not in dump
    assert "@" not in "\n".join(line for line in dump.splitlines()
                                if "lt_network_signatures" in line
                                or "lt_network_people" in line)
    with Observatory.open(network.hub_db) as hub:
        assert hub.network_count.figures(DECLARATION)["people"] == 6


def test_bad_reports_get_a_clear_4xx(network: Network) -> None:
    url = f"{network.hub_url}/api/v1/network/signatures"
    token = network.tokens["izmir"]
    key = requests.get(f"{network.hub_url}/api/v1/network/key", timeout=10,
                       headers={"Authorization": f"Bearer {token}"}).json()
    assert key["city"] == "izmir"
    good = {"hash": "a" * 64, "kind": "citizen", "country": "TR"}

    def post(body: Any, secret: str = token, **kwargs: Any) -> requests.Response:
        return requests.post(url, json=body, timeout=10,
                             headers={"Authorization": f"Bearer {secret}"}, **kwargs)

    before = network.count()
    forged = "lt_" + "A" * 43
    cases: list[tuple[requests.Response, int, str]] = [
        (post({"city": "izmir", "key_id": key["id"]}, forged), 401, "not known"),
        (post({"city": "izmir", "key_id": key["id"]}, "lt_short"), 401, "malformed"),
        (requests.get(f"{network.hub_url}/api/v1/network/key", timeout=10), 401, "token"),
        (post({"city": "paris", "key_id": key["id"], "signatures": [good]}), 403, "paris"),
        (post({"city": "izmir", "key_id": key["id"] + 1, "signatures": [good]}), 409,
         "no longer current"),
        (post({"city": "izmir", "key_id": key["id"],
               "signatures": [{**good, "hash": "ada@example.org"}]}), 422, "keyed hash"),
        (post({"city": "izmir", "key_id": key["id"],
               "signatures": [{**good, "hash": "A" * 64}]}), 422, "signatures.0.hash"),
        (post({"city": "izmir", "key_id": key["id"],
               "signatures": [{**good, "country": "<script>"}]}), 422, "country"),
        (post({"city": "izmir", "key_id": key["id"],
               "withdrawn": [{"hash": "b" * 64}] * 600, "signatures": [good] * 600}), 422,
         "at most 1000"),
        (post({"city": "izmir", "key_id": key["id"], "signatures": [good] * 1001}), 422,
         "limit is 1000"),
        (post({"city": "izmir", "key_id": "1; DROP TABLE lt_network_people"}), 422, "key_id"),
        (post(["not", "an", "object"]), 422, "JSON object"),
        (requests.post(url, data=b"\xff\xfe{", timeout=10,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"}), 400, ""),
    ]
    for answer, status, words in cases:
        assert answer.status_code == status, (status, answer.text)
        if words:
            assert words in answer.text, answer.text
    assert network.count() == before


# -- the hub's count on each database, in this process


def _hash(n: int) -> str:
    return hashlib.sha256(f"person-{n}".encode()).hexdigest()


def _report(city: str, key_id: int, signed: range = range(0), withdrawn: range = range(0),
            ) -> SignatureReport:
    return SignatureReport(
        city=city, key_id=key_id,
        signatures=tuple(CountedSignature(hash=_hash(n), kind=SignerKind.CITIZEN, country="TR")
                         for n in signed),
        withdrawn=tuple(CountWithdrawal(hash=_hash(n)) for n in withdrawn))


def test_reports_at_once_count_each_person_once(database_url: str) -> None:
    """Three sites reporting the same 50 new people at the same moment, twice each (as a
    retry does): 50 people, 50 signatures per city; then every tombstone: none."""
    with Observatory.open(database_url) as hub:
        key = hub.network_count.key()
        assert hub.network_count.key() == key  # made once
        cities = ("izmir", "montreal", "paris")
        barrier = threading.Barrier(len(cities) * 2)

        def send(city: str) -> None:
            barrier.wait(timeout=10)
            hub.network_count.report(_report(city, key.id, range(50)), city=city)

        with ThreadPoolExecutor(max_workers=len(cities) * 2) as pool:
            list(pool.map(send, cities * 2))
        found = hub.network_count.figures(DECLARATION)
        assert found["people"] == 50
        assert {c: v["signatures"] for c, v in found["cities"].items()} == dict.fromkeys(
            cities, 50)
        again = hub.network_count.report(_report("izmir", key.id, range(50)), city="izmir")
        assert (again.counted, again.unchanged) == (0, 50)
        for city in cities[:2]:
            hub.network_count.report(_report(city, key.id, withdrawn=range(50)), city=city)
        assert hub.network_count.figures(DECLARATION)["people"] == 50  # Paris still has them
        hub.network_count.report(_report("paris", key.id, range(50, 60), range(50)),
                                 city="paris")
        found = hub.network_count.figures(DECLARATION)
        assert (found["people"], found["by_country"]) == (10, {"TR": 10})
        # A rotation drops every hash: none can be compared with the new key's.
        new = hub.network_count.rotate()
        assert new.id > key.id
        assert hub.network_count.figures(DECLARATION)["people"] == 0
        with pytest.raises(Conflict, match="no longer current"):
            hub.network_count.report(_report("paris", key.id, range(1)), city="paris")
        with pytest.raises(Forbidden):
            hub.network_count.report(_report("paris", new.id, range(1)), city="izmir")


def test_the_hub_counter_widget_escapes_and_refuses_bad_input(tmp_path: Path) -> None:
    """On the hub itself the widget reads the hub's own figures; a hostile city name is
    text, a hostile city parameter a 400."""
    with Observatory.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}") as hub:
        hub.cities.create(City(slug="izmir", name=Text({"en": "<script>alert(1)</script>"}),
                               country="TR"))
        hub.declarations.create(Declaration(slug=DECLARATION, title=Text({"en": "D"})))
        key = hub.network_count.key()
        hub.network_count.report(_report("izmir", key.id, range(3)), city="izmir")
        with serving(make_app(hub)) as url:
            html = requests.get(f"{url}/widgets/pledge/counter", params={"city": "izmir"},
                                timeout=10).text
            assert "3 in &lt;script&gt;alert(1)&lt;/script&gt; · 3 worldwide" in html
            assert "<script>" not in html
            bad = requests.get(f"{url}/widgets/pledge/counter", params={"city": "<b>"},
                               timeout=10)
            assert bad.status_code == 400
