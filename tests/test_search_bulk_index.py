"""SQLite's full-text index filled in one statement by a bulk write (its trigger set aside
for the insert and put back): the same index as row by row, the trigger as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from livingtogether import (
    City,
    Conflict,
    ModerationStatus,
    Observatory,
    Practice,
    Text,
)
from livingtogether.services.search_index import BULK_INDEX

TRIGGER = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'lt_practice_text_ai'"


def _practices(count: int, start: int = 0) -> list[Practice]:
    return [Practice(slug=f"p-{n}", city="lyon", status=ModerationStatus.PUBLISHED,
                     title=Text({"en": f"Garden word{n}", "fr": f"Jardin mot{n}"}),
                     summary=Text({"en": "Neighbours plant together."}),
                     body=Text({"fr": f"<p>Un <b>jardin</b> partagé numéro{n}.</p>"}))
            for n in range(start, start + count)]


@pytest.fixture
def obs(sqlite_url: str) -> Observatory:
    observatory = Observatory.open(sqlite_url)
    observatory.cities.save(City(slug="lyon", name=Text({"fr": "Lyon"}), country="FR"))
    return observatory


def _trigger(obs: Observatory) -> str | None:
    with obs.store.read() as connection:
        return connection.exec_driver_sql(TRIGGER).scalar()


def test_a_bulk_write_indexes_every_row_and_keeps_the_trigger(obs: Observatory) -> None:
    before = _trigger(obs)
    assert before is not None
    count = BULK_INDEX + 10  # two rows per practice: well past the bulk threshold
    obs.practices.create_many(_practices(count))
    assert _trigger(obs) == before
    search = obs.practices.search
    assert search("garden", limit=1).total == count
    assert search("jardin", limit=1).total == count
    for n in (0, 17, count - 1):  # each row under its own rowid, every column indexed
        assert [h.practice.slug for h in search(f"word{n}").hits] == [f"p-{n}"]
        assert [h.practice.slug for h in search(f"numéro{n}").hits] == [f"p-{n}"]
    assert search("jardin", language="fr", limit=1).facets["language"][0].count == count
    with obs.store.write() as connection:  # FTS5's own check of index against content
        connection.exec_driver_sql(
            "INSERT INTO lt_practice_fts(lt_practice_fts, rank) VALUES ('integrity-check', 1)")
    # A single write after it is indexed by the trigger again, and so is an update.
    obs.practices.create(_practices(1, start=count)[0])
    assert [h.practice.slug for h in search(f"word{count}").hits] == [f"p-{count}"]
    obs.practices.update(Practice(slug="p-0", city="lyon", status=ModerationStatus.PUBLISHED,
                                  title=Text({"en": "Renamed orchard"})))
    assert search("word0").total == 0
    assert [h.practice.slug for h in search("orchard").hits] == ["p-0"]


def test_a_failed_bulk_write_leaves_the_index_and_the_trigger(obs: Observatory) -> None:
    before = _trigger(obs)
    obs.practices.create_many(_practices(BULK_INDEX))
    clash = [*_practices(BULK_INDEX, start=1000), *_practices(1, start=3)]  # p-3 is taken
    with pytest.raises(Conflict):
        obs.practices.create_many(clash)
    assert _trigger(obs) == before
    assert obs.practices.search("garden", limit=1).total == BULK_INDEX
    assert obs.practices.search("word1001").total == 0
    with obs.store.read() as connection:
        rows = connection.scalar(sa.text("SELECT count(*) FROM lt_practice_text"))
    assert rows == 2 * BULK_INDEX


def test_a_bulk_write_changes_the_catalogue_s_version_only(obs: Observatory) -> None:
    """Setting the trigger aside is DDL, which the data versions would otherwise count as
    a change of everything (every widget's cache and ETag with it)."""
    before = obs.store.versions()
    obs.practices.create_many(_practices(BULK_INDEX + 1))
    after = obs.store.versions()
    changed = {name for name in after if after[name] != before.get(name, 0)}
    assert changed == {"practices"}
