"""Schema migrations, applied in order; see ``livingtogether.store.migrate``.

Each module ``mNNNN_name.py`` defines ``upgrade(op)`` with an Alembic
``Operations`` object. A migration, once released, is never edited: later
changes come as new modules. List them in ``MIGRATIONS``.
"""

from __future__ import annotations

from . import (
    m0001_initial,
    m0002_programme,
    m0003_pledges,
    m0004_catalogue,
    m0005_hub,
    m0006_feed_public,
    m0007_form_tokens,
    m0008_email_keys,
    m0009_search_counts,
    m0010_staff,
    m0011_media,
    m0012_campaign,
    m0013_network,
    m0014_count,
    m0015_net20,
    m0016_screen,
    m0017_netscreen,
    m0018_report,
)

MIGRATIONS = (m0001_initial, m0002_programme, m0003_pledges, m0004_catalogue, m0005_hub,
              m0006_feed_public, m0007_form_tokens, m0008_email_keys, m0009_search_counts,
              m0010_staff, m0011_media, m0012_campaign, m0013_network,
              m0014_count, m0015_net20, m0016_screen, m0017_netscreen, m0018_report)
