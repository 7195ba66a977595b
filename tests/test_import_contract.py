"""The layers hold: import-linter's contracts (pyproject.toml) pass on the tree and fail
on a copy of it with one import running back up; every web module imports on its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "livingtogether"
LINT = Path(sys.executable).parent / "lint-imports"

#: Every module of the web layer: each imports in a fresh interpreter, none needing
#: ``app`` (or another route module) imported first.
WEB_MODULES = sorted(path.stem for path in (SOURCE / "web").glob("*.py")
                     if path.stem != "__init__")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:  # --config: all 2.15 (3.10) knows
    """``lint-imports`` with the project's contracts over the package in ``tree``."""
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": str(LINT.parent)},
        capture_output=True, text=True, timeout=120, check=False)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with ``line`` added at the top of ``module`` (a path below
    the package, e.g. ``web/catalogue.py``)."""
    tree = tmp_path / "tree"
    shutil.copytree(SOURCE, tree / "livingtogether",
                    ignore=shutil.ignore_patterns("__pycache__", "locale", "templates",
                                                  "static"))
    target = tree / "livingtogether" / module
    text = target.read_text(encoding="utf-8")
    head, _, rest = text.partition("from __future__ import annotations\n")
    target.write_text(f"{head}from __future__ import annotations\n{line}\n{rest}",
                      encoding="utf-8")
    return tree


def test_the_contracts_are_kept() -> None:
    done = lint(SOURCE.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract", "names"), [
    # a route module reaching for the app: the circle the web layer had
    ("web/catalogue.py", "from .app import WebApp", "web:",
     ("livingtogether.web.catalogue -> livingtogether.web.app",)),
    # one route module importing another
    ("web/pledges.py", "from .programme import programme_html", "web:",
     ("livingtogether.web.pledges -> livingtogether.web.programme",)),
    # the store reaching up into the services, as bump() once did inside a function
    ("store/versions.py", "from ..services.guard import Keys", "the core's layers",
     ("livingtogether.store.versions -> livingtogether.services.guard",)),
    # the web layer reaching up into the staff console it sits below
    ("web/render.py", "from ..staff_console.csrf import FIELD", "the core's layers",
     ("livingtogether.web.render -> livingtogether.staff_console.csrf",)),
    # a console screen module reaching for the console's app
    ("staff_console/screens.py", "from .app import Console", "staff_console:",
     ("livingtogether.staff_console.screens -> livingtogether.staff_console.app",)),
    # a model knowing HTTP
    ("models/pledges.py", "from ..web.http import Request", "the core's layers",
     ("livingtogether.models.pledges -> livingtogether.web.http",)),
])
def test_a_back_import_breaks_the_build(tmp_path: Path, module: str, line: str,
                                        contract: str, names: tuple[str, ...]) -> None:
    done = lint(copy_with(tmp_path, module, line))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 kept, 1 broken" in done.stdout
    broken = [row for row in done.stdout.splitlines() if row.endswith("BROKEN")]
    assert len(broken) == 1, broken
    assert broken[0].startswith(contract), broken
    for name in names:  # the chain, with the line of the import added
        assert f"- {name} (l." in done.stdout, done.stdout


@pytest.mark.parametrize("module", WEB_MODULES)
def test_each_web_module_imports_alone(module: str) -> None:
    # in a fresh interpreter, so that nothing imported earlier hides a circle
    done = subprocess.run([sys.executable, "-c", f"import livingtogether.web.{module}"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
