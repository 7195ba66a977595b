"""Residents registering for a campaign's screenings (``obs.screenings``).

A registration is ``pending`` until the resident confirms it by the link of
their email (double opt-in, as a signature). Confirming takes its seats with
one conditional ``UPDATE`` of the screening's seat counter (``taken + seats <=
capacity``), so however many confirm at once, on SQLite or PostgreSQL, no
screening ever holds more than its capacity: the ones that do not fit join the
waiting list, in the order they confirmed. Cancelling frees the seats and
moves the list up, first come first served, in the same transaction; the
registrations that moved up are returned, to be told. Tokens are stored only
as their SHA-256 (256 random bits each, so a plain hash is enough).
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import NotFound, TooManyRequests, ValidationError
from ..mail import header_problem
from ..models import Screening
from ..models import fields as f
from ..store import Store, now, schema
from .guard import Keys, hit, use_form_token_in
from .pledges import clean_text, normalise_email

#: The most seats one registration may take.
MAX_SEATS = 10
#: How long registrations are kept after they were made (``purge``).
RETENTION_DAYS = 90

PENDING, CONFIRMED, WAITING, CANCELLED = "pending", "confirmed", "waiting", "cancelled"

#: Kinds of email about a registration (the outbox's ``kind``; :mod:`.screening_mail`
#: writes them): confirm it; seats held; on the waiting list; moved up from the list to
#: seats; staff's update to the confirmed registrants.
MAIL_CONFIRM, MAIL_CONFIRMED, MAIL_WAITING = "screening-confirm", "screening-confirmed", \
    "screening-waiting"
MAIL_MOVED_UP, MAIL_UPDATE = "screening-moved-up", "screening-update"
#: The pages behind the links of those emails, under ``base_url`` (the web layer's
#: route table declares them at these paths; a test checks it).
LINK_PATHS = {"confirm": "/widgets/screening/confirm", "cancel": "/widgets/screening/cancel"}
#: A screening's page (the network's list links to it on the member's site).
SCREENING_PAGE_PATH = "/widgets/campaign/{slug}/screenings/{city}/{key}"


def enqueue(connection: Connection, registration_id: int, kind: str, language: str,
            data: dict[str, Any] | None = None) -> None:
    """Write an email about ``registration_id`` within the caller's transaction."""
    stamp = now()
    connection.execute(schema.outbox.insert().values(
        registration_id=registration_id, kind=kind, language=language[:35], data=data,
        status="pending", attempts=0, next_attempt_at=stamp, created_at=stamp))


@attrs.frozen(kw_only=True)
class Registration:
    """A resident's registration for one screening (no token: only its hash is kept)."""

    id: int
    campaign: str
    city: str
    screening: str
    name: str | None
    email: str | None
    seats: int
    language: str
    status: str


@attrs.frozen(kw_only=True)
class Seats:
    """A screening's seats: its capacity, how many are taken, how many are left, and how
    many registrations wait for one."""

    capacity: int
    taken: int
    left: int
    waiting: int


