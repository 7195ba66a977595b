"""axe-core (WCAG 2.2 A and AA) on every staff screen of the console, in each of the six
languages (issue 16), Arabic mirrored: the secretariat opens every GET screen of the
console's route table (lists, new forms, edit forms, previews, histories, the media
library, an event and a session's form, moderation, signatures, retention).

The screens are read from the route table itself, so a new screen is covered (or this
test fails naming the path parameter it cannot fill): :data:`VALUES` gives each path
parameter a record of the demo (plus a participation, a submitted practice and a
signature made here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livingtogether import Observatory, demo, i18n
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.models import (
    CampaignParticipation,
    Organisation,
    Pledge,
    Practice,
    SignerKind,
    Text,
)
from livingtogether.staff_console import kinds, media, moderation, signatures
from livingtogether.wsgi import make_app
from test_web_support import serving

from .journeys import audit

SAM = Principal.with_roles(id="sam@observatory", name="Sam", roles=["secretariat-admin"])
ROUTES = (*kinds.ROUTES, *media.ROUTES, *moderation.ROUTES, *signatures.ROUTES)
_PARAM = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("axe")
    obs = Observatory.open(f"sqlite:///{folder / 'console.sqlite3'}")
    demo.install(obs)
    staff = Staff(obs)
    signed = obs.signing.sign(Pledge(declaration="universal-declaration",
                                     kind=SignerKind.CITIZEN, name="Ayşe Yılmaz",
                                     email="ayse@example.org", country="TR", city="Izmir",
                                     consent_version="2024-01"))
    assert signed.id is not None
    obs.signing.confirm(signed.id)
    staff.practices.save_draft(SAM, Practice(
        slug="tea-and-talk", city="izmir", title=Text.of("Tea and talk"),
        summary=Text.of("Neighbours meet over tea every Friday.")), base=0)
    staff.practices.submit(SAM, "tea-and-talk", base=1)
    staff.participations.save_draft(SAM, CampaignParticipation(
        campaign="idltp-2022", city="izmir", signed=True), base=0)
    obs.organisations.create(Organisation(slug="ege-uni", name=Text.of("Ege University"),
                                          city="izmir"))
    event = obs.programme.list(limit=1).items[0]
    values = {  # a record of each route's kind: its prefix -> the path's values
        "practices": {"slug": obs.practices.list(limit=1).items[0].slug},
        "cities": {"slug": "izmir"},
        "campaigns": {"slug": "idltp-2022"},
        "participations": {"campaign": "idltp-2022", "city": "izmir"},
        "declarations": {"slug": "universal-declaration"},
        "series-list": {"slug": "mayors-summits"},
        "organisations": {"slug": "ege-uni"},
        "themes": {"slug": obs.themes.list(limit=1).items[0].slug},
        "events": {"slug": event.slug, "key": event.sessions[0].key},
        "moderation": {"slug": "tea-and-talk"},
        "signatures": {"id": str(signed.id)},
    }
    try:
        with serving(make_app(obs, console_auth=lambda environ: SAM), threaded=True) as url:
            yield url, {name: "/".join(f"{k}={v}" for k, v in found.items())
                        for name, found in values.items()}
    finally:
        obs.close()


def screens(values: dict[str, str]) -> list[str]:
    """The path of every GET screen of the route table, its parameters filled."""
    found = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        prefix = route.path.strip("/").split("/")[0]
        given = dict(pair.split("=", 1) for pair in values.get(prefix, "").split("/") if pair)
        missing = [name for name in _PARAM.findall(route.path) if name not in given]
        assert not missing, f"{route.name}: no value for {missing} (add one to the fixture)"
        found.append(_PARAM.sub(lambda m, given=given: given[m.group(1)], route.path))
    return found


def test_the_route_table_s_screens_are_all_here() -> None:
    names = {route.name for route in ROUTES if route.method == "GET"}
    for kind in ("practice", "city", "organisation", "campaign", "participation",
                 "declaration", "series", "theme", "event"):
        assert {f"console-{kind}-new", f"console-{kind}", f"console-{kind}-preview",
                f"console-{kind}-history"} <= names
    assert {"console-media", "console-moderation", "console-moderation-item",
            "console-signatures", "console-retention", "console-session",
            "console-session-new"} <= names


@pytest.mark.parametrize("language", i18n.CATALOG_LANGUAGES)
def test_every_staff_screen_passes_axe(page: Any, site: tuple[str, dict[str, str]],
                                       axe_source: str, language: str) -> None:
    url, values = site
    paths = screens(values)
    assert len(paths) >= 40
    for path in paths:
        response = page.goto(f"{url}/console{path}?lang={language}")
        assert response is not None, path
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language, path
        assert page.locator("html").get_attribute("dir") == i18n.text_direction(language)
        try:
            audit(page, axe_source, "html")
        except AssertionError as error:
            raise AssertionError(f"{path} in {language}: {error}") from None
    if language == "ar":
        page.screenshot(path=str(Path(__file__).resolve().parents[2] / "docs" / "screenshots"
                                 / "console-forms-axe-ar.png"), full_page=True)
