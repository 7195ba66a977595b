"""What the pledge services share: the signer's text and address rules, a
signature's row, the declarations' repository, and what the public sees of a signatory.

The pledges domain is served by one small service per job, each on
:class:`~livingtogether.Observatory` under its own name so that the staff
console can give each its own permission:

========================  ==========================================  =======================
``obs.declarations``      the declarations (:func:`declarations`)     ``declarations.edit``
``obs.campaigns``         the campaign days (:mod:`.campaigns`)       ``campaigns.edit``
``obs.participations``    cities taking part, screenings              ``campaigns.edit``
``obs.signing``           sign, resend, confirm, withdraw, the links  (public; withdraw by id:
                          (:mod:`.signing`)                           ``signatures.withdraw``)
``obs.signatures``        read signatures, the public signatories     ``signatures.view``
                          (:mod:`.signatures`)
``obs.pledge_stats``      counts and their recount (:mod:`.pledge_stats`)  (public; recount:
                                                                      ``signatures.recount``)
``obs.retention``         data-protection retention (:mod:`.retention`)  ``signatures.retention``
``obs.signature_export``  the organisers' CSV (:mod:`.signature_export`)  ``signatures.export``
``obs.outbox``            the emails' outbox (:mod:`.outbox`)         ``outbox.send``
``obs.keys``              keyed hashes, form tokens (:mod:`.guard`)   (internal)
========================  ==========================================  =======================
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound, ValidationError
from ..mail import header_problem
from ..models import Declaration, Pledge, PledgeStatus, SignerKind
from ..store import Store, aware, schema
from .base import Kept, Records, require
from .network import check_declaration

T = TypeVar("T")


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


def exists_or_not_found(connection: Connection, table: sa.Table, slug: str, noun: str) -> None:
    """``NotFound`` ("there is no {noun} ...") unless ``table`` has a record ``slug``."""
    require(connection, table, slug, NotFound(f"there is no {noun} {slug!r}", field=noun))


# -- a signature's row


def dump(pledge: Pledge) -> Any:
    """The ``data`` column of ``pledge``: its fields but those the server sets in columns."""
    data = convert.unstructure(pledge)
    for server_field in ("id", "status", "signed_at", "confirmed_at"):
        data.pop(server_field)
    return data


def select() -> sa.Select[Any]:
    """The columns :func:`load` needs, of ``lt_pledges``."""
    table = schema.pledges
    return sa.select(table.c.id, table.c.status, table.c.data, table.c.signed_at,
                     table.c.confirmed_at)


def load(row: Any) -> Pledge:
    """The signature of a row of :func:`select`."""
    pledge = convert.structure(row.data, Pledge)
    return attrs.evolve(
        pledge, id=row.id, status=PledgeStatus(row.status), signed_at=aware(row.signed_at),
        confirmed_at=aware(row.confirmed_at),
    )


def get_in(connection: Connection, pledge_id: int) -> Pledge:
    """The signature ``pledge_id`` within an open transaction; ``NotFound`` if there is none."""
    row = connection.execute(select().where(schema.pledges.c.id == pledge_id)).first()
    if row is None:
        raise NotFound(f"there is no signature {pledge_id}", field="id")
    return load(row)


# -- declarations

#: Slugs a declaration cannot take: ``/widgets/pledge/{slug}`` would be these pages.
RESERVED_SLUGS = frozenset({"confirm", "withdraw", "counter", "signatories"})


def _declaration_rules(connection: Connection, declaration: Declaration) -> Declaration:
    if declaration.slug in RESERVED_SLUGS:
        raise ValidationError(
            f"{declaration.slug!r} is the name of a page of the pledge widgets; choose "
            "another slug", field="slug")
    check_declaration(connection, declaration)
    return declaration


class Declarations(Records[Declaration]):
    """The declarations' repository (``obs.declarations``): slugs of the widgets' own
    pages (:data:`RESERVED_SLUGS`) are refused.

    :meth:`get` keeps what it read (:class:`Kept`): a declaration is long (its
    text in every language), read by every signature, and changes seldom.
    """

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(store, schema.declarations, Declaration, noun="declaration",
                         prepare=_declaration_rules, max_page_size=max_page_size)
        self._kept: Kept[Declaration] = Kept(store)

    def get(self, slug: str) -> Declaration:
        """The declaration ``slug``; ``NotFound`` if there is none."""
        return self._kept.get(slug, lambda: super(Declarations, self).get(slug))


def declarations(store: Store, *, max_page_size: int = 200) -> Declarations:
    """The declarations' repository (``obs.declarations``)."""
    return Declarations(store, max_page_size=max_page_size)


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
