"""Real parts for the pledge tests: an SMTP server on 127.0.0.1 (aiosmtpd), threads
started together, and a reader of the links in the emails received."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LINK_RE = re.compile(r"(https?://\S+/widgets/pledge/(confirm|withdraw)\?token=([A-Za-z0-9_-]+))")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """What the SMTP server received: every message, parsed, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        #: The raw bytes and the envelope's recipients of each message, in the same order.
        self.raw: list[bytes] = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.raw.append(bytes(envelope.content))
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address``."""
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait(self, count: int, seconds: float = 20) -> list[EmailMessage]:
        """Wait (bounded) until ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self.lock:
            return list(self.messages)


class SMTPServer:
    """aiosmtpd on 127.0.0.1 at a fixed port, which a test can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=True)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_server() -> Iterator[SMTPServer]:
    """A running SMTP server, stopped afterwards."""
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def links(message: EmailMessage) -> dict[str, str]:
    """``{"confirm": token, "withdraw": token}`` from an email's body."""
    body = message.get_body(("plain",))
    assert body is not None
    return {action: token for _, action, token in LINK_RE.findall(body.get_content())}


def in_parallel(target: Callable[[Any], None], arguments: Iterable[Any],
                seconds: float = 120) -> None:
    """Run ``target(argument)`` for every argument at once, each in a thread; wait (bounded)."""
    threads = [threading.Thread(target=target, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "threads still running"
