"""The WSGI app the pledge benchmark serves with gunicorn: settings from the environment."""

from __future__ import annotations

import os

from livingtogether import Observatory
from livingtogether.settings import Settings
from livingtogether.wsgi import make_app

app = make_app(Observatory.from_settings(Settings.from_environ(os.environ)))
