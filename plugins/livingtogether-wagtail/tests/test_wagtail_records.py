"""The Observatory's records in the Wagtail admin: permissions per group and city, every view
of every viewset, the forms built from the core's specs, hostile input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from livingtogether_wagtail.menu import RECORD_VIEWSETS
from livingtogether_wagtail.models import GroupCities
from livingtogether_wagtail.principals import principal_of
from livingtogether_wagtail.record_forms import RecordForm
from livingtogether_wagtail.record_views import staff
from wagtail_records_support import (
    PASSWORD,
    browser_form,
    draftail,
    library_image,
    user_in,
)

from livingtogether import Observatory
from livingtogether.admin.principals import Permission as P
from livingtogether.models import ModerationStatus, Organisation, PracticeKind, Text

ADMIN = "/admin/observatory"
IZMIR_PRACTICE = "example-newcomer-welcome-network"
DUSSELDORF_PRACTICE = "example-intercultural-library-evenings"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def admin_client(observatory: Observatory) -> Client:
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client = Client()
    client.login(username="root", password=PASSWORD)
    return client


def logged_in(user: User) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def denied(response: Any) -> bool:
    """Wagtail's permission-denied answer: back to the dashboard, saying so."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def practice_form(client: Client, slug: str) -> tuple[dict[str, Any], Any]:
    """The practice's form as its edit screen shows it, and that screen."""
    page = client.get(f"{ADMIN}/practices/edit/{slug}/")
    form: RecordForm = page.context["form"]
    return browser_form(form, page.context["base"]), page


def revisions_of(slug: str) -> int:
    editor = staff().practices
    root = principal_of(User.objects.get(username="root"))
    return editor.history(root, slug).total


# -- permissions


def test_the_permissions_are_offered_to_groups_with_their_cities(observatory: Observatory,
                                                                 ) -> None:
    """Settings → Groups lists the plugin's permissions (the three first ones kept) and
    the panel of the cities; saving the group stores both."""
    client = admin_client(observatory)
    page = client.get("/admin/groups/new/")
    html = page.content.decode()
    for label in ("Can edit practices (drafts) of their cities",
                  "Can publish and withdraw events of their cities",
                  "Can see and export the signatures (personal data)", "Observatory cities"):
        assert label in html
    practices_edit = page.context["form"].fields["permissions"].queryset.get(
        codename="practices_edit")
    empty = {f"{prefix}-{name}": value for prefix in (
        "page_permissions", "document_permissions", "image_permissions",
        "collection_permissions") for name, value in (
        ("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"),
        ("MAX_NUM_FORMS", "1000"))}
    response = client.post("/admin/groups/new/", {
        **empty, "name": "Izmir editors", "permissions": [practices_edit.pk],
        "livingtogether_cities-cities": ["izmir"]})
    assert response.status_code == 302, response.content[:2000]
    group = Group.objects.get(name="Izmir editors")
    assert list(GroupCities.objects.filter(group=group).values_list("city", flat=True)) \
        == ["izmir"]
    assert group.permissions.get().codename == "practices_edit"


def test_a_user_is_the_principal_of_its_groups(observatory: Observatory, settings: Any,
                                               ) -> None:
    editor = user_in("Izmir editors", ["practices_edit"], ["izmir"])
    found = principal_of(editor)
    assert found.permissions == {P.PRACTICES_EDIT}
    assert found.cities == {"izmir"}
    assert found.can(P.PRACTICES_EDIT, "izmir")
    assert not found.can(P.PRACTICES_EDIT,
                                                                  "dusseldorf")
    nobody = User.objects.create_user("nobody", password=PASSWORD)
    assert not principal_of(nobody).permissions  # default deny
    secretariat = user_in("Secretariat", ["themes_edit"], ["*"])
    assert principal_of(secretariat).secretariat
    settings.LIVINGTOGETHER = {**settings.LIVINGTOGETHER,
                               "GROUP_CITIES": {"Izmir editors": ["dusseldorf", "../x"]}}
    assert principal_of(editor).cities == {"izmir", "dusseldorf"}  # the malformed left out
    root = User.objects.create_superuser("root", "r@example.org", PASSWORD)
    assert principal_of(root).secretariat
    assert principal_of(root).permissions == set(P)


