"""The console's permission matrix: every role of ``livingtogether.admin.ROLES`` (and a
principal holding no permission) against every route of the console, on a record of
its own city and on one of another city, over real HTTP.

The table is data: one :class:`Row` per console route name, saying how to make the
request (a fresh record of the given city, the form to post) and which roles may do
it on their own city's records and on another city's. It is checked against the
console's own route table, so that a route added without a row (or a row left for a
removed route) fails here: engineers adding screens only add rows. The expected
roles are written out, not derived from the roles' permissions: a change of a role
has to change this table too. Allowed is any 2xx or 303 answer; refused is 403,
exactly (404 for the rows saying so: the media library does not show another city's
images to exist).

The last test sends hostile input to every route the same table describes. The file is
about 480 lines, over the usual bound: the table is one on purpose, so that every
route's row stands beside the others and a new screen's author adds to it here.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import attrs
import pytest

from admin_support import practice, two_cities
from conftest import _postgres_schema_url, _ran
from livingtogether import Observatory
from livingtogether.admin import ROLES, Principal
from livingtogether.admin.forms import FormSpec
from livingtogether.admin.media import MediaLibrary
from livingtogether.admin.services import Staff
from livingtogether.errors import NotFound
from livingtogether.models import Campaign, Declaration, Event, Pledge, Session, SignerKind, Text
from livingtogether.staff_console import Console, csrf
from livingtogether.web import WebApp
from livingtogether.wsgi import make_app
from test_web_support import Client, serving
from xss_vectors import VECTORS, html_problems

OWN, OTHER = "izmir", "montreal"
ADMIN = Principal.with_roles(id="root", name="Root", roles=["secretariat-admin"])
NOBODY = "nobody"  # a principal of Izmir holding no permission at all
SECRETARIAT = frozenset({"secretariat-admin"})
MODERATORS = frozenset({"secretariat-moderator", "secretariat-admin"})
EDITORS = frozenset({"city-editor", "city-publisher"}) | MODERATORS
PUBLISHERS = frozenset({"city-publisher", "secretariat-admin"})
_fresh = itertools.count()


@attrs.frozen
class Call:
    """One request: the route's path values, its query, its form (for a POST)."""

    values: dict[str, str] = attrs.field(factory=dict)
    query: dict[str, str] = attrs.field(factory=dict)
    form: dict[str, str] = attrs.field(factory=dict)
    files: dict[str, tuple[str, bytes, str]] = attrs.field(factory=dict)


@attrs.frozen
class Row:
    """How to call a route on a record of ``city`` (``prepare(obs, staff, city)``), and
    the roles allowed on their own city's record and on another city's."""

    prepare: Callable[[Observatory, Staff, str], Call]
    own: frozenset[str]
    other: frozenset[str]
    refusal: int = 403  # 404 where the record is not shown to exist to whoever may not


def slug() -> str:
    return f"m-{next(_fresh)}"


def published(_: Observatory, staff: Staff, city: str) -> str:
    key = slug()
    staff.practices.save_draft(ADMIN, practice(key, city), base=0)
    staff.practices.publish(ADMIN, key, base=1)
    return key


def drafted(_: Observatory, staff: Staff, city: str) -> str:
    key = slug()
    staff.practices.save_draft(ADMIN, practice(key, city), base=0)
    return key


def waiting(_: Observatory, staff: Staff, city: str) -> str:
    key = drafted(_, staff, city)
    staff.practices.submit(ADMIN, key, base=1)
    return key


def signature(obs: Observatory, _: Staff, __: str) -> str:
    signed = obs.signing.sign(Pledge(declaration="udltp", kind=SignerKind.CITIZEN,
                                     name="Signer", email=f"{slug()}@example.org",
                                     country="TR", consent_version="2024-01"))
    return str(signed.id)


def on(make: Callable[[Observatory, Staff, str], str], name: str = "slug",
       **form: str) -> Callable[[Observatory, Staff, str], Call]:
    """A call on a fresh record made by ``make`` (its key the path value ``name``)."""
    return lambda obs, staff, city: Call(values={name: make(obs, staff, city)}, form=form)


def practice_form(city: str, **more: str) -> dict[str, str]:
    return {"city": city, "kind": "practice", "title.en": "Matrix", **more}


