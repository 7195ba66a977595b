"""A real Flask site on 127.0.0.1 with the demo data."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from livingtogether import Observatory
from livingtogether.demo import install


@pytest.fixture
def observatory(tmp_path: Path) -> Iterator[Observatory]:
    """An Observatory on a fresh SQLite file with the demo data."""
    obs = Observatory.open(f"sqlite:///{tmp_path / 'flask.sqlite3'}")
    install(obs)
    yield obs
    obs.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """``serve(app)``: serve a WSGI app on a free port of 127.0.0.1; returns its base URL."""
    servers: list[Any] = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
