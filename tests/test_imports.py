"""What importing the package costs: its models and errors, not the store, templates or HTTP."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Libraries that only a store, a widget, an email or an export needs.
HEAVY = ("sqlalchemy", "alembic", "jinja2", "icalendar", "requests", "babel", "psycopg",
         "werkzeug", "cattrs", "nh3", "markupsafe", "flask", "django")


def loaded(code: str) -> list[str]:
    """The heavy libraries loaded after running ``code`` in a fresh interpreter."""
    script = (f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in "
              f"sys.modules if m.split('.')[0] in {set(HEAVY)!r}}})))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_package_loads_no_heavy_library() -> None:
    assert loaded("import livingtogether") == []
    assert loaded("from livingtogether import City, Practice, Text, Settings, ValidationError, "
                  "Event, Pledge, LivingTogetherError, __version__") == []
    assert loaded("import livingtogether.models, livingtogether.errors") == []


def test_every_public_name_is_still_there() -> None:
    # Observatory, ImportReport and Page come on first use, with the store they need
    found = loaded("import livingtogether\n"
                   "names = [getattr(livingtogether, n) for n in livingtogether.__all__]\n"
                   "from livingtogether import Observatory, ImportReport, Page\n"
                   "assert livingtogether.Observatory is Observatory\n"
                   "assert Observatory.__module__ == 'livingtogether.observatory'")
    assert "sqlalchemy" in found
    import livingtogether

    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        livingtogether.Nothing  # type: ignore[attr-defined]  # noqa: B018


def test_opening_a_migrated_store_needs_no_alembic_nor_templates(sqlite_url: str) -> None:
    assert "alembic" in loaded(f"from livingtogether import Observatory\n"
                               f"Observatory.open({sqlite_url!r}).close()")  # migrates
    found = loaded(f"from livingtogether import Observatory\n"
                   f"Observatory.open({sqlite_url!r}).close()")
    assert "sqlalchemy" in found
    assert "alembic" not in found
    assert "jinja2" not in found