# -- every view


def _keys(observatory: Observatory) -> dict[str, str]:
    obs = observatory
    obs.organisations.create(Organisation(slug="ege-uni", name=Text.of("Ege University"),
                                          city="izmir"))
    return {"practices": IZMIR_PRACTICE, "events": "izmir-2021", "cities": "izmir",
            "organisations": "ege-uni", "themes": obs.themes.list().items[0].slug,
            "declarations": obs.declarations.list().items[0].slug,
            "series-list": obs.series.list().items[0].slug,
            "campaigns": obs.campaigns.list().items[0].slug}


def test_every_view_of_every_viewset_answers_and_is_denied_without_permission(
        observatory: Observatory) -> None:
    client = admin_client(observatory)
    outsider = logged_in(user_in("Editors of nothing", [], []))
    keys = _keys(observatory)
    menu = client.get("/admin/").content.decode()
    assert "Observatory" in menu
    assert {"organisations", "series-list"} <= {v.screens.plural for v in RECORD_VIEWSETS}
    for one in RECORD_VIEWSETS:
        plural = one.screens.plural
        urls = [f"{ADMIN}/{plural}/", f"{ADMIN}/{plural}/results/", f"{ADMIN}/{plural}/new/"]
        if plural in keys:
            key = keys[plural]
            urls += [f"{ADMIN}/{plural}/{view}/{key}/" for view in ("edit", "preview",
                                                                    "history")]
            if one.deletable:
                urls.append(f"{ADMIN}/{plural}/withdraw/{key}/")
        for url in urls:
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.content[:3000])
            assert denied(outsider.get(url)), url
    assert denied(outsider.post(f"{ADMIN}/practices/new/", {"slug": "x"}))


def test_the_listing_searches_filters_and_pages(observatory: Observatory) -> None:
    client = admin_client(observatory)
    everything = client.get(f"{ADMIN}/practices/")
    assert everything.context["items_count"] == observatory.practices.search("").total  # the demo's
    izmir = client.get(f"{ADMIN}/practices/", {"city": "izmir"})
    assert [p.slug for p in izmir.context["object_list"]] == [IZMIR_PRACTICE]
    found = client.get(f"{ADMIN}/practices/", {"q": "intercultural"})
    assert [p.slug for p in found.context["object_list"]] == [DUSSELDORF_PRACTICE]
    drafts = client.get(f"{ADMIN}/practices/", {"status": "draft"})
    assert drafts.context["items_count"] == 0
    cities = client.get(f"{ADMIN}/cities/", {"p": "1"})
    assert cities.context["paginator"].count == 13
    assert len(cities.context["object_list"]) == 13


# -- per city


def test_an_izmir_editor_edits_izmir_s_practices_and_not_dusseldorf_s(
        observatory: Observatory) -> None:
    admin = admin_client(observatory)
    editor = logged_in(user_in("Izmir editors", ["practices_edit"], ["izmir"]))
    listed = editor.get(f"{ADMIN}/practices/")
    assert [p.slug for p in listed.context["object_list"]] == [IZMIR_PRACTICE]
    form, _ = practice_form(editor, IZMIR_PRACTICE)
    before = revisions_of(IZMIR_PRACTICE)
    saved = editor.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/",
                        {**form, "title.en": "Newcomers welcome, edited", "action": "draft"})
    assert saved.status_code == 302
    assert revisions_of(IZMIR_PRACTICE) == before + 1
    assert observatory.practices.get(IZMIR_PRACTICE).title.get("en") != \
        "Newcomers welcome, edited"  # a draft: the public record is unchanged
    assert denied(editor.get(f"{ADMIN}/practices/edit/{DUSSELDORF_PRACTICE}/"))
    other, _ = practice_form(admin, DUSSELDORF_PRACTICE)
    before = revisions_of(DUSSELDORF_PRACTICE)
    assert denied(editor.post(f"{ADMIN}/practices/edit/{DUSSELDORF_PRACTICE}/",
                              {**other, "title.en": "Taken over", "action": "draft"}))
    # moving Izmir's practice to Düsseldorf is refused too
    assert denied(editor.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/",
                              {**form, "city": "dusseldorf", "action": "draft"}))
    assert revisions_of(DUSSELDORF_PRACTICE) == before
    assert denied(editor.get(f"{ADMIN}/themes/"))  # the secretariat's


