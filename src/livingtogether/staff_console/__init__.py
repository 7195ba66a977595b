"""The staff console: server-rendered screens over :mod:`livingtogether.admin`.

``Console(web, authenticate)`` answers the requests below its mount point
(``/console`` under :func:`livingtogether.wsgi.make_app`); ``authenticate`` is
the host's ``environ -> Principal | None`` (authentication belongs to the
host). Nothing here knows a framework: the WSGI adapter translates.
"""

from __future__ import annotations

from .app import Authenticator, Console

__all__ = ["Authenticator", "Console"]
