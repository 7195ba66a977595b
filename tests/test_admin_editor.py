"""Drafts, publication, history, restore, conflicts and the audit, on both databases."""

from __future__ import annotations

import attrs
import pytest
import sqlalchemy as sa

from admin_support import practice, principal, two_cities
from livingtogether import Observatory
from livingtogether.admin.revisions import RevisionState
from livingtogether.errors import Conflict, EditConflict, NotFound, ValidationError
from livingtogether.models import ModerationStatus, Text
from livingtogether.store import schema


def audit_rows(obs: Observatory) -> list[tuple[str, str, str]]:
    with obs.store.read() as connection:
        return [(r.action, r.key, r.actor_id) for r in connection.execute(
            sa.select(schema.audit).order_by(schema.audit.c.id))]


def test_a_draft_leaves_the_published_record_as_it_is(observatory: Observatory) -> None:
    staff = two_cities(observatory)
    editor = principal("city-publisher")
    first = staff.practices.save_draft(editor, practice(), base=0, summary="first words")
    assert first.number == 1
    assert first.state is RevisionState.DRAFT
    with pytest.raises(NotFound):
        observatory.practices.get("dialogue")  # nothing public yet
    published = staff.practices.publish(editor, "dialogue", base=1, summary="ready")
    assert published.status is ModerationStatus.PUBLISHED
    assert observatory.practices.get("dialogue") == published
    assert observatory.practices.search("dialogue").total == 1  # the domain's index followed

    changed = practice(title=Text.of("Neighbourhood dialogue, year two"))
    staff.practices.save_draft(editor, changed, base=2)
    assert observatory.practices.get("dialogue").title == Text.of("Neighbourhood dialogue")
    opened = staff.practices.get(editor, "dialogue")
    assert opened.published == published
    assert opened.draft == changed
    assert opened.current == changed
    assert opened.base == 3

    history = staff.practices.history(editor, "dialogue")
    assert [(r.number, r.state.value, r.summary) for r in history.items] == [
        (3, "draft", None), (2, "published", "ready"), (1, "draft", "first words")]
    assert all(r.author_id == "ada" for r in history.items)
    assert [a for a, _, _ in audit_rows(observatory)] == ["save-draft", "publish", "save-draft"]


def test_a_stale_save_is_a_conflict_that_keeps_the_input(observatory: Observatory) -> None:
    staff = two_cities(observatory)
    ada, bob = principal("city-editor"), principal("city-editor", id="bob")
    staff.practices.save_draft(ada, practice(), base=0)
    staff.practices.save_draft(bob, practice(summary=Text.of("Bob's")), base=1)
    mine = practice(summary=Text.of("Ada's, typed while Bob saved"))
    with pytest.raises(EditConflict) as caught:
        staff.practices.save_draft(ada, mine, base=1)
    error = caught.value
    assert isinstance(error, Conflict)
    assert error.current_number == 2
    assert error.current_author == "Bob"
    assert error.submitted["summary"] == {"en": "Ada's, typed while Bob saved"}
    assert "revision 2" in error.message
    assert "based on revision 1" in error.message
    # nothing was written: Bob's draft is the latest, and no audit row for the refused save
    assert staff.practices.get(ada, "dialogue").draft == practice(summary=Text.of("Bob's"))
    assert [a for a, _, _ in audit_rows(observatory)] == ["save-draft", "save-draft"]
    with pytest.raises(EditConflict):
        staff.practices.publish(principal("city-publisher"), "dialogue", base=1)  # its base too
    with pytest.raises(EditConflict):
        staff.practices.save_draft(ada, practice(slug="new-one"), base=3)  # none yet: base 0


def test_restore_brings_back_an_old_revision_as_a_draft_or_published(
        observatory: Observatory) -> None:
    staff = two_cities(observatory)
    editor = principal("city-publisher")
    staff.practices.save_and_publish(editor, practice(), base=0)
    staff.practices.save_and_publish(editor, practice(title=Text.of("Renamed")), base=1)
    draft = staff.practices.restore(editor, "dialogue", 1, base=2)
    assert draft.number == 3
    assert draft.state is RevisionState.DRAFT
    assert draft.summary == "restored revision 1"
    assert observatory.practices.get("dialogue").title == Text.of("Renamed")  # a draft only
    published = staff.practices.restore(editor, "dialogue", 1, base=3, publish=True)
    assert published.number == 4
    assert published.state is RevisionState.PUBLISHED
    assert observatory.practices.get("dialogue").title == Text.of("Neighbourhood dialogue")
    with pytest.raises(NotFound, match="no revision 9"):
        staff.practices.restore(editor, "dialogue", 9, base=4)


