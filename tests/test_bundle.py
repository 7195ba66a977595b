"""Export then import gives back the same data; a bad bundle changes nothing."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingtogether import Observatory
from livingtogether.errors import LivingTogetherError, ValidationError
from livingtogether.models import Declaration, EventSeries, Practice, Text
from livingtogether.observatory import read_bundle, write_bundle
from strategies import cities, events


def _fill(obs: Observatory) -> None:
    from test_services import IZMIR, PARIS, _event

    obs.cities.create(IZMIR)
    obs.cities.create(PARIS)
    obs.practices.create(Practice(slug="p", city="paris", title=Text.of("P"),
                                  body=Text.of("<p>body</p>")))
    obs.series.create(EventSeries(slug="summits", title=Text.of("Mayors Summits")))
    obs.programme.create(_event())
    obs.programme.create(_event("later", date(2022, 5, 16)))
    obs.declarations.create(Declaration(slug="ud", title=Text.of("UD")))


def test_export_then_import_into_an_empty_database(
    observatory: Observatory, sqlite_url: str
) -> None:
    _fill(observatory)
    exported = json.loads(json.dumps(observatory.export_bundle()))
    with Observatory.open(sqlite_url) as empty:
        report = empty.import_bundle(exported)
        assert report.created == {"cities": 2, "organisations": 0, "themes": 0, "practices": 1,
                                  "series": 1, "events": 2, "programme_versions": 0,
                                  "declarations": 1,
                                  "campaigns": 0, "participations": 0}
        assert report.updated["themes"] == 9  # the taxonomy both databases start with
        assert report.lines() == ["cities: 2 created, 0 updated",
                                  "themes: 0 created, 9 updated",
                                  "practices: 1 created, 0 updated",
                                  "series: 1 created, 0 updated",
                                  "events: 2 created, 0 updated",
                                  "declarations: 1 created, 0 updated"]
        assert empty.export_bundle() == exported
        assert empty.import_bundle(exported).updated["events"] == 2
        assert empty.export_bundle() == exported


def test_published_versions_travel_in_the_bundle(observatory: Observatory,
                                                  sqlite_url: str) -> None:
    # A copy shows the same published programme, history and calendar SEQUENCE, and
    # keeps the organisers' unpublished edits unpublished.
    import attrs

    from livingtogether.programme_export import icalendar

    _fill(observatory)
    programme = observatory.programme
    programme.publish("summit", note="First programme")
    summit = programme.get("summit")
    programme.update(attrs.evolve(summit, sessions=summit.sessions[:1]))
    programme.publish("summit")
    programme.update(attrs.evolve(summit, title=Text.of("Summit (draft)")))
    exported = json.loads(json.dumps(observatory.export_bundle()))
    assert [(v["event"]["slug"], v["version"]["number"])
            for v in exported["programme_versions"]] == [("summit", 1), ("summit", 2)]
    with Observatory.open(sqlite_url) as copy:
        report = copy.import_bundle(exported)
        assert report.created["programme_versions"] == 2
        assert copy.export_bundle() == exported
        for obs in (observatory, copy):
            shown = obs.programme.published("summit")
            assert shown.version is not None
            assert shown.version.number == 2
            assert shown.event.title.get() == "Summit"
            assert obs.programme.get("summit").title.get() == "Summit (draft)"
        assert copy.programme.versions("summit") == programme.versions("summit")
        assert copy.programme.changes("summit", since=1) == programme.changes("summit", since=1)
        original = observatory.programme.published("summit")
        copied = copy.programme.published("summit")
        assert icalendar(copied.event, version=copied.version) == \
            icalendar(original.event, version=original.version)
        # importing the same versions again changes nothing
        again = copy.import_bundle(exported)
        assert (again.created["programme_versions"], again.updated["programme_versions"]) \
            == (0, 2)
        assert copy.export_bundle() == exported
        # a published version never changes; nothing of a refused bundle is written
        changed = json.loads(json.dumps(exported))
        changed["cities"][0]["name"] = {"en": "Renamed"}
        changed["programme_versions"][1]["event"]["title"] = {"en": "Rewritten"}
        with pytest.raises(ValidationError) as caught:
            copy.import_bundle(changed)
        assert caught.value.field == "programme_versions.1.version.number"
        assert "never changes" in caught.value.message
        assert copy.export_bundle() == exported
        # a version of an event neither the bundle nor the database has
        stray = {"programme_versions": [dict(exported["programme_versions"][0],
                                             event=dict(exported["events"][0],
                                                        slug="elsewhere"))]}
        with pytest.raises(ValidationError) as caught:
            copy.import_bundle(stray)
        assert caught.value.field == "programme_versions.0.event.slug"
        assert copy.export_bundle() == exported

def test_a_bad_record_anywhere_imports_nothing(observatory: Observatory) -> None:
    _fill(observatory)
    before = observatory.export_bundle()
    bundle = json.loads(json.dumps(before))
    bundle["cities"].append({"slug": "new", "name": {"en": "New"}, "country": "FR"})
    bundle["practices"].append({"slug": "q", "city": "atlantis", "title": {"en": "Q"}})
    with pytest.raises(ValidationError) as caught:
        observatory.import_bundle(bundle)
    assert caught.value.field == "practices.1.city"
    assert observatory.export_bundle() == before
    bundle["practices"].pop()
    bundle["events"][0]["sessions"][0]["ends_at"] = "1999-01-01T00:00:00Z"
    with pytest.raises(ValidationError) as caught:
        observatory.import_bundle(bundle)
    assert caught.value.field == "events.0.sessions.0.ends_at"
    with pytest.raises(ValidationError, match="unknown bundle key 'pledges'"):
        observatory.import_bundle({"pledges": []})
    assert observatory.export_bundle() == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(city_list=st.lists(cities, max_size=4, unique_by=lambda c: c.slug),
       event_list=st.lists(events(), max_size=2, unique_by=lambda e: e.slug))
def test_any_valid_bundle_round_trips(tmp_path_factory: pytest.TempPathFactory,
                                      city_list: list, event_list: list) -> None:
    from livingtogether import convert

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'x.sqlite3'}"
    bundle = {"cities": convert.unstructure(city_list), "events": convert.unstructure(event_list)}
    with Observatory.open(url) as obs:
        obs.import_bundle(bundle)
        exported = obs.export_bundle()
    assert exported["cities"] == sorted(bundle["cities"], key=lambda c: c["slug"])
    by_slug = {e["slug"]: e for e in exported["events"]}
    assert by_slug == {e["slug"]: e for e in bundle["events"]}


def test_reimporting_participations_counts_them_as_updated(observatory: Observatory) -> None:
    from livingtogether.demo import bundle

    data = bundle()
    data["participations"] = [{"campaign": "idltp-2022", "city": "izmir", "signed": True}]
    assert observatory.import_bundle(data).created["participations"] == 1
    again = observatory.import_bundle(data)
    assert (again.created["participations"], again.updated["participations"]) == (0, 1)


def test_bundle_files_are_read_and_written_saying_what_is_wrong(tmp_path: Path) -> None:
    """``read_bundle`` and ``write_bundle``: the file handling of the CLI and the Wagtail
    commands."""
    data = {"cities": [{"slug": "izmir", "name": {"tr": "İzmir"}}]}
    out = io.StringIO()
    write_bundle(data, None, out)
    assert out.getvalue().endswith("}\n")
    assert "İzmir" in out.getvalue()  # UTF-8, not \u escapes
    target = tmp_path / "bundle.json"
    write_bundle(data, str(target))
    assert target.read_text(encoding="utf-8") == out.getvalue()
    assert read_bundle(str(target)) == data
    assert read_bundle("-", io.StringIO(out.getvalue())) == data
    with pytest.raises(LivingTogetherError, match=r"^cannot write .*missing/b\.json: No such"):
        write_bundle(data, str(tmp_path / "missing" / "b.json"))
    with pytest.raises(LivingTogetherError, match=r"^cannot read .*nope\.json: No such"):
        read_bundle(str(tmp_path / "nope.json"))
    (tmp_path / "latin.json").write_bytes('{"a": "café"}'.encode("latin-1"))
    with pytest.raises(LivingTogetherError, match=r"latin\.json is not UTF-8 text"):
        read_bundle(str(tmp_path / "latin.json"))
    with pytest.raises(LivingTogetherError, match=r"^- is not JSON: .* at line 2, column 1$"):
        read_bundle("-", io.StringIO("{\n"))


def _many(count: int, bad: int | None = None) -> dict[str, list[dict[str, object]]]:
    """A bundle of ``count`` practices of two cities; practice ``bad`` names no city."""
    return {
        "cities": [{"slug": slug, "name": {"en": slug.title()}, "country": "FR"}
                   for slug in ("paris", "lyon")],
        "practices": [{"slug": f"p-{n}",
                       "city": "atlantis" if n == bad else ("paris", "lyon")[n % 2],
                       "title": {"en": f"Practice heron{n}", "fr": f"Pratique heron{n}"},
                       "body": {"en": f"<p>The <b>heron{n}</b> walk</p><script>x</script>"},
                       "status": "published"}
                      for n in range(count)],
    }


def test_a_bad_record_in_a_later_batch_imports_nothing(observatory: Observatory) -> None:
    """Batches of 3: the bad practice is in the third, after two were written; the
    transaction takes them back, and the error names the practice by its place."""
    _fill(observatory)
    before = observatory.export_bundle()
    with pytest.raises(ValidationError) as caught:
        observatory.import_bundle(_many(10, bad=7), batch=3)
    assert caught.value.field == "practices.7.city"
    assert "there is no city 'atlantis'" in caught.value.message
    assert observatory.export_bundle() == before
    assert observatory.practices.search("heron1").total == 0


def test_an_import_in_batches_writes_every_record_and_its_index(
        observatory: Observatory) -> None:
    seen: list[tuple[str, int, int]] = []
    report = observatory.import_bundle(_many(10), batch=4,
                                       progress=lambda *step: seen.append(step))
    assert report.created == {**report.created, "cities": 2, "practices": 10}
    assert [step for step in seen if step[0] == "practices"] == [
        ("practices", 4, 10), ("practices", 8, 10), ("practices", 10, 10)]
    assert ("cities", 2, 2) in seen
    for n in (0, 3, 4, 9):  # a practice of each batch is found, its body sanitised
        hits = observatory.practices.search(f"heron{n}").hits
        assert [hit.practice.slug for hit in hits] == [f"p-{n}"]
        assert "<script>" not in hits[0].practice.body.values["en"]
    # Again: all updates, in bulk, and the index follows the new text.
    changed = _many(10)
    changed["practices"][5]["title"] = {"en": "Practice egret5"}
    again = observatory.import_bundle(changed, batch=4)
    assert (again.created["practices"], again.updated["practices"]) == (0, 10)
    assert observatory.practices.search("egret5").total == 1
    assert observatory.practices.search("heron5").total == 1  # still in its body
    assert observatory.practices.get("p-5").title.values == {"en": "Practice egret5"}


def test_the_same_slug_twice_in_a_bundle_is_created_then_updated(
        observatory: Observatory) -> None:
    bundle = _many(3)
    bundle["practices"].append({**bundle["practices"][1], "title": {"en": "Second copy"}})
    report = observatory.import_bundle(bundle)
    assert (report.created["practices"], report.updated["practices"]) == (3, 1)
    assert observatory.practices.get("p-1").title.values == {"en": "Second copy"}