# -- the other kinds: a record made from the form the console posts (FormSpec.parse)

#: programme.edit (city-editor, city-publisher), programme.publish and cities.edit
#: (city-publisher), campaigns.edit (city-campaign-officer), on their own city
CITY_EDITORS = frozenset({"city-editor", "city-publisher", "secretariat-admin"})
CITY_PUBLISHERS = frozenset({"city-publisher", "secretariat-admin"})
OFFICERS = frozenset({"city-campaign-officer", "secretariat-admin"})
SESSION = "opening"
Form = Callable[[Observatory, Staff, str, str], dict[str, str]]


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def image(obs: Observatory, _: Staff, city: str) -> str:
    item = MediaLibrary(obs).upload(ADMIN, png(), city=city, alt={"en": "A hall"},
                                    name="hall.png", content_type="image/png")
    return str(item.id)


def base_of(editor: Any, key: str) -> int:
    return int(editor.get(ADMIN, key).base)


def session_form(key: str) -> dict[str, str]:
    return {"key": key, "title.en": "Opening", "day": "2030-03-26", "start": "10:00",
            "end": "11:00", "kind": "other", "mode": "online"}


def event_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "title.en": "Forum", "host_zone": "Europe/Istanbul",
            "host_city": city, "first_day": "2030-03-26", "last_day": "2030-03-27"}


def city_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "name.en": "Matrix city", "country": "TR",
            "timezone": "Europe/Istanbul", "status": "member"}


def organisation_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "name.en": "Matrix partner", "kind": "ngo", "city": city}


def theme_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "label.en": "Matrix theme"}


def declaration_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "title.en": "Matrix pact", "text.en": "We live together.",
            "version": "1"}


def series_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "title.en": "Matrix summits"}


def campaign_form(_: Observatory, __: Staff, city: str, key: str) -> dict[str, str]:
    return {"slug": key, "title.en": "Matrix days", "day": "2030-03-21",
            "declaration": "udltp"}


def participation_form(obs: Observatory, staff: Staff, city: str, key: str,
                       ) -> dict[str, str]:
    """A participation of ``city`` in a fresh campaign (``key`` its slug)."""
    record = FormSpec(Campaign, languages=obs.settings.languages).parse(
        campaign_form(obs, staff, city, key))
    staff.campaigns.save_draft(ADMIN, record, base=0)
    staff.campaigns.publish(ADMIN, key, base=1)
    return {"campaign": key, "city": city, "signed": "yes"}


def event(obs: Observatory, staff: Staff, city: str) -> str:
    """A published event of ``city`` with the session :data:`SESSION`."""
    record = FormSpec(Event, languages=obs.settings.languages).parse(
        event_form(obs, staff, city, key := slug()))
    record = attrs.evolve(record, sessions=(Session(key=SESSION, title=Text.of("Opening"),
                                                     day=record.first_day),))
    staff.events.save_draft(ADMIN, record, base=0)
    staff.events.publish(ADMIN, key, base=1)
    return key


def screening(obs: Observatory, city: str) -> dict[str, str]:
    """A fresh campaign with a screening of ``city`` taking registrations, one confirmed."""
    from datetime import timedelta

    from livingtogether.models import CampaignParticipation, Screening
    from livingtogether.store import now

    key = slug()
    obs.campaigns.create(Campaign(slug=key, title=Text.of("Screening days"),
                                  day=(now() + timedelta(days=30)).date()))
    obs.participations.save(CampaignParticipation(campaign=key, city=city, screenings=(
        Screening(key="cinema", venue="Cinema", starts_at=now() + timedelta(days=30),
                  zone="UTC", capacity=10),)))
    _, token = obs.screenings.register(key, city, "cinema", name="Ada", seats=1,
                                       email="ada@example.org", language="en")
    obs.screenings.confirm(token)
    return {"campaign": key, "city": city, "key": "cinema"}