def test_delete_withdraws_the_record_and_keeps_its_history(observatory: Observatory) -> None:
    staff = two_cities(observatory)
    editor = principal("city-publisher")
    staff.practices.save_and_publish(editor, practice(), base=0)
    deleted = staff.practices.delete(editor, "dialogue", base=1, summary="duplicate")
    assert deleted.state is RevisionState.DELETED
    assert deleted.number == 2
    with pytest.raises(NotFound):
        observatory.practices.get("dialogue")
    with pytest.raises(NotFound):
        staff.practices.get(editor, "dialogue")
    assert [r.number for r in staff.practices.history(editor, "dialogue").items] == [2, 1]
    staff.practices.restore(editor, "dialogue", 1, base=2, publish=True)
    assert observatory.practices.get("dialogue").slug == "dialogue"


def test_a_refusal_comes_before_anything_about_the_record(observatory: Observatory) -> None:
    """Staff of another city are refused before the record's drafts or revisions are
    looked at: the answer is the same whether a draft or a revision exists."""
    from livingtogether.errors import Forbidden

    staff = two_cities(observatory)
    izmir = principal("city-publisher")
    staff.practices.save_and_publish(izmir, practice(), base=0)
    staff.practices.delete(izmir, "dialogue", base=1)  # revision 2 carries no new content
    montreal = principal("city-publisher", city="montreal", id="bob")
    with pytest.raises(Forbidden, match="'izmir'"):
        staff.practices.publish(montreal, "dialogue", base=2)  # no draft: still refused
    for number in (1, 2, 9):  # an old revision, the deletion, one that does not exist
        with pytest.raises(Forbidden, match="'izmir'"):
            staff.practices.restore(montreal, "dialogue", number, base=2)
        with pytest.raises(Forbidden, match="'izmir'"):
            staff.practices.restore(montreal, "dialogue", number, base=2, publish=True)
    assert [a for a, _, _ in audit_rows(observatory)] == ["publish", "delete"]
    with pytest.raises(NotFound, match="no draft"):
        staff.practices.publish(izmir, "dialogue", base=2)  # its own staff learn why


def test_a_change_the_domain_refuses_writes_nothing(observatory: Observatory) -> None:
    """The domain's rules hold on publish; a refused change leaves no revision and no
    audit row (they are written in the change's own transaction)."""
    staff = two_cities(observatory)
    editor = principal("city-publisher")
    staff.practices.save_draft(editor, practice(themes=("no-such-theme",)), base=0)
    with pytest.raises(ValidationError, match="not a theme of the taxonomy"):
        staff.practices.publish(editor, "dialogue", base=1)
    assert [r.number for r in staff.practices.history(editor, "dialogue").items] == [1]
    assert [a for a, _, _ in audit_rows(observatory)] == ["save-draft"]
    with pytest.raises(NotFound):
        observatory.practices.get("dialogue")
    with pytest.raises(ValidationError, match="summary"):
        staff.practices.save_draft(editor, practice(), base=1, summary="line\nbreak")
    assert len(audit_rows(observatory)) == 1


def test_moving_a_record_to_another_city_needs_both(observatory: Observatory) -> None:
    staff = two_cities(observatory)
    izmir = principal("city-publisher")
    staff.practices.save_and_publish(izmir, practice(), base=0)
    from livingtogether.errors import Forbidden

    with pytest.raises(Forbidden, match="'montreal'"):
        staff.practices.save_draft(izmir, practice(city="montreal"), base=1)
    montreal = principal("city-publisher", city="montreal", id="bob")
    with pytest.raises(Forbidden, match="'izmir'"):
        staff.practices.save_draft(montreal, practice(city="montreal"), base=1)


