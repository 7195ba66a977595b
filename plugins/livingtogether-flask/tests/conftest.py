"""A real Flask site on 127.0.0.1 with the demo data."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from livingtogether import Observatory
from livingtogether.demo import install


@pytest.fixture
def observatory(tmp_path: Path) -> Iterator[Observatory]:
    """An Observatory on a fresh SQLite file with the demo data."""
    obs = Observatory.open(f"sqlite:///{tmp_path / 'flask.sqlite3'}")
    install(obs)
    yield obs
    obs.close()


def free_port() -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """What a real SMTP server on 127.0.0.1 (aiosmtpd) received."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, address: str, timeout: float = 20.0) -> EmailMessage:
        """The first message to ``address``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if address in str(message.get("To", "")):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no email to {address} within {timeout} s")


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1."""
    from aiosmtpd.controller import Controller

    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """``serve(app, port=0)``: serve a WSGI app on 127.0.0.1; returns its base URL."""
    servers: list[Any] = []

    def start(app: Any, port: int = 0) -> str:
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
