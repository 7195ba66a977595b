"""The choosers of the blocks' records: listing, search, paging, permissions, hostile
searches; the chooser blocks' clean and render with chosen, legacy and unknown slugs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from demo.home.models import ObservatoryPage
from django.contrib.auth.models import Group, Permission, User
from django.test import Client, RequestFactory
from livingtogether_wagtail.blocks import PracticesBlock, ProgrammeBlock
from livingtogether_wagtail.choosers import KINDS, MAX_SEARCH, EventChooserBlock, Records
from wagtail.blocks import StructBlockValidationError
from wagtail.models import Page

from livingtogether import Observatory

ADMIN = "/admin/livingtogether-choosers"


@pytest.fixture
def editor(observatory: Observatory) -> Client:
    """A client logged in as an editor of the site: admin access, not a superuser."""
    user = User.objects.create_user("editor", "editor@example.org", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def modal(response: Any) -> str:
    """The HTML of a chooser's modal step (or the results fragment)."""
    assert response.status_code == 200, response.content[:300]
    if response["Content-Type"].startswith("application/json"):
        return str(json.loads(response.content)["html"])
    return response.content.decode()


def slugs(html: str) -> list[str]:
    """The slugs listed, in order (each row links to its ``chosen`` URL)."""
    return re.findall(r'/chosen/([a-z0-9-]+)/', html)


def test_each_chooser_lists_the_published_records_of_its_kind(
        observatory: Observatory, editor: Client) -> None:
    expected = {"city": "Izmir", "event": "Mayors Summit", "theme": "Culture",
                "campaign": "International Day of Living Together"}
    for name, title in expected.items():
        html = modal(editor.get(f"{ADMIN}/{name}/"))
        assert title in html, name
        assert 'name="q"' in html  # the search field
    events = slugs(modal(editor.get(f"{ADMIN}/event/")))
    assert events == [e.slug for e in observatory.programme.published_list().items]
    themes = slugs(modal(editor.get(f"{ADMIN}/theme/")))
    assert themes == [t.slug for t in observatory.themes.list().items]  # the service's order


def test_the_city_chooser_pages_through_the_service(observatory: Observatory,
                                                    editor: Client) -> None:
    every = [c.slug for c in observatory.cities.list(limit=200).items]
    assert len(every) > 10  # more than one page of the chooser
    first = slugs(modal(editor.get(f"{ADMIN}/city/results/")))
    second = slugs(modal(editor.get(f"{ADMIN}/city/results/", {"p": "2"})))
    assert first == every[:10]
    assert second == every[10:20]
    records = Records(KINDS["city"], observatory)
    assert len(records) == len(every)
    assert [c.slug for c in records[3:7]] == every[3:7]
    assert records[-1].slug == every[-1]
    assert records[50:60] == []
    assert editor.get(f"{ADMIN}/city/results/", {"p": "99"}).status_code == 404
    assert editor.get(f"{ADMIN}/city/results/", {"p": "abc"}).status_code == 404


def test_the_search_finds_by_slug_and_by_name_in_any_language(observatory: Observatory,
                                                              editor: Client) -> None:
    found = slugs(modal(editor.get(f"{ADMIN}/city/results/", {"q": "dussel"})))
    assert found == ["dusseldorf"]
    french = observatory.themes.get("culture").label.get("fr")
    assert french
    found = slugs(modal(editor.get(f"{ADMIN}/theme/results/", {"q": french.upper()})))
    assert found == ["culture"]
    html = modal(editor.get(f"{ADMIN}/city/results/", {"q": "atlantis"}))
    assert slugs(html) == []
    assert "no matches" in html


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "' OR 1=1 --",
                                   "izmir\x00", "%ff\ud800"[:3]])
def test_hostile_searches_are_shown_escaped_and_find_nothing(editor: Client,
                                                             query: str) -> None:
    html = modal(editor.get(f"{ADMIN}/city/results/", {"q": query}))
    assert "<script>alert" not in html
    assert slugs(html) == []


