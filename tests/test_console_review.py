"""The console's signature and moderation screens over real HTTP (wsgiref on
127.0.0.1), on SQLite and PostgreSQL, with the sign-out.

The signatures are real ones (``obs.signing.sign`` then ``confirm``), the
submitted practices a city editor's drafts sent for review through the staff
layer; everything the tests check afterwards is read back from the database.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import NotFound
from livingtogether.models import (
    ModerationStatus,
    Pledge,
    PledgeStatus,
    PracticeKind,
    SignerKind,
    Text,
)
from livingtogether.models import Practice as PracticeModel
from livingtogether.settings import Settings
from livingtogether.wsgi import make_app
from serve_support import served
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

DECLARATION = "universal-declaration"
PEOPLE = {
    "admin": Principal.with_roles(id="admin@network", name="Sekretariat",
                                  roles=["secretariat-admin"]),
    "mod1": Principal.with_roles(id="mod1@network", name="Moderator One",
                                 roles=["secretariat-moderator"]),
    "mod2": Principal.with_roles(id="mod2@network", name="Moderator Two",
                                 roles=["secretariat-moderator"]),
    "editor": Principal.with_roles(id="editor@izmir", name="Elif", roles=["city-editor"],
                                   cities=["izmir"]),
}


def authenticate(environ: dict[str, Any]) -> Principal | None:
    return PEOPLE.get(environ.get("HTTP_X_TEST_USER", ""))


@pytest.fixture
def obs(database_url: str) -> Iterator[Observatory]:
    observatory = Observatory.open(database_url)
    demo.install(observatory)
    try:
        yield observatory
    finally:
        observatory.close()


@pytest.fixture
def base(obs: Observatory) -> Iterator[str]:
    with serving(make_app(obs, console_auth=authenticate), threaded=True) as url:
        yield url


def client(base: str, who: str) -> Client:
    browser = Client(base)
    browser.session.headers["X-Test-User"] = who
    return browser


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def main_of(html: str) -> str:
    return "<main" + html.partition('<main id="lt-console-main"')[2].rpartition("</main>")[0] \
        + "</main>"


def sign(obs: Observatory, name: str, email: str, city: str | None = None, *,
         confirm: bool = True) -> int:
    signed = obs.signing.sign(Pledge(declaration=DECLARATION, kind=SignerKind.CITIZEN,
                                     name=name, email=email, country="TR", city=city,
                                     consent_version="2024-01"))
    assert signed.id is not None
    if confirm:
        obs.signing.confirm(signed.id)
    return signed.id


def submitted(obs: Observatory, slug: str, city: str = "izmir", *,
              kind: str = "practice") -> None:
    """A practice a city's editor saved and sent for review."""
    staff = Staff(obs)
    editor = Principal.with_roles(id=f"ed-{city}", name="Editor", roles=["city-editor"],
                                  cities=[city])
    staff.practices.save_draft(editor, PracticeModel(slug=slug, city=city, kind=PracticeKind(kind),
                                                     title=Text.of(f"Submitted {slug}")),
                               base=0)
    staff.practices.submit(editor, slug, base=1)


def audit_actions(obs: Observatory) -> list[tuple[str, str | None]]:
    admin = PEOPLE["admin"]
    return [(e.action, e.summary) for e in Staff(obs).audit.by_person(admin, admin.id).items]


# -- signatures


def test_signatures_listed_newest_first_and_searched(base: str, obs: Observatory) -> None:
    first = sign(obs, "Ayşe Yılmaz", "ayse@example.org", "Izmir")
    second = sign(obs, "Jean Tremblay", "jean@example.ca", "Montréal", confirm=False)
    browser = client(base, "admin")
    page = browser.get("/console/signatures")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"  # personal data
    html = main_of(page.text)
    assert html.index("Jean Tremblay") < html.index("Ayşe Yılmaz")
    assert "not confirmed yet" in html
    for q, shown, hidden in (("tremblay", "Jean", "Ayşe"), ("AYSE@EXAMPLE", "Ayşe", "Jean"),
                             ("izmir", "Ayşe", "Jean"), ("100%_", None, None)):
        found = main_of(browser.get("/console/signatures", params={"q": q}).text)
        if shown is None:
            assert "No signature found." in found
            continue
        assert shown in found
        assert hidden not in found
    assert f"/console/signatures/{first}/withdraw" in html
    assert f"/console/signatures/{second}/withdraw" in html
    # a city's editor sees no signature at all
    assert client(base, "editor").get("/console/signatures").status_code == 403
    unknown = browser.get("/console/signatures", params={"declaration": "nope"})
    assert unknown.status_code == 422
    assert "is not a declaration" in unknown.text


