"""The WSGI app the pledge benchmark serves with gunicorn: settings from the environment."""

from __future__ import annotations

import os

import attrs

from livingtogether import Observatory
from livingtogether.settings import Settings
from livingtogether.wsgi import make_app

_settings = attrs.asdict(Settings.from_environ(os.environ), recurse=False)
app = make_app(Observatory.open(_settings.pop("database_url"), **_settings))
