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
exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from admin_support import practice, two_cities
from livingtogether import Observatory
from livingtogether.admin import ROLES, Principal
from livingtogether.admin.services import Staff
from livingtogether.models import Declaration, Pledge, SignerKind, Text
from livingtogether.staff_console import Console, csrf
from livingtogether.web import WebApp
from livingtogether.wsgi import make_app
from test_web_support import Client, serving

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


@attrs.frozen
class Row:
    """How to call a route on a record of ``city`` (``prepare(obs, staff, city)``), and
    the roles allowed on their own city's record and on another city's."""

    prepare: Callable[[Observatory, Staff, str], Call]
    own: frozenset[str]
    other: frozenset[str]


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
}


#: Cells the console gets wrong today, each failing here (strict) until it is fixed.
KNOWN_GAPS = {
    "console-practice-new": "the empty practice form is shown to anyone signed in (saving "
                            "it is refused: console-practice-create); practices.py should "
                            "require practices.edit on one of the principal's cities",
}


def principals() -> dict[str, Principal]:
    """Every role, of Izmir (the secretariat's network-wide), and the nobody."""
    found = {role: Principal.with_roles(id=role, name=role, roles=[role], cities=[OWN])
             for role in ROLES}
    found[NOBODY] = Principal(id=NOBODY, name=NOBODY, cities=frozenset({OWN}))
    return found


PEOPLE = principals()


def console_routes(obs: Observatory) -> dict[str, Any]:
    return {route.name: route for route in Console(WebApp(obs)).routes}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Observatory, str]]:
    path: Path = tmp_path_factory.mktemp("matrix") / "matrix.sqlite3"
    obs = Observatory.open(f"sqlite:///{path}")
    two_cities(obs)
    obs.declarations.create(Declaration(slug="udltp", title=Text.of("Declaration")))

    def who(environ: dict[str, Any]) -> Principal | None:
        return PEOPLE.get(environ.get("HTTP_X_TEST_USER", ""))

    with serving(make_app(obs, console_auth=who)) as url:
        yield obs, url
    obs.close()


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
                answer = browser.post(path, params=call.query, data=form)
            else:
                answer = browser.get(path, params=call.query)
            expected = "allowed" if role in allowed else "refused"
            got = ("allowed" if answer.status_code < 300 or answer.status_code == 303
                   else "refused" if answer.status_code == 403 else str(answer.status_code))
            if got != expected:
                wrong.append(f"{role} on {where} city: {answer.status_code}, expected "
                             f"{expected}")
    assert wrong == []