def test_withdraw_after_a_confirmation_with_the_reason_audited(base: str,
                                                               obs: Observatory) -> None:
    pledge_id = sign(obs, "Ayşe Yılmaz", "ayse@example.org")
    browser = client(base, "admin")
    confirm = browser.get(f"/console/signatures/{pledge_id}/withdraw")
    assert confirm.status_code == 200
    assert "ayse@example.org" in confirm.text
    token = token_of(confirm.text)
    path = f"/console/signatures/{pledge_id}/withdraw"
    # no reason: 422, nothing withdrawn
    answer = browser.post(path, data={"csrf_token": token, "reason": "  "})
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text
    assert obs.signatures.get(pledge_id).name == "Ayşe Yılmaz"
    # a forged token: 403, nothing withdrawn
    forged = browser.post(path, data={"csrf_token": "x" * 43, "reason": "asked"})
    assert forged.status_code == 403
    assert obs.signatures.get(pledge_id).name == "Ayşe Yılmaz"
    answer = browser.post(path, data={"csrf_token": token,
                                      "reason": "email of 3 Dec asking for withdrawal"})
    assert answer.status_code == 303
    assert "withdrawn=1" in answer.headers["Location"]
    with pytest.raises(NotFound):
        obs.signatures.get(pledge_id)
    assert ("withdraw", "email of 3 Dec asking for withdrawal") in audit_actions(obs)
    assert browser.get(path).status_code == 404
    # the moderator may not withdraw
    assert client(base, "mod1").get(path).status_code == 403


def test_export_is_a_post_audited_and_formula_guarded(base: str, obs: Observatory) -> None:
    sign(obs, "=HYPERLINK(\"http://evil\")", "formula@example.org")
    sign(obs, "Pending Person", "pending@example.org", confirm=False)
    browser = client(base, "admin")
    page = browser.get("/console/signatures")
    assert browser.get("/console/signatures/export").status_code in (404, 405)
    answer = browser.post("/console/signatures/export",
                          data={"csrf_token": token_of(page.text), "declaration": DECLARATION})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"))))
    names = [row[2] for row in rows[1:]]
    assert names == ["'=HYPERLINK(\"http://evil\")"]  # the confirmed one, guarded
    assert ("export", "CSV export of the confirmed signatures") in audit_actions(obs)
    forged = browser.post("/console/signatures/export",
                          data={"csrf_token": "y" * 43, "declaration": DECLARATION})
    assert forged.status_code == 403
    assert "text/csv" not in forged.headers["Content-Type"]
    moderator = client(base, "mod1")
    own_token = token_of(moderator.get("/console/practices/new").text)
    assert moderator.post("/console/signatures/export", data={
        "csrf_token": own_token, "declaration": DECLARATION}).status_code == 403