def held_screening(obs: Observatory, city: str) -> dict[str, str]:
    """A fresh campaign with a screening of ``city`` that began an hour ago."""
    from datetime import timedelta

    from livingtogether.models import CampaignParticipation, Screening
    from livingtogether.store import now

    key = slug()
    obs.campaigns.create(Campaign(slug=key, title=Text.of("Screening days"),
                                  day=now().date()))
    obs.participations.save(CampaignParticipation(campaign=key, city=city, screenings=(
        Screening(key="cinema", venue="Cinema", starts_at=now() - timedelta(hours=1),
                  zone="UTC"),)))
    return {"campaign": key, "city": city, "key": "cinema"}


def kind_rows(singular: str, plural: str, editor_of: Callable[[Observatory, Staff], Any],
              form: Form, *, edit: frozenset[str], publish: frozenset[str],
              lists: frozenset[str] | None = None, create: frozenset[str] | None = None,
              delete: bool = False) -> dict[str, Row]:
    """The generic screens' rows of a kind (records.py): ``edit``/``publish`` the roles
    editing and publishing a record of their own city (on another city's, only the
    secretariat-admin: the moderator holds none of these kinds' permissions); ``lists``
    those seeing the list and the empty form (no record, so on any city alike; by
    default ``edit``), ``create`` those creating a record (by default ``edit``)."""
    edits, publishes = (edit, SECRETARIAT), (publish, SECRETARIAT)
    listing = (lists, lists) if lists is not None else (edit, edit)
    creating = (create, create) if create is not None else edits

    def stored(obs: Observatory, staff: Staff, city: str, *, publish: bool) -> Call:
        editor = editor_of(obs, staff)
        # a city's record is the city itself
        values = city_form(obs, staff, city, city) if singular == "city" else \
            form(obs, staff, city, slug())
        record = FormSpec(editor.model, languages=obs.settings.languages).parse(values)
        key = editor.key_of(record)
        try:
            start = base_of(editor, key)
        except NotFound:
            start = 0
        editor.save_draft(ADMIN, record, base=start)
        if publish:
            editor.publish(ADMIN, key, base=start + 1)
        path = dict(zip(("campaign", "city"), key.split("/"), strict=True)) \
            if singular == "participation" else {"slug": key}
        return Call(values=path, form={**values, "base": str(base_of(editor, key))})

    def keyed(publish: bool, **more: str) -> Callable[[Observatory, Staff, str], Call]:
        def prepare(obs: Observatory, staff: Staff, city: str) -> Call:
            call = stored(obs, staff, city, publish=publish)
            return Call(values=call.values, form={"base": call.form["base"], **more})
        return prepare

    def edited(obs: Observatory, staff: Staff, city: str) -> Call:
        return stored(obs, staff, city, publish=True)

    def created(obs: Observatory, staff: Staff, city: str) -> Call:
        return Call(form={**form(obs, staff, city, slug()), "base": "0"})

    found = {
        f"console-{plural}": Row(lambda o, s, city: Call(), *listing),
        f"console-{singular}-new": Row(lambda o, s, city: Call(), *listing),
        f"console-{singular}-create": Row(created, *creating),
        f"console-{singular}": Row(keyed(True), *edits),
        f"console-{singular}-save": Row(edited, *edits),
        f"console-{singular}-preview": Row(keyed(True), *edits),
        f"console-{singular}-publish": Row(keyed(False), *publishes),
        f"console-{singular}-history": Row(keyed(True), *edits),
        f"console-{singular}-restore": Row(keyed(True, number="1"), *edits),
    }
    if delete:
        found[f"console-{singular}-delete"] = Row(keyed(True), *edits)
    return found


