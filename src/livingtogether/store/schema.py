"""The one schema of every domain, in SQLAlchemy Core.

Each record keeps its converter output in ``data`` (the one source of truth
for its fields) beside the columns that queries filter, sort and join on.
``data`` is ``json``, not ``jsonb``, on PostgreSQL: it is never queried
inside, and ``jsonb`` would reorder the languages of a multilingual text,
whose first language is the last fallback.
Migrations in ``store/migrations`` build this schema step by step; a test
compares the migrated database with this metadata so the two never drift.
One module on purpose (over 450 lines): it is declarations only, and one
place to read every table is what the migrations and their test compare with.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

JSONData = sa.JSON()
Instant = sa.DateTime(timezone=True)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    ]


def _records(name: str, *columns: sa.Column[Any] | sa.Constraint) -> sa.Table:
    """A table of slug-keyed records: ``id``, ``slug``, its own columns, ``data``, times."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        *columns,
        sa.Column("data", JSONData, nullable=False),
        *_timestamps(),
    )


schema_version = sa.Table(
    "lt_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", Instant, nullable=False),
)

cities = _records(
    "lt_cities",
    sa.Column("country", sa.String(2), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
)

# The network's partner organisations (migration 13); a city's board names them.
organisations = _records(
    "lt_organisations",
    sa.Column("kind", sa.String(20), nullable=False, index=True),
    sa.Column("city_slug", sa.String(100), nullable=True, index=True),
)

practices = _records(
    "lt_practices",
    sa.Column(
        "city_slug",
        sa.String(100),
        sa.ForeignKey("lt_cities.slug", onupdate="CASCADE", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
)

practice_themes = sa.Table(
    "lt_practice_themes",
    metadata,
    sa.Column(
        "practice_id",
        sa.Integer,
        sa.ForeignKey("lt_practices.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("theme", sa.String(100), primary_key=True, index=True),
)

events = _records(
    "lt_events",
    sa.Column("first_day", sa.Date, nullable=False, index=True),
    sa.Column("last_day", sa.Date, nullable=False),
    sa.Column("host_zone", sa.String(64), nullable=False),
)

sessions = sa.Table(
    "lt_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "event_id", sa.Integer, sa.ForeignKey("lt_events.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("starts_at", Instant, nullable=True),
    sa.Column("ends_at", Instant, nullable=True),
    sa.Column("data", JSONData, nullable=False),
    sa.UniqueConstraint("event_id", "key"),
)

# A published version of an event: its whole programme as published (``data``).
programme_versions = sa.Table(
    "lt_programme_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "event_id", sa.Integer, sa.ForeignKey("lt_events.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("published_at", Instant, nullable=False),
    sa.Column("note", sa.String(300), nullable=True),
    sa.Column("data", JSONData, nullable=False),
    sa.UniqueConstraint("event_id", "number"),
)

declarations = _records("lt_declarations")

# Series of events, e.g. the Mayors Summits (migration 15); an event names its series.
event_series = _records("lt_event_series")

campaigns = _records("lt_campaigns", sa.Column("day", sa.Date, nullable=False))

participations = sa.Table(
    "lt_participations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "campaign_slug",
        sa.String(100),
        sa.ForeignKey("lt_campaigns.slug", onupdate="CASCADE", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "city_slug",
        sa.String(100),
        sa.ForeignKey("lt_cities.slug", onupdate="CASCADE", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    sa.Column("data", JSONData, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("campaign_slug", "city_slug"),
)

pledges = sa.Table(
    "lt_pledges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "declaration_slug",
        sa.String(100),
        sa.ForeignKey("lt_declarations.slug", onupdate="CASCADE", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    # The key that makes one signature per person: the normalised address, each part
    # NFKC-casefolded (services.pledges.email_key).
    sa.Column("email_key", sa.String(320), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("signed_at", Instant, nullable=False),
    sa.Column("confirmed_at", Instant, nullable=True),
    # A keyed hash (HMAC with the secret key) of the signer's IP; never the IP itself.
    sa.Column("ip_hash", sa.String(64), nullable=True),
    sa.Column("anonymised_at", Instant, nullable=True),
    sa.UniqueConstraint("declaration_slug", "email_key"),
    sa.Index("ix_lt_pledges_declaration_status", "declaration_slug", "status"),
    sa.Index("ix_lt_pledges_status_signed_at", "status", "signed_at"),
)

# Confirmation and withdrawal tokens, stored only as keyed hashes; single use.
pledge_tokens = sa.Table(
    "lt_pledge_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "pledge_id", sa.Integer, sa.ForeignKey("lt_pledges.id", ondelete="CASCADE"),
        nullable=False, index=True,
    ),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("expires_at", Instant, nullable=False),
)

# Emails to send, written in the same transaction as what caused them.
outbox = sa.Table(
    "lt_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "pledge_id", sa.Integer, sa.ForeignKey("lt_pledges.id", ondelete="CASCADE"),
        nullable=True, index=True,
    ),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Instant, nullable=False),
    sa.Column("claim", sa.String(32), nullable=True),
    sa.Column("claimed_until", Instant, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("sent_at", Instant, nullable=True),
    # migration 16: a row is about a signature or about a screening registration
    sa.Column("registration_id", sa.Integer,
              sa.ForeignKey("lt_screening_registrations.id", ondelete="CASCADE"),
              nullable=True, index=True),
    #: what a message needs beyond its kind (staff's update: its subject and text)
    sa.Column("data", sa.JSON, nullable=True),
    sa.Index("ix_lt_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

# Confirmed signatures by declaration, kind and country, kept in step with every
# confirmation and withdrawal in the same transaction.
pledge_counts = sa.Table(
    "lt_pledge_counts",
    metadata,
    sa.Column(
        "declaration_slug",
        sa.String(100),
        sa.ForeignKey("lt_declarations.slug", onupdate="CASCADE", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("country", sa.String(2), primary_key=True),
    sa.Column("confirmed", sa.Integer, nullable=False),
)

# Fixed-window counters shared by every process (rate limits).
rate_limits = sa.Table(
    "lt_rate_limits",
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("expires_at", Instant, nullable=False, index=True),
)

# Signing-form tokens already used, by keyed hash: each form token is good once.
form_tokens = sa.Table(
    "lt_form_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("expires_at", Instant, nullable=False, index=True),
)

# Secrets the library generates when the site sets none (e.g. the hashing key).
secrets = sa.Table(
    "lt_secrets",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("created_at", Instant, nullable=False),
)

# -- the catalogue (migration 4): the themes taxonomy, pending revisions, the search rows

themes = _records(
    "lt_themes", sa.Column("position", sa.Integer, nullable=False, server_default="0")
)

#: An edit of a published practice waiting for review (or rejected), one per practice;
#: the published version stays in ``lt_practices`` until the edit is published.
practice_revisions = sa.Table(
    "lt_practice_revisions",
    metadata,
    sa.Column(
        "practice_id",
        sa.Integer,
        sa.ForeignKey("lt_practices.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("data", JSONData, nullable=False),
    *_timestamps(),
)

#: One row per published practice and language: what the facets count and the
#: filters test, kept small so that looking rows up by id stays cheap; their
#: text is in ``lt_practice_text``.
practice_search = sa.Table(
    "lt_practice_search",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "practice_id",
        sa.Integer,
        sa.ForeignKey("lt_practices.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("city_slug", sa.String(100), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    # "|culture|resilience|": filtered with LIKE only after the text match narrowed the rows.
    sa.Column("themes", sa.Text, nullable=False),
    sa.Column("published_at", Instant, nullable=False),
    sa.UniqueConstraint("practice_id", "language"),
    # Migration 9: a browse pages newest first along this index.
    sa.Index("ix_lt_practice_search_published_at_practice_id", "published_at", "practice_id"),
)

#: The plain text of each search row, which the full-text index covers; the
#: index itself is dialect-specific DDL in migration 4 (see ``SEARCH_OBJECTS``).
practice_text = sa.Table(
    "lt_practice_text",
    metadata,
    sa.Column(
        "id",
        sa.Integer,
        sa.ForeignKey("lt_practice_search.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

#: Full-text objects outside this metadata, created by migration 4 per dialect:
#: on SQLite the FTS5 table (and its shadow tables) with its sync triggers; on
#: PostgreSQL the generated ``document`` tsvector column and its GIN index.
SEARCH_OBJECTS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"lt_practice_fts", "lt_practice_fts_data", "lt_practice_fts_idx",
                         "lt_practice_fts_docsize", "lt_practice_fts_config"}),
    "postgresql": frozenset({"document", "ix_lt_practice_text_document"}),
}

#: Migration 9: the facet counts of a browse without filters, kept in step with the
#: search rows by ``services.search_index``: published practices per ``city``, ``kind`` and
#: ``theme``, search rows per ``language``, and practices in all (facet ``total``,
#: value ``""``). A value whose count fell to 0 keeps its row.
search_counts = sa.Table(
    "lt_search_counts",
    metadata,
    sa.Column("facet", sa.String(20), primary_key=True),
    sa.Column("value", sa.String(100), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# -- the hub (migration 5): API tokens, the change feed, what a member pulled from a hub

# Per-city API tokens, stored only as SHA-256 hashes of the secret.
api_tokens = sa.Table(
    "lt_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("city_slug", sa.String(100), nullable=True),
    sa.Column("scopes", sa.String(200), nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("revoked_at", Instant, nullable=True),
    sa.Column("last_used_at", Instant, nullable=True),
)

# The change feed: the latest change of each public record, numbered by ``seq``
# (from ``lt_counters``, whose row lock orders the numbers as the commits).
changes = sa.Table(
    "lt_changes",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("slug", sa.String(100), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("changed_at", Instant, nullable=False),
    # once a change was noted while the record was public: only those rows are served
    sa.Column("once_public", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("kind", "slug"),
    sa.Index("ix_lt_changes_kind_seq", "kind", "seq"),
)

counters = sa.Table(
    "lt_counters",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

# On a member site: the records that came from a hub (the others are the site's own).
hub_records = sa.Table(
    "lt_hub_records",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("slug", sa.String(100), primary_key=True),
    sa.Column("origin", sa.String(500), nullable=False),
    sa.Column("pulled_at", Instant, nullable=False),
)

# On a member site: how far each feed of each hub has been applied.
hub_cursors = sa.Table(
    "lt_hub_cursors",
    metadata,
    sa.Column("origin", sa.String(500), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("cursor", sa.String(100), nullable=False),
    sa.Column("updated_at", Instant, nullable=False),
)

# -- the staff layer (migration 10): the audit, the revisions, moderation claims and notes

#: Every change made through the staff layer (and every export of personal data): who,
#: when, what; written in the same transaction as the change.
audit = sa.Table(
    "lt_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", Instant, nullable=False),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("city", sa.String(100), nullable=True),
    sa.Column("summary", sa.String(2000), nullable=False),
    sa.Index("ix_lt_audit_kind_key_id", "kind", "key", "id"),
    sa.Index("ix_lt_audit_actor_id_id", "actor_id", "id"),
    sa.Index("ix_lt_audit_city_id", "city", "id"),
)

#: Every saved version of a record edited by staff: drafts and published ones, numbered
#: per record from 1; the record as the converter's JSON.
revisions = sa.Table(
    "lt_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("city", sa.String(100), nullable=True),
    sa.Column("data", JSONData, nullable=True),
    sa.Column("author_id", sa.String(200), nullable=False),
    sa.Column("author_name", sa.String(200), nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("summary", sa.String(300), nullable=True),
    sa.UniqueConstraint("kind", "key", "number"),
)

#: Who is working on an item of the moderation queue, until when.
claims = sa.Table(
    "lt_claims",
    metadata,
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("until", Instant, nullable=False),
)

#: The moderators' private notes on a record.
notes = sa.Table(
    "lt_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("author_id", sa.String(200), nullable=False),
    sa.Column("author_name", sa.String(200), nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("text", sa.String(2000), nullable=False),
    sa.Index("ix_lt_notes_kind_key", "kind", "key"),
)

# -- the media library (migration 11): the images uploaded through the staff console

#: Every image uploaded to the media store: its key there, its ``ImageRef`` (as the
#: converter's JSON, alt text and renditions included), the city it was uploaded for
#: and who uploaded it. Records hold the reference by value; this is the library.
media = sa.Table(
    "lt_media",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("city", sa.String(100), nullable=True),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("uploader_id", sa.String(200), nullable=False),
    sa.Column("uploader_name", sa.String(200), nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Index("ix_lt_media_city_id", "city", "id"),
    sa.Index("ix_lt_media_url", "url"),
)


# -- screenings (migration 12): the seats and registrations of the campaign's screenings

#: Seats taken at each screening residents register for, kept in step with every
#: confirmation and cancellation (one conditional UPDATE: never more than its capacity).
screening_seats = sa.Table(
    "lt_screening_seats",
    metadata,
    sa.Column("campaign_slug", sa.String(100), primary_key=True),
    sa.Column("city_slug", sa.String(100), primary_key=True),
    sa.Column("screening_key", sa.String(100), primary_key=True),
    sa.Column("taken", sa.Integer, nullable=False),
)

#: Residents registered for a screening: ``pending`` until they confirm by the link of
#: their email, then ``confirmed`` (seats held) or ``waiting`` (the list, by
#: ``waiting_since``); ``cancelled`` keeps no name or address.
screening_registrations = sa.Table(
    "lt_screening_registrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_slug", sa.String(100), nullable=False),
    sa.Column("city_slug", sa.String(100), nullable=False),
    sa.Column("screening_key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("waiting_since", Instant, nullable=True),
    sa.Index("ix_lt_screening_registrations_screening", "campaign_slug", "city_slug",
             "screening_key", "status"),
    sa.Index("ix_lt_screening_registrations_created_at", "created_at"),
)

#: How many people attended a screening that took place, as its city's staff entered it
#: (migration 18), with their note; the campaign report reads it.
screening_attendance = sa.Table(
    "lt_screening_attendance",
    metadata,
    sa.Column("campaign_slug", sa.String(100), primary_key=True),
    sa.Column("city_slug", sa.String(100), primary_key=True),
    sa.Column("screening_key", sa.String(100), primary_key=True),
    sa.Column("attended", sa.Integer, nullable=False),
    sa.Column("note", sa.String(1000), nullable=True),
    sa.Column("recorded_at", Instant, nullable=False),
)

# -- the network's count (migration 14): one Declaration counted once across the network

#: On a hub: the network keys signatures are hashed with (HMAC-SHA256 of the canonical
#: address); the newest is current, a rotation adds one and drops the hashes of the others.
network_keys = sa.Table(
    "lt_network_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("created_at", Instant, nullable=False),
)

#: On a hub: each signature a member site reported, as a keyed hash; one row per
#: declaration, person and site (``city``: the reporting token's city).
network_signatures = sa.Table(
    "lt_network_signatures",
    metadata,
    sa.Column("declaration_slug", sa.String(100), primary_key=True),
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("city", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    #: an institution that agreed to be listed: its public name, kind and website
    sa.Column("listing", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("reported_at", Instant, nullable=False),
    sa.Index("ix_lt_network_signatures_city", "city"),
)

#: On a hub: each person once per declaration, with the kind and country of their first
#: report and how many sites report them (the row goes when the last one withdraws).
network_people = sa.Table(
    "lt_network_people",
    metadata,
    sa.Column("declaration_slug", sa.String(100), primary_key=True),
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("sites", sa.Integer, nullable=False),
)

#: On a hub: the network's counters, kept in step with the two tables above in the same
#: transaction: people by ``country`` (and kind), signatures by site ``city`` (and kind).
network_counts = sa.Table(
    "lt_network_counts",
    metadata,
    sa.Column("declaration_slug", sa.String(100), primary_key=True),
    sa.Column("dimension", sa.String(10), primary_key=True),
    sa.Column("value", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

#: On a member site: each confirmed signature the hub acknowledged, by its hash under the
#: network key ``key_id``: what the next report compares the signatures with.
count_sent = sa.Table(
    "lt_count_sent",
    metadata,
    sa.Column("origin", sa.String(500), primary_key=True),
    sa.Column("pledge_id", sa.Integer, primary_key=True),
    sa.Column("declaration_slug", sa.String(100), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("key_id", sa.Integer, nullable=False),
    sa.Column("sent_at", Instant, nullable=False),
)

#: On a member site: the network's figures as the hub last gave them, per declaration.
network_snapshots = sa.Table(
    "lt_network_snapshots",
    metadata,
    sa.Column("origin", sa.String(500), primary_key=True),
    sa.Column("declaration_slug", sa.String(100), primary_key=True),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("fetched_at", Instant, nullable=False),
)

#: The keyed hash of each link that an email about a registration carried (migration 16);
#: a link's token confirms or cancels its registration, as the registration's own does.
screening_tokens = sa.Table(
    "lt_screening_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("registration_id", sa.Integer,
              sa.ForeignKey("lt_screening_registrations.id", ondelete="CASCADE",
                            name="fk_lt_screening_tokens_registration_id"),
              nullable=False, index=True),
)

# -- the network's campaign (migration 17)

#: The network's public screenings, by their network slug (``models.hub.network_slug``):
#: on a hub as member sites reported them; on a member site as pulled from the hub's
#: feed (``screenings``). Never anything about who registered.
network_screenings = _records(
    "lt_network_screenings",
    sa.Column("campaign_slug", sa.String(100), nullable=False, index=True),
    sa.Column("city_slug", sa.String(100), nullable=False, index=True),
    sa.Column("country", sa.String(2), nullable=False, index=True),
    sa.Column("starts_at", Instant, nullable=False, index=True),
)

#: On a hub: each member city's participation in a campaign, the ways it takes part.
network_participations = sa.Table(
    "lt_network_participations",
    metadata,
    sa.Column("campaign_slug", sa.String(100), primary_key=True),
    sa.Column("city_slug", sa.String(100), primary_key=True),
    sa.Column("actions", JSONData, nullable=False),
    sa.Column("reported_at", Instant, nullable=False),
)

#: On a member site: what the hub acknowledged of its campaign (``kind`` ``participation``
#: or ``screening``, ``ident`` the campaign or the screening's network slug), with the
#: digest of what was sent: what the next report compares the campaign with.
campaign_sent = sa.Table(
    "lt_campaign_sent",
    metadata,
    sa.Column("origin", sa.String(500), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("ident", sa.String(100), primary_key=True),
    sa.Column("campaign_slug", sa.String(100), nullable=False),
    sa.Column("key", sa.String(100), nullable=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("sent_at", Instant, nullable=False),
)
