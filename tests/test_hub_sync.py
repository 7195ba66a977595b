"""The hub journey over two real servers, and pulls that survive a misbehaving hub.

A member pushes a practice to the hub; the hub's moderator publishes it; a
second member pulls it and shows it in its widget. Then the hub answers 500,
429, times out, resets or drops the connection mid-answer (a real proxy on
127.0.0.1 in front of the real hub), and a rerun ends with exactly the hub's
data: nothing lost, nothing duplicated, the member's own records untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests

from hub_support import FaultyProxy, opened_hub, snapshot
from livingtogether import Observatory
from livingtogether.hub import HubClient, HubError
from livingtogether.models import City, ModerationStatus, Practice, Text
from livingtogether.models.hub import FeedKind
from livingtogether.wsgi import make_app
from test_web_support import Client, error_of, serving

FAST = {"timeout": (2.0, 0.5), "retries": 4, "backoff": 0.01, "page_size": 2}


def _city(slug: str) -> City:
    return City(slug=slug, name=Text({"en": slug.title()}), country="FR")


def _practice(slug: str, city: str, title: str = "A practice") -> Practice:
    return Practice(slug=slug, city=city, title=Text({"en": title}),
                    body=Text({"en": "<p>Neighbours <b>meet</b>.</p>"}))


@pytest.fixture
def hub(database_url: str) -> Iterator[Observatory]:
    """The hub: the demo data on SQLite or PostgreSQL."""
    yield from opened_hub(database_url)


@pytest.fixture
def member(tmp_path: Path) -> Iterator[Any]:
    """``member(name)``: a member site on its own SQLite file."""
    opened: list[Observatory] = []

    def open_member(name: str) -> Observatory:
        obs = Observatory.open(f"sqlite:///{tmp_path / name}.sqlite3")
        opened.append(obs)
        return obs

    yield open_member
    for obs in opened:
        obs.close()


def _counts(report: Any) -> dict[str, tuple[int, ...]]:
    return {kind.value: (c.added, c.updated, c.removed, c.unchanged, c.kept)
            for kind, c in report.counts.items()}


def test_push_publish_pull_and_show(hub: Observatory, member: Any) -> None:
    """The journey: push from one member, publish on the hub, pull and show on another."""
    _, city_token = hub.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    _, moderator = hub.tokens.create(name="moderators", city=None, scopes=["moderate"])
    _, other_city = hub.tokens.create(name="montreal-site", city="montreal", scopes=["submit"])

    paris = member("paris")
    paris.cities.create(_city("paris"))
    paris.practices.create(_practice("paris-street-libraries", "paris", "Street libraries"))
    paris.practices.create(_practice("paris-night-walks", "paris", "Night walks"))
    paris.cities.create(_city("lyon"))
    paris.practices.create(_practice("lyon-is-not-ours", "lyon"))

    with serving(make_app(hub), threaded=True) as hub_url:
        client = Client(hub_url)
        # push: both of Paris's practices, not Lyon's; twice changes nothing the second time
        with HubClient(hub_url, token=city_token, **FAST) as pusher:
            first = pusher.push(paris)
            assert first.city == "paris"
            assert {s.slug: s.status for s in first.submissions} == {
                "paris-night-walks": ModerationStatus.SUBMITTED,
                "paris-street-libraries": ModerationStatus.SUBMITTED}
            assert set(first.changed) == {"paris-night-walks", "paris-street-libraries"}
            again = pusher.push(paris)
            assert again.changed == ()
            assert "0 sent, 2 unchanged" in again.summary()
        stored = hub.practices.get("paris-street-libraries")
        assert stored.status is ModerationStatus.SUBMITTED
        assert stored.city == "paris"
        # a submitted practice is not public yet
        assert client.get("/api/v1/practices/paris-street-libraries").status_code == 404

        publish = "/api/v1/submissions/paris-street-libraries/publish"
        feed_before = client.get("/api/v1/sync/practices", params={"limit": 1000}).json()
        # no token, a bad one, a city's token: 401, 401, 403, and nothing changes
        for headers, status in (({}, 401), ({"Authorization": "Bearer lt_" + "x" * 43}, 401),
                                ({"Authorization": "Basic abc"}, 401),
                                ({"Authorization": f"Bearer {city_token}"}, 403)):
            refused = client.post(publish, headers=headers)
            assert refused.status_code == status, headers
            error_of(refused)
            if status == 401:
                assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert hub.practices.get("paris-street-libraries").status is ModerationStatus.SUBMITTED
        assert client.get("/api/v1/sync/practices",
                          params={"limit": 1000}).json() == feed_before
        # another city's token may not overwrite Paris's practice
        hijack = client.request("PUT", "/api/v1/submissions/paris-street-libraries",
                                headers={"Authorization": f"Bearer {other_city}"},
                                json={**_practice_json("paris-street-libraries", "paris")})
        assert hijack.status_code == 403
        as_montreal = client.request(
            "PUT", "/api/v1/submissions/paris-street-libraries",
            headers={"Authorization": f"Bearer {other_city}"},
            json=_practice_json("paris-street-libraries", "montreal"))
        assert as_montreal.status_code == 403
        assert hub.practices.get("paris-street-libraries").city == "paris"

        published = client.post(publish, headers={"Authorization": f"Bearer {moderator}"})
        assert published.status_code == 200
        assert published.json()["status"] == "published"
        rejected = client.post("/api/v1/submissions/paris-night-walks/reject",
                               headers={"Authorization": f"Bearer {moderator}"},
                               json={"reason": "Say who runs the walks."})
        assert rejected.json()["status"] == "rejected"
        with HubClient(hub_url, token=city_token, **FAST) as pusher:
            _, states = pusher.submissions()
        found = {s.slug: (s.status.value, s.rejection_reason) for s in states}
        assert found["paris-night-walks"] == ("rejected", "Say who runs the walks.")
        assert found["paris-street-libraries"] == ("published", None)
        assert {s.city for s in states} == {"paris"}

        # a second member, with its own city and practice, pulls
        lyon = member("lyon")
        lyon.cities.create(_city("lyon"))
        lyon.practices.create(attrs.evolve(_practice("lyon-own", "lyon"),
                                           status=ModerationStatus.PUBLISHED))
        own_before = snapshot(lyon)
        with HubClient(hub_url, **FAST) as puller:
            report = puller.pull(lyon)
        assert report.counts[FeedKind.PRACTICES].added == len(snapshot(hub)["practices"])
        assert not report.problems
        mine = snapshot(lyon)
        expected = snapshot(hub)
        for kind in ("cities", "themes", "practices", "events"):
            for slug, record in expected[kind].items():
                assert mine[kind][slug] == record, (kind, slug)
        assert mine["practices"]["lyon-own"] == own_before["practices"]["lyon-own"]
        assert "paris-night-walks" not in mine["practices"]

        # shown in the second member's widget, over its own server
        with serving(make_app(lyon)) as lyon_url:
            page = Client(lyon_url).get("/widgets/practices", params={"city": "paris"})
            assert page.status_code == 200
            assert "Street libraries" in page.text

        # unpublishing and deleting on the hub reach the member as removals
        hub.practices.update(attrs.evolve(hub.practices.get("paris-street-libraries"),
                                          status=ModerationStatus.DRAFT))
        hub.practices.delete("example-newcomer-welcome-network")
        with HubClient(hub_url, **FAST) as puller:
            report = puller.pull(lyon)
        assert report.counts[FeedKind.PRACTICES].removed == 2
        assert report.counts[FeedKind.CITIES].added == 0
        assert "2 removed" in report.summary()
        mine = snapshot(lyon)
        assert "paris-street-libraries" not in mine["practices"]
        assert "example-newcomer-welcome-network" not in mine["practices"]
        assert "lyon-own" in mine["practices"]
        # nothing changed: a pull does nothing
        with HubClient(hub_url, **FAST) as puller:
            quiet = puller.pull(lyon)
        assert all(c == (0, 0, 0, 0, 0) for c in _counts(quiet).values())


def _practice_json(slug: str, city: str) -> dict[str, Any]:
    from livingtogether import convert

    return convert.unstructure(_practice(slug, city))  # type: ignore[no-any-return]


def test_a_hub_record_with_a_local_slug_leaves_the_local_one_alone(
        hub: Observatory, member: Any) -> None:
    """The member's own city and practice of the same slug as the hub's stay as they are."""
    site = member("site")
    site.cities.create(attrs.evolve(_city("izmir"), name=Text({"en": "Our own Izmir"})))
    ours = attrs.evolve(_practice("example-newcomer-welcome-network", "izmir", "Ours"),
                        status=ModerationStatus.PUBLISHED)
    site.practices.create(ours)
    with serving(make_app(hub), threaded=True) as hub_url, \
            HubClient(hub_url, **FAST) as puller:
        report = puller.pull(site)
        assert report.counts[FeedKind.CITIES].kept == 1
        assert report.counts[FeedKind.PRACTICES].kept >= 1
        hub.practices.delete("example-newcomer-welcome-network")
        puller.pull(site)
    assert site.cities.get("izmir").name.values == {"en": "Our own Izmir"}
    assert site.practices.get("example-newcomer-welcome-network") == site.practices.get(
        "example-newcomer-welcome-network")
    assert site.practices.get("example-newcomer-welcome-network").title.values == {"en": "Ours"}



def test_a_pulled_record_deleted_here_comes_back_with_the_hubs_next_change(
        hub: Observatory, member: Any) -> None:
    """A site that deleted a record it pulled is not stuck: the next change of it on the
    hub adds it again, and a deletion on the hub is simply forgotten."""
    site = member("site")
    slug = "example-newcomer-welcome-network"
    with serving(make_app(hub), threaded=True) as hub_url, \
            HubClient(hub_url, **FAST) as puller:
        puller.pull(site)
        site.practices.delete(slug)
        changed = attrs.evolve(hub.practices.get(slug), title=Text({"en": "Renamed"}))
        hub.practices.update(changed)
        report = puller.pull(site)
        assert report.counts[FeedKind.PRACTICES].added == 1
        assert site.practices.get(slug).title.values == {"en": "Renamed"}
        assert puller.pull(site).counts[FeedKind.PRACTICES].added == 0
        site.practices.delete(slug)
        hub.practices.delete(slug)
        assert not puller.pull(site).problems
    assert snapshot(site) == snapshot(hub)

@pytest.mark.parametrize("plan", [
    ["pass", "pass", "500", "500", "pass"],
    ["pass", "429", "pass"],
    ["pass", "pass", "pass", "hang", "pass"],
    ["pass", "cut", "pass", "cut"],
    ["reset", "pass", "reset"],
], ids=["500", "429-retry-after", "timeout", "dropped-mid-answer", "reset"])
def test_faults_are_retried_and_the_pull_ends_with_the_hubs_data(
        hub: Observatory, member: Any, plan: list[str]) -> None:
    """Each fault is retried; the pull ends with exactly the hub's public records."""
    site = member("site")
    with serving(make_app(hub), threaded=True) as hub_url:
        proxy = FaultyProxy(hub_url, plan, hang_seconds=1.5)
        with proxy.serving() as proxy_url, HubClient(proxy_url, **FAST) as puller:
            report = puller.pull(site)
    assert snapshot(site) == snapshot(hub)
    assert not report.problems
    assert {action for action, _ in proxy.seen} >= set(plan)
    assert puller.attempts == len(proxy.seen)


