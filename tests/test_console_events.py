"""The console's event editor over real HTTP (wsgiref on 127.0.0.1), on SQLite and PostgreSQL.

The demo's Izmir 2021 summit (its times are the ground truth of
/work/shared/reference/izmir-summit-2021-programme.txt: December 2021, Izmir UTC+3,
Paris UTC+1, Montréal UTC-5) edited through the console by Izmir's publisher.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from livingtogether import Observatory, demo
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.wsgi import make_app
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

PEOPLE = {
    "publisher": Principal.with_roles(id="publisher@izmir", name="Ayşe",
                                      roles=["city-publisher"], cities=["izmir"]),
    "editor": Principal.with_roles(id="editor@izmir", name="Elif", roles=["city-editor"],
                                   cities=["izmir"]),
    "dusseldorf": Principal.with_roles(id="editor@dusseldorf", name="Jonas",
                                       roles=["city-publisher"], cities=["dusseldorf"]),
}
SUMMIT = "izmir-2021"


def authenticate(environ: dict[str, Any]) -> Principal | None:
    """The test host's authentication: the user its proxy names."""
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
    with serving(make_app(obs, console_auth=authenticate)) as url:
        yield url


def client(base: str, who: str) -> Client:
    browser = Client(base)
    browser.session.headers["X-Test-User"] = who
    return browser


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"the page has no {name}"
    return found.group(1)


def session_form(browser: Client, **fields: str) -> dict[str, str]:
    """A new session's form as the browser posts it, with ``fields`` typed."""
    page = browser.get(f"/console/events/{SUMMIT}/sessions/new")
    assert page.status_code == 200
    return {"csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base"),
            "kind": "dialogue", "mode": "online", **fields}


def times_row(html: str, key: str) -> list[str]:
    """The cells of session ``key``'s row in the editor's table."""
    found = re.search(rf'<tr id="s-{key}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {key}"
    return re.findall(r"<td>([^<]*)</td>", found.group(1))


def draft(obs: Observatory) -> Any:
    return Staff(obs).events.get(PEOPLE["publisher"], SUMMIT).draft


def main(html: str) -> str:
    """The page's content, where everything typed is shown, without the widgets' own
    script (the preview holds the public programme widget, which loads programme.js)."""
    content = html.partition('<main id="lt-console-main"')[2].rpartition("</main>")[0]
    assert content, "not a console page"
    return re.sub(r'<script src="/static/programme\.js\?v=[0-9a-f]+" defer></script>', "",
                  content)


def test_a_session_typed_in_istanbul_shows_paris_and_montreal(base: str,
                                                              obs: Observatory) -> None:
    browser = client(base, "publisher")
    # the stored programme first: the reference's 16:00 in Izmir is 14:00 in Paris, 8:00
    # in Montréal
    editor = browser.get(f"/console/events/{SUMMIT}")
    assert editor.status_code == 200
    assert times_row(editor.text, "mayors-dialogue")[:4] == [
        "2021-12-07", "16:00–17:30", "14:00–15:30", "08:00–09:30"]
    form = session_form(browser, key="morning-dialogue", **{"title.en": "Morning dialogue"},
                        day="2021-12-08", start="10:00", end="11:30", part="online")
    form["people.0.role"] = "moderator"
    form["people.0.name"] = "Elif Demir"
    form["people.0.to_be_confirmed"] = "yes"
    form["questions.0.en"] = "How do cities listen?"
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new", data=form)
    assert answer.status_code == 303, answer.text[:2000]
    stored = draft(obs).session("morning-dialogue")
    assert stored.starts_at == datetime(2021, 12, 8, 7, 0, tzinfo=timezone.utc)
    assert stored.people[0].to_be_confirmed
    assert stored.people[0].name == "Elif Demir"
    assert stored.questions[0].values == {"en": "How do cities listen?"}
    # the public still sees the published programme
    assert obs.programme.published(SUMMIT).event.session("morning-dialogue") is None
    editor = browser.get(f"/console/events/{SUMMIT}")
    assert times_row(editor.text, "morning-dialogue")[:5] == [
        "2021-12-08", "10:00–11:30", "08:00–09:30", "02:00–03:30", "online"]
    assert "Elif Demir (tbc)" in editor.text
    page = browser.get(f"/console/events/{SUMMIT}/sessions/morning-dialogue")
    assert page.status_code == 200
    shown = dict(re.findall(r'<li data-lt-zone="([^"]+)">.*?<span [^>]*data-lt-time>([^<]*)</span>',
                            page.text))
    assert shown == {"Europe/Istanbul": "10:00–11:30", "Europe/Paris": "08:00–09:30",
                     "America/Montreal": "02:00–03:30"}
    assert 'name="start" value="10:00"' in page.text
    assert '<script src="/static/console-times.js' in page.text


def test_a_time_that_is_no_time_is_refused_at_its_field(base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    before = Staff(obs).events.get(PEOPLE["publisher"], SUMMIT).base
    typed = {"key": "late", "title.en": "Late dialogue", "day": "2021-12-08",
             "start": "25:00", "end": "26:00"}
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new",
                          data=session_form(browser, **typed))
    assert answer.status_code == 422
    assert 'id="f-start-error"' in answer.text
    assert "is not a time of day" in answer.text
    assert re.search(r'name="start" value="25:00"[^>]*aria-invalid="true"', answer.text)
    assert 'value="Late dialogue"' in answer.text
    # an end before the start: at the end
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new", data=session_form(
        browser, **{**typed, "start": "11:00", "end": "10:00"}))
    assert answer.status_code == 422
    assert 'id="f-end-error"' in answer.text
    # a day outside the event's
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new", data=session_form(
        browser, **{**typed, "day": "2022-01-01", "start": "10:00", "end": "11:00"}))
    assert answer.status_code == 422
    assert 'id="f-day-error"' in answer.text
    assert Staff(obs).events.get(PEOPLE["publisher"], SUMMIT).base == before
    # a wall time the clocks skip: 2022-03-27 02:30 in Paris
    page = browser.get("/console/events/new")
    answer = browser.post("/console/events/new", data={
        "csrf_token": hidden(page.text, "csrf_token"), "base": "0", "slug": "paris-spring",
        "title.en": "Spring forum", "host_zone": "Europe/Paris", "host_city": "izmir",
        "first_day": "2022-03-26", "last_day": "2022-03-27"})
    assert answer.status_code == 303, main(answer.text)[:2000]
    page = browser.get("/console/events/paris-spring/sessions/new")
    answer = browser.post("/console/events/paris-spring/sessions/new", data={
        "csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base"),
        "key": "night", "title.en": "Night session", "day": "2022-03-27", "start": "02:30",
        "end": "03:30", "kind": "other", "mode": "online"})
    assert answer.status_code == 422
    assert "does not exist in Europe/Paris" in answer.text
    assert 'id="f-start-error"' in answer.text
    assert 'name="start" value="02:30"' in answer.text


