"""Signatures of the Universal Declaration and cities' part in the campaign day."""

from __future__ import annotations

import builtins
import csv
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TextIO

import attrs
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound, TooManyRequests, ValidationError
from ..mail import Mailer, header_problem
from ..models import (
    Campaign,
    CampaignParticipation,
    Declaration,
    Pledge,
    PledgeStats,
    PledgeStatus,
    Screening,
    SignerKind,
)
from ..models import fields as f
from ..settings import Settings
from ..store import Store, aware, now, schema
from .base import Page, Records, is_unique_violation, read_page, require
from .guard import Keys, hit, upsert_add
from .outbox import (
    ALREADY_SIGNED,
    CONFIRM,
    CONFIRM_TOKEN,
    WITHDRAW_TOKEN,
    Outbox,
    OutboxReport,
    enqueue,
    sent_recently,
)


def normalise_email(address: str) -> tuple[str, str]:
    """``(address, key)``: the address as email-validator normalises it (the domain by
    IDNA/UTS 46, the local part in NFC), which is where emails go, and its dedupe key
    (:func:`email_key`)."""
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(f"is not a valid email address: {error}", field="email") from None
    normalised = valid.normalized
    return normalised, email_key(normalised)


def email_key(address: str) -> str:
    """The dedupe key of a normalised address: each part NFKC-casefolded, so that
    addresses differing only in case or Unicode form (``ADA``, fullwidth ``ａda``,
    the ligature ``ﬁ``, ``ß`` and ``ss``) are one person.

    Migration 8 computes the same key for the signatures stored before it (with a
    copy of its own, as migrations never change).
    """
    local, _, domain = address.rpartition("@")
    return f"{_fold(local)}@{_fold(domain)}"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


#: Control characters and bidirectional overrides, never part of a name.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """``value`` in NFC, without control characters, its whitespace collapsed."""
    return unicodedata.normalize("NFC", " ".join(_CONTROL_RE.sub(" ", value).split()))


def check_names(pledge: Pledge) -> None:
    """Refuse a signature whose name (or city, institution, role) could not go into an
    email header as it is: ``ValidationError`` naming each such field.

    The signer's name goes into the ``To`` header of every email; the other
    fields are held to the same rule so that no field is a way in later.
    """
    institution = pledge.institution
    fields = [("name", pledge.name), ("city", pledge.city),
              ("institution.name", institution.name if institution else None),
              ("institution.representative_role",
               institution.representative_role if institution else None)]
    problems: list[tuple[str | None, str]] = []
    for field, value in fields:
        problem = header_problem(value) if value else None
        if problem:
            problems.append((field, problem))
    if problems:
        raise ValidationError(problems[0][1], field=problems[0][0], problems=problems)


def _exists(connection: Connection, table: sa.Table, slug: str, noun: str) -> None:
    require(connection, table, slug, NotFound(f"there is no {noun} {slug!r}", field=noun))


