"""The mail outbox: emails written in the same transaction as what caused them,
sent later by a worker with retries.

A worker *claims* a batch of due messages in one short write transaction
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` makes
the claim exclusive), marking them ``sending`` with a lease; then it sends
them one at a time outside any transaction. Right before sending a message it
renews that message's lease (and skips it if the lease has passed to another
worker); right after the SMTP server accepts it, it marks it ``sent`` in its
own committed transaction, before anything else; a failure schedules a retry
with a doubling delay. Several workers in several processes or machines never
hold a live lease on the same message; a worker that dies mid-batch leaves
its claims to expire and be taken again, so a failing server or a crash
delays mail but loses none.

Delivery is *at least once*: a worker killed after the server accepted a
message and before the mark committed leaves it to be sent again, with the
same ``Message-ID`` (one across attempts), so a receiver can drop the copy.
That is at most one message per worker killed (the one in flight), or one
whose sending outlasted its lease (keep ``lease_seconds`` above the SMTP
timeout, as the default does).

Links are made at sending time: a fresh confirmation or withdrawal token is
drawn for each message and only its keyed hash is stored.

:meth:`Outbox.run` is the one worker loop behind every worker command (the
CLI's ``outbox send`` and ``serve --send-mail``, Flask's ``send-outbox``,
Wagtail's ``livingtogether_outbox``).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import attrs
import sqlalchemy as sa
from babel.dates import format_datetime as babel_datetime
from sqlalchemy.engine import Connection

from .. import convert, i18n
from ..errors import ConfigurationError
from ..mail import POLICY, Mailer, UnsafeMessage, check_headers, header_text
from ..models import Declaration, Pledge
from ..models import fields as f
from ..settings import Settings
from ..store import Store, aware, now, schema
from .guard import Keys
from .pledges import load as load_pledge
from .screening_mail import GONE, ScreeningMail, compose
from .screening_mail import prepare as prepare_screening_mails

log = logging.getLogger("livingtogether.outbox")

#: Kinds of message.
CONFIRM = "confirm"
ALREADY_SIGNED = "already-signed"

#: Token purposes.
CONFIRM_TOKEN = "confirm"  # noqa: S105 (a purpose, not a secret)
WITHDRAW_TOKEN = "withdraw"  # noqa: S105 (a purpose, not a secret)
#: The page behind each email link, under ``base_url``: the web layer's route table
#: declares these pages at these paths (the outbox runs without a web app, so it
#: cannot ask the table; a test checks that the table builds the same paths).
LINK_PATHS = {CONFIRM_TOKEN: "/widgets/pledge/confirm", WITHDRAW_TOKEN: "/widgets/pledge/withdraw"}

#: The headers of every email, each exactly once (checked on the serialised message).
HEADERS = ("Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted",
           "X-Livingtogether-Outbox", "Content-Type", "Content-Transfer-Encoding",
           "MIME-Version", "Content-Language")

_DOMAIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")

#: How long a withdrawal link stays valid.
WITHDRAW_TOKEN_DAYS = 3 * 365


@attrs.frozen(kw_only=True)
class OutboxReport:
    """What one :func:`send_outbox` pass did: ids sent, retried later, given up."""

    sent: tuple[int, ...] = ()
    retried: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()

    @property
    def claimed(self) -> int:
        """How many messages the pass took."""
        return len(self.sent) + len(self.retried) + len(self.failed)

    def summary(self) -> str:
        """``3 sent, 1 to retry, 0 failed``: the line the worker commands print."""
        return f"{len(self.sent)} sent, {len(self.retried)} to retry, {len(self.failed)} failed"


@attrs.frozen(kw_only=True)
class _Claimed:
    id: int
    kind: str
    language: str
    attempts: int
    created_at: datetime
    #: a signature's email: the signature, its declaration and its links' tokens
    pledge: Pledge | None = None
    declaration: Declaration | None = None
    confirm_token: str | None = None
    withdraw_token: str = ""
    #: else an email about a screening registration
    screening: ScreeningMail | None = None


def enqueue(connection: Connection, pledge_id: int, kind: str, language: str) -> None:
    """Write an email to send about ``pledge_id`` within the caller's transaction."""
    stamp = now()
    connection.execute(schema.outbox.insert().values(
        pledge_id=pledge_id, kind=kind, language=language[:35], status="pending", attempts=0,
        next_attempt_at=stamp, created_at=stamp,
    ))


