"""The demo Wagtail project with a fresh Observatory (demo data) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from livingtogether_wagtail.conf import get_state, reset

from livingtogether import Observatory


@pytest.fixture
def observatory(settings: Any, tmp_path: Path, db: Any) -> Iterator[Observatory]:
    """The site's Observatory on a fresh SQLite file, with the demo data and the demo page."""
    settings.LIVINGTOGETHER = {"DATABASE_URL": f"sqlite:///{tmp_path / 'wagtail.sqlite3'}",
                               "ALLOWED_ORIGINS": ["https://izmir.example"],
                               "BASE_URL": "http://127.0.0.1:8001/observatory"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("setup_demo", verbosity=0)
    yield get_state().observatory
    reset()
