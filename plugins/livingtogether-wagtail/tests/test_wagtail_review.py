"""The review screens' viewsets in the demo project: signatures, the moderation queue,
the hub's submissions, the participations; each for a permitted user and refused with
Wagtail's permission-denied answer to one without the permission.

One Observatory (the demo data and 120 signatures) serves the whole module; each test
uses records of its own, so that none depends on another's order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from livingtogether_wagtail.conf import reset
from livingtogether_wagtail.models import NETWORK, GroupCities
from livingtogether_wagtail.paging import Paged

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.models import (
    ModerationStatus,
    Pledge,
    PledgeStatus,
    SignerKind,
)

ADMIN = "/admin/livingtogether"
SIGNERS = 120
HOSTILE = "<script>alert(1)</script>' OR 1=1 --"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observatory]:
    """The demo data and 120 signatures (two of them with formulas for names), once."""
    path: Path = tmp_path_factory.mktemp("review") / "lt.sqlite3"
    obs = Observatory.open(f"sqlite:///{path}")
    install(obs)
    for number in range(SIGNERS):
        name = "=HYPERLINK(1)" if number == 7 else f"Signer {number:03d}"
        obs.signing.sign(Pledge(declaration="universal-declaration", kind=SignerKind.CITIZEN,
                                name=name, email=f"signer{number}@example.org", country="TR",
                                consent_version="1"))
    yield obs
    obs.close()


@pytest.fixture
def obs(shared: Observatory, settings: Any, db: Any) -> Iterator[Observatory]:
    """The shared Observatory as the site's."""
    settings.LIVINGTOGETHER = {"OBSERVATORY": shared}
    yield shared
    reset()


def user(*codenames: str) -> User:
    """A Wagtail editor holding ``livingtogether.<codename>`` for each codename, in a group
    of the secretariat (its cities ``*``: the review covers the whole site)."""
    made = User.objects.create_user(f"u{User.objects.count()}", "u@example.org", "pw")
    made.user_permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in codenames:
        made.user_permissions.add(Permission.objects.get(content_type__app_label="livingtogether",
                                                         codename=codename))
    group = Group.objects.create(name=f"reviewers of {made.username}")
    GroupCities.objects.create(group=group, city=NETWORK)
    made.groups.add(group)
    return User.objects.get(pk=made.pk)


def logged(client: Client, *codenames: str) -> Client:
    client.force_login(user(*codenames))
    return client


def text(answer: Any) -> str:
    assert answer.status_code == 200, answer.status_code
    return str(answer.content.decode())


def messages_of(html: str) -> list[str]:
    """The Wagtail messages of a page."""
    found = re.findall(r'<li class="(?:success|error|warning)">\s*(.*?)\s*(?:<button|</li>)',
                       html, re.S)
    plain = (re.sub(r"\s+", " ", re.sub(r"<[^>]*>", "", m)).strip() for m in found)
    return [m for m in plain if m]


@pytest.mark.parametrize("url", [
    "/signatures/", "/signatures/results/", "/signatures/export/", "/signatures/1/withdraw/",
    "/moderation/", "/moderation/results/", "/moderation/some-practice/",
    "/submissions/"])
def test_each_view_is_refused_without_its_permission(obs: Observatory, client: Client,
                                                     url: str) -> None:
    # a permission of another screen grants nothing here
    other = "view_participations"
    logged(client, other)
    refused = client.get(ADMIN + url)
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    home = text(client.get("/admin/"))
    assert "Sorry, you do not have permission to access this area." in home
    assert ADMIN + url.split("/")[1] not in home.replace(ADMIN + "/" + other.split("_")[1], "")


def test_settings_groups_offers_the_permissions(obs: Observatory, client: Client) -> None:
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    form = text(client.get("/admin/groups/new/"))
    for label in ("Can see the signatures (personal data)",
                  "Can withdraw a signature on request",
                  "Can moderate the hub&#x27;s submissions"):
        assert label in form, label


def test_the_menu_shows_what_the_user_may_see(obs: Observatory, client: Client) -> None:
    menu = text(logged(client, "view_signatures").get("/admin/"))
    assert f"{ADMIN}/signatures/" in menu
    assert f"{ADMIN}/moderation/" not in menu
    assert f"{ADMIN}/submissions/" not in menu
    hub = text(logged(client, "hub_moderate").get("/admin/"))
    assert f"{ADMIN}/moderation/" in hub
    assert f"{ADMIN}/submissions/" in hub


