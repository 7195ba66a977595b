"""The command's failures a person causes: one line each, exit 2, no traceback (real
processes, a real port taken on 127.0.0.1, a real closed port, real SQLite files)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def run(*args: str, cwd: Path, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(SRC), "LIVINGTOGETHER_DATABASE_URL": url, **env}
    for name in ("LIVINGTOGETHER_TRACEBACK", "LIVINGTOGETHER_LOG_LEVEL",
                 "LIVINGTOGETHER_LOG_CONFIG"):
        if name not in env:
            environ.pop(name, None)
    return subprocess.run([sys.executable, "-m", "livingtogether.cli", *args], cwd=cwd,
                          env=environ, capture_output=True, text=True, timeout=120,
                          check=False)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("livingtogether: error: ")
    return lines[0]


def test_a_sqlite_file_in_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "site.sqlite3"
    line = one_line(run("demo", cwd=tmp_path, url=f"sqlite:///{missing}"))
    assert line == (f"livingtogether: error: cannot open the SQLite database {missing}: the "
                    f"folder {missing.parent} does not exist; set --database-url or "
                    "LIVINGTOGETHER_DATABASE_URL")
    assert not missing.parent.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_sqlite_file_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        line = one_line(run("demo", cwd=tmp_path, url=f"sqlite:///{folder / 'x.sqlite3'}"))
    finally:
        folder.chmod(stat.S_IRWXU)
    assert f"the folder {folder} is not writable" in line


def test_a_sqlite_path_that_is_a_folder(tmp_path: Path) -> None:
    line = one_line(run("export", cwd=tmp_path, url=f"sqlite:///{tmp_path}"))
    assert f"cannot open the SQLite database {tmp_path}: that is a folder, not a file" in line


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_postgresql_never_shows_the_password(tmp_path: Path) -> None:
    port = _closed_port()  # nothing listens there: the connection is refused
    url = f"postgresql://someone:s3cret@127.0.0.1:{port}/observatory"
    line = one_line(run("demo", cwd=tmp_path, url=url))
    assert line == (f"livingtogether: error: cannot connect to the database "
                    f"postgresql://someone:***@127.0.0.1:{port}/observatory: Connection "
                    "refused; is the server running and the URL right? (set --database-url "
                    "or LIVINGTOGETHER_DATABASE_URL)")
    assert "s3cret" not in line


@pytest.mark.postgres
def test_a_wrong_postgresql_database_name(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    real = os.environ.get("LIVINGTOGETHER_TEST_POSTGRES_URL")
    if not real:
        pytest.skip("LIVINGTOGETHER_TEST_POSTGRES_URL is not set")
    url = make_url(real).set(database="no_such_database_here").render_as_string(False)
    line = one_line(run("export", cwd=tmp_path, url=url))
    assert "cannot connect to the database" in line
    assert '"no_such_database_here" does not exist' in line


@pytest.mark.parametrize("server", ["wsgiref", "gunicorn"])
def test_a_busy_port(tmp_path: Path, server: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--server", server, cwd=tmp_path,
                     url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    line = one_line(result)
    assert line == (f"livingtogether: error: 127.0.0.1:{port} is already in use (another "
                    "server is listening there); choose another with --port (make run: "
                    "PORT=8010 make run)")


def test_the_traceback_when_asked_for(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}"
    for asked in (run("--traceback", "demo", cwd=tmp_path, url=url),
                  run("demo", cwd=tmp_path, url=url, LIVINGTOGETHER_TRACEBACK="1")):
        assert asked.returncode == 2
        assert "Traceback (most recent call last)" in asked.stderr
        assert asked.stderr.splitlines()[-1].startswith(
            "livingtogether: error: cannot open the SQLite database")


def test_a_bundle_lists_every_problem(tmp_path: Path) -> None:
    bundle = json.dumps({"cities": [{"slug": "a"}, {"slug": "b", "name": {"en": "B"}},
                                    {"slug": 3, "name": {"en": "C"}, "country": "FR"}]})
    (tmp_path / "bundle.json").write_text(bundle, encoding="utf-8")
    result = run("import", "bundle.json", cwd=tmp_path, url=f"sqlite:///{tmp_path / 'b.db'}")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "livingtogether: error: 4 problems:",
        "  cities.0.name: is required",
        "  cities.0.country: is required",
        "  cities.1.country: is required",
        "  cities.2.slug: must be text, not a number",
    ]


def test_verbosity_and_the_log_level(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    said = f"livingtogether: INFO: livingtogether.cli: database {url}"
    default = run("demo", cwd=tmp_path, url=url)
    assert default.returncode == 0
    assert default.stderr == ""  # warnings only, and there are none
    assert said in run("-v", "demo", cwd=tmp_path, url=url).stderr
    assert said in run("demo", cwd=tmp_path, url=url, LIVINGTOGETHER_LOG_LEVEL="info").stderr
    assert run("-q", "demo", cwd=tmp_path, url=url, LIVINGTOGETHER_LOG_LEVEL="").stderr == ""
    bad = one_line(run("demo", cwd=tmp_path, url=url, LIVINGTOGETHER_LOG_LEVEL="loud"))
    assert "LIVINGTOGETHER_LOG_LEVEL='loud': use one of DEBUG, INFO" in bad


def test_a_logging_configuration_file(tmp_path: Path) -> None:
    log = tmp_path / "outbox.log"
    config = {"version": 1, "handlers": {"file": {"class": "logging.FileHandler",
                                                  "filename": str(log)}},
              "root": {"level": "DEBUG", "handlers": ["file"]}}
    (tmp_path / "logging.json").write_text(json.dumps(config), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = run("demo", cwd=tmp_path, url=url,
                 LIVINGTOGETHER_LOG_CONFIG=str(tmp_path / "logging.json"))
    assert result.returncode == 0, result.stderr
    assert f"database {url}" in log.read_text(encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    line = one_line(run("demo", cwd=tmp_path, url=url,
                        LIVINGTOGETHER_LOG_CONFIG=str(tmp_path / "broken.json")))
    assert "not a usable logging configuration" in line
