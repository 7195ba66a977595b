"""A campaign's momentum over a real server: signatures per hour and per day of the
campaign's week, in its zone, as JSON and CSV; bad requests answered 4xx."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from livingtogether import Observatory
from livingtogether.models import Campaign, Declaration, Pledge, SignerKind, Text
from livingtogether.store import schema
from livingtogether.wsgi import make_app
from test_web_support import Client, serving

UTC = timezone.utc
#: Confirmation instants (UTC) of the signatures; Istanbul is UTC+3.
CONFIRMED = [
    datetime(2026, 5, 9, 20, 59, tzinfo=UTC),  # 23:59 on May 9 in Istanbul: before the week
    datetime(2026, 5, 9, 21, 0, tzinfo=UTC),  # 00:00 on May 10: the week's first hour
    datetime(2026, 5, 9, 21, 30, tzinfo=UTC),
    datetime(2026, 5, 16, 9, 15, tzinfo=UTC),  # 12:15 on the day
    datetime(2026, 5, 16, 20, 59, tzinfo=UTC),  # 23:59 on the day: its last hour
    datetime(2026, 5, 16, 21, 0, tzinfo=UTC),  # 00:00 on May 17: after the week
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    path: Path = tmp_path_factory.mktemp("momentum") / "site.sqlite3"
    with Observatory.open(f"sqlite:///{path}") as obs:
        obs.declarations.create(Declaration(slug="universal-declaration",
                                            title=Text({"en": "D"})))
        obs.campaigns.create(Campaign(slug="day-2026", title=Text({"en": "Day"}),
                                      day=date(2026, 5, 16), zone="Europe/Istanbul",
                                      declaration="universal-declaration"))
        obs.campaigns.create(Campaign(slug="no-declaration", title=Text({"en": "Day"}),
                                      day=date(2026, 5, 16)))
        for n, moment in enumerate(CONFIRMED):
            pledge = obs.signing.sign(Pledge(
                declaration="universal-declaration", kind=SignerKind.CITIZEN, name="=1+1",
                email=f"p{n}@example.org", country="TR", consent_version="2022-1"))
            assert pledge.id is not None
            obs.signing.confirm(pledge.id)
            with obs.store.write() as connection:
                connection.execute(sa.update(schema.pledges)
                                   .where(schema.pledges.c.id == pledge.id)
                                   .values(confirmed_at=moment))
        with serving(make_app(obs)) as url:
            yield Client(url)


def test_per_hour_and_per_day_in_the_campaign_zone(client: Client) -> None:
    hours = client.get("/api/v1/campaigns/day-2026/momentum").json()
    assert (hours["step"], hours["zone"], hours["total"]) == ("hour", "Europe/Istanbul", 4)
    assert hours["start"] == "2026-05-09T21:00:00Z"
    assert hours["end"] == "2026-05-16T21:00:00Z"
    assert len(hours["buckets"]) == 7 * 24
    counted = {b["start"]: b["confirmed"] for b in hours["buckets"] if b["confirmed"]}
    assert counted == {"2026-05-09T21:00:00Z": 2, "2026-05-16T09:00:00Z": 1,
                       "2026-05-16T20:00:00Z": 1}
    days = client.get("/api/v1/campaigns/day-2026/momentum", params={"step": "day"}).json()
    assert [b["confirmed"] for b in days["buckets"]] == [2, 0, 0, 0, 0, 0, 2]
    answer = client.get("/api/v1/campaigns/day-2026/momentum.csv", params={"step": "day"})
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["start", "confirmed"]
    assert len(rows) == 8
    assert rows[1] == ["2026-05-09T21:00:00Z", "2"]
    assert rows[7][1] == "2"


def test_bad_requests(client: Client) -> None:
    assert client.get("/api/v1/campaigns/nothing/momentum").status_code == 404
    assert client.get("/api/v1/campaigns/no-declaration/momentum").status_code == 404
    bad = client.get("/api/v1/campaigns/day-2026/momentum", params={"step": "<script>"})
    assert bad.status_code == 400
    assert "step" in bad.text
    assert client.get("/api/v1/campaigns/day-2026/momentum.csv",
                      params={"step": "week"}).status_code == 400


def test_the_campaign_widget_charts_the_week_with_a_table(client: Client) -> None:
    html = client.get("/widgets/campaign/day-2026", params={"lang": "fr"}).text
    section = html[html.index('class="lt-momentum"'):]
    section = section[:section.index("</section>")]
    assert 'role="img"' in section
    assert "Signatures pendant la semaine de la campagne" in section
    rows = section[section.index("<tbody>"):]
    assert rows.count("<tr>") == 7
    assert '<time datetime="2026-05-10">10 mai 2026</time></th><td>2</td>' in rows
    assert '<time datetime="2026-05-16">16 mai 2026</time></th><td>2</td>' in rows
    assert "16 mai 2026 : 2 signatures" in section  # each bar's own text
    # A campaign without a declaration has no chart.
    other = client.get("/widgets/campaign/no-declaration", params={"lang": "fr"}).text
    assert "lt-momentum" not in other