ROWS: dict[str, Row] = {
    # the practices
    "console-practices": Row(lambda o, s, city: Call(query={"city": city}), EDITORS,
                             MODERATORS),
    "console-practice-new": Row(lambda o, s, city: Call(), EDITORS, EDITORS),
    "console-practice-create": Row(lambda o, s, city: Call(form=practice_form(
        city, slug=slug(), base="0")), EDITORS, MODERATORS),
    "console-practice": Row(on(published), EDITORS, MODERATORS),
    "console-practice-save": Row(lambda o, s, city: Call(values={"slug": published(
        o, s, city)}, form=practice_form(city, base="2")), EDITORS, MODERATORS),
    "console-practice-preview": Row(on(published), EDITORS, MODERATORS),
    "console-practice-publish": Row(on(drafted, base="1"), PUBLISHERS, SECRETARIAT),
    "console-practice-history": Row(on(published), EDITORS, MODERATORS),
    # restoring brings an old revision back as a draft: an editor's right (docs/staff.md)
    "console-practice-restore": Row(on(published, base="2", number="1"), EDITORS,
                                    MODERATORS),
    # the moderation queue
    "console-moderation": Row(lambda o, s, city: Call(query={"city": city}), MODERATORS,
                              MODERATORS),
    "console-moderation-item": Row(on(waiting), MODERATORS, MODERATORS),
    "console-moderation-claim": Row(on(waiting), MODERATORS, MODERATORS),
    "console-moderation-release": Row(on(waiting), MODERATORS, MODERATORS),
    "console-moderation-approve": Row(on(waiting), MODERATORS, MODERATORS),
    "console-moderation-reject": Row(on(waiting, reason="Add the dates"), MODERATORS,
                                     MODERATORS),
    "console-moderation-note": Row(on(waiting, text="Looks fine"), MODERATORS, MODERATORS),
    # the signatures (the network's: no city, so own and other alike)
    "console-signatures": Row(lambda o, s, city: Call(), SECRETARIAT, SECRETARIAT),
    "console-signatures-export": Row(lambda o, s, city: Call(form={"declaration": "udltp"}),
                                     SECRETARIAT, SECRETARIAT),
    "console-retention": Row(lambda o, s, city: Call(), SECRETARIAT, SECRETARIAT),
    "console-retention-run": Row(lambda o, s, city: Call(form={"confirm": "yes"}),
                                 SECRETARIAT, SECRETARIAT),
    "console-signature-withdraw": Row(on(signature, "id"), SECRETARIAT, SECRETARIAT),
    "console-signature-withdraw-run": Row(on(signature, "id", reason="asked by email"),
                                          SECRETARIAT, SECRETARIAT),
    # the media library (practices.edit on one of the principal's cities)
    "console-media": Row(lambda o, s, city: Call(query={"city": city}), EDITORS, EDITORS),
    "console-media-upload": Row(lambda o, s, city: Call(form={
        "city": city, "alt.en": "A hall"}, files={"file": ("hall.png", png(), "image/png")}),
        EDITORS, MODERATORS),
    # the library answers "no such image" (404) to whoever may not edit the image's city
    "console-media-delete": Row(on(image, "id"), EDITORS, MODERATORS, refusal=404),
    # events and their sessions: programme.edit drafts, programme.publish publishes
    **kind_rows("event", "events", lambda o, s: s.events, event_form,
                edit=CITY_EDITORS, publish=CITY_PUBLISHERS),
    "console-event-sessions": Row(lambda o, s, city: Call(
        values={"slug": (key := event(o, s, city))},
        form={"action": f"remove:{SESSION}", "base": str(base_of(s.events, key))}),
        CITY_EDITORS, SECRETARIAT),
    "console-session-new": Row(on(event), CITY_EDITORS, SECRETARIAT),
    "console-session-create": Row(lambda o, s, city: Call(
        values={"slug": (key := event(o, s, city))},
        form={**session_form(slug()), "base": str(base_of(s.events, key))}),
        CITY_EDITORS, SECRETARIAT),
    "console-session": Row(lambda o, s, city: Call(values={"slug": event(o, s, city),
                                                           "key": SESSION}),
                           CITY_EDITORS, SECRETARIAT),
    "console-session-save": Row(lambda o, s, city: Call(
        values={"slug": (key := event(o, s, city)), "key": SESSION},
        form={**session_form(SESSION), "base": str(base_of(s.events, key))}),
        CITY_EDITORS, SECRETARIAT),
    # a city's profile: cities.edit on the city (a new city only network-wide)
    **kind_rows("city", "cities", lambda o, s: s.cities, city_form,
                edit=CITY_PUBLISHERS, publish=CITY_PUBLISHERS, lists=CITY_PUBLISHERS,
                create=SECRETARIAT),
    # a partner organisation: cities.edit on the city it is based in
    **kind_rows("organisation", "organisations", lambda o, s: s.organisations,
                organisation_form, edit=CITY_PUBLISHERS, publish=CITY_PUBLISHERS),
    # the secretariat's kinds: records of no city
    **kind_rows("theme", "themes", lambda o, s: s.themes, theme_form, delete=True,
                edit=SECRETARIAT, publish=SECRETARIAT),
    **kind_rows("declaration", "declarations", lambda o, s: s.declarations,
                declaration_form, edit=SECRETARIAT, publish=SECRETARIAT),
    **kind_rows("series", "series-list", lambda o, s: s.series, series_form, delete=True,
                edit=SECRETARIAT, publish=SECRETARIAT),
    **kind_rows("campaign", "campaigns", lambda o, s: s.campaigns, campaign_form,
                edit=SECRETARIAT, publish=SECRETARIAT),
    # a city's participation in a campaign: the city's campaign officer
    **kind_rows("participation", "participations", lambda o, s: s.participations,
                participation_form, delete=True, edit=OFFICERS, publish=OFFICERS),
    # a screening's registrations: the city's campaign officer (the list: whoever edits
    # a campaign, each seeing their own city's)
    "console-screenings": Row(lambda o, s, city: Call(), OFFICERS, OFFICERS),
    "console-screening": Row(lambda o, s, city: Call(values=screening(o, city)), OFFICERS,
                             SECRETARIAT),
    "console-screening-export": Row(lambda o, s, city: Call(values=screening(o, city)),
                                    OFFICERS, SECRETARIAT),
    "console-screening-update": Row(lambda o, s, city: Call(
        values=screening(o, city), form={"subject": "Doors open at 7", "text": "Come early."}),
        OFFICERS, SECRETARIAT),
    "console-screening-attendance": Row(lambda o, s, city: Call(
        values=held_screening(o, city), form={"attended": "42", "note": "Full house."}),
        OFFICERS, SECRETARIAT),
}


