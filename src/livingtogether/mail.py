"""Sending email: the :class:`Mailer` protocol and two mailers, SMTP and console.

The outbox worker (``observatory.outbox.send(mailer)``) hands each
message to a mailer's ``send``, which raises on any failure so that the
message is retried later. Framework adapters plug in their own mailer (Flask-
Mail, Django's ``send_mail``) by writing a class with the same ``send``.

Header text that came from people (a signer's name) is checked here, once:
:func:`header_problem` says what makes a value unfit for a header, and
:func:`header_text` makes any stored value fit. Some CPython releases (3.10.13,
3.11.7, 3.12.1 among them) decode an RFC 2047 encoded word inside a display
name and write the decoded text, line breaks included, back into the header;
so a value holding ``=?`` or anything that breaks a line never reaches a header.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
import ssl
import sys
import threading
import unicodedata
from collections.abc import Iterable
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

from .errors import ConfigurationError, LivingTogetherError

if TYPE_CHECKING:
    from .settings import Settings


#: The policy messages are built with: a header value that the email package finds
#: defective raises instead of being sent as it was parsed.
POLICY = email.policy.default.clone(raise_on_defect=True)

#: Format characters that names need (Persian and Indic scripts, emoji, right-to-left
#: marks): every other Unicode ``Cf`` is refused, as are ``Cc``, ``Zl`` and ``Zp``.
_KEPT_FORMAT = frozenset("\u200c\u200d\u200e\u200f\u061c")


class UnsafeMessage(LivingTogetherError):
    """A message whose serialised headers are not the ones it was built with: never sent."""


def _breaker(value: str) -> str | None:
    """The first character of ``value`` that could break a line or hide text, if any."""
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp", "Cs") or (category == "Cf"
                                                   and char not in _KEPT_FORMAT):
            return char
    return None


def _decoded(value: str) -> str | None:
    """``value`` with its RFC 2047 encoded words decoded; ``None`` if they do not decode."""
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return None


def header_problem(value: str) -> str | None:
    """What makes ``value`` unfit for an email header (``None`` when it is fit).

    Refused: control characters, line and paragraph separators and format
    characters (other than ZWNJ, ZWJ and the direction marks), in the text or
    in its RFC 2047-decoded form; and ``=?`` at all, the start of an encoded
    word, which no name needs and which some Python releases decode into the
    header they write.
    """
    decoded = _decoded(value)
    if decoded is None:
        return "holds an RFC 2047 encoded word (=?…?=) that does not decode; write it as plain text"
    if decoded != value:
        bad = _breaker(decoded)
        if bad is not None:
            return (f"holds an RFC 2047 encoded word (=?…?=) that decodes to a control "
                    f"character (U+{ord(bad):04X}); write it as plain text")
    bad = _breaker(value)
    if bad is not None:
        return (f"contains a control, line-breaking or invisible formatting character "
                f"(U+{ord(bad):04X}); remove it")
    if "=?" in value:
        return ("contains '=?', the start of an RFC 2047 encoded word, which mail programs "
                "would decode; write it as plain text")
    return None


def header_text(value: str) -> str:
    """``value`` made fit for a header, whatever it holds: every character that
    :func:`header_problem` refuses becomes a space and ``=?`` becomes ``= ?``.

    For text stored before the checks at signing (or written by staff).
    """
    text = "".join(" " if _breaker(char) else char for char in value)
    while "=?" in text:
        text = text.replace("=?", "= ?")
    return " ".join(text.split())


def check_headers(message: EmailMessage, expected: Iterable[str], *, utf8: bool = False,
                  ) -> EmailMessage:
    """``message`` parsed back from its bytes as SMTP sends them (``utf8`` for an
    SMTPUTF8 message), after checking that it has exactly the ``expected`` headers,
    each once; :class:`UnsafeMessage` if not."""
    raw = message.as_bytes(policy=POLICY.clone(linesep="\r\n", utf8=utf8))
    # parsed as text: the bytes parser would leave SMTPUTF8 headers surrogate-escaped
    parsed = email.message_from_string(raw.decode("utf-8", "surrogateescape"),
                                       policy=email.policy.default)
    found = sorted(name.lower() for name in parsed)
    wanted = sorted(name.lower() for name in expected)
    if found != wanted:
        raise UnsafeMessage(f"the message's headers came out as {found}, not {wanted}; "
                            "it was not sent")
    return parsed


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
        """Deliver ``message``; raises ``OSError`` or ``smtplib.SMTPException`` when it was
        not accepted. Once the server accepted it, a failing ``QUIT`` is ignored: the
        message is delivered, and raising would make the worker send it twice."""
        context = self.context or ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)
        except BaseException:
            client.close()
            raise
        # Accepted: from here on nothing may raise, or the worker would send it again.
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            client.close()


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
