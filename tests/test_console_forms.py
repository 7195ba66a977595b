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
from livingtogether.models import Organisation, Text
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


CHOOSERS = [  # (who, form page, field, a record it must offer, its label, optional)
    ("officer", "/console/participations/new", "campaign", "idltp-2022", None, False),
    ("officer", "/console/participations/new", "city", "izmir", "Izmir", False),
    ("secretariat", "/console/campaigns/new", "declaration", "universal-declaration", None,
     False),
    ("secretariat", "/console/cities/izmir", "board.0.organisation", "izmir-bar",
     "Izmir Bar Association", True),
]


@pytest.mark.parametrize("case", CHOOSERS, ids=[c[2] for c in CHOOSERS])
def test_a_field_naming_a_record_is_a_chooser_of_them(
        base: str, obs: Observatory, case: tuple[str, str, str, str | None, str | None, bool],
) -> None:
    who, path, name, offered, label, optional = case
    obs.organisations.create(Organisation(slug="izmir-bar", name=Text({
        "en": "Izmir Bar Association", "tr": "İzmir Barosu"})))
    page = officer_page = client(base, who).get(path)
    assert officer_page.status_code == 200
    form = Form(page.text)
    assert name in form.selects, f"{name} is no select"
    options = dict(form.selects[name])
    expected = {
        "campaign": {c.slug for c in obs.campaigns.list(limit=200).items},
        "declaration": {d.slug for d in obs.declarations.list(limit=200).items},
        "board.0.organisation": {o.slug for o in obs.organisations.list(limit=200).items},
        "city": {"izmir"},  # the officer's own city only
    }[name]
    assert set(options) - {""} == expected
    assert expected, "the demo has records to choose"
    if offered is not None:
        assert offered in options
    if label is not None:
        assert options[offered or ""] == label  # in the console's language
    assert ("" in options) == (optional or name in ("campaign", "declaration"))


def test_a_chooser_keeps_a_value_no_longer_listed_and_a_forged_one_is_refused(
        base: str, obs: Observatory) -> None:
    officer = client(base, "officer")
    page = officer.get("/console/participations/new")
    form = Form(page.text).values
    form.update({"campaign": "no-such-campaign", "city": "izmir", "signed": "yes"})
    refused = officer.post("/console/participations/new", data=form)
    assert refused.status_code == 422
    assert 'id="f-campaign-error"' in refused.text
    kept = Form(refused.text)
    # what was typed (forged) is shown as chosen, not silently replaced by a listed one
    assert kept.values["campaign"] == "no-such-campaign"
    assert list(obs.participations.list().items) == []


@pytest.mark.parametrize("declaration", ["no-such-declaration", ""])
def test_a_campaign_names_an_existing_declaration_or_none(base: str, obs: Observatory,
                                                          declaration: str) -> None:
    secretariat = client(base, "secretariat")
    form = Form(secretariat.get("/console/campaigns/new").text).values
    form.update({"slug": "spring-days", "title.en": "Spring days", "day": "2027-03-21",
                 "declaration": declaration})
    answer = secretariat.post("/console/campaigns/new", data=form)
    if declaration:  # forged past the select: refused at its field, nothing saved
        assert answer.status_code == 422
        assert 'id="f-declaration-error"' in answer.text
        assert Staff(obs).campaigns.drafts(PEOPLE["secretariat"]).items == ()
    else:  # optional: no declaration at all is fine
        assert answer.status_code == 303, answer.text[:2000]