def token_hash(token: str) -> str:
    """The stored form of a registration's token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def registration_of(row: Any) -> Registration:
    return Registration(id=row.id, campaign=row.campaign_slug, city=row.city_slug,
                        screening=row.screening_key, name=row.name, email=row.email,
                        seats=row.seats, language=row.language, status=row.status)


class ScreeningRegistrations:
    """Registrations for screenings, their seats and waiting lists."""

    def __init__(self, store: Store, keys: Keys | None = None, *, ip_limit: int = 0) -> None:
        self.store = store
        #: the site's keys (a client's IP is kept only as its keyed hash); ``ip_limit``:
        #: registrations accepted per client IP per hour (0: no limit)
        self.keys = keys
        self.ip_limit = ip_limit

    # -- reading

    def screening(self, campaign: str, city: str, key: str) -> Screening:
        """The screening ``key`` of ``city`` in ``campaign``; ``NotFound`` if there is none."""
        with self.store.read() as connection:
            return self.screening_in(connection, campaign, city, key)

    @staticmethod
    def screening_in(connection: Connection, campaign: str, city: str, key: str) -> Screening:
        """The screening ``key`` of ``city`` in ``campaign``, read in ``connection``."""
        from .. import convert
        from ..models import CampaignParticipation

        table = schema.participations
        row = connection.execute(sa.select(table.c.data).where(
            table.c.campaign_slug == campaign, table.c.city_slug == city)).first()
        found = [s for s in convert.structure(row.data, CampaignParticipation).screenings
                 if s.key == key] if row is not None else []
        if not found:
            raise NotFound(f"there is no screening {key[:60]!r} of {city[:60]!r} in "
                           f"{campaign[:60]!r}", field="screening")
        return found[0]

    def seats(self, campaign: str, city: str, key: str) -> Seats:
        """The seats of a screening (``NotFound`` for an unknown one)."""
        with self.store.read() as connection:
            screening = self.screening_in(connection, campaign, city, key)
            return self._seats(connection, screening, (campaign, city, key))

    @staticmethod
    def _seats(connection: Connection, screening: Screening, at: tuple[str, str, str]) -> Seats:
        seats, registrations = schema.screening_seats, schema.screening_registrations
        taken = connection.execute(sa.select(seats.c.taken).where(
            *_at(seats, at))).scalar() or 0
        waiting = connection.execute(sa.select(sa.func.count()).where(
            *_at(registrations, at), registrations.c.status == WAITING)).scalar_one()
        capacity = screening.capacity or 0
        return Seats(capacity=capacity, taken=taken, left=max(0, capacity - taken),
                     waiting=waiting)

    def list(self, campaign: str, city: str, key: str) -> list[Registration]:
        """The registrations of a screening, confirmed first, then the waiting list in
        its order, then those pending (staff's list; personal data)."""
        table = schema.screening_registrations
        order = sa.case({CONFIRMED: 0, WAITING: 1, PENDING: 2}, value=table.c.status, else_=3)
        with self.store.read() as connection:
            rows = connection.execute(sa.select(table).where(
                *_at(table, (campaign, city, key)), table.c.status != CANCELLED,
            ).order_by(order, table.c.waiting_since, table.c.id)).all()
        return [registration_of(row) for row in rows]

    def counts(self, campaign: str, city: str, key: str) -> dict[str, int]:
        """How many registrations of a screening are in each status (cancelled too)."""
        table = schema.screening_registrations
        with self.store.read() as connection:
            found: dict[str, int] = dict(connection.execute(sa.select(
                table.c.status, sa.func.count()).where(
                *_at(table, (campaign, city, key))).group_by(table.c.status)).all())
        return {status: int(found.get(status, 0))
                for status in (CONFIRMED, WAITING, PENDING, CANCELLED)}

    def mail_update(self, campaign: str, city: str, key: str, *, subject: str,
                    text: str) -> int:
        """Queue staff's update (``subject``, plain ``text``) to every confirmed
        registrant of a screening, each in their language; how many were queued."""
        # checked as typed: a line break in a subject is refused, not folded away
        subject = clean_text(f.check_text(subject, field="subject", max_length=150,
                                          multiline=False))
        if not subject:
            raise ValidationError("give the update a subject", field="subject")
        problem = header_problem(subject)
        if problem:
            raise ValidationError(f"the subject {problem}", field="subject")
        f.check_text(text, field="text", max_length=5000, multiline=True)
        if not text.strip():
            raise ValidationError("write the update's text", field="text")
        table = schema.screening_registrations
        with self.store.write() as connection:
            self.screening_in(connection, campaign, city, key)
            rows = connection.execute(sa.select(table.c.id, table.c.language).where(
                *_at(table, (campaign, city, key)), table.c.status == CONFIRMED)).all()
            for row in rows:
                enqueue(connection, row.id, MAIL_UPDATE, row.language,
                        {"subject": subject, "text": text.strip()})
        return len(rows)

    def find(self, token: str) -> Registration:
        """The registration of an email's link (changes nothing); ``NotFound`` if none."""
        with self.store.read() as connection:
            return registration_of(self._by_token(connection, token))

    # -- a resident's steps

    def register(self, campaign: str, city: str, key: str, *, name: str, email: str,
                 seats: int, language: str, ip: str | None = None,
                 form_token: str | None = None, form_valid_for: timedelta | None = None,
                 ) -> tuple[Registration, str]:
        """Record a pending registration and queue its confirmation email; returns it
        and a token that confirms or cancels it.

        As at signing: ``ip`` (the client's) counts against ``ip_limit``
        (``TooManyRequests`` past it), ``form_token`` (the form's, checked genuine
        by the web layer) is recorded as used in the same transaction
        (``FormTokenUsed`` if it was posted before; then nothing is stored)."""
        problems: list[ValidationError] = []
        name = clean_text(name) if isinstance(name, str) else name
        try:
            f.check_text(name, field="name", max_length=200, multiline=False)
            if not name:
                raise ValidationError("give your name", field="name")
            problem = header_problem(name)
            if problem:
                raise ValidationError(problem, field="name")
        except ValidationError as error:
            problems.append(error)
        address = ""
        try:
            if not isinstance(email, str) or len(email) > 320:
                raise ValidationError("give your email address (at most 320 characters)",
                                      field="email")
            address, _ = normalise_email(email.strip())
        except ValidationError as error:
            problems.append(error)
        if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
            problems.append(ValidationError(f"give a number of seats from 1 to {MAX_SEATS}",
                                            field="seats"))
        language = f.check_language(language, field="language")
        if problems:
            raise problems[0]
        token = secrets.token_urlsafe(32)
        stamp = now()
        table = schema.screening_registrations
        with self.store.write() as connection:
            self._guard(connection, ip, form_token, form_valid_for)
            screening = self.screening_in(connection, campaign, city, key)
            if not screening.capacity:
                raise ValidationError("this screening takes no registrations", field="screening")
            if screening.starts_at <= stamp:
                raise ValidationError("this screening has begun; registrations are closed",
                                      field="screening")
            if seats > screening.capacity:
                raise ValidationError(f"this screening has {screening.capacity} seats in all",
                                      field="seats")
            new_id = connection.execute(table.insert().values(
                campaign_slug=campaign, city_slug=city, screening_key=key, name=name,
                email=address, seats=seats, language=language, status=PENDING,
                token_hash=token_hash(token), created_at=stamp,
            ).returning(table.c.id)).scalar_one()
            row = connection.execute(sa.select(table).where(table.c.id == new_id)).one()
            enqueue(connection, new_id, MAIL_CONFIRM, language)
        return registration_of(row), token

    def _guard(self, connection: Connection, ip: str | None, form_token: str | None,
               valid_for: timedelta | None) -> None:
        from .signing import FormTokenUsed

        if form_token is not None and self.keys is not None and not use_form_token_in(
                connection, self.keys.form_used_hash(form_token),
                valid_for=valid_for or timedelta(days=1)):
            raise FormTokenUsed("this form was sent already; check the details and send it "
                                "again", field="form_token")
        if ip and self.keys is not None and self.ip_limit and not hit(
                connection, "register-ip", self.keys.hash("ip", ip), limit=self.ip_limit,
                window=timedelta(hours=1)):
            raise TooManyRequests(
                f"too many registrations from your network in the last hour (the limit is "
                f"{self.ip_limit}); please try again later", retry_after=3600)

    def confirm(self, token: str) -> Registration:
        """Confirm by the email's link: seats taken if they fit, else the waiting list.
        Confirming again changes nothing."""
        table = schema.screening_registrations
        with self.store.write() as connection:
            row = self._by_token(connection, token)
            if row.status != PENDING:
                return registration_of(row)
            at = (row.campaign_slug, row.city_slug, row.screening_key)
            screening = self.screening_in(connection, *at)
            ahead = connection.execute(sa.select(sa.func.count()).where(
                *_at(table, at), table.c.status == WAITING)).scalar_one()
            status = CONFIRMED if not ahead and _take(
                connection, at, row.seats, screening.capacity or 0) else WAITING
            connection.execute(table.update().where(table.c.id == row.id).values(
                status=status, waiting_since=now() if status == WAITING else None))
            enqueue(connection, row.id, MAIL_CONFIRMED if status == CONFIRMED else MAIL_WAITING,
                    row.language)
            return attrs.evolve(registration_of(row), status=status)

    def cancel(self, token: str) -> tuple[Registration, builtins.list[Registration]]:
        """Cancel by the email's link: the name and address are erased, the seats freed
        and the waiting list moves up. Returns the registration and those that moved up
        (to be told). Cancelling again changes nothing."""
        table = schema.screening_registrations
        with self.store.write() as connection:
            row = self._by_token(connection, token)
            if row.status == CANCELLED:
                return registration_of(row), []
            at = (row.campaign_slug, row.city_slug, row.screening_key)
            connection.execute(table.update().where(table.c.id == row.id).values(
                status=CANCELLED, name=None, email=None, waiting_since=None))
            moved: builtins.list[Registration] = []
            if row.status == CONFIRMED:
                seats = schema.screening_seats
                connection.execute(seats.update().where(*_at(seats, at)).values(
                    taken=seats.c.taken - row.seats))
                moved = self._move_up(connection, at)
            cancelled = attrs.evolve(registration_of(row), status=CANCELLED, name=None,
                                     email=None)
            return cancelled, moved

    def _move_up(self, connection: Connection, at: tuple[str, str, str],
                 ) -> builtins.list[Registration]:
        table = schema.screening_registrations
        capacity = self.screening_in(connection, *at).capacity or 0
        waiting = connection.execute(sa.select(table).where(
            *_at(table, at), table.c.status == WAITING,
        ).order_by(table.c.waiting_since, table.c.id)).all()
        moved: builtins.list[Registration] = []
        for row in waiting:  # first come, first served: the list never skips its head
            if not _take(connection, at, row.seats, capacity):
                break
            connection.execute(table.update().where(table.c.id == row.id).values(
                status=CONFIRMED, waiting_since=None))
            enqueue(connection, row.id, MAIL_MOVED_UP, row.language)
            moved.append(attrs.evolve(registration_of(row), status=CONFIRMED))
        return moved

    @staticmethod
    def _by_token(connection: Connection, token: str) -> Any:
        table = schema.screening_registrations
        row = None
        if isinstance(token, str) and 20 <= len(token) <= 100:
            digest, links = token_hash(token), schema.screening_tokens
            row = connection.execute(sa.select(table).where(sa.or_(
                table.c.token_hash == digest, table.c.id.in_(
                    sa.select(links.c.registration_id).where(links.c.token_hash == digest)),
            ))).first()
        if row is None:
            raise NotFound("this link is not one of ours, or its registration is gone; open "
                           "the link from the email in full", field="token")
        return row

    # -- retention

    def purge(self, *, days: int = RETENTION_DAYS) -> int:
        """Delete the registrations made more than ``days`` ago; how many went."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValidationError("give the retention period as a whole number of days, "
                                  "1 or more", field="days")
        with self.store.write() as connection:
            return delete_registrations_in(connection, now() - timedelta(days=days))


def delete_registrations_in(connection: Connection, cutoff: datetime) -> int:
    """Delete the registrations made before ``cutoff`` (retention); how many went.

    The seats that the confirmed ones among them held are given back in the same
    transaction, so that the seat counts stay true (the waiting list does not move
    up: a registration that old is of a screening long past)."""
    table, seats = schema.screening_registrations, schema.screening_seats
    old = table.c.created_at < cutoff
    held = connection.execute(
        sa.select(table.c.campaign_slug, table.c.city_slug, table.c.screening_key,
                  sa.func.sum(table.c.seats).label("seats"))
        .where(old, table.c.status == CONFIRMED)
        .group_by(table.c.campaign_slug, table.c.city_slug, table.c.screening_key)).all()
    for row in held:
        at = (row.campaign_slug, row.city_slug, row.screening_key)
        connection.execute(seats.update().where(*_at(seats, at)).values(
            taken=seats.c.taken - int(row.seats)))
    return connection.execute(table.delete().where(old)).rowcount


def _at(table: sa.Table, at: Sequence[str]) -> list[sa.ColumnElement[bool]]:
    campaign, city, key = at
    return [table.c.campaign_slug == campaign, table.c.city_slug == city,
            table.c.screening_key == key]


def _take(connection: Connection, at: tuple[str, str, str], seats: int, capacity: int) -> bool:
    """Take ``seats`` if they fit in ``capacity``: one conditional UPDATE, atomic on every
    database (the row is created at the first confirmation)."""
    table = schema.screening_seats
    campaign, city, key = at
    update = table.update().where(*_at(table, at), table.c.taken + seats <= capacity).values(
        taken=table.c.taken + seats)
    if connection.execute(update).rowcount:
        return True
    exists = connection.execute(sa.select(table.c.taken).where(*_at(table, at))).first()
    if exists is None:
        try:
            with connection.begin_nested():
                connection.execute(table.insert().values(
                    campaign_slug=campaign, city_slug=city, screening_key=key, taken=0))
        except sa.exc.IntegrityError:
            pass  # created at the same moment by another confirmation
    # Again: the first UPDATE may have run before another transaction's new row was
    # committed (PostgreSQL's statement snapshot), which this statement now sees.
    return bool(connection.execute(update).rowcount)


