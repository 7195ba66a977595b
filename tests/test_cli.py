"""The ``livingtogether`` command, run as a real process."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from livingtogether import City, Observatory, Text
from livingtogether.store.migrations import MIGRATIONS

SRC = Path(__file__).resolve().parents[1] / "src"


def run(*args: str, cwd: Path, stdin: str | None = None, url: str | None = None,
        **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("LIVINGTOGETHER_DATABASE_URL", None)
    if url:
        env["LIVINGTOGETHER_DATABASE_URL"] = url
    env.update({f"LIVINGTOGETHER_{name.upper()}": value for name, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "livingtogether.cli", *args], cwd=cwd, env=env, input=stdin,
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_export_then_import_through_the_command(tmp_path: Path, database_url: str) -> None:
    with Observatory.open(database_url) as obs:
        obs.cities.create(City(slug="rabat", name=Text({"fr": "Rabat", "ar": "الرباط"}),
                               country="MA"))
    exported = run("export", "-o", "bundle.json", cwd=tmp_path, url=database_url)
    assert exported.returncode == 0, exported.stderr
    bundle = json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    assert bundle["cities"][0]["name"]["ar"] == "الرباط"

    imported = run("import", "bundle.json", cwd=tmp_path)  # the default SQLite file
    assert imported.returncode == 0, imported.stderr
    assert "cities: 1 created, 0 updated" in imported.stdout
    assert (tmp_path / "livingtogether.sqlite3").exists()
    again = run("export", cwd=tmp_path)
    assert json.loads(again.stdout) == bundle


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "is not JSON: Expecting property name"),
        ('{"cities": [{"slug": "x"}]}', "cities.0.name: is required"),
        ('{"cities": "x"}', "cities: must be a list"),
        ("[]", "a bundle is an object"),
    ],
)
def test_bad_bundles_say_what_to_fix_and_exit_2(tmp_path: Path, content: str, words: str) -> None:
    result = run("import", "-", cwd=tmp_path, stdin=content)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_and_a_refusal_to_open_an_old_database(tmp_path: Path) -> None:
    env_url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    result = run("export", cwd=tmp_path, url=env_url)
    assert result.returncode == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    refused = run("export", cwd=tmp_path, url=fresh, auto_migrate="false")
    assert refused.returncode == 2
    assert "run `livingtogether db upgrade`" in refused.stderr
    upgraded = run("db", "upgrade", cwd=tmp_path, url=fresh)
    assert f"the database is at schema version {len(MIGRATIONS)}" in upgraded.stdout
    assert run("db", "upgrade", cwd=tmp_path, url=fresh).stdout.startswith("nothing to apply")


def test_demo_loads_the_izmir_programme_and_is_safe_to_rerun(tmp_path: Path) -> None:
    first = run("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "events: 1 created" in first.stdout
    second = run("demo", cwd=tmp_path)
    assert "events: 0 created, 1 updated" in second.stdout
    with Observatory.open(f"sqlite:///{tmp_path / 'livingtogether.sqlite3'}") as obs:
        assert len(obs.programme.get("izmir-2021").sessions) == 7


def test_bad_numbers_say_the_range_and_exit_2(tmp_path: Path) -> None:
    for args, words in ((("serve", "--port", "99999"), "99999 is not from 0 to 65535"),
                        (("serve", "--port", "x"), "'x' is not a whole number")):
        result = run(*args, cwd=tmp_path, url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
        assert result.returncode == 2
        assert words in result.stderr
        assert len(result.stderr) < 500  # the range, not every number in it


def _bundle_of(count: int) -> str:
    return json.dumps({
        "cities": [{"slug": "paris", "name": {"en": "Paris"}, "country": "FR"}],
        "practices": [{"slug": f"p-{n}", "city": "paris", "title": {"en": f"Practice {n}"},
                       "status": "published"} for n in range(count)],
    })


def test_import_shows_its_progress_as_a_bar_on_a_terminal_and_lines_elsewhere(
        tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text(_bundle_of(2_500), encoding="utf-8")
    piped = run("import", "bundle.json", cwd=tmp_path, url=f"sqlite:///{tmp_path / 'a.db'}")
    assert piped.returncode == 0, piped.stderr
    assert "practices: 2500 created, 0 updated" in piped.stdout
    # A log or a pipe gets a plain line at each quarter, never a redrawn bar.
    lines = piped.stderr.splitlines()
    assert "\r" not in piped.stderr
    assert lines[-1] == "practices: 2500/2500", piped.stderr
    assert 2 <= len([line for line in lines if line.startswith("practices: ")]) <= 6, lines
    quiet = run("--quiet", "import", "bundle.json", cwd=tmp_path,
                url=f"sqlite:///{tmp_path / 'q.db'}")
    assert quiet.returncode == 0
    assert quiet.stderr == ""  # --quiet draws nothing

    # The same import with its standard error on a terminal (a real pseudo-terminal).
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(SRC),
           "LIVINGTOGETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    process = subprocess.Popen([sys.executable, "-m", "livingtogether.cli", "import",
                                "bundle.json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the command closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    assert "practices: 2500 created, 0 updated" in out
    bar = shown.decode()
    assert "practices  [" in bar
    for step in ("1000/2500", "2000/2500", "2500/2500"):
        assert step in bar, bar
    assert "\r" in bar  # one line, redrawn
    assert "#" * 30 in bar  # full at the end
    with Observatory.open(f"sqlite:///{tmp_path / 'b.db'}") as obs:
        assert obs.practices.search("").total == 2_500  # a browse counts them all