def test_an_interrupted_pull_resumes_and_a_rerun_changes_nothing(
        hub: Observatory, member: Any) -> None:
    """The hub fails for longer than the retries: the error is clear, the pages applied
    stay applied, and the rerun continues from there to exactly the hub's data."""
    site = member("site")
    hub.cities.create(_city("lyon"))
    for number in range(7):
        hub.practices.create(attrs.evolve(_practice(f"lyon-{number}", "lyon"),
                                          status=ModerationStatus.PUBLISHED))
    settings = {**FAST, "retries": 1}
    with serving(make_app(hub), threaded=True) as hub_url:
        # cities and two pages of practices go through; then the hub keeps failing
        before = sum(-(-len(snapshot(hub)[kind]) // FAST["page_size"])
                     for kind in ("cities", "themes"))
        proxy = FaultyProxy(hub_url, ["pass"] * (before + 2) + ["500", "cut"])
        with proxy.serving() as proxy_url, HubClient(proxy_url, **settings) as puller:
            with pytest.raises(HubError, match="failed after 2 tries"):
                puller.pull(site)
            partial = snapshot(site)
            assert 0 < len(partial["practices"]) < len(snapshot(hub)["practices"])
            pages_before = len(proxy.seen)
            report = puller.pull(site)
        resumed = [path for _, path in proxy.seen[pages_before:]]
        assert all("cursor=" in path for path in resumed if "/sync/practices" in path)
        assert report.counts[FeedKind.PRACTICES].unchanged == 0
        assert report.counts[FeedKind.PRACTICES].added == (
            len(snapshot(hub)["practices"]) - len(partial["practices"]))
        assert snapshot(site) == snapshot(hub)
        # a rerun from the very start finds everything already there
        with HubClient(hub_url, **FAST) as puller:
            again = puller.pull(site, restart=True)
        assert again.total("added") == again.total("updated") == again.total("removed") == 0
        assert snapshot(site) == snapshot(hub)


def test_the_last_try_raises_a_clear_error(member: Any) -> None:
    """A hub that never answers: HubError after the tries, naming the URL and the cause."""
    site = member("site")

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain"),
                                                   ("Retry-After", "0")])
        return [b"down"]

    with serving(app) as url, HubClient(url, **FAST) as puller:
        with pytest.raises(HubError) as raised:
            puller.pull(site)
        assert puller.attempts == FAST["retries"] + 1
    assert url in str(raised.value)
    assert "503" in str(raised.value)
    assert snapshot(site) == snapshot(member("untouched"))
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=1)