class ParticipationService:
    """Cities' participation in campaigns, one record per campaign and city."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size

    def save(self, participation: CampaignParticipation) -> CampaignParticipation:
        """Record (or replace) a city's participation in a campaign."""
        with self.store.write() as connection:
            return self.save_in(connection, participation)[0]

    def save_in(self, connection: Connection, participation: CampaignParticipation,
                ) -> tuple[CampaignParticipation, bool]:
        """Record or replace within an open transaction; ``True`` if it is new."""
        _exists(connection, schema.campaigns, participation.campaign, "campaign")
        _exists(connection, schema.cities, participation.city, "city")
        table = schema.participations
        key = (table.c.campaign_slug == participation.campaign,
               table.c.city_slug == participation.city)
        data, stamp = convert.unstructure(participation), now()
        update = table.update().where(*key).values(data=data, updated_at=stamp)
        if connection.execute(update).rowcount:
            return participation, False
        try:
            with connection.begin_nested():
                connection.execute(table.insert().values(
                    campaign_slug=participation.campaign, city_slug=participation.city,
                    data=data, created_at=stamp, updated_at=stamp,
                ))
        except sa.exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise
            connection.execute(update)  # saved at the same moment by another writer
            return participation, False
        return participation, True

    def list(self, campaign: str | None = None, *, limit: int = 50, offset: int = 0,
             ) -> Page[CampaignParticipation]:
        """Participations by campaign and city, optionally of one campaign."""
        table = schema.participations
        where = [table.c.campaign_slug == campaign] if campaign is not None else []
        return read_page(self.store, self._query().where(*where), limit=limit, offset=offset,
                         maximum=self.max_page_size, load=self._load)

    def all_in(self, connection: Connection, campaign: str | None = None,
               ) -> builtins.list[CampaignParticipation]:
        """Every participation (of ``campaign``, if given), by campaign and city."""
        query = self._query()
        if campaign is not None:
            query = query.where(schema.participations.c.campaign_slug == campaign)
        return self._load(connection, connection.execute(query).all())

    @staticmethod
    def _query() -> sa.Select[Any]:
        table = schema.participations
        return sa.select(table.c.data).order_by(table.c.campaign_slug, table.c.city_slug)

    @staticmethod
    def _load(_: Connection, rows: Sequence[Any]) -> builtins.list[CampaignParticipation]:
        return [convert.structure(row.data, CampaignParticipation) for row in rows]

    def delete(self, campaign: str, city: str) -> None:
        """Remove a city's participation; ``NotFound`` if it has none."""
        table = schema.participations
        with self.store.write() as connection:
            deleted = connection.execute(table.delete().where(
                table.c.campaign_slug == campaign, table.c.city_slug == city
            ))
        if deleted.rowcount == 0:
            raise NotFound(f"{city!r} does not take part in {campaign!r}", field="city")


@attrs.frozen(kw_only=True)
class TokenCheck:
    """What a confirmation or withdrawal link leads to.

    ``state`` is ``valid`` (the button will act), ``done`` (confirmed already,
    for a confirmation link) or ``invalid`` (unknown, used or expired).
    """

    state: str
    declaration: str | None = None


@attrs.frozen(kw_only=True)
class Drift:
    """A counter that did not match the rows: what it said and what the rows say."""

    declaration: str
    kind: str
    country: str
    counted: int
    actual: int


@attrs.frozen(kw_only=True)
class RetentionReport:
    """What a retention pass removed: unconfirmed signatures deleted, signatures anonymised."""

    deleted: int
    anonymised: int

    def summary(self) -> str:
        """``2 unconfirmed deleted, 5 anonymised``: the line the retention commands print."""
        return f"{self.deleted} unconfirmed deleted, {self.anonymised} anonymised"


#: The columns of the organisers' CSV export of confirmed signatures.
CSV_COLUMNS = ("id", "kind", "name", "email", "country", "city", "public", "institution_name",
               "institution_kind", "representative_role", "institution_website",
               "consent_version", "signed_at", "confirmed_at")

#: Name given to anonymised signatures.
ANONYMISED = "anonymised"