#: Cells the console gets wrong today, each failing here (strict) until it is fixed.
KNOWN_GAPS: dict[str, str] = {}


def principals() -> dict[str, Principal]:
    """Every role, of Izmir (the secretariat's network-wide), and the nobody."""
    found = {role: Principal.with_roles(id=role, name=role, roles=[role], cities=[OWN])
             for role in ROLES}
    found[NOBODY] = Principal(id=NOBODY, name=NOBODY, cities=frozenset({OWN}))
    return found


PEOPLE = principals()


def console_routes(obs: Observatory) -> dict[str, Any]:
    return {route.name: route for route in Console(WebApp(obs)).routes}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[tuple[Observatory, str]]:
    """The console over real HTTP, once on a SQLite file and once on a fresh schema of
    the PostgreSQL server (the matrix shares one database per run: each call makes its
    own fresh record)."""
    folder: Path = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        _ran["sqlite"] += 1
        urls: Iterator[str] = iter([f"sqlite:///{folder / 'matrix.sqlite3'}"])
    else:
        _ran["postgresql"] += 1
        urls = _postgres_schema_url()
    url = next(urls)
    obs = Observatory.open(url, media_folder=str(folder / "media"))
    two_cities(obs)
    obs.declarations.create(Declaration(slug="udltp", title=Text.of("Declaration")))

    def who(environ: dict[str, Any]) -> Principal | None:
        return PEOPLE.get(environ.get("HTTP_X_TEST_USER", ""))

    try:
        with serving(make_app(obs, console_auth=who)) as base:
            yield obs, base
    finally:
        obs.close()
        for _ in urls:  # the schema dropped
            pass


def test_every_console_route_has_a_row(site: tuple[Observatory, str]) -> None:
    names = set(console_routes(site[0]))
    assert sorted(names - set(ROWS)) == [], "add a Row to ROWS for each new console route"
    assert sorted(set(ROWS) - names) == [], "a Row names a route the console no longer has"


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name]))
    if name in KNOWN_GAPS else name for name in sorted(ROWS)])
