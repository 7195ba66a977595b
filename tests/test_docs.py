"""The documentation's code is tested code: every block runs as written.

The code blocks of ``docs/*.md`` and ``README.md`` run page by page, in the
order of the page, in a fresh temporary working folder (so that a page's
default SQLite file lands there):

- ```python blocks run in one namespace (a page builds on its earlier
  blocks); a block that raises fails its page, and the traceback points at
  the line of the Markdown file;
- ```console blocks run their ``$ `` lines, in one bash per block with
  ``set -e`` (the lines without ``$ `` are the output shown), with this
  checkout's ``livingtogether``, ``flask`` and plugins on the path;
- ```json blocks must parse; ```text blocks are output or pictures, not code.

A block that cannot run alone carries a marker, an HTML comment on the line
just before its fence (invisible on a code host and in the built docs):

- ``<!-- docs-test: skip: REASON -->``: not run, for the reason given (it
  installs from the network, serves until stopped, needs a server of yours);
- ``<!-- docs-test: same-as: PATH -->``: the block is an excerpt of the file
  ``PATH`` of the repository, which other tests run (the Wagtail demo site);
  it must appear there, line for line;
- ``<!-- docs-test: save-as: NAME -->`` (python): also written to ``NAME`` in
  the page's folder before it runs, for the commands of later blocks (the
  Flask page's ``mysite.py``).

Any other block (html, css, a Sphinx ``literalinclude`` that shows nothing on a
code host) fails the test unless it is marked.

The bundle example of ``docs/bundle.md`` is also checked against the
converter: every record must read back into its model and be written out
exactly as it appears in the docs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_MARKER = re.compile(r"^<!-- docs-test: (?P<kind>skip|same-as|save-as): (?P<value>.+?) -->$")
#: languages whose blocks are shown output, not code
SHOWN = ("text", "{toctree}")


@attrs.frozen
class Block:
    """A fenced block: where its code starts (1-based line), its language, code, marker."""

    line: int
    language: str
    code: str
    marker: tuple[str, str] | None


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of ``path``, in order, with the marker just above its fence."""
    found: list[Block] = []
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
        above = _MARKER.match(lines[start - 3].strip()) if start >= 3 else None
        found.append(Block(line=start, language=info[0] if info else "",
                           code="\n".join(body) + "\n",
                           marker=(above["kind"], above["value"]) if above else None))
    return found


def code_blocks(path: Path, language: str) -> list[tuple[int, str]]:
    """The fenced blocks of ``language`` in ``path``: (line of their first code line, code)."""
    return [(b.line, b.code) for b in blocks_of(path) if b.language == language]


def _pages() -> list[Any]:
    return [pytest.param(path, id=str(path.relative_to(ROOT))) for path in PAGES
            if path.exists() and blocks_of(path)]


def test_docs_exist() -> None:
    """The pages the toctree names are there, and some of them have runnable code."""
    for name in ("index", "quickstart", "bundle", "cli", "api", "configuration"):
        assert (DOCS / f"{name}.md").is_file(), f"docs/{name}.md is missing"
    assert any(code_blocks(page, "python") for page in PAGES), "no ```python block in docs"


def _console(page: Path, block: Block, folder: Path) -> None:
    commands = [line[2:] for line in block.code.splitlines() if line.startswith("$ ")]
    assert commands, f"{page.name}:{block.line}: a console block without a $ line"
    bin_folder = str(Path(sys.executable).parent)
    paths = [str(ROOT / "src"), *(str(p) for p in sorted((ROOT / "plugins").glob("*/src")))]
    env = {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join(paths)}
    for name in ("LIVINGTOGETHER_DATABASE_URL", "LIVINGTOGETHER_AUTO_MIGRATE"):
        env.pop(name, None)
    script = "set -euo pipefail\n" + "\n".join(commands) + "\n"
    result = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=180, check=False)
    assert result.returncode == 0, (
        f"{page.name}:{block.line}: the commands failed (exit {result.returncode}):\n"
        f"{script}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def _same_as(page: Path, block: Block, target: str) -> None:
    source = (ROOT / target).read_text(encoding="utf-8")
    assert block.code.strip() in source, (
        f"{page.name}:{block.line}: this block is not, line for line, in {target}")


@pytest.mark.parametrize("page", _pages())
def test_every_block_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's blocks run (or are checked) in order, in a fresh folder, as written."""
    monkeypatch.chdir(tmp_path)
    for name in ("LIVINGTOGETHER_DATABASE_URL", "LIVINGTOGETHER_AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)
    namespace: dict[str, Any] = {"__name__": f"docs:{page.name}"}
    try:
        for block in blocks_of(page):
            where = f"{page.name}:{block.line}"
            kind, value = block.marker or ("", "")
            assert not block.language.startswith("{literalinclude"), (
                f"{where}: an include shows no code on a code host; copy the code into a "
                "block marked <!-- docs-test: same-as: PATH -->")
            if kind == "skip":
                assert len(value) > 10, f"{where}: say why the block is not run"
            elif kind == "same-as":
                _same_as(page, block, value)
            elif block.language == "python":
                if kind == "save-as":
                    (tmp_path / value).write_text(block.code, encoding="utf-8")
                # Padding keeps the Markdown file's line numbers in tracebacks.
                compiled = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
                exec(compiled, namespace)
            elif block.language == "console":
                _console(page, block, tmp_path)
            elif block.language == "json":
                json.loads(block.code)
            else:
                assert block.language in SHOWN, (
                    f"{where}: a ```{block.language} block is neither run nor marked "
                    "(see this test's docstring for the markers)")
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