class PledgeService:
    """Declarations, their signatures and counts, and the campaign day.

    ``sign`` stores a pending signature and its confirmation email (in the
    outbox) in one transaction; one signature per person and declaration,
    guaranteed by a unique constraint on the normalised address. Confirmed
    counts live in a counter table kept in step by every confirmation and
    withdrawal; :meth:`recount` checks them against the rows.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200,
                 settings: Settings | None = None) -> None:
        self.store = store
        self.max_page_size = max_page_size
        self.settings = settings or Settings()
        self.keys = Keys(store, self.settings.secret_key)
        self.outbox = Outbox(store, self.settings, self.keys, self._load)
        self.declarations: Records[Declaration] = Records(
            store, schema.declarations, Declaration, noun="declaration",
            prepare=_declaration_rules, max_page_size=max_page_size,
        )
        self.campaigns: Records[Campaign] = Records(
            store, schema.campaigns, Campaign, noun="campaign",
            columns=lambda c: {"day": c.day}, prepare=self._campaign_rules,
            max_page_size=max_page_size,
        )
        self.participations = ParticipationService(store, max_page_size=max_page_size)

    def _campaign_rules(self, connection: Connection, campaign: Campaign) -> Campaign:
        if campaign.declaration is not None:
            _exists(connection, schema.declarations, campaign.declaration, "declaration")
        return campaign

    def taking_part(self, campaign: str) -> builtins.list[CampaignParticipation]:
        """Every city's participation in ``campaign`` (``NotFound`` for an unknown one)."""
        with self.store.read() as connection:
            self.campaigns.get_in(connection, campaign)
            return self.participations.all_in(connection, campaign)

    def screenings(self, campaign: str, *, after: datetime | None = None,
                   ) -> builtins.list[UpcomingScreening]:
        """The public screenings of ``campaign`` starting after ``after`` (now), by time."""
        start = after or now()
        found = [UpcomingScreening(city=p.city, screening=s)
                 for p in self.taking_part(campaign) for s in p.screenings
                 if s.public and s.starts_at >= start]
        return sorted(found, key=lambda item: (item.screening.starts_at, item.city))

    # -- signing

    def sign(self, pledge: Pledge, *, language: str = "en", ip: str | None = None) -> Pledge:
        """Store a pending signature and its confirmation email; return the signature.

        A repeated address keeps the first signature, returns it, and queues a
        "you have already signed" email instead (at most ``pledge_email_limit``
        emails per address a day), so that the answer never tells who signed.
        ``ip`` (the client's) counts against ``pledge_ip_limit`` and is stored
        only as a keyed hash. ``TooManyRequests`` past the limit.
        """
        check_names(pledge)
        email, key = normalise_email(pledge.email)
        pledge = attrs.evolve(
            pledge, email=email, name=clean_text(pledge.name),
            city=clean_text(pledge.city) if pledge.city else None,
            status=PledgeStatus.PENDING, id=None, signed_at=now(), confirmed_at=None,
        )
        ip_hash = self.keys.hash("ip", ip) if ip else None
        table = schema.pledges
        with self.store.write() as connection:
            _exists(connection, schema.declarations, pledge.declaration, "declaration")
            limit = self.settings.pledge_ip_limit
            if ip_hash and limit and not hit(connection, "sign-ip", ip_hash, limit=limit,
                                             window=timedelta(hours=1)):
                raise TooManyRequests(
                    f"too many signatures from your network in the last hour (the limit is "
                    f"{limit}); please try again later", retry_after=3600)
            try:
                with connection.begin_nested():
                    new_id = connection.scalar(table.insert().values(
                        declaration_slug=pledge.declaration, kind=pledge.kind.value,
                        status=pledge.status.value, email_key=key, country=pledge.country,
                        public=pledge.public, data=self._dump(pledge),
                        signed_at=pledge.signed_at, ip_hash=ip_hash,
                    ).returning(table.c.id))
            except sa.exc.IntegrityError as error:
                if not is_unique_violation(error):
                    raise
                # This address has signed already: the first signature stands.
                found = self._find(connection, pledge.declaration, key)
                assert found is not None
                assert found.id is not None
                since = now() - timedelta(days=1)
                if sent_recently(connection, found.id, since) < self.settings.pledge_email_limit:
                    enqueue(connection, found.id, ALREADY_SIGNED, language)
                return found
            assert new_id is not None
            enqueue(connection, new_id, CONFIRM, language)
        return attrs.evolve(pledge, id=new_id)

    def resend(self, pledge_id: int, *, language: str = "en") -> bool:
        """Queue the confirmation email again; ``False`` when today's limit is reached."""
        with self.store.write() as connection:
            status = connection.scalar(sa.select(schema.pledges.c.status)
                                       .where(schema.pledges.c.id == pledge_id))
            if status is None:
                raise NotFound(f"there is no signature {pledge_id}", field="id")
            since = now() - timedelta(days=1)
            if sent_recently(connection, pledge_id, since) >= self.settings.pledge_email_limit:
                return False
            enqueue(connection, pledge_id, CONFIRM, language)
        return True

    def send_outbox(self, mailer: Mailer, *, limit: int = 100,
                    lease_seconds: int | None = None) -> OutboxReport:
        """Send up to ``limit`` due emails through ``mailer``; see :class:`Outbox`.

        Safe to run in several processes at once: no two workers hold a live
        lease on one email. Delivery is at least once: a worker killed between
        the server's acceptance and the record of it leaves that one email to be
        sent again, with the same ``Message-ID``. Needs the ``base_url`` setting
        (the links in emails start with it).
        """
        return self.outbox.send(mailer, limit=limit, lease_seconds=lease_seconds)

    @staticmethod
    def _dump(pledge: Pledge) -> Any:
        data = convert.unstructure(pledge)
        for server_field in ("id", "status", "signed_at", "confirmed_at"):
            data.pop(server_field)
        return data

    def _find(self, connection: Connection, declaration: str, key: str) -> Pledge | None:
        table = schema.pledges
        row = connection.execute(self._select().where(
            table.c.declaration_slug == declaration, table.c.email_key == key
        )).first()
        return self._load(row) if row else None

    @staticmethod
    def _select() -> sa.Select[Any]:
        table = schema.pledges
        return sa.select(table.c.id, table.c.status, table.c.data, table.c.signed_at,
                         table.c.confirmed_at)

    @staticmethod
    def _load(row: Any) -> Pledge:
        pledge = convert.structure(row.data, Pledge)
        return attrs.evolve(
            pledge, id=row.id, status=PledgeStatus(row.status), signed_at=aware(row.signed_at),
            confirmed_at=aware(row.confirmed_at),
        )

    def get(self, pledge_id: int) -> Pledge:
        """The signature ``pledge_id``; ``NotFound`` if there is none."""
        with self.store.read() as connection:
            row = connection.execute(
                self._select().where(schema.pledges.c.id == pledge_id)
            ).first()
        if row is None:
            raise NotFound(f"there is no signature {pledge_id}", field="id")
        return self._load(row)

    def list(self, declaration: str, *, status: PledgeStatus | None = None, limit: int = 50,
             offset: int = 0) -> Page[Pledge]:
        """Signatures of ``declaration``, oldest first (personal data: for organisers only)."""
        table = schema.pledges
        where = [table.c.declaration_slug == declaration]
        if status is not None:
            where.append(table.c.status == PledgeStatus(status).value)
        return read_page(self.store, self._select().where(*where).order_by(table.c.id),
                         limit=limit, offset=offset, maximum=self.max_page_size,
                         load=lambda _, rows: map(self._load, rows))

    def signatories(self, declaration: str, *, kind: SignerKind | None = SignerKind.INSTITUTION,
                    limit: int = 50, offset: int = 0) -> Page[PublicSignatory]:
        """Confirmed signatories who chose to appear publicly: names, never addresses."""
        table = schema.pledges
        where = [table.c.declaration_slug == declaration, table.c.public.is_(True),
                 table.c.status == PledgeStatus.CONFIRMED.value,
                 table.c.anonymised_at.is_(None)]
        if kind is not None:
            where.append(table.c.kind == SignerKind(kind).value)
        return read_page(self.store, self._select().where(*where).order_by(table.c.id),
                         limit=limit, offset=offset, maximum=self.max_page_size,
                         load=lambda _, rows: [PublicSignatory.of(self._load(r)) for r in rows])

    # -- confirming and withdrawing

    def confirm(self, pledge_id: int) -> Pledge:
        """Count a pending signature; confirming twice changes nothing."""
        with self.store.write() as connection:
            self._confirm_in(connection, pledge_id)
        return self.get(pledge_id)

    def _confirm_in(self, connection: Connection, pledge_id: int) -> bool:
        table = schema.pledges
        row = connection.execute(
            table.update()
            .where(table.c.id == pledge_id, table.c.status == PledgeStatus.PENDING.value)
            .values(status=PledgeStatus.CONFIRMED.value, confirmed_at=now())
            .returning(table.c.declaration_slug, table.c.kind, table.c.country)
        ).first()
        if row is None:
            return False
        _count(connection, row, +1)
        tokens = schema.pledge_tokens
        connection.execute(tokens.delete().where(tokens.c.pledge_id == pledge_id,
                                                 tokens.c.purpose == CONFIRM_TOKEN))
        return True

    def withdraw(self, pledge_id: int) -> None:
        """Withdraw a signature, erasing it with all its personal data and its emails."""
        with self.store.write() as connection:
            if not self._withdraw_in(connection, pledge_id):
                raise NotFound(f"there is no signature {pledge_id}", field="id")

    @staticmethod
    def _withdraw_in(connection: Connection, pledge_id: int) -> bool:
        table = schema.pledges
        row = connection.execute(
            table.delete().where(table.c.id == pledge_id)
            .returning(table.c.declaration_slug, table.c.kind, table.c.country, table.c.status)
        ).first()
        if row is None:
            return False
        if row.status == PledgeStatus.CONFIRMED.value:
            _count(connection, row, -1)
        return True

    def check_token(self, purpose: str, token: str) -> TokenCheck:
        """Where a link's token leads, without changing anything (for the GET page)."""
        digest = self._token_hash(purpose, token)
        with self.store.read() as connection:
            row = self._token_row(connection, purpose, digest)
        return _token_check(row)

    def confirm_token(self, token: str) -> TokenCheck:
        """Confirm the signature of a confirmation link's token (single use)."""
        digest = self._token_hash(CONFIRM_TOKEN, token)
        with self.store.write() as connection:
            row = self._token_row(connection, CONFIRM_TOKEN, digest)
            check = _token_check(row)
            if check.state == "valid":
                self._confirm_in(connection, row.pledge_id)
        return check

    def withdraw_token(self, token: str) -> TokenCheck:
        """Withdraw and erase the signature of a withdrawal link's token."""
        digest = self._token_hash(WITHDRAW_TOKEN, token)
        with self.store.write() as connection:
            row = self._token_row(connection, WITHDRAW_TOKEN, digest)
            check = _token_check(row)
            if check.state != "invalid":
                self._withdraw_in(connection, row.pledge_id)
        return check

    def _token_hash(self, purpose: str, token: str) -> str | None:
        # Hashed before any transaction opens: the key may have to be read first.
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        return self.keys.hash(purpose, token)

    @staticmethod
    def _token_row(connection: Connection, purpose: str, digest: str | None) -> Any:
        if digest is None:
            return None
        tokens, pledges = schema.pledge_tokens, schema.pledges
        return connection.execute(
            sa.select(tokens.c.pledge_id, tokens.c.expires_at, pledges.c.status,
                      pledges.c.declaration_slug)
            .join(pledges, pledges.c.id == tokens.c.pledge_id)
            .where(tokens.c.token_hash == digest,
                   tokens.c.purpose == purpose)
        ).first()

    # -- counting

    def all_stats(self) -> builtins.list[PledgeStats]:
        """The stats of every declaration, by slug, in one transaction."""
        with self.store.read() as connection:
            found = self.declarations.all_in(connection)
            return [self._stats_in(connection, declaration) for declaration in found]

    def stats(self, declaration: str) -> PledgeStats:
        """Confirmed signatures of ``declaration``: in all, by kind, by country."""
        with self.store.read() as connection:
            found = self.declarations.get_in(connection, declaration)
            return self._stats_in(connection, found)

    @staticmethod
    def _stats_in(connection: Connection, declaration: Declaration) -> PledgeStats:
        table = schema.pledge_counts
        rows = connection.execute(
            sa.select(table.c.kind, table.c.country, table.c.confirmed)
            .where(table.c.declaration_slug == declaration.slug, table.c.confirmed > 0)
        ).all()
        by_kind: dict[str, int] = {}
        by_country: dict[str, int] = {}
        for kind, country, count in rows:
            by_kind[kind] = by_kind.get(kind, 0) + count
            by_country[country] = by_country.get(country, 0) + count
        total = sum(by_kind.values())
        upcoming = next((m for m in declaration.milestones if m > total), None)
        return PledgeStats(declaration=declaration.slug, confirmed=total,
                           by_kind=dict(sorted(by_kind.items())),
                           by_country=dict(sorted(by_country.items())), next_milestone=upcoming)

    def recount(self, *, fix: bool = True) -> builtins.list[Drift]:
        """Compare the counters with the confirmed rows; return every drift (and fix it)."""
        pledges, counts = schema.pledges, schema.pledge_counts
        with self.store.write() as connection:
            actual = {(d, k, c): n for d, k, c, n in connection.execute(
                sa.select(pledges.c.declaration_slug, pledges.c.kind, pledges.c.country,
                          sa.func.count())
                .where(pledges.c.status == PledgeStatus.CONFIRMED.value)
                .group_by(pledges.c.declaration_slug, pledges.c.kind, pledges.c.country))}
            counted = {(d, k, c): n for d, k, c, n in connection.execute(
                sa.select(counts.c.declaration_slug, counts.c.kind, counts.c.country,
                          counts.c.confirmed))}
            drift = [Drift(declaration=key[0], kind=key[1], country=key[2],
                           counted=counted.get(key, 0), actual=actual.get(key, 0))
                     for key in sorted(set(actual) | set(counted))
                     if counted.get(key, 0) != actual.get(key, 0)]
            if fix:
                for item in drift:
                    keys = {"declaration_slug": item.declaration, "kind": item.kind,
                            "country": item.country}
                    upsert_add(connection, counts, keys, "confirmed",
                               item.actual - item.counted)
        return drift

    # -- privacy

    def retention(self, *, pending_days: int | None = None,
                  closed_months: int | None = None) -> RetentionReport:
        """Delete signatures unconfirmed after ``pending_days``; anonymise the confirmed
        signatures of declarations whose last campaign day is ``closed_months`` past.

        Anonymised signatures keep their kind, country and institution (so the
        counts stand) and lose the name, address, city and IP hash. Expired
        tokens, used form tokens, past rate-limit windows and emails sent over a
        week ago are removed too. A negative or absurd age is refused (``ValidationError``):
        ``-5`` days would otherwise delete every unconfirmed signature.
        """
        if pending_days is not None:
            f.check_number(pending_days, field="pending_days", minimum=0, maximum=36_500)
        if closed_months is not None:
            f.check_number(closed_months, field="closed_months", minimum=1, maximum=1_200)
        pledges, stamp = schema.pledges, now()
        deleted = anonymised = 0
        with self.store.write() as connection:
            if pending_days is not None:
                deleted = connection.execute(pledges.delete().where(
                    pledges.c.status == PledgeStatus.PENDING.value,
                    pledges.c.signed_at < stamp - timedelta(days=pending_days))).rowcount
            if closed_months is not None:
                cutoff = (stamp - timedelta(days=31 * closed_months)).date()
                campaigns = schema.campaigns
                last_day = sa.select(sa.func.max(campaigns.c.day)).where(
                    campaigns.c.data["declaration"].as_string() == pledges.c.declaration_slug)
                rows = connection.execute(self._select().where(
                    pledges.c.anonymised_at.is_(None),
                    pledges.c.status == PledgeStatus.CONFIRMED.value,
                    last_day.scalar_subquery() < cutoff)).all()
                for row in rows:
                    self._anonymise(connection, self._load(row), stamp)
                anonymised = len(rows)
            tokens, limits, outbox = schema.pledge_tokens, schema.rate_limits, schema.outbox
            connection.execute(tokens.delete().where(tokens.c.expires_at < stamp))
            connection.execute(limits.delete().where(limits.c.expires_at < stamp))
            forms = schema.form_tokens
            connection.execute(forms.delete().where(forms.c.expires_at < stamp))
            connection.execute(outbox.delete().where(
                outbox.c.status == "sent", outbox.c.sent_at < stamp - timedelta(days=7)))
        return RetentionReport(deleted=deleted, anonymised=anonymised)

    def _anonymise(self, connection: Connection, pledge: Pledge, stamp: datetime) -> None:
        assert pledge.id is not None
        table = schema.pledges
        institution = (attrs.evolve(pledge.institution, representative_role=ANONYMISED)
                       if pledge.institution else None)
        blank = attrs.evolve(pledge, name=ANONYMISED, email=ANONYMISED, city=None,
                             institution=institution)
        connection.execute(table.update().where(table.c.id == pledge.id).values(
            data=self._dump(blank), email_key=f"{ANONYMISED}:{pledge.id}", ip_hash=None,
            anonymised_at=stamp))
        connection.execute(schema.outbox.delete().where(schema.outbox.c.pledge_id == pledge.id))

    def export_csv(self, declaration: str, stream: TextIO) -> int:
        """Write the confirmed signatures of ``declaration`` as CSV; return how many.

        For organisers: it holds addresses. Cells that a spreadsheet would run
        as a formula are prefixed with ``'``.
        """
        self.declarations.get(declaration)
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        table, written, last = schema.pledges, 0, 0
        while True:
            with self.store.read() as connection:
                rows = connection.execute(self._select().where(
                    table.c.declaration_slug == declaration, table.c.id > last,
                    table.c.status == PledgeStatus.CONFIRMED.value,
                ).order_by(table.c.id).limit(1000)).all()
            if not rows:
                return written
            for row in rows:
                writer.writerow([_cell(value) for value in _csv_row(self._load(row))])
                written += 1
            last = rows[-1].id