# -- the form


def test_a_practice_is_created_with_a_library_image_previewed_and_published(
        observatory: Observatory, media: Path) -> None:
    client = admin_client(observatory)
    image = library_image()
    page = client.get(f"{ADMIN}/practices/new/")
    form = browser_form(page.context["form"], 0, **{
        "slug": "izmir-reading-circles", "city": "izmir", "title.en": "Reading circles",
        "body.en": draftail("Neighbours read together."), "images.add": str(image.pk),
        "action": "draft"})
    made = client.post(f"{ADMIN}/practices/new/", form)
    assert made.status_code == 302, made.content[:3000]
    editing = staff().practices.get(principal_of(User.objects.get(username="root")),
                                    "izmir-reading-circles")
    assert editing.published is None
    assert editing.draft is not None
    picture = editing.draft.images[0]
    assert picture.url.startswith("/media/images/")
    assert picture.width <= 1600
    assert [r.width for r in picture.renditions] == [400, 800]
    assert picture.alt.get("en") == "Neighbours at the library"
    preview = client.get(f"{ADMIN}/practices/preview/izmir-reading-circles/")
    assert "Neighbours read together." in preview.content.decode()
    assert picture.url in preview.content.decode()
    form, _ = practice_form(client, "izmir-reading-circles")
    published = client.post(f"{ADMIN}/practices/edit/izmir-reading-circles/",
                            {**form, "action": "publish"}, follow=True)
    assert "izmir-reading-circles: published." in published.content.decode()
    stored = observatory.practices.get("izmir-reading-circles")
    assert stored.status is ModerationStatus.PUBLISHED
    assert stored.images == editing.draft.images
    history = client.get(f"{ADMIN}/practices/history/izmir-reading-circles/")
    assert history.context["total"] == 2
    assert "root" in history.content.decode()
    restored = client.post(f"{ADMIN}/practices/restore/izmir-reading-circles/",
                           {"number": "1", "base": "2"}, follow=True)
    assert "Revision 1 restored as a draft." in restored.content.decode()
    withdrawn = client.post(f"{ADMIN}/practices/withdraw/izmir-reading-circles/",
                            {"base": "3"}, follow=True)
    assert "withdrawn" in withdrawn.content.decode()


HOSTILE = [
    ({"title.en": "x" * 5000}, "title.en"),
    ({"year_started": "nineteen"}, "year_started"),
    ({"year_started": "1200"}, "year_started"),
    ({"images.add": "999999"}, "images.add"),
    ({"images.add": "1 OR 1=1"}, "images.add"),
    ({"body.en": "<script>alert(1)</script>"}, "body.en"),  # not Draftail's JSON
    ({"body.en": '{"blocks": 5}'}, "body.en"),
    ({"kind": "'; DROP TABLE practices; --"}, "kind"),
    ({"links.0.url": "javascript:alert(1)", "links.0.label.en": "x"}, "links.0.url"),
    ({"title.en": "nul \x00 inside"}, "title.en"),
]


def test_hostile_input_is_refused_at_its_field_and_nothing_is_lost(
        observatory: Observatory) -> None:
    client = admin_client(observatory)
    form, _ = practice_form(client, IZMIR_PRACTICE)
    before = revisions_of(IZMIR_PRACTICE)
    for changes, field in HOSTILE:
        answer = client.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/",
                             {**form, **changes, "action": "publish"})
        assert answer.status_code == 200, changes
        errors = answer.context["form"].errors
        assert field in errors, (field, errors)
        if not field.startswith(("images.", "body.")):
            assert answer.context["form"][field].value() == changes[field]  # kept
    assert revisions_of(IZMIR_PRACTICE) == before


def test_script_in_rich_text_is_sanitised_on_publish(observatory: Observatory) -> None:
    client = admin_client(observatory)
    form, _ = practice_form(client, IZMIR_PRACTICE)
    client.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/", {
        **form, "body.en": draftail("Click <img src=x onerror=alert(1)>",
                                    link="javascript:alert(1)"), "action": "publish"})
    body = observatory.practices.get(IZMIR_PRACTICE).body.get("en")
    assert "Click" in body
    assert "javascript" not in body
    assert "<img" not in body
    assert "&lt;img" in body