def test_reorder_and_remove_without_a_script(base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    keys = [s.key for s in obs.programme.get(SUMMIT).sessions]
    page = browser.get(f"/console/events/{SUMMIT}")
    form = {"csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base")}
    answer = browser.post(f"/console/events/{SUMMIT}/sessions",
                          data={**form, "action": f"down:{keys[0]}"})
    assert answer.status_code == 303
    assert [s.key for s in draft(obs).sessions][:2] == [keys[1], keys[0]]
    page = browser.get(f"/console/events/{SUMMIT}")
    form = {"csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base")}
    answer = browser.post(f"/console/events/{SUMMIT}/sessions",
                          data={**form, "action": f"remove:{keys[2]}"})
    assert answer.status_code == 303
    assert keys[2] not in [s.key for s in draft(obs).sessions]
    # a stale base: 409, nothing saved
    answer = browser.post(f"/console/events/{SUMMIT}/sessions",
                          data={**form, "action": f"remove:{keys[3]}"})
    assert answer.status_code == 409
    assert keys[3] in [s.key for s in draft(obs).sessions]
    # no such session: 422
    page = browser.get(f"/console/events/{SUMMIT}")
    answer = browser.post(f"/console/events/{SUMMIT}/sessions", data={
        "csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base"),
        "action": "remove:nothing-here"})
    assert answer.status_code == 422


