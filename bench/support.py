"""What several benchmark scripts share: a free port for the server they start, and a
bounded load of raw requests on it."""

from __future__ import annotations

import socket
import threading
import time


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: A bound on the requests of one measurement, whatever its time.
MAX_REQUESTS = 50_000


def get(port: int, raw: bytes, *, timeout: float = 60) -> tuple[int, bytes]:
    """Send one raw HTTP/1.1 request (``Connection: close``) to 127.0.0.1:``port``;
    its status and whole answer (head and body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    return (int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0), answer


def rate(port: int, raw: bytes, expected: int = 200, *, seconds: float,
         threads: int) -> float:
    """Requests per second of ``raw`` from ``threads`` clients for about ``seconds``
    (at most :data:`MAX_REQUESTS`); every answer must have the status ``expected``."""
    done = [0] * threads
    failures: list[int] = []
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop and sum(done) < MAX_REQUESTS:
            status, _ = get(port, raw)
            if status != expected:
                failures.append(status)
                return
            done[index] += 1

    start = time.monotonic()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 120)
    elapsed = time.monotonic() - start
    assert not failures, f"statuses {failures[:5]}, expected {expected}"
    return sum(done) / elapsed


def run_script(script: str, args: list[str], *, timeout: float,
               env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``bench/<script>`` with ``args`` in a fresh interpreter (this one's), printing
    its output as it comes, indented; its exit status and its whole output. Stopped
    (and said so) after ``timeout`` seconds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent / script
    print(f"$ python bench/{script} {' '.join(args)}", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(path), *args], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})
    lines: list[str] = []
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            print(f"  | {line}", end="", flush=True)
        status = process.wait()
    finally:
        timer.cancel()
    if status < 0:
        lines.append(f"stopped after {timeout:.0f} s\n")
        print(f"  | stopped after {timeout:.0f} s", flush=True)
    return status, "".join(lines)
