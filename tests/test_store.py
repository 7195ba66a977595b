"""The schema, its migrations and its engines, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sys
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from livingtogether import Observatory
from livingtogether.errors import ConfigurationError, MigrationRequired
from livingtogether.store import Store, now, resolve_url, schema, versions


def test_migrations_build_exactly_the_declared_schema(database_url: str) -> None:
    store = Store(database_url)
    try:
        assert store.version() == 0
        assert store.upgrade() == list(range(1, store.latest + 1))
        assert store.version() == store.latest
        # The full-text objects are dialect DDL outside the metadata: skip exactly
        # those, and check below that they are there.
        extra = schema.SEARCH_OBJECTS[store.dialect]

        def declared(_: object, name: str | None, *__: object) -> bool:
            return name not in extra

        with store.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_name": declared, "include_object": declared})
            diff = compare_metadata(context, schema.metadata)
            found = set(sa.inspect(connection).get_table_names())
            if store.dialect == "postgresql":
                found |= {c["name"] for c in sa.inspect(connection).get_columns(
                    "lt_practice_text")}
                found |= {i["name"] for i in sa.inspect(connection).get_indexes(
                    "lt_practice_text")}
        assert diff == []
        assert extra <= found
        assert store.upgrade() == []
    finally:
        store.close()


def test_without_auto_migrate_an_old_database_names_the_command(database_url: str) -> None:
    with pytest.raises(MigrationRequired, match="livingtogether db upgrade"):
        Observatory.open(database_url, auto_migrate=False)
    Observatory.open(database_url).close()
    Observatory.open(database_url, auto_migrate=False).close()


def test_several_processes_opening_at_once_migrate_once(database_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Observatory.open(database_url).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    store = Store(database_url)
    with store.read() as connection:
        versions = connection.scalars(sa.select(schema.schema_version.c.version)).all()
    store.close()
    assert sorted(versions) == list(range(1, store.latest + 1))


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    with store.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVINGTOGETHER_DATABASE_URL", raising=False)
    assert resolve_url(None) == "sqlite:///livingtogether.sqlite3"
    monkeypatch.setenv("LIVINGTOGETHER_DATABASE_URL", "postgres://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    with pytest.raises(ConfigurationError, match="not a database URL"):
        Store("nonsense")
    with pytest.raises(ConfigurationError, match="not supported"):
        Store("mysql://u@h/db")


def test_unknown_and_bad_settings_say_what_to_fix(sqlite_url: str) -> None:
    with pytest.raises(ConfigurationError, match="unknown setting colour; the settings are"):
        Observatory.open(sqlite_url, colour="red")
    with pytest.raises(ConfigurationError, match="max_body_bytes"):
        Observatory.open(sqlite_url, max_body_bytes="big")


def test_a_database_newer_than_the_library_is_refused(database_url: str) -> None:
    Observatory.open(database_url).close()
    store = Store(database_url)
    with store.write() as connection:
        connection.execute(schema.schema_version.insert().values(
            version=store.latest + 1, name="from a newer release", applied_at=now()))
    store.close()
    for auto_migrate in (True, False):
        with pytest.raises(ConfigurationError, match="newer than this library"):
            Observatory.open(database_url, auto_migrate=auto_migrate)


def test_the_groups_a_statement_writes() -> None:
    assert versions.groups_of("SELECT * FROM lt_cities") == set()
    assert versions.groups_of('UPDATE "lt_cities" SET data=?') == {"cities"}
    assert versions.groups_of("INSERT INTO lt_practice_text (id) VALUES (1)") == {"practices"}
    assert versions.groups_of("delete from lt_sessions where id = 1") == {"programme"}
    assert versions.groups_of("INSERT INTO lt_rate_limits VALUES (1)") == set()  # bookkeeping
    # a new signature is pending: only its confirmation (an UPDATE) changes what shows
    assert versions.groups_of("INSERT INTO lt_pledges (kind) VALUES ('citizen')") == set()
    assert versions.groups_of("UPDATE lt_pledges SET status='confirmed'") == {"pledges"}
    # what this module cannot place changes everything
    assert versions.groups_of("INSERT INTO lt_new_table VALUES (1)") == {versions.ALL}
    assert versions.groups_of("CREATE TABLE x (id int)") == {versions.ALL}
    assert versions.groups_of("WITH x AS (SELECT 1) SELECT * FROM x") == set()
    # a data-modifying WITH writes each of its statements' tables
    assert versions.groups_of("WITH x AS (SELECT 1) DELETE FROM lt_cities") == {"cities"}
    assert versions.groups_of(
        "WITH n AS (INSERT INTO lt_pledges (kind) VALUES ('citizen') ON CONFLICT (email_key) "
        "DO NOTHING RETURNING id) INSERT INTO lt_outbox (pledge_id) SELECT id FROM n") == set()
    assert versions.groups_of(
        "WITH n AS (UPDATE lt_pledges SET status='confirmed' RETURNING id) "
        "INSERT INTO lt_counters (name) SELECT 'x' FROM n") == {"pledges"}
    assert versions.groups_of(
        "WITH n AS (INSERT INTO lt_cities (slug) VALUES ('x') ON CONFLICT (slug) DO UPDATE SET "
        "slug = 'x' RETURNING id) DELETE FROM lt_sessions") == {"cities", "programme"}
    assert versions.groups_of("WITH n AS (INSERT INTO lt_new_table VALUES (1)) SELECT 1") == \
        {versions.ALL}
    assert versions.groups_of("WITH n AS (MERGE INTO lt_cities) SELECT 1 WHERE 'update'") == \
        {versions.ALL}



def test_every_table_has_its_place_in_the_versions() -> None:
    """A table added to the schema is placed: in a group a reader sees, or among the
    bookkeeping (else each write to it would change every widget's version)."""
    unplaced = [name for name in schema.metadata.tables
                if name not in versions.GROUPS and name not in versions.UNSEEN]
    assert not unplaced, f"add to store/versions.py GROUPS or UNSEEN: {unplaced}"

def test_a_write_bumps_its_groups_in_its_own_transaction(database_url: str) -> None:
    with Observatory.open(database_url) as obs:
        store = obs.store
        before = store.versions()
        with store.write() as connection:
            connection.execute(schema.cities.update().values(status="member")
                               .where(schema.cities.c.slug == "nowhere"))
            connection.execute(schema.rate_limits.delete())
        after = store.versions()
        assert after["cities"] == before.get("cities", 0) + 1
        assert {g: v for g, v in after.items() if g != "cities"} == {
            g: v for g, v in before.items() if g != "cities"}

        def rolled_back() -> None:
            with store.write() as connection:
                connection.execute(schema.themes.delete())
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            rolled_back()
        assert store.versions() == after  # a rolled-back write changed nothing


def test_versions_are_read_again_after_a_lost_connection(database_url: str) -> None:
    with Observatory.open(database_url) as obs:
        store = obs.store
        with store.write() as connection:
            connection.execute(schema.cities.delete())
        before = store.versions()
        assert before["cities"] >= 1
        if store.dialect == "postgresql":  # the server drops the connection that read them
            with store.engine.connect() as connection:
                dropped = connection.scalar(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                    "datname = current_database() AND pid <> pg_backend_pid() AND "
                    "query LIKE 'SELECT name, value FROM lt_counters%'"))
            assert dropped == 1
        assert store.versions() == before
        with store.write() as connection:
            connection.execute(schema.cities.delete())
        assert store.versions()["cities"] == before["cities"] + 1


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_sqlite_writers_of_every_process_queue_on_one_lock_of_the_system(
        sqlite_url: str) -> None:
    """A write on a SQLite file first takes the ``flock`` of ``<file>-writers``, which
    every process's store takes (here: another open file of it, held by hand); released,
    the write goes ahead at once."""
    import fcntl

    store = Store(sqlite_url)
    held = os.open(f"{store.engine.url.database}-writers", os.O_RDWR | os.O_CREAT)
    done = threading.Event()

    def write() -> None:
        with store.write(versioned=False) as connection:
            connection.exec_driver_sql("CREATE TABLE queued (x INTEGER)")
        done.set()

    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.3)  # queued behind the lock, not SQLite's
        fcntl.flock(held, fcntl.LOCK_UN)
        assert done.wait(10)
        writer.join()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # and released after the write
    finally:
        os.close(held)
        store.close()
    with Store(sqlite_url).engine.connect() as connection:
        assert sa.inspect(connection).has_table("queued")