def test_a_changed_published_practice_waits_as_a_revision(hub: Observatory,
                                                          member: Any) -> None:
    """Pushing a change to a published practice keeps the published version public until
    the moderator publishes the revision; then members pull the new version."""
    _, token = hub.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    paris = member("paris")
    paris.cities.create(_city("paris"))
    paris.practices.create(_practice("paris-walks", "paris", "Walks"))
    reader = member("reader")
    with serving(make_app(hub), threaded=True) as hub_url, \
            HubClient(hub_url, token=token, **FAST) as client:
        client.push(paris)
        hub.submissions.publish("paris-walks")
        client.pull(reader)
        assert reader.practices.get("paris-walks").title.values == {"en": "Walks"}
        paris.practices.update(_practice("paris-walks", "paris", "Night walks"))
        pushed = client.push(paris).submissions[0]
        assert (pushed.status, pushed.revision, pushed.changed) == (
            ModerationStatus.PUBLISHED, ModerationStatus.SUBMITTED, True)
        assert client.push(paris).changed == ()  # the same revision again: nothing
        assert hub.practices.get("paris-walks").title.values == {"en": "Walks"}
        assert client.pull(reader).total("updated") == 0
        rejected = hub.submissions.reject("paris-walks", "Say when they start.")
        assert (rejected.status, rejected.revision, rejected.rejection_reason) == (
            ModerationStatus.PUBLISHED, ModerationStatus.REJECTED, "Say when they start.")
        paris.practices.update(_practice("paris-walks", "paris", "Night walks at 9"))
        assert client.push(paris).submissions[0].revision is ModerationStatus.SUBMITTED
        hub.submissions.publish("paris-walks")
        assert client.pull(reader).counts[FeedKind.PRACTICES].updated == 1
    assert reader.practices.get("paris-walks").title.values == {"en": "Night walks at 9"}


