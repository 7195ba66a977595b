"""Version 4: the catalogue's themes taxonomy, pending revisions and full-text search.

The search rows (facet values) and their text (a table of its own, so that
the rows stay small) get a dialect-specific index: on SQLite an external-content
FTS5 table (``unicode61 remove_diacritics 2``: "montreal" finds "Montréal")
kept in step by triggers; on PostgreSQL a generated ``tsvector`` column over
the text search configuration ``lt_search`` (``simple`` with ``unaccent``)
and its GIN index. Neither stems words, so both databases find the same rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from ...errors import ConfigurationError

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read this
    from alembic.operations import Operations

NAME = "catalogue: themes taxonomy, practice revisions, full-text search"

JSONData = sa.JSON()
Instant = sa.DateTime(timezone=True)

#: The Observatory's own themes, in order, with their names; sites may add more.
SEED_THEMES: tuple[tuple[str, dict[str, str]], ...] = (
    ("social-development", {"en": "Social development", "fr": "Développement social"}),
    ("immigration-and-integration", {"en": "Immigration and integration",
                                     "fr": "Immigration et intégration"}),
    ("governance-and-participation", {"en": "Governance and participation",
                                      "fr": "Gouvernance et participation"}),
    ("culture", {"en": "Culture", "fr": "Culture"}),
    ("public-safety", {"en": "Public safety", "fr": "Sécurité publique"}),
    ("resilience", {"en": "Resilience", "fr": "Résilience"}),
    ("diversity-equity-and-inclusion", {"en": "Diversity, equity and inclusion",
                                        "fr": "Diversité, équité et inclusion"}),
    ("dialogue-and-solidarity", {"en": "Dialogue and solidarity",
                                 "fr": "Dialogue et solidarité"}),
    ("human-rights-and-democracy", {"en": "Human rights and democracy",
                                    "fr": "Droits de la personne et démocratie"}),
)

_SQLITE = (
    "CREATE VIRTUAL TABLE lt_practice_fts USING fts5(title, summary, body, "
    "content='lt_practice_text', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER lt_practice_text_ai AFTER INSERT ON lt_practice_text BEGIN "
    "INSERT INTO lt_practice_fts(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    "CREATE TRIGGER lt_practice_text_ad AFTER DELETE ON lt_practice_text BEGIN "
    "INSERT INTO lt_practice_fts(lt_practice_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); END",
    "CREATE TRIGGER lt_practice_text_au AFTER UPDATE ON lt_practice_text BEGIN "
    "INSERT INTO lt_practice_fts(lt_practice_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); "
    "INSERT INTO lt_practice_fts(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
)

_POSTGRES = (
    "CREATE TEXT SEARCH CONFIGURATION lt_search (COPY = pg_catalog.simple)",
    "ALTER TEXT SEARCH CONFIGURATION lt_search ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, "
    "hword_numpart WITH unaccent, simple",
    "ALTER TABLE lt_practice_text ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('lt_search'::regconfig, title), 'A') || "
    "setweight(to_tsvector('lt_search'::regconfig, summary), 'B') || "
    "setweight(to_tsvector('lt_search'::regconfig, body), 'C')) STORED",
    "CREATE INDEX ix_lt_practice_text_document ON lt_practice_text USING gin (document)",
)


def _unaccent(connection: sa.Connection) -> None:
    """Create the ``unaccent`` extension if missing, or say who must."""
    if connection.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")):
        return
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except sa.exc.DBAPIError as error:
        database = connection.scalar(sa.text("SELECT current_database()"))
        raise ConfigurationError(
            "the full-text search needs the PostgreSQL extension 'unaccent', and this "
            f"database user may not create it ({' '.join(str(error.orig).split())}); ask an "
            f'administrator to run `CREATE EXTENSION unaccent;` in the database "{database}" '
            "(on Debian it comes with the postgresql-contrib package), then open it again"
        ) from None


def upgrade(op: Operations) -> None:
    """Create the themes, revisions and search tables, the index, and seed the themes."""
    op.create_table(
        "lt_themes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("data", JSONData, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.UniqueConstraint("slug", name="uq_lt_themes_slug"),
    )
    op.create_table(
        "lt_practice_revisions",
        sa.Column("practice_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("data", JSONData, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("practice_id", name="pk_lt_practice_revisions"),
        sa.ForeignKeyConstraint(["practice_id"], ["lt_practices.id"], ondelete="CASCADE",
                                name="fk_lt_practice_revisions_practice_id_lt_practices"),
    )
    op.create_index("ix_lt_practice_revisions_status", "lt_practice_revisions", ["status"])
    op.create_table(
        "lt_practice_search",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("practice_id", sa.Integer, nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("city_slug", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("themes", sa.Text, nullable=False),
        sa.Column("published_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(["practice_id"], ["lt_practices.id"], ondelete="CASCADE",
                                name="fk_lt_practice_search_practice_id_lt_practices"),
        sa.UniqueConstraint("practice_id", "language",
                            name="uq_lt_practice_search_practice_id_language"),
    )
    op.create_index("ix_lt_practice_search_city_slug", "lt_practice_search", ["city_slug"])
    op.create_table(
        "lt_practice_text",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lt_practice_text"),
        sa.ForeignKeyConstraint(["id"], ["lt_practice_search.id"], ondelete="CASCADE",
                                name="fk_lt_practice_text_id_lt_practice_search"),
    )

    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        _unaccent(connection)
        statements = _POSTGRES
    else:
        statements = _SQLITE
    for statement in statements:
        connection.execute(sa.text(statement))

    from datetime import datetime, timezone

    stamp = datetime.now(timezone.utc)
    table = sa.table("lt_themes", sa.column("slug"), sa.column("position"),
                     sa.column("data", JSONData), sa.column("created_at", Instant),
                     sa.column("updated_at", Instant))
    connection.execute(table.insert(), [
        {"slug": slug, "position": position, "data": {"slug": slug, "label": label},
         "created_at": stamp, "updated_at": stamp}
        for position, (slug, label) in enumerate(SEED_THEMES)
    ])
