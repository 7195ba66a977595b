"""Every role against every action, on its own city's records and on another city's.

The expected table is written out here, not derived from the roles: a change of
a role's permissions has to change this table too.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from datetime import date

import attrs
import pytest

from admin_support import practice, principal, two_cities
from livingtogether import Observatory
from livingtogether.admin import ROLES, Principal
from livingtogether.admin.services import Staff
from livingtogether.errors import Forbidden
from livingtogether.models import (
    Campaign,
    CampaignParticipation,
    Declaration,
    Event,
    ModerationStatus,
    Text,
    Theme,
)

ADMIN = Principal.with_roles(id="root", name="Root", roles=["secretariat-admin"])
_counter = itertools.count()


def _fresh() -> str:
    return f"r-{next(_counter)}"


def _event(slug: str, city: str) -> Event:
    return Event(slug=slug, title=Text.of("Summit"), host_zone="Europe/Istanbul",
                 host_city=city, first_day=date(2022, 5, 1), last_day=date(2022, 5, 2))


def _base(editor: object, key: str) -> int:
    return editor.get(ADMIN, key).base  # type: ignore[attr-defined, no-any-return]


Action = Callable[[Staff, Principal, str], object]


def _draft(s: Staff, p: Principal, city: str) -> object:
    return s.practices.save_draft(p, practice(_fresh(), city), base=0)


def _publish(s: Staff, p: Principal, city: str) -> object:
    slug = _fresh()
    s.practices.save_draft(ADMIN, practice(slug, city), base=0)
    return s.practices.publish(p, slug, base=1)


def _delete(s: Staff, p: Principal, city: str) -> object:
    slug = _fresh()
    s.practices.save_and_publish(ADMIN, practice(slug, city), base=0)
    return s.practices.delete(p, slug, base=1)


def _history(s: Staff, p: Principal, city: str) -> object:
    slug = _fresh()
    s.practices.save_draft(ADMIN, practice(slug, city), base=0)
    return s.practices.history(p, slug)


def _city(s: Staff, p: Principal, city: str) -> object:
    record = s.obs.cities.get(city)
    changed = attrs.evolve(record, partner_board=(*record.partner_board, _fresh()))
    return s.cities.save_and_publish(p, changed, base=_base(s.cities, city))


def _theme(s: Staff, p: Principal, city: str) -> object:
    return s.themes.save_and_publish(p, Theme(slug=_fresh(), label=Text.of("T")), base=0)


def _event_draft(s: Staff, p: Principal, city: str) -> object:
    return s.events.save_draft(p, _event(_fresh(), city), base=0)


def _event_publish(s: Staff, p: Principal, city: str) -> object:
    slug = _fresh()
    s.events.save_draft(ADMIN, _event(slug, city), base=0)
    return s.events.publish(p, slug, base=1, summary="programme")


def _submitted(s: Staff, city: str) -> str:
    slug = _fresh()
    s.obs.practices.create(practice(slug, city, status=ModerationStatus.SUBMITTED))
    return slug


def _approve(s: Staff, p: Principal, city: str) -> object:
    return s.moderation.approve(p, _submitted(s, city))


def _reject(s: Staff, p: Principal, city: str) -> object:
    return s.moderation.reject(p, _submitted(s, city), "add the results")


def _claim(s: Staff, p: Principal, city: str) -> object:
    return s.moderation.claim(p, _submitted(s, city))


def _signatures(s: Staff, p: Principal, city: str) -> object:
    return s.signatures.list(p, "udltp")


def _export(s: Staff, p: Principal, city: str) -> object:
    return s.signatures.export_csv(p, "udltp", io.StringIO())


def _audit(s: Staff, p: Principal, city: str) -> object:
    return s.audit.for_city(p, city)


def _declaration(s: Staff, p: Principal, city: str) -> object:
    return s.declarations.save_and_publish(
        p, Declaration(slug=_fresh(), title=Text.of("Declaration")), base=0)


def _campaign(s: Staff, p: Principal, city: str) -> object:
    return s.campaigns.save_and_publish(p, Campaign(
        slug=_fresh(), title=Text.of("Day"), day=date(2022, 5, 16)), base=0)


def _participation(s: Staff, p: Principal, city: str) -> object:
    slug = _fresh()
    s.campaigns.save_and_publish(ADMIN, Campaign(slug=slug, title=Text.of("Day"),
                                                 day=date(2022, 5, 16)), base=0)
    return s.participations.save_and_publish(p, CampaignParticipation(
        campaign=slug, city=city, signed=True), base=0)


ACTIONS: dict[str, Action] = {
    "practice.draft": _draft, "practice.publish": _publish, "practice.delete": _delete,
    "practice.history": _history, "city.save": _city, "theme.save": _theme,
    "event.draft": _event_draft, "event.publish": _event_publish,
    "moderation.approve": _approve, "moderation.reject": _reject,
    "moderation.claim": _claim, "signatures.list": _signatures,
    "signatures.export": _export, "audit.city": _audit,
    "declaration.save": _declaration, "campaign.save": _campaign,
    "participation.save": _participation,
}

EVERYTHING = frozenset(ACTIONS)
MODERATOR = frozenset({"practice.draft", "practice.history", "moderation.approve",
                       "moderation.reject", "moderation.claim"})

#: What each role may do on its own city's records...
OWN: dict[str, frozenset[str]] = {
    "city-editor": frozenset({"practice.draft", "practice.history", "event.draft"}),
    "city-publisher": frozenset({"practice.draft", "practice.history", "event.draft",
                                 "practice.publish", "practice.delete", "city.save",
                                 "event.publish", "audit.city"}),
    "city-campaign-officer": frozenset({"participation.save"}),
    "secretariat-moderator": MODERATOR,
    "secretariat-admin": EVERYTHING,
}
#: ...and on another city's.
OTHER: dict[str, frozenset[str]] = {
    "city-editor": frozenset(), "city-publisher": frozenset(),
    "city-campaign-officer": frozenset(),
    "secretariat-moderator": MODERATOR, "secretariat-admin": EVERYTHING,
}


def test_every_role_against_every_action(observatory: Observatory) -> None:
    assert set(OWN) == set(ROLES) == set(OTHER)
    staff = two_cities(observatory)
    observatory.declarations.create(Declaration(slug="udltp", title=Text.of("UDLTP")))
    # True: done; False: refused with the message naming what is missing
    found: dict[tuple[str, str, str], bool] = {}
    for role, name, where in itertools.product(sorted(ROLES), sorted(ACTIONS),
                                               ("own", "other")):
        city = "izmir" if where == "own" else "montreal"
        who = principal(role, city="izmir", id=f"{role}-user")
        try:
            ACTIONS[name](staff, who, city)
            found[role, name, where] = True
        except Forbidden as error:
            found[role, name, where] = "lacks the permission" not in error.message
    expected = {(role, name, where): name in (OWN if where == "own" else OTHER)[role]
                for role, name, where in found}
    wrong = sorted(key for key in found if found[key] != expected[key])
    assert not wrong, f"(role, action, city) allowed/refused against the table: {wrong}"


@pytest.mark.parametrize("role", ["city-editor", "city-publisher", "city-campaign-officer"])
def test_what_a_role_may_not_do_leaves_no_trace(role: str, sqlite_observatory: Observatory,
                                                ) -> None:
    """A refused action writes no revision and no audit row."""
    staff = two_cities(sqlite_observatory)
    who = principal(role, city="montreal", id="intruder")
    with pytest.raises(Forbidden):
        staff.practices.save_draft(who, practice("x", "izmir"), base=0)
    assert staff.audit.by_person(who, "intruder").total == 0
    assert staff.practices.drafts(ADMIN).total == 0
