"""The documentation's code is tested code.

Every ```python block of ``docs/*.md`` and ``README.md`` runs, page by page:
the blocks of one page run in order in one namespace (a page builds on its
earlier blocks), in a fresh temporary working folder, so that a page's
default SQLite file lands there. A block that raises fails its page, and the
traceback points at the line of the Markdown file. Code that is only shown,
not run, belongs in a ```pycon or ```text block.

The bundle example of ``docs/bundle.md`` is also checked against the
converter: every record must read back into its model and be written out
exactly as it appears in the docs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")


def code_blocks(path: Path, language: str) -> list[tuple[int, str]]:
    """The fenced blocks of ``language`` in ``path``: (line of their first code line, code)."""
    blocks: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = opening["info"].strip().split()
        body: list[str] = []
        start = index + 2  # 1-based number of the first code line
        index += 1
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if (closing and closing["fence"][0] == fence[0]
                    and len(closing["fence"]) >= len(fence) and not closing["info"].strip()):
                break
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index])
            index += 1
        index += 1
        if info and info[0] == language:
            blocks.append((start, "\n".join(body) + "\n"))
    return blocks


def _pages_with_python() -> list[Any]:
    return [
        pytest.param(path, id=str(path.relative_to(ROOT)))
        for path in PAGES
        if path.exists() and code_blocks(path, "python")
    ]


def test_docs_exist() -> None:
    """The pages the toctree names are there, and some of them have runnable code."""
    for name in ("index", "quickstart", "bundle", "cli", "api", "configuration"):
        assert (DOCS / f"{name}.md").is_file(), f"docs/{name}.md is missing"
    assert _pages_with_python(), "no ```python block found in docs/*.md"


@pytest.mark.parametrize("page", _pages_with_python())
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's python blocks run in order, in a fresh folder, without raising."""
    monkeypatch.chdir(tmp_path)
    for name in ("LIVINGTOGETHER_DATABASE_URL", "LIVINGTOGETHER_AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)
    namespace: dict[str, Any] = {"__name__": f"docs:{page.name}"}
    try:
        for line, code in code_blocks(page, "python"):
            # Padding keeps the Markdown file's line numbers in tracebacks.
            compiled = compile("\n" * (line - 1) + code, str(page), "exec")
            exec(compiled, namespace)
    finally:
        # A page that failed half-way may leave an Observatory open.
        for value in list(namespace.values()):
            close = getattr(value, "close", None)
            if type(value).__name__ == "Observatory" and callable(close):
                close()


def _bundle_example() -> dict[str, Any]:
    for _, code in code_blocks(DOCS / "bundle.md", "json"):
        data = json.loads(code)
        if isinstance(data, dict) and "cities" in data:
            return data
    raise AssertionError("docs/bundle.md has no ```json block with a whole bundle")


def test_bundle_example_is_what_the_converter_writes() -> None:
    """docs/bundle.md's example has every key and each record round-trips exactly."""
    from livingtogether import convert
    from livingtogether.observatory import BUNDLE_KEYS

    models = dict(BUNDLE_KEYS)
    bundle = _bundle_example()
    assert list(bundle) == list(models)
    for key, model in models.items():
        assert bundle[key], f"the example has no {key}"
        for record in bundle[key]:
            assert convert.unstructure(convert.structure(record, model)) == record


def test_json_blocks_are_json() -> None:
    """Every ```json block of the docs parses (Sphinx would otherwise only warn)."""
    for page in PAGES:
        if not page.exists():
            continue
        for line, code in code_blocks(page, "json"):
            try:
                json.loads(code)
            except ValueError as error:
                pytest.fail(f"{page.name}:{line}: not JSON: {error}")
