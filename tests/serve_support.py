"""``livingtogether serve`` as a real process on 127.0.0.1, for the server tests.

:func:`served` starts the command on a free port, waits (bounded) until it says
which server it runs, yields its base URL and what it printed, and stops it
(SIGTERM, then SIGKILL) afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Output:
    """The lines a process prints, collected by a thread as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))
            if "livingtogether: serving http://" in line:
                self.ready.set()

    @property
    def text(self) -> str:
        """Everything printed so far."""
        return "\n".join(self.lines)


@contextmanager
def served(database_url: str, *args: str, env: dict[str, str] | None = None,
           wait: float = 30.0) -> Iterator[tuple[str, Output]]:
    """Run ``livingtogether --database-url URL serve --port P ARGS...``; yields the base
    URL and its :class:`Output` once it serves."""
    port = free_port()
    command = [sys.executable, "-m", "livingtogether.cli", "--database-url", database_url,
               "serve", "--host", "127.0.0.1", "--port", str(port), "--no-demo-page", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, **(env or {})},
                               cwd=Path(__file__).parent, start_new_session=True)
    output = Output(process)
    try:
        deadline = time.monotonic() + wait
        while not output.ready.wait(0.1):
            assert process.poll() is None, f"serve exited:\n{output.text}"
            assert time.monotonic() < deadline, f"serve did not start:\n{output.text}"
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", output
    finally:
        stop(process)


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    """Until 127.0.0.1:``port`` accepts connections (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.05)


def stop(process: subprocess.Popen[str], seconds: float = 15.0) -> None:
    """SIGTERM ``process`` (and its group), SIGKILL it if it is still there after
    ``seconds``."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