def test_cities_themes_and_events_go_through_their_services(observatory: Observatory) -> None:
    from datetime import date, time

    from livingtogether.models import Event, Session, Theme

    staff = two_cities(observatory)
    izmir = principal("city-publisher")
    city = attrs.evolve(observatory.cities.get("izmir"), website="https://www.izmir.bel.tr",
                        partner_board=("UCLG-MEWA",), latitude=38.42, longitude=27.14)
    staff.cities.save_and_publish(izmir, city, base=0, summary="partner board")
    assert observatory.cities.get("izmir").partner_board == ("UCLG-MEWA",)
    assert [c.slug for c in staff.cities.list(izmir).items] == ["izmir"]

    admin = principal("secretariat-admin", id="sec")
    staff.themes.save_and_publish(admin, Theme(slug="sport", label=Text.of("Sport")), base=0)
    assert observatory.themes.get("sport").label == Text.of("Sport")

    session = Session.at(key="opening", title=Text.of("Opening"), day=date(2021, 12, 7),
                         start=time(13, 0), end=time(14, 0), zone="Europe/Istanbul")
    event = Event(slug="summit", title=Text.of("Summit"), host_zone="Europe/Istanbul",
                  host_city="izmir", first_day=date(2021, 12, 7), last_day=date(2021, 12, 7),
                  sessions=(session,))
    staff.events.save_and_publish(izmir, event, base=0, summary="first programme")
    versions = observatory.programme.versions("summit")
    assert [(v.number, v.note) for v in versions] == [(1, "first programme")]
    assert [e.slug for e in staff.events.list(izmir).items] == ["summit"]
    montreal = principal("city-publisher", city="montreal", id="bob")
    assert staff.events.list(montreal).items == ()
    with pytest.raises(Conflict, match="nothing changed"):
        staff.events.save_and_publish(izmir, event, base=1)
    assert [v.number for v in observatory.programme.versions("summit")] == [1]


def test_xss_in_every_text_field_comes_back_sanitised_or_as_plain_text(
        observatory: Observatory) -> None:
    """Published through the staff layer, a practice's rich text passes the one sanitiser;
    its plain-text fields come back exactly as typed (templates escape them)."""
    from livingtogether.admin.forms import FormErrors, FormSpec
    from livingtogether.models import Practice
    from xss_vectors import VECTORS, html_problems

    staff = two_cities(observatory)
    editor = principal("city-publisher")
    spec = FormSpec(Practice, languages=("en", "fr"), exclude=("status", "rejection_reason"))
    published = refused = 0
    problems: list[dict[str, str]] = []
    for index, vector in enumerate(VECTORS):
        line = " ".join(vector.split())[:300]
        form = {"slug": f"x{index}", "city": "izmir", "title.en": line, "summary.fr": vector,
                "body.en": vector, "body.fr": f"<p>{vector}</p>", "contact": line,
                "partners": line, "links.0.url": "https://example.org",
                "links.0.label.en": line}
        try:
            record = spec.parse(form)
        except FormErrors as error:
            refused += 1
            problems.append(error.errors)
            continue
        stored = staff.practices.save_and_publish(editor, record, base=0)
        again = observatory.practices.get(f"x{index}")
        assert again == stored
        for html in again.body.values.values():
            assert html_problems(html) == [], (vector, html)
        assert again.title.get("en") == line.strip()
        assert again.contact == line.strip()
        published += 1
    assert published > len(VECTORS) // 2  # most vectors are text a model accepts
    assert len(problems) == refused
    assert all(problems)  # each refusal names a field


def test_declarations_campaigns_and_participations(observatory: Observatory) -> None:
    from datetime import date

    from livingtogether.admin import Principal
    from livingtogether.models import Campaign, CampaignParticipation, Declaration

    staff = two_cities(observatory)
    sec = Principal.with_roles(id="sec", name="Sec", roles=["secretariat-admin"])
    text = Declaration(slug="udltp", title=Text.of("UDLTP"), text=Text.of("Article 1"))
    staff.declarations.save_and_publish(sec, text, base=0)
    assert observatory.declarations.get("udltp").version == 1
    new_text = attrs.evolve(text, text=Text.of("Article 1, amended"))
    staff.declarations.save_and_publish(sec, new_text, base=1, summary="amended")
    assert observatory.declarations.get("udltp").version == 2  # a new text version
    staff.declarations.save_and_publish(
        sec, attrs.evolve(new_text, title=Text.of("The Declaration"), version=2), base=2)
    assert observatory.declarations.get("udltp").version == 2  # the text is the same

    day = Campaign(slug="day-2022", title=Text.of("Day 2022"), day=date(2022, 5, 16),
                   declaration="udltp")
    staff.campaigns.save_and_publish(sec, day, base=0)
    officer = principal("city-campaign-officer")
    joined = CampaignParticipation(campaign="day-2022", city="izmir", signed=True)
    staff.participations.save_draft(officer, joined, base=0)
    assert observatory.participations.taking_part("day-2022") == []  # a draft only
    staff.participations.publish(officer, "day-2022/izmir", base=1)
    assert observatory.participations.taking_part("day-2022") == [joined]
    staff.participations.delete(officer, "day-2022/izmir", base=2)
    assert observatory.participations.taking_part("day-2022") == []
    with pytest.raises(NotFound):
        staff.participations.get(officer, "day-2022/izmir")
    from livingtogether.errors import Forbidden

    with pytest.raises(Forbidden, match=r"'campaigns\.edit' on the city 'montreal'"):
        staff.participations.save_draft(
            officer, attrs.evolve(joined, city="montreal"), base=0)
    with pytest.raises(NotFound, match="there is no campaign"):
        staff.participations.save_and_publish(
            officer, attrs.evolve(joined, campaign="nothing"), base=0)


