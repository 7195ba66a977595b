"""Fixtures shared by the core's tests.

``database_url`` runs a test once on a fresh SQLite file and once on a fresh
schema of the real PostgreSQL server named by ``LIVINGTOGETHER_TEST_POSTGRES_URL``
(``make test`` starts one). Under CI a missing server is an error, not a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_URL = os.environ.get("LIVINGTOGETHER_TEST_POSTGRES_URL")
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"

_ran: dict[str, int] = {"sqlite": 0, "postgresql": 0}


def _postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty PostgreSQL schema, dropped afterwards."""
    import sqlalchemy as sa

    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("LIVINGTOGETHER_TEST_POSTGRES_URL is not set; run the suite by `make test`")
        pytest.skip("no PostgreSQL (set LIVINGTOGETHER_TEST_POSTGRES_URL or run `make test`)")
    schema = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema},public"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database, once SQLite and once PostgreSQL."""
    if request.param == "sqlite":
        _ran["sqlite"] += 1
        yield f"sqlite:///{tmp_path / 'suite.sqlite3'}"
    else:
        for url in _postgres_schema_url():
            _ran["postgresql"] += 1
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'livingtogether.sqlite3'}"


@pytest.fixture
def observatory(database_url: str) -> Iterator[object]:
    """An opened, migrated Observatory on each database."""
    from livingtogether import Observatory

    obs = Observatory.open(database_url)
    try:
        yield obs
    finally:
        obs.close()


@pytest.fixture
def sqlite_observatory(sqlite_url: str) -> Iterator[object]:
    """An opened, migrated Observatory on a fresh SQLite file only."""
    from livingtogether import Observatory

    obs = Observatory.open(sqlite_url)
    try:
        yield obs
    finally:
        obs.close()


@pytest.fixture
def open_demo(sqlite_url: str) -> Iterator[Callable[..., Any]]:
    """``open_demo(**settings)``: an Observatory on a fresh SQLite file with the demo data."""
    from livingtogether import Observatory
    from livingtogether.demo import install

    opened: list[Any] = []

    def open_it(**settings: Any) -> Any:
        obs = Observatory.open(sqlite_url, **settings)
        opened.append(obs)
        install(obs)
        return obs

    yield open_it
    for obs in opened:
        obs.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly which databases the storage suite ran on."""
    terminalreporter.write_line(
        f"database-backed tests: {_ran['sqlite']} on SQLite, {_ran['postgresql']} on PostgreSQL"
    )