def test_a_stale_save_keeps_the_input_and_names_who_saved(observatory: Observatory) -> None:
    client = admin_client(observatory)
    form, _ = practice_form(client, IZMIR_PRACTICE)
    client.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/",
                {**form, "title.en": "First", "action": "draft"})
    late = client.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/",
                       {**form, "title.en": "Second, on the old base", "action": "draft"})
    assert late.status_code == 409
    assert late.context["form"]["title.en"].value() == "Second, on the old base"
    assert "while you were editing" in late.content.decode()


def test_a_repeatable_group_grows_by_a_row_and_an_event_keeps_its_sessions(
        observatory: Observatory) -> None:
    client = admin_client(observatory)
    form, page = practice_form(client, IZMIR_PRACTICE)
    rows = [n for n in page.context["form"].fields if n.startswith("links.")]
    grown = client.post(f"{ADMIN}/practices/edit/{IZMIR_PRACTICE}/",
                        {**form, "add_row": "links"})
    assert len([n for n in grown.context["form"].fields if n.startswith("links.")]) \
        == 2 * len(rows)  # a blank row more (its address, its label in each language)
    event = client.get(f"{ADMIN}/events/edit/izmir-2021/")
    sessions = observatory.programme.get("izmir-2021").sessions
    data = browser_form(event.context["form"], event.context["base"], action="publish")
    saved = client.post(f"{ADMIN}/events/edit/izmir-2021/", data)
    assert saved.status_code == 302, saved.context["form"].errors
    assert observatory.programme.get("izmir-2021").sessions == sessions


# -- the network's records of issue 20


def test_an_izmir_publisher_keeps_izmir_s_partners_and_a_study_gets_its_details(
        observatory: Observatory) -> None:
    publisher = logged_in(user_in("Izmir publishers", ["cities_edit"], ["izmir"]))
    page = publisher.get(f"{ADMIN}/organisations/new/")
    assert page.status_code == 200
    form = browser_form(page.context["form"], 0, **{
        "slug": "izmir-youth", "name.en": "Izmir Youth Council", "kind": "public_body",
        "city": "izmir", "website": "https://genclik.izmir.example/", "action": "publish"})
    refused = publisher.post(f"{ADMIN}/organisations/new/",
                             {**form, "website": "javascript:alert(1)"})
    assert refused.status_code == 200
    assert "website" in refused.context["form"].errors
    assert observatory.organisations.list().total == 0  # nothing stored
    made = publisher.post(f"{ADMIN}/organisations/new/", form)
    assert made.status_code == 302, made.context["form"].errors
    assert observatory.organisations.get("izmir-youth").name.get("en") == "Izmir Youth Council"
    listed = publisher.get(f"{ADMIN}/organisations/")
    assert [o.slug for o in listed.context["object_list"]] == ["izmir-youth"]
    assert denied(publisher.post(f"{ADMIN}/organisations/new/", {
        **form, "slug": "elsewhere", "city": "dusseldorf"}))
    assert observatory.organisations.list().total == 1
    # a study: the practice viewset's form has its details (year, authors, cities covered)
    admin = admin_client(observatory)
    page = admin.get(f"{ADMIN}/practices/new/")
    assert {"study.year", "study.authors", "study.cities"} <= set(page.context["form"].fields)
    form = browser_form(page.context["form"], 0, **{
        "slug": "twelve-city-study", "city": "montreal", "kind": "study",
        "title.en": "Living Together in twelve cities", "study.year": "2017",
        "study.authors": "A. Author\nB. Author", "study.cities": ["montreal", "izmir"],
        "action": "publish"})
    wrong = admin.post(f"{ADMIN}/practices/new/", {**form, "study.year": "1492"})
    assert "study.year" in wrong.context["form"].errors
    made = admin.post(f"{ADMIN}/practices/new/", form)
    assert made.status_code == 302, made.context["form"].errors
    study = observatory.practices.get("twelve-city-study")
    assert study.kind is PracticeKind.STUDY
    assert study.study is not None
    assert (study.study.year, study.study.authors, study.study.cities) == (
        2017, ("A. Author", "B. Author"), ("montreal", "izmir"))