def test_publish_shows_the_new_version_and_its_summary_on_the_widget(
        base: str, obs: Observatory) -> None:
    browser = client(base, "publisher")
    versions = len(obs.programme.versions(SUMMIT))
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new", data=session_form(
        browser, key="evening-talk", **{"title.en": "Evening talk"}, day="2021-12-08",
        start="19:00", end="20:00"))
    assert answer.status_code == 303
    preview = browser.get(f"/console/events/{SUMMIT}/preview")
    assert preview.status_code == 200
    assert "lt-widget--programme" in preview.text
    assert "Evening talk" in preview.text
    assert f"Version {versions + 1}" in preview.text
    assert "Evening talk" not in browser.get(f"/widgets/programme/{SUMMIT}").text
    page = browser.get(f"/console/events/{SUMMIT}")
    answer = browser.post(f"/console/events/{SUMMIT}/publish", data={
        "csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base"),
        "summary": "An evening talk on December 8"})
    assert answer.status_code == 303
    public = browser.get(f"/widgets/programme/{SUMMIT}")
    assert "Evening talk" in public.text
    assert re.search(rf"Version {versions + 1}, published on [^<]+<span "
                     r'class="lt-programme__note">: An evening talk on December 8</span>',
                     public.text)
    history = browser.get(f"/console/events/{SUMMIT}/history")
    assert "An evening talk on December 8" in history.text
    # remove the talk in a new draft, then restore the published revision (2)
    page = browser.get(f"/console/events/{SUMMIT}")
    answer = browser.post(f"/console/events/{SUMMIT}/sessions", data={
        "csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base"),
        "action": "remove:evening-talk"})
    assert answer.status_code == 303
    assert draft(obs).session("evening-talk") is None
    history = browser.get(f"/console/events/{SUMMIT}/history")
    assert "Restore revision 2" in history.text
    answer = browser.post(f"/console/events/{SUMMIT}/restore", data={
        "csrf_token": hidden(history.text, "csrf_token"),
        "base": hidden(history.text, "base"), "number": "2"})
    assert answer.status_code == 303
    assert draft(obs).session("evening-talk") is not None
    assert len(obs.programme.versions(SUMMIT)) == versions + 1


def test_an_editor_may_draft_but_not_publish_and_no_one_edits_another_city(
        base: str, obs: Observatory) -> None:
    jonas = client(base, "dusseldorf")
    for path in (f"/console/events/{SUMMIT}", f"/console/events/{SUMMIT}/sessions/new",
                 f"/console/events/{SUMMIT}/sessions/mayors-dialogue",
                 f"/console/events/{SUMMIT}/history", f"/console/events/{SUMMIT}/preview"):
        assert jonas.get(path).status_code == 403, path
    page = jonas.get("/console/events")
    assert page.status_code == 200
    assert SUMMIT not in page.text
    own = jonas.get("/console/events/new")  # a form of his own, for its token
    form = {"csrf_token": hidden(own.text, "csrf_token"), "base": "1",
            "key": "intrusion", "title.en": "Intrusion", "day": "2021-12-08", "kind": "other",
            "mode": "online"}
    assert jonas.post(f"/console/events/{SUMMIT}/sessions/new", data=form).status_code == 403
    assert jonas.post(f"/console/events/{SUMMIT}/publish", data=form).status_code == 403
    assert Staff(obs).events.get(PEOPLE["publisher"], SUMMIT).draft is None
    # Izmir's editor drafts; publishing is the publisher's
    elif_ = client(base, "editor")
    answer = elif_.post(f"/console/events/{SUMMIT}/sessions/new", data=session_form(
        elif_, key="drafted", **{"title.en": "Drafted"}, day="2021-12-08"))
    assert answer.status_code == 303
    page = elif_.get(f"/console/events/{SUMMIT}")
    answer = elif_.post(f"/console/events/{SUMMIT}/publish", data={
        "csrf_token": hidden(page.text, "csrf_token"), "base": hidden(page.text, "base")})
    assert answer.status_code == 403
    assert obs.programme.published(SUMMIT).event.session("drafted") is None
    # without a genuine form token: refused, nothing stored
    answer = elif_.post(f"/console/events/{SUMMIT}/sessions/new",
                        data={**form, "csrf_token": "forged" * 7})
    assert answer.status_code == 403
    assert draft(obs).session("intrusion") is None


@pytest.mark.parametrize("vector", VECTORS[:6])
def test_xss_vectors_come_back_harmless(base: str, obs: Observatory, vector: str) -> None:
    browser = client(base, "publisher")
    typed = {"key": "vector", "title.en": vector, "title.ar": vector, "venue": vector,
             "people.0.role": "panelist", "people.0.name": vector,
             "people.0.affiliation": vector, "questions.0.en": vector, "day": "2021-12-08",
             "start": "10:00", "end": vector[:40]}
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new",
                          data=session_form(browser, **typed))
    assert answer.status_code == 422  # the end is no time
    assert html_problems(main(answer.text)) == []
    answer = browser.post(f"/console/events/{SUMMIT}/sessions/new",
                          data=session_form(browser, **{**typed, "end": "11:00"}))
    assert answer.status_code in (303, 422)
    for path in (f"/console/events/{SUMMIT}", f"/console/events/{SUMMIT}/sessions/vector",
                 f"/console/events/{SUMMIT}/preview"):
        page = browser.get(path)
        assert page.status_code in (200, 404)
        assert html_problems(main(page.text)) == [], path
