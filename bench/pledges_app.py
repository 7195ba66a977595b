"""The WSGI app the pledge benchmark serves with gunicorn: settings from the environment.

``/bare`` is the benchmark's limit: the same HTTP server and database doing the
least a signature needs, one INSERT into a table with a unique index on the
address, in its own transaction (a repeated address is answered like a new one).
Everything else is the library's app.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from pledges import BARE

from livingtogether import Observatory
from livingtogether.settings import Settings
from livingtogether.wsgi import make_app

observatory = Observatory.from_settings(Settings.from_environ(os.environ))
project = make_app(observatory)
engine = observatory.store.engine


def bare(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """One INSERT of the posted address; ``200 ok`` (``409`` for an address seen before)."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(size).decode())
    status = "200 OK"
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(BARE.insert().values(email=form["email"][0]))
    except sa.exc.IntegrityError:
        status = "409 Conflict"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``/bare``: the limit; anything else: the library."""
    if environ.get("PATH_INFO") == "/bare":
        return bare(environ, start_response)
    return project(environ, start_response)