def test_every_role_on_its_own_and_another_citys_record(site: tuple[Observatory, str],
                                                        name: str) -> None:
    obs, url = site
    route = console_routes(obs)[name]
    row, staff = ROWS[name], Staff(obs)
    wrong: list[str] = []
    for role, person in PEOPLE.items():
        browser = Client(url)
        browser.session.headers["X-Test-User"] = role
        browser.get("/console/practices/new")  # the console's cookie (any answer sets it)
        nonce = browser.session.cookies.get(csrf.COOKIE)
        assert nonce
        for where, city, allowed in (("own", OWN, row.own), ("other", OTHER, row.other)):
            call = row.prepare(obs, staff, city)
            path = "/console" + route.path.format(**call.values)
            if route.method == "POST":
                form = {csrf.FIELD: csrf.token(obs.keys, nonce, person.id), **call.form}
                answer = browser.post(path, params=call.query, data=form,
                                      files=call.files or None)
            else:
                answer = browser.get(path, params=call.query)
            expected = "allowed" if role in allowed else "refused"
            got = ("allowed" if answer.status_code < 300 or answer.status_code == 303
                   else "refused" if answer.status_code == row.refusal else str(answer.status_code))
            if got != expected:
                wrong.append(f"{role} on {where} city: {answer.status_code}, expected "
                             f"{expected}")
    assert wrong == []


#: What the hostile sweep types into every query parameter and form field: script, an
#: SQL injection, a NUL, an oversized text.
HOSTILE = (VECTORS[1], VECTORS[-1], "<svg/onload=alert(1)>", "'; DROP TABLE lt_practices; --",
           "a\x00b", "é" * 20_000)
#: The query parameters the console's screens read.
QUERY = ("q", "page", "city", "lang", "status", "declaration", "saved", "uploaded")
#: Form fields some handler reads beyond a row's own form.
FIELDS = ("action", "add_row", "number", "reason", "text", "summary", "confirm", "city")
_WIDGET_SCRIPT = re.compile(r'<script src="/static/[a-z]+\.js\?v=[0-9a-f]+" defer></script>')


def problems(html: str) -> list[str]:
    """What in the page's content could run (everything typed is shown there); the
    public widgets' own script a preview loads aside."""
    head, _, rest = html.partition('<main id="lt-console-main"')
    assert "<script" not in head.lower()
    main = _WIDGET_SCRIPT.sub("", "<main" + rest.rpartition("</main>")[0] + "</main>")
    return html_problems(main)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_route_answers_hostile_input_clearly(site: tuple[Observatory, str],
                                                   name: str) -> None:
    """Every console route, called by the secretariat-admin (whom no permission stops
    before the handler reads its input), with each of :data:`HOSTILE` in every query
    parameter or form field, and with bytes that are not UTF-8: never a 5xx (the
    client checks it), never anything typed coming back as markup."""
    obs, url = site
    route, staff = console_routes(obs)[name], Staff(obs)
    browser = Client(url)
    browser.session.headers["X-Test-User"] = "secretariat-admin"
    browser.get("/console/practices/new")
    nonce = browser.session.cookies.get(csrf.COOKIE)
    assert nonce
    token = csrf.token(obs.keys, nonce, "secretariat-admin")
    seen: list[str] = []
    for value in HOSTILE:
        call = ROWS[name].prepare(obs, staff, OWN)
        path = "/console" + route.path.format(**call.values)
        # (the query's share of the oversized text: the test server's request line is
        # bounded at 64 KiB)
        query = {**call.query, **dict.fromkeys(QUERY, value[:1000])}
        if route.method == "POST":
            form = {**dict.fromkeys((*call.form, *FIELDS), value),
                    "base": call.form.get("base", "0"), csrf.FIELD: token}
            answer = browser.post(path, params=query, data=form, files=call.files or None)
        else:
            answer = browser.get(path, params=query)
        assert answer.status_code < 500
        if "text/html" in answer.headers.get("Content-Type", ""):
            seen += [f"{value[:30]!r}: {problem}" for problem in problems(answer.text)]
    call = ROWS[name].prepare(obs, staff, OWN)
    target = ("/console" + route.path.format(**call.values)).encode() + b"?q=%ff%fe&page=%c3"
    cookie = {"Cookie": f"{csrf.COOKIE}={nonce}", "X-Test-User": "secretariat-admin"}
    if route.method == "POST":
        body = urlencode({**call.form, csrf.FIELD: token}).encode() + b"&text=%ff%fe%c3("
        status, _, _ = browser.raw("POST", target, body, headers={
            **cookie, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, _, _ = browser.raw("GET", target, headers=cookie)
    assert status < 500
    assert seen == []