def test_retry_after_is_honoured_and_bounded(hub: Observatory, member: Any) -> None:
    """A 429's Retry-After (seconds or an HTTP date) sets the wait, capped at a minute;
    without one the waits grow from the backoff."""
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    from livingtogether.hub import MAX_WAIT, retry_after

    assert retry_after("7") == 7.0
    soon = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 < (retry_after(format_datetime(soon, usegmt=True)) or 0) <= 30
    assert retry_after("not a date") is None
    waits: list[float] = []
    with serving(make_app(hub), threaded=True) as hub_url:
        proxy = FaultyProxy(hub_url, ["429", "500", "500"])
        with proxy.serving() as proxy_url, HubClient(
                proxy_url, retries=3, backoff=0.2, page_size=100, sleep=waits.append) as client:
            client.pull(member("site"), kinds=[FeedKind.CITIES])
    assert waits[0] == 1.0  # the proxy's Retry-After: 1
    assert 0.2 <= waits[1] <= 0.4  # the backoff doubled, with jitter
    assert 0.4 <= waits[2] <= 0.8
    assert client._wait(1, 3600.0) == MAX_WAIT  # an hour asked: a minute at most


def test_the_public_feed_names_only_practices_that_were_once_public(
        hub: Observatory, member: Any) -> None:
    """Issue 14, item 3: a practice in review or rejected before it was ever published is
    not named by the public feed, not even as a tombstone; one published and then
    withdrawn or deleted comes as a tombstone, so that a mirror drops its copy. A city's
    token does not widen the feed: the city reads its own practices' state from
    /submissions."""
    _, city_token = hub.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    _, moderator = hub.tokens.create(name="moderators", city=None, scopes=["moderate"])
    slugs = ("paris-in-review", "paris-rejected", "paris-withdrawn", "paris-deleted")
    lyon = member("lyon")
    with serving(make_app(hub), threaded=True) as hub_url:
        client = Client(hub_url)
        city = {"Authorization": f"Bearer {city_token}"}
        moderate = {"Authorization": f"Bearer {moderator}"}
        for slug in slugs:
            sent = client.request("PUT", f"/api/v1/submissions/{slug}", headers=city,
                                  json=_practice_json(slug, "paris"))
            assert sent.status_code == 200, sent.text
        for slug in ("paris-withdrawn", "paris-deleted"):
            assert client.post(f"/api/v1/submissions/{slug}/publish",
                               headers=moderate).status_code == 200
        assert client.post("/api/v1/submissions/paris-rejected/reject", headers=moderate,
                           json={"reason": "Say who runs it."}).status_code == 200
        with HubClient(hub_url, **FAST) as puller:
            puller.pull(lyon)
        assert {"paris-withdrawn", "paris-deleted"} <= set(snapshot(lyon)["practices"])
        hub.practices.unpublish("paris-withdrawn")
        hub.practices.delete("paris-deleted")

        def feed(headers: dict[str, str]) -> dict[str, Any]:
            answer = client.get("/api/v1/sync/practices", params={"limit": 1000},
                                headers=headers)
            assert answer.status_code == 200
            return {i["slug"]: (i["deleted"], i["record"]) for i in answer.json()["items"]
                    if i["slug"].startswith("paris-")}

        expected = {"paris-withdrawn": (True, None), "paris-deleted": (True, None)}
        assert feed({}) == expected
        assert feed(city) == expected  # a token neither widens nor narrows the feed
        assert "paris-in-review" not in client.get(
            "/api/v1/sync/practices", params={"limit": 1000}).text
        # the city still reads the state of all four
        states = client.get("/api/v1/submissions", headers=city).json()["items"]
        assert {s["slug"]: s["status"] for s in states if s["slug"] in slugs} == {
            "paris-in-review": "submitted", "paris-rejected": "rejected",
            "paris-withdrawn": "draft"}
        # the mirror removes both copies; the never-public ones it never saw
        with HubClient(hub_url, **FAST) as puller:
            puller.pull(lyon)
        assert not set(snapshot(lyon)["practices"]) & set(slugs)
        # published again later, it is a record again
        hub.practices.submit("paris-withdrawn")
        hub.practices.publish("paris-withdrawn")
        hub.practices.publish("paris-in-review")
        assert {slug: deleted for slug, (deleted, _) in feed({}).items()} == {
            "paris-withdrawn": False, "paris-deleted": True, "paris-in-review": False}
