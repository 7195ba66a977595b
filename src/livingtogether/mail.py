"""Sending email: the :class:`Mailer` protocol and two mailers, SMTP and console.

The outbox worker (``observatory.pledges.send_outbox(mailer)``) hands each
message to a mailer's ``send``, which raises on any failure so that the
message is retried later. Framework adapters plug in their own mailer (Flask-
Mail, Django's ``send_mail``) by writing a class with the same ``send``.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
import threading
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .settings import Settings


@runtime_checkable
class Mailer(Protocol):
    """Something that delivers an email or raises."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; raise any exception when it was not accepted."""


class SMTPMailer:
    """Delivers through an SMTP server with the standard library's ``smtplib``.

    ``security`` is ``starttls`` (upgrade a plain connection, usually port 587),
    ``ssl`` (TLS from the start, usually port 465) or ``none`` (only for a relay
    on the same machine or in tests). One connection per message: a worker
    sends in batches, and a broken connection never spoils the next message.
    """

    def __init__(self, host: str, port: int = 587, *, username: str | None = None,
                 password: str | None = None, security: str = "starttls",
                 timeout: float = 30, context: ssl.SSLContext | None = None) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ConfigurationError(
                f"SMTP security {security!r} is not known; use starttls, ssl or none",
                field="smtp_security")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.security = security
        self.timeout = timeout
        self.context = context

    @classmethod
    def from_settings(cls, settings: Settings) -> SMTPMailer:
        """The mailer the ``smtp_*`` settings describe."""
        if not settings.smtp_host:
            raise ConfigurationError("set smtp_host (LIVINGTOGETHER_SMTP_HOST) to send by SMTP",
                                     field="smtp_host")
        return cls(settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
                   password=settings.smtp_password, security=settings.smtp_security,
                   timeout=settings.smtp_timeout)

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; raises ``OSError`` or ``smtplib.SMTPException`` on failure."""
        context = self.context or ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


class ConsoleMailer:
    """Writes each message to a stream (standard output by default): for the demo."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        """Print ``message``: its headers and its text decoded, then a separator line."""
        stream = self.stream or sys.stdout
        lines = [f"{name}: {value}" for name, value in message.items()
                 if name.lower() not in ("content-type", "content-transfer-encoding",
                                         "mime-version")]
        body = message.get_body(("plain",))
        text = body.get_content() if isinstance(body, EmailMessage) else ""
        with self._lock:
            stream.write("\n".join(lines) + "\n\n" + text + "\n" + "-" * 72 + "\n")
            stream.flush()
