"""The console's forms as a browser fills them (issue 16): a new form shows the model's
defaults, and every field naming another record is a chooser of the records the
principal may choose, a forged choice still refused at the field.

The forms are read from the served HTML as a browser reads them (checked boxes, selected
options, typed values) and posted back: what a person who only types what they must
gets saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from livingtogether import Observatory, demo
from livingtogether.admin.services import Staff
from livingtogether.wsgi import make_app
from test_console_records import PEOPLE, authenticate, client
from test_web_support import serving


class Form(HTMLParser):
    """What a browser submits of the page's main form (``lt-console__form``), without
    pressing any named button; ``selects`` the options of each select."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.selects: dict[str, list[tuple[str, str]]] = {}
        self._in_form = False
        self._select: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "lt-console__form" in a.get("class", ""):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "file"):
                self.values[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self.selects[name] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._option = value
            if "selected" in a or self._select not in self.values:
                self.values[self._select] = value
            self.selects[self._select].append((value, ""))
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea] += data
        if self._option is not None and self._select is not None:
            value, label = self.selects[self._select][-1]
            self.selects[self._select][-1] = (value, label + data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None


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


def test_a_new_form_shows_the_model_s_defaults(base: str, obs: Observatory) -> None:
    officer = client(base, "officer")
    page = officer.get("/console/participations/new")
    assert page.status_code == 200
    form = Form(page.text).values
    # a screening is public unless its city says otherwise: the box starts checked
    assert form.get("screenings.0.public") == "yes"
    assert "signed" not in form  # the model's default is False: unchecked
    form.update({"campaign": "idltp-2022", "city": "izmir",
                 "screenings.0.venue": "Ahmed Adnan Saygun Hall",
                 "screenings.0.starts_at": "2030-05-21T19:00",
                 "screenings.0.zone": "Europe/Istanbul"})
    saved = officer.post("/console/participations/new", data=form)
    assert saved.status_code == 303, saved.text[:2000]
    edit = "/console/participations/idltp-2022/izmir"
    assert saved.headers["Location"].split("?")[0].endswith(edit)
    draft = Staff(obs).participations.get(PEOPLE["officer"], "idltp-2022/izmir").current
    assert [s.public for s in draft.screenings] == [True]
    stored = Form(officer.get(edit).text).values
    assert stored.get("screenings.0.public") == "yes"
    assert stored.get("screenings.1.public") == "yes"  # the blank row: a default, no row
    # saving it again unchanged adds no row made of the blank one's checked box
    again = officer.post(edit, data=stored)
    assert again.status_code == 303, again.text[:2000]
    draft = Staff(obs).participations.get(PEOPLE["officer"], "idltp-2022/izmir").current
    assert len(draft.screenings) == 1
    revision = Form(officer.get(edit).text).values
    assert [k for k in revision if re.fullmatch(r"screenings\.\d+\.venue", k)] == [
        "screenings.0.venue", "screenings.1.venue"]
