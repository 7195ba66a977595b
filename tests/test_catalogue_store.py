"""Migration 4 on a PostgreSQL database whose user may not create the unaccent extension."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from conftest import POSTGRES_URL
from livingtogether import City, ConfigurationError, ModerationStatus, Observatory, Practice, Text


@pytest.fixture
def restricted() -> Iterator[tuple[str, sa.Engine]]:
    """A new database without unaccent, and a user who may create tables but not
    extensions in it: ``(that user's URL, an administrator's engine on it)``."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("LIVINGTOGETHER_TEST_POSTGRES_URL is not set; run the suite by `make test`")
        pytest.skip("no PostgreSQL (set LIVINGTOGETHER_TEST_POSTGRES_URL or run `make test`)")
    suffix = secrets.token_hex(4)
    database, role = f"lt_noext_{suffix}", f"lt_weak_{suffix}"
    admin_url = sa.engine.make_url(POSTGRES_URL)
    server = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        connection.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    admin = sa.create_engine(admin_url.set(database=database), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"'))
    try:
        yield admin_url.set(username=role, password=None, database=database).render_as_string(
            hide_password=False), admin
    finally:
        admin.dispose()
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))
            connection.execute(sa.text(f'DROP ROLE "{role}"'))
        server.dispose()


def test_the_migration_says_who_must_create_unaccent(restricted: tuple[str, sa.Engine]) -> None:
    url, admin = restricted
    with pytest.raises(ConfigurationError) as caught:
        Observatory.open(url)
    message = str(caught.value)
    assert "CREATE EXTENSION unaccent;" in message
    assert "lt_noext_" in message  # the database to run it in
    assert "administrator" in message
    with admin.connect() as connection:
        connection.execute(sa.text("CREATE EXTENSION unaccent"))
    with Observatory.open(url) as obs:
        obs.cities.create(City(slug="montreal", name=Text({"fr": "Montréal"}), country="CA"))
        obs.practices.create(Practice(slug="p", city="montreal", status=ModerationStatus.PUBLISHED,
                                      title=Text({"fr": "Vivre ensemble à Montréal"})))
        assert [h.practice.slug for h in obs.practices.search("montreal").hits] == ["p"]