def test_signatures_page_through_the_core(obs: Observatory, client: Client) -> None:
    logged(client, "view_signatures")
    first = text(client.get(f"{ADMIN}/signatures/"))
    assert "Signatures: universal-declaration" in first
    assert "Page 1 of 3" in first
    assert "Signer 119" in first
    assert "Signer 069" not in first
    third = text(client.get(f"{ADMIN}/signatures/?p=3"))
    assert "Page 3 of 3" in third
    assert "Signer 000" in third
    assert "Signer 020" not in third
    # no export button nor withdraw link without their permissions
    assert "/signatures/export/" not in first
    assert "/withdraw/" not in first
    found = text(client.get(f"{ADMIN}/signatures/results/?q=signer42%40"))
    assert "Signer 042" in found
    assert "Signer 043" not in found
    confirmed = text(client.get(f"{ADMIN}/signatures/?status=confirmed"))
    assert "There are no signatures to display" in confirmed or "No signatures" in confirmed


def test_the_lazy_sequence_reads_one_page(obs: Observatory) -> None:
    asked: list[tuple[int, int]] = []

    def fetch(limit: int, offset: int) -> Any:
        asked.append((limit, offset))
        return obs.signatures.list("universal-declaration", limit=limit, offset=offset)

    rows = Paged(fetch)
    assert len(rows) == SIGNERS
    page = rows[50:100]
    assert [p.name for p in page[:2]] == ["Signer 050", "Signer 051"]
    assert rows[-1].name == "Signer 119"
    assert asked == [(1, 0), (50, 50), (1, 119)]


def test_hostile_search_and_filters_are_messages(obs: Observatory, client: Client) -> None:
    logged(client, "view_signatures")
    for query in (f"q={HOSTILE}", "q=" + "x" * 500, "status=nonsense", "declaration=nope",
                  "q=%00%01", "p=lots"):
        html = text(client.get(f"{ADMIN}/signatures/?{query}"))
        assert "<script>alert(1)</script>" not in html
    long = messages_of(text(client.get(f"{ADMIN}/signatures/?q={'x' * 500}")))
    assert any("at most 200" in m or "200" in m for m in long), long
    wrong = messages_of(text(client.get(f"{ADMIN}/signatures/?status=nonsense")))
    assert any(m.startswith("Status:") for m in wrong), wrong


def test_withdraw_needs_a_reason_then_erases(obs: Observatory, client: Client) -> None:
    logged(client, "view_signatures", "signatures_withdraw")
    pledge = obs.signatures.list("universal-declaration", limit=1, offset=3).items[0]
    url = f"{ADMIN}/signatures/{pledge.id}/withdraw/"
    form = text(client.get(url))
    assert pledge.email in form
    assert "Withdraw a signature" in form
    empty = text(client.post(url, {"reason": "  "}))
    assert "This field is required." in empty
    hostile = text(client.post(url, {"reason": "request\x1b[31m" + HOSTILE}))
    assert "<script>alert(1)</script>" not in hostile
    assert obs.signatures.get(pledge.id).name == pledge.name  # nothing lost
    done = client.post(url, {"reason": "the resident's email of 2 December"}, follow=True)
    assert f"The signature of {pledge.name} is withdrawn." in messages_of(text(done))
    gone = messages_of(text(client.get(url, follow=True)))
    assert any("there is no signature" in m or "no signature" in m for m in gone), gone
    audit = obs.store.read
    with audit() as connection:
        from livingtogether.store import schema

        rows = connection.execute(schema.audit.select().where(
            schema.audit.c.action == "withdraw")).all()
    assert [r.summary for r in rows] == ["the resident's email of 2 December"]


def test_the_export_is_audited_and_safe_from_formulas(obs: Observatory, client: Client) -> None:
    logged(client, "view_signatures", "signatures_export")
    assert "/signatures/export/" in text(client.get(f"{ADMIN}/signatures/"))
    for pledge in obs.signatures.list("universal-declaration", limit=10).items:
        if pledge.status is PledgeStatus.PENDING:
            obs.signing.confirm(pledge.id)  # type: ignore[arg-type]
    assert client.get(f"{ADMIN}/signatures/export/").status_code == 200  # a form, no data
    wrong = text(client.post(f"{ADMIN}/signatures/export/", {"declaration": "nope"}))
    assert "Select a valid choice" in wrong
    exported = client.post(f"{ADMIN}/signatures/export/",
                           {"declaration": "universal-declaration"})
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"] == \
        'attachment; filename="signatures-universal-declaration.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    names = {row[2] for row in rows[1:]}
    assert "'=HYPERLINK(1)" in names
    assert "=HYPERLINK(1)" not in names
    assert not any(cell[:1] in "=+-@" for row in rows[1:] for cell in row if cell)
    from livingtogether.store import schema

    with obs.store.read() as connection:
        assert connection.execute(schema.audit.select().where(
            schema.audit.c.action == "export")).first() is not None


