"""The audit: a row per change in the change's transaction, read by record, person, city."""

from __future__ import annotations

import io

import pytest

from admin_support import practice, principal, two_cities
from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.errors import Conflict, Forbidden, NotFound, ValidationError
from livingtogether.models import (
    Declaration,
    ModerationStatus,
    Pledge,
    PledgeStatus,
    SignerKind,
    Text,
)

ADMIN = Principal.with_roles(id="sec", name="Sec", roles=["secretariat-admin"])


def test_the_audit_is_read_by_record_person_and_city_in_pages(
        observatory: Observatory) -> None:
    staff = two_cities(observatory)
    ada = principal("city-publisher")
    bob = principal("city-publisher", city="montreal", id="bob")
    for n in range(3):
        staff.practices.save_draft(ada, practice(f"p{n}"), base=0, summary=f"draft {n}")
    staff.practices.save_and_publish(bob, practice("m0", "montreal"), base=0)
    page = staff.audit.for_city(ada, "izmir", limit=2)
    assert page.total == 3
    assert len(page.items) == 2
    assert [e.key for e in page.items] == ["p2", "p1"]  # the newest first
    assert [e.key for e in staff.audit.for_city(ada, "izmir", limit=2, offset=2).items] == ["p0"]
    entry = page.items[0]
    assert (entry.actor_id, entry.actor_name, entry.action, entry.kind, entry.city) == (
        "ada", "Ada", "save-draft", "practice", "izmir")
    assert entry.summary == "revision 1: draft 2"
    assert entry.at.tzinfo is not None
    assert [e.action for e in staff.audit.for_record(bob, "practice", "m0",
                                                     city="montreal").items] == ["publish"]
    assert staff.audit.by_person(ada, "ada").total == 3  # one's own rows
    with pytest.raises(Forbidden):
        staff.audit.by_person(ada, "bob")
    with pytest.raises(Forbidden):
        staff.audit.for_city(ada, "montreal")
    assert staff.audit.by_person(ADMIN, "bob").total == 1
    with pytest.raises(ValidationError, match="limit"):
        staff.audit.for_city(ada, "izmir", limit=0)


def test_moderation_claims_decisions_and_notes(observatory: Observatory) -> None:
    staff = two_cities(observatory)
    observatory.practices.create(practice("sent", status=ModerationStatus.SUBMITTED))
    observatory.practices.create(practice("far", "montreal", status=ModerationStatus.SUBMITTED))
    mod = principal("secretariat-moderator", id="mo")
    other = principal("secretariat-moderator", id="li")
    assert [i.practice.slug for i in staff.moderation.queue(mod)] == ["far", "sent"]
    assert staff.moderation.queue(principal("city-editor")) == []
    claim = staff.moderation.claim(mod, "sent")
    assert claim.actor_id == "mo"
    assert staff.moderation.queue(other)[1].claim == claim
    with pytest.raises(Conflict, match="Mo is reviewing 'sent'"):
        staff.moderation.claim(other, "sent")
    with pytest.raises(Conflict, match="Mo is reviewing"):
        staff.moderation.approve(other, "sent")
    note = staff.moderation.add_note(other, "sent", "the results are from 2019")
    assert [n.text for n in staff.moderation.notes(mod, "sent")] == [note.text]
    assert staff.moderation.queue(mod)[1].notes == 1
    with pytest.raises(ValidationError, match="say why"):
        staff.moderation.reject(mod, "sent", "  ")
    rejected = staff.moderation.reject(mod, "sent", "add the results")
    assert rejected.status is ModerationStatus.REJECTED
    assert observatory.practices.get("sent").rejection_reason == "add the results"
    staff.moderation.release(other, "far")  # holds none: nothing happens
    assert staff.moderation.approve(other, "far").status is ModerationStatus.PUBLISHED
    assert staff.moderation.queue(mod) == []
    actions = [e.action for e in staff.audit.by_person(ADMIN, "mo").items]
    assert actions == ["reject", "claim"]
    with pytest.raises(Conflict, match="nothing submitted"):
        staff.moderation.approve(mod, "far")  # decided already: refused, no audit row
    assert staff.audit.by_person(ADMIN, "mo").total == 2
    with pytest.raises(NotFound):
        staff.moderation.claim(mod, "nothing-here")


def test_signatures_are_found_withdrawn_and_exported_with_an_audit(
        observatory: Observatory) -> None:
    staff = two_cities(observatory)
    observatory.declarations.create(Declaration(slug="udltp", title=Text.of("UDLTP")))
    signed = observatory.signing.sign(Pledge(
        declaration="udltp", kind=SignerKind.CITIZEN, name="Ayşe Yılmaz",
        email="Ayse@Example.org", country="TR", consent_version="2024-01"))
    assert signed.id is not None
    observatory.signing.confirm(signed.id)
    assert staff.signatures.list(ADMIN, "udltp").total == 1
    assert staff.signatures.search(ADMIN, "udltp", "ayşe", status=PledgeStatus.CONFIRMED).total == 1
    assert staff.signatures.search(ADMIN, "udltp", status=PledgeStatus.PENDING).total == 0
    assert staff.signatures.find(ADMIN, "udltp", "ayse@example.ORG").id == signed.id
    with pytest.raises(ValidationError, match="valid email"):
        staff.signatures.find(ADMIN, "udltp", "not an address")
    out = io.StringIO()
    assert staff.signatures.export_csv(ADMIN, "udltp", out) == 1
    assert "Ayse@example.org" in out.getvalue()  # the domain normalised
    staff.signatures.withdraw(ADMIN, signed.id, reason="asked by email on 3 March")
    with pytest.raises(NotFound):
        observatory.signatures.get(signed.id)
    with pytest.raises(NotFound):
        staff.signatures.withdraw(ADMIN, signed.id, reason="again")
    entries = staff.audit.by_person(ADMIN, "sec").items
    assert [(e.action, e.kind) for e in entries] == [("withdraw", "signature"),
                                                    ("export", "declaration")]
    assert "Ayse" not in " ".join(e.summary for e in entries)  # no personal data audited
    with pytest.raises(Forbidden, match=r"signatures\.view"):
        staff.signatures.list(principal("city-publisher"), "udltp")


def test_an_audit_row_lives_and_dies_with_its_transaction(observatory: Observatory) -> None:
    from livingtogether.admin import audit
    from livingtogether.models import City

    staff = two_cities(observatory)

    def failing_change() -> None:
        with observatory.store.write() as connection:
            observatory.cities.create_in(connection, City(slug="lyon", name=Text.of("Lyon"),
                                                          country="FR"))
            audit.record(connection, ADMIN, "publish", kind="city", key="lyon", city="lyon")
            raise RuntimeError("the change fails after its audit row was written")

    with pytest.raises(RuntimeError):
        failing_change()
    with pytest.raises(NotFound):
        observatory.cities.get("lyon")
    assert staff.audit.for_city(ADMIN, "lyon").total == 0
    with observatory.store.write() as connection:
        observatory.cities.create_in(connection, City(slug="lyon", name=Text.of("Lyon"),
                                                      country="FR"))
        audit.record(connection, ADMIN, "publish", kind="city", key="lyon", city="lyon")
    assert staff.audit.for_city(ADMIN, "lyon").total == 1