def test_retention_says_its_periods_and_runs_once_confirmed(base: str,
                                                            obs: Observatory) -> None:
    pledge_id = sign(obs, "Old Pending", "old@example.org", confirm=False)
    with obs.store.write() as connection:  # signed 40 days ago, never confirmed
        from datetime import timedelta

        from livingtogether.store import now, schema
        connection.execute(schema.pledges.update().where(schema.pledges.c.id == pledge_id)
                           .values(signed_at=now() - timedelta(days=40)))
    browser = client(base, "admin")
    page = browser.get("/console/signatures/retention")
    assert "after 30 days" in page.text
    assert "24 months" in page.text
    token = token_of(page.text)
    refused = browser.post("/console/signatures/retention", data={"csrf_token": token})
    assert refused.status_code == 422
    assert obs.signatures.get(pledge_id).status is PledgeStatus.PENDING
    done = browser.post("/console/signatures/retention",
                        data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 200
    assert "1 unconfirmed signatures deleted" in done.text
    with pytest.raises(NotFound):
        obs.signatures.get(pledge_id)
    assert ("retention", "1 unconfirmed deleted, 0 anonymised") in audit_actions(obs)


# -- moderation


def test_claim_reject_with_a_reason_notes_and_approve(base: str, obs: Observatory) -> None:
    submitted(obs, "tea-talks", "izmir")
    submitted(obs, "study-circle", "izmir", kind="study")
    one, two = client(base, "mod1"), client(base, "mod2")
    queue = one.get("/console/moderation")
    assert queue.status_code == 200
    assert "Submitted tea-talks" in queue.text
    assert "Submitted study-circle" in queue.text
    studies = one.get("/console/moderation", params={"kind": "study"}).text
    assert "Submitted study-circle" in studies
    assert "Submitted tea-talks" not in studies
    assert "Submitted tea-talks" not in one.get("/console/moderation",
                                                params={"city": "montreal"}).text
    assert one.get("/console/moderation", params={"kind": "<x>"}).status_code == 422
    item = one.get("/console/moderation/tea-talks")
    answer = one.post("/console/moderation/tea-talks/claim",
                      data={"csrf_token": token_of(item.text)})
    assert answer.status_code == 303
    # the second moderator sees who claimed it, and cannot take or decide it
    seen = two.get("/console/moderation/tea-talks")
    assert "Moderator One is reviewing this item" in seen.text
    assert "Moderator One" in two.get("/console/moderation").text
    token2 = token_of(seen.text)
    for action, data in (("claim", {}), ("approve", {}), ("reject", {"reason": "no"})):
        refused = two.post(f"/console/moderation/tea-talks/{action}",
                           data={"csrf_token": token2, **data})
        assert refused.status_code == 409
        assert "Moderator One is reviewing" in refused.text
    token = token_of(one.get("/console/moderation/tea-talks").text)
    # a reject without a reason: 422 at the field, nothing decided
    answer = one.post("/console/moderation/tea-talks/reject",
                      data={"csrf_token": token, "reason": " "})
    assert answer.status_code == 422
    assert 'id="f-reason-error"' in answer.text
    assert obs.practices.get("tea-talks").status is ModerationStatus.SUBMITTED
    # notes and the reason carry every XSS vector, escaped wherever they are shown
    note = "\n".join(VECTORS[:20])
    assert one.post("/console/moderation/tea-talks/note",
                    data={"csrf_token": token, "text": note}).status_code == 303
    shown = one.get("/console/moderation/tea-talks").text
    assert html_problems(main_of(shown)) == []
    assert Staff(obs).moderation.notes(PEOPLE["mod1"], "tea-talks")[0].text == note.strip()
    reason = "Add the dates, please. " + " ".join(VECTORS[20:40])
    answer = one.post("/console/moderation/tea-talks/reject",
                      data={"csrf_token": token, "reason": reason})
    assert answer.status_code == 303
    rejected = obs.practices.get("tea-talks")
    assert rejected.status is ModerationStatus.REJECTED
    assert rejected.rejection_reason == reason.strip()  # what the submitter reads
    # approve the other one
    item = two.get("/console/moderation/study-circle")
    assert html_problems(main_of(item.text)) == []
    answer = two.post("/console/moderation/study-circle/approve",
                      data={"csrf_token": token_of(item.text)})
    assert answer.status_code == 303
    assert obs.practices.get("study-circle").status is ModerationStatus.PUBLISHED
    assert one.get("/console/moderation/study-circle").status_code == 404
    # the city's editor moderates nothing
    assert client(base, "editor").get("/console/moderation").status_code == 403


def test_forged_csrf_on_moderation_changes_nothing(base: str, obs: Observatory) -> None:
    submitted(obs, "forged-item")
    one = client(base, "mod1")
    one.get("/console/moderation")
    for action in ("claim", "approve", "reject", "note"):
        answer = one.post(f"/console/moderation/forged-item/{action}",
                          data={"csrf_token": "z" * 43, "reason": "r", "text": "t"})
        assert answer.status_code == 403
    assert obs.practices.get("forged-item").status is ModerationStatus.SUBMITTED
    item = Staff(obs).moderation.queue(PEOPLE["mod1"])[0]
    assert item.claim is None
    assert item.notes == 0


def test_two_moderators_claiming_at_once_one_wins(base: str, obs: Observatory) -> None:
    submitted(obs, "contested")
    browsers = [client(base, "mod1"), client(base, "mod2")]
    tokens = [token_of(b.get("/console/moderation/contested").text) for b in browsers]
    statuses: list[int] = []
    start = threading.Barrier(2)

    def claim(index: int) -> None:
        start.wait(timeout=10)
        answer = browsers[index].post("/console/moderation/contested/claim",
                                      data={"csrf_token": tokens[index]})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [303, 409]
    claim_of = Staff(obs).moderation.queue(PEOPLE["mod1"])[0].claim
    assert claim_of is not None
    assert claim_of.actor_id in ("mod1@network", "mod2@network")


# -- sign-out


def test_the_header_names_who_and_links_the_hosts_sign_out(tmp_path: Any) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'out.sqlite3'}",
                        console_signout_url="/accounts/logout?next=/")
    obs = Observatory.from_settings(settings)
    try:
        with serving(make_app(obs, console_auth=authenticate)) as url:
            page = client(url, "admin").get("/console/practices").text
            assert "Signed in as Sekretariat" in page
            assert '<a href="/accounts/logout?next=/">Sign out</a>' in page
    finally:
        obs.close()
    with pytest.raises(Exception, match="not an http"):
        Settings(console_signout_url="javascript:alert(1)")