def submitted(obs: Observatory, index: int) -> str:
    """A demo practice sent back for review; its slug."""
    practice = obs.practices.list(limit=1, offset=index).items[0]
    obs.practices.unpublish(practice.slug)
    obs.practices.submit(practice.slug)
    return practice.slug


def test_the_queue_claim_note_reject_and_approve(obs: Observatory, client: Client) -> None:
    first, second = submitted(obs, 0), submitted(obs, 1)
    logged(client, "moderate_practices")
    queue = text(client.get(f"{ADMIN}/moderation/"))
    assert f"{ADMIN}/moderation/{first}/" in queue
    assert f"{ADMIN}/moderation/{second}/" in queue
    city = obs.practices.get(first).city
    other = messages_of(text(client.get(f"{ADMIN}/moderation/?city=nowhere-city")))
    assert any(m.startswith("City: Select a valid choice") for m in other), other
    assert first in text(client.get(f"{ADMIN}/moderation/?city={city}"))
    item = text(client.get(f"{ADMIN}/moderation/{first}/"))
    assert 'class="lt-widget lt-widget--practice"' in item  # the public widget's preview
    claimed = client.post(f"{ADMIN}/moderation/{first}/claim/", follow=True)
    assert any(m.startswith("You are reviewing") for m in messages_of(text(claimed)))
    # another moderator meets the claim as a message, and decides nothing
    rival = Client()
    rival.force_login(user("moderate_practices"))
    held = rival.post(f"{ADMIN}/moderation/{first}/approve/", follow=True)
    assert any("is reviewing" in m for m in messages_of(text(held)))
    assert obs.practices.get(first).status is ModerationStatus.SUBMITTED
    note = text(client.post(f"{ADMIN}/moderation/{first}/note/", {"text": HOSTILE}, follow=True))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note
    assert "<script>alert(1)" not in note
    blank = text(client.post(f"{ADMIN}/moderation/{first}/reject/", {"reason": ""}))
    assert "This field is required." in blank
    bad = text(client.post(f"{ADMIN}/moderation/{first}/reject/", {"reason": "ok\x07no"}))
    assert "error-message" in bad
    assert obs.practices.get(first).status is \
        ModerationStatus.SUBMITTED
    done = client.post(f"{ADMIN}/moderation/{first}/reject/", {"reason": "no sources"},
                       follow=True)
    assert f"{first} is rejected; the city reads your reason." in messages_of(text(done))
    assert obs.practices.get(first).rejection_reason == "no sources"
    approved = client.post(f"{ADMIN}/moderation/{second}/approve/", follow=True)
    assert f"{second} is published." in messages_of(text(approved))
    assert obs.practices.get(second).status is ModerationStatus.PUBLISHED
    again = client.post(f"{ADMIN}/moderation/{second}/approve/", follow=True)
    assert messages_of(text(again)), "deciding twice is a message"
    odd = client.post(f"{ADMIN}/moderation/{second}/explode/", follow=True)
    assert any("is not a decision" in m for m in messages_of(text(odd)))
    assert client.get(f"{ADMIN}/practices/")["Location"] == f"{ADMIN}/moderation/"


def test_hub_submissions_list_the_states(obs: Observatory, client: Client) -> None:
    slug = submitted(obs, 2)
    logged(client, "hub_moderate")
    listing = text(client.get(f"{ADMIN}/submissions/?status=submitted"))
    assert f"{ADMIN}/moderation/{slug}/" in listing
    city = obs.practices.get(slug).city
    assert slug in text(client.get(f"{ADMIN}/submissions/results/?city={city}"))
    done = client.post(f"{ADMIN}/moderation/{slug}/reject/", {"reason": "add a source"},
                       follow=True)
    assert messages_of(text(done)) == [f"{slug} is rejected; the city reads your reason."]
    rejected = text(client.get(f"{ADMIN}/submissions/?status=rejected"))
    assert "add a source" in rejected