def test_an_editor_who_may_not_publish_submits_for_review(observatory: Observatory) -> None:
    staff = two_cities(observatory)
    editor = principal("city-editor")
    moderator = principal("secretariat-moderator", id="mo")
    staff.practices.save_draft(editor, practice(), base=0)
    sent = staff.practices.submit(editor, "dialogue", base=1, summary="please review")
    assert sent.status is ModerationStatus.SUBMITTED
    assert [i.practice.slug for i in staff.moderation.queue(moderator)] == ["dialogue"]
    staff.moderation.approve(moderator, "dialogue")
    assert observatory.practices.get("dialogue").status is ModerationStatus.PUBLISHED

    # an edit of the published practice waits as its revision; the public keeps the old
    renamed = practice(title=Text.of("Renamed"))
    staff.practices.save_draft(editor, renamed, base=2)
    staff.practices.submit(editor, "dialogue", base=3)
    assert observatory.practices.get("dialogue").title == Text.of("Neighbourhood dialogue")
    assert observatory.practices.revision("dialogue").title == Text.of("Renamed")
    staff.moderation.approve(moderator, "dialogue")
    assert observatory.practices.get("dialogue").title == Text.of("Renamed")
    states = [r.state.value for r in staff.practices.history(editor, "dialogue").items]
    assert states == ["submitted", "draft", "submitted", "draft"]
    with pytest.raises(NotFound, match="no draft to submit"):
        staff.practices.submit(editor, "dialogue", base=4)


@pytest.mark.parametrize(("call", "field"), [
    (lambda s, p: s.practices.get(p, "a\x00b"), "key"),
    (lambda s, p: s.practices.get(p, "x" * 5000), "key"),
    (lambda s, p: s.practices.save_draft(p, practice(), base="0"), "base"),
    (lambda s, p: s.practices.save_draft(p, practice(), base=-1), "base"),
    (lambda s, p: s.practices.save_draft(p, practice(), base=True), "base"),
    (lambda s, p: s.practices.save_draft(p, practice(), base=0, summary="x" * 301), "summary"),
    (lambda s, p: s.practices.save_draft(p, {"slug": "x"}, base=0), None),
    (lambda s, p: s.practices.restore(p, "dialogue", "1", base=1), "revision"),
    (lambda s, p: s.practices.restore(p, "dialogue", 10**12, base=1), "revision"),
    (lambda s, p: s.moderation.claim(p, "a\x00b"), "slug"),
    (lambda s, p: s.moderation.claim(p, "dialogue", minutes=10**9), "minutes"),
    (lambda s, p: s.signatures.withdraw(p, "1", reason="r"), "id"),
    (lambda s, p: s.signatures.withdraw(p, 10**30, reason="r"), "id"),
])
def test_hostile_arguments_are_refused_clearly_on_both_databases(
        observatory: Observatory, call: object, field: str | None) -> None:
    from livingtogether.admin import Principal

    staff = two_cities(observatory)
    admin = Principal.with_roles(id="sec", name="Sec", roles=["secretariat-admin"])
    staff.practices.save_draft(admin, practice(), base=0)
    with pytest.raises(ValidationError) as caught:
        call(staff, admin)  # type: ignore[operator]
    assert caught.value.field == field
    assert [r.number for r in staff.practices.history(admin, "dialogue").items] == [1]
