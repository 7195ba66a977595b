"""Headless Chromium (Debian's /usr/bin/chromium through Playwright), axe-core, SMTP on loopback.

``make test`` installs axe-core from npm into ``.cache/npm`` (or set
``LIVINGTOGETHER_AXE_JS``). Without Chromium, Playwright or axe-core these
tests skip, except under CI (``CI`` set), where they fail: the journeys are
part of the checks there. Screenshots go to ``test-artifacts/browser/``.
This folder is a package, so that this file is ``browser.conftest`` and does
not shadow the suite's own ``conftest`` module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pledge_support import SMTPServer, smtp_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LIVINGTOGETHER_CHROMIUM", "/usr/bin/chromium")
AXE = Path(os.environ.get("LIVINGTOGETHER_AXE_JS",
                          ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}; `make test` installs it (see .ci/run)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, to inject in pages."""
    if not AXE.is_file():
        _missing(f"no axe-core at {AXE}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per module (closed before other modules drive their own)."""
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (own context) that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """The folder of this test's screenshots."""
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").strip("]")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1."""
    with smtp_server() as server:
        yield server