@attrs.frozen(kw_only=True)
class UpcomingScreening:
    """A public screening still to come, with the city that organises it."""

    city: str
    screening: Screening


@attrs.frozen(kw_only=True)
class PublicSignatory:
    """What the public sees of a signatory who chose to appear: no address, ever."""

    kind: SignerKind
    name: str
    country: str
    city: str | None
    institution: str | None
    institution_kind: str | None
    website: str | None

    @classmethod
    def of(cls, pledge: Pledge) -> PublicSignatory:
        """The public part of ``pledge``."""
        institution = pledge.institution
        return cls(kind=pledge.kind, name=pledge.name, country=pledge.country, city=pledge.city,
                   institution=institution.name if institution else None,
                   institution_kind=institution.kind.value if institution else None,
                   website=institution.website if institution else None)


#: Slugs a declaration cannot take: ``/widgets/pledge/{slug}`` would be these pages.
RESERVED_SLUGS = frozenset({"confirm", "withdraw", "counter", "signatories"})


def _declaration_rules(_: Connection, declaration: Declaration) -> Declaration:
    if declaration.slug in RESERVED_SLUGS:
        raise ValidationError(
            f"{declaration.slug!r} is the name of a page of the pledge widgets; choose "
            "another slug", field="slug")
    return declaration


def _count(connection: Connection, row: Any, delta: int) -> None:
    upsert_add(connection, schema.pledge_counts,
               {"declaration_slug": row.declaration_slug, "kind": row.kind,
                "country": row.country}, "confirmed", delta)


def _token_check(row: Any) -> TokenCheck:
    if row is None or (aware(row.expires_at) or now()) < now():
        return TokenCheck(state="invalid")
    state = "done" if row.status == PledgeStatus.CONFIRMED.value else "valid"
    return TokenCheck(state=state, declaration=row.declaration_slug)


def _csv_row(pledge: Pledge) -> builtins.list[Any]:
    institution = pledge.institution
    return [pledge.id, pledge.kind.value, pledge.name, pledge.email, pledge.country,
            pledge.city or "", "yes" if pledge.public else "no",
            institution.name if institution else "",
            institution.kind.value if institution else "",
            institution.representative_role if institution else "",
            (institution.website or "") if institution else "", pledge.consent_version,
            pledge.signed_at.isoformat() if pledge.signed_at else "",
            pledge.confirmed_at.isoformat() if pledge.confirmed_at else ""]


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