def test_the_demo_login_signs_out_with_a_401(obs: Observatory) -> None:
    from livingtogether.demo.console_login import demo_login

    with serving(make_app(obs, console_auth=demo_login)) as url:
        browser = Client(url)
        assert browser.get("/console/practices", auth=("demo", "demo")).status_code == 200
        out = browser.get("/console/signout", auth=("demo", "demo"))
        assert out.status_code == 401
        assert out.headers["WWW-Authenticate"] == 'Basic realm="livingtogether console"'
        assert "You are signed out" in out.text


def test_the_demo_serves_a_working_sign_out(sqlite_url: str) -> None:
    """``serve --demo-console`` links its HTTP Basic sign-out: a 401 with the challenge."""
    with served(sqlite_url, "--demo-console") as (url, _):
        page = requests.get(url + "/console/practices", auth=("demo", "demo"), timeout=10)
        assert '<a href="/console/signout">Sign out</a>' in page.text
        out = requests.get(url + "/console/signout", auth=("demo", "demo"), timeout=10)
        assert out.status_code == 401
        assert out.headers["WWW-Authenticate"].startswith("Basic")
        assert "You are signed out" in out.text


def test_hostile_input_gets_a_clear_4xx_and_changes_nothing(base: str,
                                                           obs: Observatory) -> None:
    pledge_id = sign(obs, "Ayşe Yılmaz", "ayse@example.org")
    submitted(obs, "hostile")
    browser = client(base, "admin")
    token = token_of(browser.get(f"/console/signatures/{pledge_id}/withdraw").text)
    for q in ("a\x00b", "x" * 5000, "' OR 1=1 --"):
        answer = browser.get("/console/signatures", params={"q": q})
        assert answer.status_code in (200, 422)
        assert "Ayşe" not in main_of(answer.text)
    for bad in ("0", "99999999999999", "abc"):
        assert browser.get(f"/console/signatures/{bad}/withdraw").status_code in (404, 422)
    answer = browser.post(f"/console/signatures/{pledge_id}/withdraw",
                          data={"csrf_token": token, "reason": "r" * 100_000})
    assert answer.status_code == 422
    assert obs.signatures.get(pledge_id).name == "Ayşe Yılmaz"
    answer = browser.post("/console/moderation/hostile/reject",  # malformed UTF-8
                          data=f"csrf_token={token}&reason=%ff%fe%fd".encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= answer.status_code < 500
    answer = browser.post("/console/moderation/hostile/reject",
                          data={"csrf_token": token, "reason": "x" * 50_000})
    assert answer.status_code == 422
    assert obs.practices.get("hostile").status is ModerationStatus.SUBMITTED
    answer = browser.post("/console/moderation/hostile/note",
                          data={"csrf_token": token, "text": "bad\x00byte"})
    assert answer.status_code == 422
    assert Staff(obs).moderation.notes(PEOPLE["admin"], "hostile") == []
    assert browser.get("/console/moderation/NOT_A_SLUG").status_code == 404
