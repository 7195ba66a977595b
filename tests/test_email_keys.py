"""Addresses in any case or Unicode form count once (issue 14, item 7).

The dedupe key is the address NFKC-casefolded part by part; the address as
email-validator normalised it is kept and mailed. Migration 8 recomputes the
keys stored before it without losing a row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory, Pledge, PledgeStatus, SignerKind
from livingtogether.mail import SMTPMailer
from livingtogether.services.pledges import email_key, normalise_email
from livingtogether.store import Store, migrations, schema
from pledge_support import SMTPServer, in_parallel, smtp_server

SETTINGS: dict[str, Any] = {"base_url": "http://city.example/embed", "secret_key": "k" * 32,
                            "pledge_ip_limit": 0}

#: Forms of one person's address, and the key they share.
SAME = ["ada@example.org", "ADA@Example.org", "ａda@example.org", "ａｄａ@ＥＸＡＭＰＬＥ.ｏｒｇ",
        "Ａda@ｅxample.org"]


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with smtp_server() as server:
        yield server


def open_obs(url: str) -> Observatory:
    from livingtogether.demo import install

    obs = Observatory.open(url, **SETTINGS)
    install(obs)
    return obs


def pledge(address: str, name: str = "Ada") -> Pledge:
    return Pledge(declaration="universal-declaration", kind=SignerKind.CITIZEN, name=name,
                  email=address, country="FR", consent_version="2022-1")


@pytest.mark.parametrize(("one", "other"), [
    ("ａda@example.org", "ada@example.org"), ("ﬁle@example.org", "FILE@example.org"),
    ("straße@example.org", "STRASSE@example.org"),
    (unicodedata.normalize("NFD", "zoë@example.org"), "ZOË@example.org"),
    ("ada@ｅxample.org", "ada@EXAMPLE.ORG"), ("①@example.org", "1@example.org"),
])
def test_forms_of_one_address_share_a_key(one: str, other: str) -> None:
    assert normalise_email(one)[1] == normalise_email(other)[1]


def test_the_address_is_kept_as_given_for_sending() -> None:
    address, key = normalise_email("ａda@ＥＸＡＭＰＬＥ.org")
    assert address == "ａda@example.org"  # the local part as typed, the domain by IDNA
    assert key == "ada@example.org"
    assert normalise_email("someone.else@example.org")[1] != key


def test_every_form_signs_once_and_mail_goes_to_the_first_form(database_url: str,
                                                               smtp: SMTPServer) -> None:
    obs = open_obs(database_url)
    try:
        first = obs.signing.sign(pledge(SAME[2]))
        for address in SAME:
            again = obs.signing.sign(pledge(address, name="Someone"))
            assert again.id == first.id
        rows = obs.signatures.list("universal-declaration").items
        assert [(p.email, p.name) for p in rows] == [("ａda@example.org", "Ada")]
        mailer = SMTPMailer("127.0.0.1", smtp.port, security="none", timeout=5)
        report = obs.outbox.send(mailer)
        assert len(report.sent) == obs.settings.pledge_email_limit  # the first one included
        assert {tuple(r) for r in smtp.inbox.recipients} == {("ａda@example.org",)}
    finally:
        obs.close()


def test_concurrent_signers_in_every_form_make_one_row(database_url: str) -> None:
    obs = open_obs(database_url)
    try:
        in_parallel(lambda address: obs.signing.sign(pledge(address)), SAME * 4)
        assert obs.signatures.list("universal-declaration").total == 1
    finally:
        obs.close()


def test_the_unique_index_holds_the_new_key(database_url: str) -> None:
    obs = open_obs(database_url)
    try:
        signed = obs.signing.sign(pledge("ａda@example.org"))
        table = schema.pledges
        with obs.store.read() as connection:
            stored = connection.scalar(sa.select(table.c.email_key)
                                       .where(table.c.id == signed.id))
        assert stored == email_key("ａda@example.org") == "ada@example.org"
        with pytest.raises(sa.exc.IntegrityError), obs.store.write() as connection:
            connection.execute(table.insert().values(
                declaration_slug="universal-declaration", kind="citizen", status="pending",
                email_key="ada@example.org", country="FR", public=False,
                data={"email": "ada@example.org"}, signed_at=signed.signed_at))
    finally:
        obs.close()


def legacy_row(connection: Any, address: str, old_key: str, status: str = "confirmed",
               **values: Any) -> int:
    """A signature as it was stored before the key migration (its key NFC-casefolded)."""
    data = {"declaration": "universal-declaration", "kind": "citizen", "name": "Legacy",
            "email": address, "country": "FR", "city": None, "public": False,
            "consent_version": "2022-1", "institution": None}
    return int(connection.scalar(schema.pledges.insert().values(
        declaration_slug="universal-declaration", kind="citizen", status=status,
        email_key=old_key, country="FR", public=False, data=data,
        signed_at=sa.func.now(), **values).returning(schema.pledges.c.id)))


def test_the_key_migration_recomputes_the_keys_and_keeps_every_row(database_url: str) -> None:
    # its number, wherever merges put it
    version = migrations.MIGRATIONS.index(migrations.m0008_email_keys) + 1
    obs = open_obs(database_url)
    table = schema.pledges
    old = {address: unicodedata.normalize("NFC", address).casefold()
           for address in ("ａda@example.org", "ada@example.org", "ｂob@example.org",
                           "zoë@example.org")}
    with obs.store.write() as connection:
        ada_wide = legacy_row(connection, "ａda@example.org", old["ａda@example.org"])
        ada = legacy_row(connection, "ada@example.org", old["ada@example.org"])
        bob = legacy_row(connection, "ｂob@example.org", old["ｂob@example.org"], "pending")
        zoe = legacy_row(connection, "zoë@example.org", old["zoë@example.org"])
        gone = legacy_row(connection, "anonymised", "anonymised:1",
                          anonymised_at=sa.func.now())
        connection.execute(schema.schema_version.delete().where(
            schema.schema_version.c.version == version))
    obs.pledge_stats.recount()
    counted = obs.pledge_stats.stats("universal-declaration").confirmed
    obs.close()
    store = Store(database_url)
    try:
        assert store.upgrade() == [version]
    finally:
        store.close()
    obs = Observatory.open(database_url, **SETTINGS)
    try:
        with obs.store.read() as connection:
            keys = dict(connection.execute(sa.select(table.c.id, table.c.email_key)).all())
        assert keys[bob] == "bob@example.org"  # recomputed
        assert keys[zoe] == "zoë@example.org"  # unchanged
        assert keys[gone] == "anonymised:1"
        # ａda and ada counted apart before: both stay; ａda, whose new key ada holds,
        # keeps its old one
        assert keys[ada] == "ada@example.org"
        assert keys[ada_wide] == old["ａda@example.org"] == "ａda@example.org"
        assert len(keys) == 5
        assert obs.pledge_stats.stats("universal-declaration").confirmed == counted == 4
        assert obs.pledge_stats.recount(fix=False) == []
        # a new signing in either form finds the first signature
        for address in ("ADA@example.org", "ａda@example.org"):
            assert obs.signing.sign(pledge(address)).id == ada
        assert obs.signatures.get(ada_wide).status is PledgeStatus.CONFIRMED
        assert obs.signing.sign(pledge("ｂob@example.org")).id == bob
        assert obs.signing.sign(pledge("bob@example.org")).id == bob
    finally:
        obs.close()
