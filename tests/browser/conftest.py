"""Headless Chromium (Debian's /usr/bin/chromium through Playwright), axe-core, SMTP on loopback.

``make test`` installs axe-core from npm into ``.cache/npm`` (or set
``LIVINGTOGETHER_AXE_JS``). Without Chromium, Playwright or axe-core these
tests skip, except under CI (``CI`` set), where they fail: the journeys are
part of the checks there. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
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


def free_port() -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """The messages a real SMTP server on 127.0.0.1 (aiosmtpd) received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, address: str, timeout: float = 20.0) -> EmailMessage:
        """The first message to ``address``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if address in str(message.get("To", "")):
                        return message
            time.sleep(0.1)
        raise AssertionError(f"no email to {address} within {timeout}s; got "
                             f"{[str(m.get('To')) for m in self.messages]}")


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server on a free port of 127.0.0.1."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()