def sent_recently(connection: Connection, pledge_id: int, since: datetime) -> int:
    """How many emails about ``pledge_id`` were written since ``since``."""
    table = schema.outbox
    return int(connection.scalar(sa.select(sa.func.count()).where(
        table.c.pledge_id == pledge_id, table.c.created_at >= since)) or 0)


class Outbox:
    """Claims, renders and sends the outbox's due messages (``obs.outbox``)."""

    def __init__(self, store: Store, settings: Settings, keys: Keys) -> None:
        self.store = store
        self.settings = settings
        self.keys = keys

    def send(self, mailer: Mailer, *, limit: int = 100, lease_seconds: int | None = None,
             ) -> OutboxReport:
        """Claim up to ``limit`` due messages, send them through ``mailer``, record each result.

        Safe to run in several processes at once: no two workers hold a live
        lease on one email. Delivery is at least once: a worker killed between
        the server's acceptance and the record of it leaves that one email to be
        sent again, with the same ``Message-ID``. Needs the ``base_url`` setting
        (the links in emails start with it).

        ``lease_seconds`` (default: the SMTP timeout plus a minute) is how long
        a claim holds before another worker may take the message again.
        """
        f.check_number(limit, field="limit", minimum=1, maximum=10_000)
        if lease_seconds is not None:
            f.check_number(lease_seconds, field="lease_seconds", minimum=1, maximum=86_400,
                           unit="seconds")
        base = self.settings.base_url
        if not base:
            raise ConfigurationError(
                "set base_url (LIVINGTOGETHER_BASE_URL) to the public address where the "
                "widgets are mounted, e.g. https://city.example/observatory; the links in "
                "emails start with it", field="base_url")
        lease = timedelta(seconds=lease_seconds or self.settings.smtp_timeout + 60)
        self.keys.load()  # before the claim's transaction needs it
        claim = secrets.token_hex(16)
        claimed = self._claim(claim, limit, lease)
        sent: list[int] = []
        retried: list[int] = []
        failed: list[int] = []
        for item in claimed:
            try:
                message = self.message(item, base.rstrip("/"))
                if not self._renew(item, claim, lease):
                    # our lease ran out and another worker took the message: it sends it
                    log.warning("email %s skipped: its lease passed to another worker",
                                item.id)
                    continue
                mailer.send(message)
            except Exception as error:  # any failure of the mailer means: try again later
                log.warning("email %s not sent (attempt %s): %s", item.id, item.attempts,
                            error)
                gave_up = self._failed(item, claim, error)
                (failed if gave_up else retried).append(item.id)
            else:
                # Recorded at once, in its own transaction: a crash from the server's
                # acceptance to this commit is the only way to a duplicate.
                self._sent(item, claim)
                sent.append(item.id)
        return OutboxReport(sent=tuple(sent), retried=tuple(retried), failed=tuple(failed))

    def run(self, mailer: Mailer, *, limit: int = 100, interval: float = 5.0,
            passes: int | None = None, stop: threading.Event | None = None,
            lease_seconds: int | None = None,
            on_report: Callable[[OutboxReport], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> int:
        """The worker loop: :meth:`send` passes until ``stop`` is set or ``passes`` ran.

        After a full pass (``limit`` emails claimed) the next one starts at once,
        since more are likely due; after any other it waits ``interval`` seconds,
        waking early when ``stop`` is set. ``on_report`` gets each pass's report.
        An exception of a pass ends the loop, unless ``on_error`` takes it: then
        the loop waits ``interval`` and goes on (a server that keeps serving while
        the mail relay is down). ``lease_seconds`` is :meth:`send`'s. Returns how
        many passes ran.
        """
        f.check_number(interval, field="interval", minimum=0, maximum=86_400, integer=False,
                       unit="seconds")
        if passes is not None:
            f.check_number(passes, field="passes", minimum=1)
        stop = threading.Event() if stop is None else stop
        done = 0
        while not stop.is_set():
            full = False
            try:
                report = self.send(mailer, limit=limit, lease_seconds=lease_seconds)
            except Exception as error:
                if on_error is None:
                    raise
                on_error(error)
            else:
                full = report.claimed >= limit
                if on_report is not None:
                    on_report(report)
            done += 1
            if passes is not None and done >= passes:
                break
            if not full:
                stop.wait(interval)
        return done

    def counts(self) -> dict[str, int]:
        """How many emails are ``pending``, ``sending``, ``sent`` and ``failed`` (monitoring)."""
        table = schema.outbox
        with self.store.read() as connection:
            found: dict[str, int] = dict(connection.execute(
                sa.select(table.c.status, sa.func.count()).group_by(table.c.status)).all())
        return {status: int(found.get(status, 0))
                for status in ("pending", "sending", "sent", "failed")}

    # -- claiming

    def _claim(self, claim: str, limit: int, lease: timedelta) -> list[_Claimed]:
        table, stamp = schema.outbox, now()
        due = sa.or_(
            sa.and_(table.c.status == "pending", table.c.next_attempt_at <= stamp),
            sa.and_(table.c.status == "sending", table.c.claimed_until < stamp),
        )
        with self.store.write() as connection:
            ids = connection.scalars(
                sa.select(table.c.id).where(due).order_by(table.c.id).limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not ids:
                return []
            connection.execute(table.update().where(table.c.id.in_(ids)).values(
                status="sending", claim=claim, claimed_until=stamp + lease,
                attempts=table.c.attempts + 1,
            ))
            return self._prepare(connection, ids, stamp)

    def _prepare(self, connection: Connection, ids: Sequence[int], stamp: datetime,
                 ) -> list[_Claimed]:
        """Load each claimed message's signature or registration and draw its tokens
        (hashes stored); a registration's email that cannot go is marked failed."""
        outbox, pledges = schema.outbox, schema.pledges
        rows = connection.execute(
            sa.select(outbox.c.id.label("outbox_id"), outbox.c.kind, outbox.c.language,
                      outbox.c.attempts, outbox.c.created_at, pledges.c.id, pledges.c.status,
                      pledges.c.data, pledges.c.signed_at, pledges.c.confirmed_at,
                      schema.declarations.c.data.label("declaration"))
            .join(pledges, pledges.c.id == outbox.c.pledge_id)
            .join(schema.declarations,
                  schema.declarations.c.slug == pledges.c.declaration_slug)
            .where(outbox.c.id.in_(ids)).order_by(outbox.c.id)
        ).all()
        hours = timedelta(hours=self.settings.pledge_token_hours)
        tokens: list[dict[str, Any]] = []
        claimed = []
        for row in rows:
            pledge = load_pledge(row)
            confirm = self.keys.token() if row.status == "pending" else None
            withdraw = self.keys.token()
            if confirm:
                tokens.append({"token_hash": self.keys.hash(CONFIRM_TOKEN, confirm),
                               "pledge_id": row.id, "purpose": CONFIRM_TOKEN,
                               "expires_at": stamp + hours})
            tokens.append({"token_hash": self.keys.hash(WITHDRAW_TOKEN, withdraw),
                           "pledge_id": row.id, "purpose": WITHDRAW_TOKEN,
                           "expires_at": stamp + timedelta(days=WITHDRAW_TOKEN_DAYS)})
            claimed.append(_Claimed(
                id=row.outbox_id, kind=row.kind, language=row.language, attempts=row.attempts,
                created_at=aware(row.created_at) or stamp, pledge=pledge,
                declaration=convert.structure(row.declaration, Declaration),
                confirm_token=confirm, withdraw_token=withdraw))
        if tokens:
            connection.execute(schema.pledge_tokens.insert(), tokens)
        screenings, gone = prepare_screening_mails(connection, ids, self.keys)
        if gone:
            connection.execute(outbox.update().where(outbox.c.id.in_(gone)).values(
                status="failed", claim=None, claimed_until=None, last_error=GONE))
        if screenings:
            for mail in connection.execute(
                    sa.select(outbox.c.id, outbox.c.kind, outbox.c.language, outbox.c.attempts,
                              outbox.c.created_at).where(outbox.c.id.in_(list(screenings)))):
                claimed.append(_Claimed(
                    id=mail.id, kind=mail.kind, language=mail.language, attempts=mail.attempts,
                    created_at=aware(mail.created_at) or stamp, screening=screenings[mail.id]))
            claimed.sort(key=lambda item: item.id)
        return claimed

    # -- results

    def _renew(self, item: _Claimed, claim: str, lease: timedelta) -> bool:
        """Extend the claim on ``item`` right before sending it; ``False`` if it is lost."""
        table = schema.outbox
        with self.store.write() as connection:
            renewed = connection.execute(table.update().where(
                table.c.id == item.id, table.c.claim == claim, table.c.status == "sending",
            ).values(claimed_until=now() + lease))
        return bool(renewed.rowcount == 1)

    def _sent(self, item: _Claimed, claim: str) -> None:
        table = schema.outbox
        with self.store.write() as connection:
            connection.execute(table.update().where(table.c.id == item.id,
                                                    table.c.claim == claim).values(
                status="sent", sent_at=now(), claim=None, claimed_until=None, last_error=None))

    def _failed(self, item: _Claimed, claim: str, error: Exception) -> bool:
        table = schema.outbox
        gave_up = item.attempts >= self.settings.outbox_max_attempts
        delay = self.settings.outbox_retry_seconds * 2 ** min(item.attempts - 1, 10)
        with self.store.write() as connection:
            connection.execute(table.update().where(table.c.id == item.id,
                                                    table.c.claim == claim).values(
                status="failed" if gave_up else "pending", claim=None, claimed_until=None,
                next_attempt_at=now() + timedelta(seconds=min(delay, 6 * 3600)),
                last_error=f"{type(error).__name__}: {error}"[:500]))
        return gave_up

    # -- the message

    def message(self, item: _Claimed, base: str) -> EmailMessage:
        """The email of a claimed outbox row, in its language."""
        if item.screening is not None:
            subject, lines, ics = compose(item.screening, item.kind, item.language, base,
                                          self.settings)
            registration = item.screening.registration
            return self._envelope(item, subject, lines, name=registration.name or "",
                                  address=registration.email or "", ics=ics)
        pledge, declaration = item.pledge, item.declaration
        # a row is about a signature or a registration: not a screening's, so a signature's
        assert pledge is not None
        assert declaration is not None
        title = declaration.title.resolve(item.language, self.settings.content_fallbacks)
        name = title.text if title else declaration.slug
        locale = i18n.locale(item.language)
        _ = i18n.translations(item.language).gettext
        lines = [_("Hello %(name)s,") % {"name": pledge.name}, ""]
        if item.kind == ALREADY_SIGNED:
            lines += [_("Someone, perhaps you, asked to sign “%(title)s” again with this "
                        "address. Each person signs once, so nothing has changed.")
                      % {"title": name}, ""]
        else:
            lines += [_("Thank you for signing “%(title)s”.") % {"title": name}, ""]
        if item.confirm_token:
            expires = item.created_at + timedelta(hours=self.settings.pledge_token_hours)
            lines += [
                _("Your signature counts once you confirm it. Open this link and press "
                  "the button on the page:"),
                _link(base, CONFIRM_TOKEN, item.confirm_token), "",
                _("The link works until %(when)s (UTC).")
                % {"when": babel_datetime(max(expires, now()), "medium", locale=locale)}, "",
                _("If you did not sign, ignore this email: nothing counts without "
                  "confirmation."), "",
            ]
            subject = _("Please confirm your signature: %(title)s") % {"title": name}
        else:
            lines += [_("Your signature is confirmed and counted."), ""]
            subject = _("You have signed: %(title)s") % {"title": name}
        lines += [_("To withdraw your signature and erase your details, open this link:"),
                  _link(base, WITHDRAW_TOKEN, item.withdraw_token), ""]
        return self._envelope(item, subject, lines, name=pledge.name, address=pledge.email)

    def _envelope(self, item: _Claimed, subject: str, lines: list[str], *, name: str,
                  address: str, ics: bytes | None = None) -> EmailMessage:
        """The email of ``item`` to ``name <address>``: its headers, its text, and
        ``ics`` attached as ``invite.ics`` when given."""
        # Every header is built from data with the email package's policy; what a
        # person typed passes through header_text, so it cannot break a line.
        message = EmailMessage(policy=POLICY)
        message["Subject"] = header_text(subject)
        message["From"] = self.settings.mail_from
        # username and domain apart: an internationalised address (sent with SMTPUTF8)
        # would be refused by ``addr_spec`` parsing.
        local, _at, domain_part = address.rpartition("@")
        display = header_text(name)
        message["To"] = Address(display_name=display, username=local, domain=domain_part)
        message["Date"] = format_datetime(now())
        domain = self.settings.mail_from.rpartition("@")[2].strip("> ")
        domain = domain if _DOMAIN_RE.fullmatch(domain) else "livingtogether"
        # One Message-ID across attempts, so a receiver can drop a rare duplicate.
        message["Message-ID"] = (
            f"<lt-outbox-{item.id}.{int(item.created_at.timestamp())}@{domain}>")
        message["Auto-Submitted"] = "auto-generated"
        message["X-Livingtogether-Outbox"] = str(item.id)
        message.set_content("\n".join(lines))
        headers: tuple[str, ...] = HEADERS
        if ics is not None:  # multipart: the transfer encoding is each part's
            message.add_attachment(ics, maintype="text", subtype="calendar",
                                   filename="invite.ics", params={"method": "PUBLISH"})
            headers = tuple(h for h in HEADERS if h != "Content-Transfer-Encoding")
        # after set_content, which clears it; a stored language that is not a tag is not sent
        language = item.language if f.LANGUAGE_RE.fullmatch(item.language) else "en"
        message["Content-Language"] = language
        # Parsed back as it will be sent: the header set, and the recipient. Some Python
        # releases fold a long quoted display name without its quotes; then the name goes.
        utf8 = not (self.settings.mail_from + address).isascii()
        parsed = check_headers(message, headers, utf8=utf8)
        if not _recipient_is(parsed, local, domain_part, display):
            del message["To"]
            message["To"] = Address(username=local, domain=domain_part)
            parsed = check_headers(message, headers, utf8=utf8)
            if not _recipient_is(parsed, local, domain_part, ""):
                raise UnsafeMessage(f"the To header of email {item.id} did not come out as "
                                    "its address; it was not sent")
        return message


def _recipient_is(parsed: EmailMessage, username: str, domain: str, display: str) -> bool:
    """Whether the parsed message is addressed to exactly this one mailbox."""
    found: tuple[Address, ...] = tuple(getattr(parsed["To"], "addresses", ()))
    return (len(found) == 1 and found[0].username == username and found[0].domain == domain
            and found[0].display_name == display)


def _link(base: str, action: str, token: str) -> str:
    return f"{base}{LINK_PATHS[action]}?{urlencode({'token': token})}"