def test_an_oversized_search_says_what_to_fix(editor: Client) -> None:
    html = modal(editor.get(f"{ADMIN}/city/results/", {"q": "a" * (MAX_SEARCH + 1)}))
    assert f"Shorten the search to {MAX_SEARCH} characters" in html
    assert slugs(html) == []
    undecodable = editor.get(f"{ADMIN}/city/results/?q=%ff%fe")
    assert undecodable.status_code == 200


def test_choosing_answers_the_slug_and_the_name(editor: Client) -> None:
    chosen = json.loads(modal_json(editor.get(f"{ADMIN}/event/chosen/izmir-2021/")))
    assert chosen["step"] == "chosen"
    assert chosen["result"]["id"] == "izmir-2021"
    assert "Summit" in chosen["result"]["title"]
    for wrong in ("atlantis", "NOT-A-SLUG", "a" * 500):
        assert editor.get(f"{ADMIN}/city/chosen/{wrong}/").status_code == 404
    assert editor.get(f"{ADMIN}/city/create/").status_code == 404  # records are made elsewhere


def modal_json(response: Any) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_staff_without_admin_access_are_refused(observatory: Observatory) -> None:
    staff = User.objects.create_user("clerk", "clerk@example.org", "pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_signatures"))
    client = Client()
    client.force_login(staff)
    for name in KINDS:
        refused = client.get(f"{ADMIN}/{name}/")
        assert refused.status_code == 302, name
        assert "/admin/login/" in refused["Location"], name
    anonymous = Client().get(f"{ADMIN}/city/chosen/izmir/")
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous["Location"]


def test_a_chosen_value_is_the_slug_cleaned_and_rendered(observatory: Observatory) -> None:
    block = ProgrammeBlock()
    value = block.clean(block.to_python({"event": "izmir-2021"}))
    assert block.get_prep_value(value) == {"event": "izmir-2021"}
    assert "lt-widget--programme" in block.render(value)
    practices = PracticesBlock()
    value = practices.clean(practices.to_python({"city": "izmir", "kind": "", "theme": None}))
    assert practices.get_prep_value(value) == {"city": "izmir", "kind": "", "theme": None}
    with pytest.raises(StructBlockValidationError) as raised:
        block.clean(block.to_python({"event": "atlantis-1999"}))
    assert "atlantis-1999 is not found: choose another" in str(raised.value.block_errors)
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"event": "Not A Slug"}))
    widget = EventChooserBlock().widget
    assert widget.get_value_data("atlantis-1999") == {
        "id": "atlantis-1999", "title": "atlantis-1999 (not found: choose another)",
        "edit_url": None}  # kept until the editor chooses another


def test_a_page_saved_with_typed_slugs_renders(observatory: Observatory, client: Client) -> None:
    """The JSON the blocks stored when their fields were CharBlocks, as it is in the table."""
    legacy = [
        {"type": "programme", "value": {"event": "izmir-2021"}, "id": "a1"},
        {"type": "practices", "value": {"city": "", "kind": "", "theme": ""}, "id": "a2"},
        {"type": "programme", "value": {"event": "gone-2019"}, "id": "a3"},
    ]
    home = Page.objects.get(slug="summit")
    page = home.add_child(instance=ObservatoryPage(title="Old", slug="old", body=[]))
    ObservatoryPage.objects.filter(pk=page.pk).update(body=json.dumps(legacy))
    stored = ObservatoryPage.objects.get(pk=page.pk)
    assert stored.body[0].value["event"] == "izmir-2021"
    assert stored.body.raw_data[1]["value"]["city"] == ""
    live = client.get(stored.url)
    assert live.status_code == 200
    text = live.content.decode()
    assert "lt-widget--programme" in text
    assert "lt-widget--practices" in text
    assert "lt-widget--error" in text  # the unknown event: the widget's own message
    assert "edit this block and choose another" not in text  # editors' words stay in preview
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    editor = Client()
    editor.force_login(admin)
    edit = editor.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200
    assert "gone-2019 (not found: choose another)" in edit.content.decode()
    request = RequestFactory().get("/old/")
    request.is_preview = True  # as Wagtail marks a preview's request
    note = ProgrammeBlock()
    html = note.render(note.to_python({"event": "gone-2019"}), context={"request": request})
    assert "Event: gone-2019 is not found; edit this block and choose another." in html
