"""Framework-free HTTP for the Observatory: the JSON API, the widgets, their files.

``WebApp(observatory).handle(Request) -> Response`` is what every adapter
(the plain WSGI one in :mod:`livingtogether.wsgi`, the Flask and Wagtail
plugins) serves; nothing here imports a web framework.
"""

from __future__ import annotations

from .app import WebApp, build_routes, status_line
from .http import Headers, Query, Request, Response
from .params import Param
from .routes import Route

__all__ = [
    "Headers",
    "Param",
    "Query",
    "Request",
    "Response",
    "Route",
    "WebApp",
    "build_routes",
    "status_line",
]
