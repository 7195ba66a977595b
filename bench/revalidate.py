"""Benchmark of revalidation and the widget cache, against the same bytes served static.

One gunicorn (2 sync workers, 127.0.0.1) serves, on one SQLite file with the
demo data and N synthetic practices (default 100,000, the generator of
``bench/practices.py``):

* ``/lt/...``      - the plain WSGI app, widget cache on (the default 10 s),
* ``/nocache/...`` - the same app with the cache off (every 200 renders),
* ``/copy/NAME``   - the limit: each answer below, captured from the app once at
  start-up, sent back as it is (same status, headers and bytes) by a bare WSGI
  function in the same server.

Measured, each against its copy (project, limit, ratio):

* the programme widget revalidated (``If-None-Match`` -> 304), cache off: the
  304 comes from the versions' lookup, without rendering (floor 0.80);
* the programme widget answered from the cache (a 200) (floor 0.80);
* the practices list at N practices revalidated (304), cache off (no floor:
  it costs what the programme's does, whatever N);
* the practices list, cities and counter widgets rendered afresh (cache off);
  floor 0.25 for the practices list at 100k (what it costs is mostly the
  search's, issue 18 item 1).

The client (raw sockets, so that it costs little) sends GETs from several
threads; targets are measured in turn for a short slice, round after round (a
change in the machine's load falls on all alike), each slice bounded in count
and time; ratios are the median of each round's paired ratio.

    python bench/revalidate.py [--practices 100000] [--rounds 9] [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import free_port, get, rate

EVENT = "izmir-2021"
PROGRAMME = f"/widgets/programme/{EVENT}"
#: name -> (mount, path, revalidated?, floor or None)
TARGETS: dict[str, tuple[str, str, bool, float | None]] = {
    "programme, 304": ("/nocache", PROGRAMME, True, 0.80),
    "programme, cached 200": ("/lt", PROGRAMME, False, 0.80),
    "practices list, 304": ("/nocache", "/widgets/practices", True, None),
    "practices list, rendered": ("/nocache", "/widgets/practices", False, 0.25),
    "cities, rendered": ("/nocache", "/widgets/cities", False, None),
    "counter, rendered": ("/nocache", "/widgets/pledge/counter", False, None),
}
HOST = "127.0.0.1"


# -- the server side: imported by gunicorn as ``revalidate:application``


def _environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "",
               "QUERY_STRING": "", "SERVER_NAME": HOST, "SERVER_PORT": "80",
               "HTTP_HOST": os.environ.get("LT_BENCH_HOST", HOST),
               "HTTP_ACCEPT_LANGUAGE": "en", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "wsgi.errors": sys.stderr}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value
                    for name, value in headers.items()})
    return environ


def capture(app: Any, path: str, headers: dict[str, str]) -> tuple[str, list[Any], bytes]:
    """``app``'s status, headers and body for a GET of ``path``."""
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[Any], info: Any = None) -> None:
        seen.update(status=status, headers=list(response_headers))

    body = b"".join(app(_environ(path, headers), start_response))
    return seen["status"], seen["headers"], body


def _copies(answers: dict[str, tuple[str, list[Any], bytes]]) -> Any:
    """The limit: each captured answer sent back as it is."""
    def application(environ: dict[str, Any], start_response: Any) -> Any:
        found = answers.get(environ.get("PATH_INFO", "").removeprefix("/copy/"))
        if found is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such copy"]
        start_response(found[0], found[1])
        return [found[2]]
    return application


def build_application() -> Any:
    """The app, the app without cache, and the copies (in each gunicorn worker)."""
    from livingtogether import Observatory
    from livingtogether.wsgi import make_app, mounted

    database = os.environ["LT_BENCH_DATABASE_URL"]
    apps = {"/lt": make_app(Observatory.open(database)),
            "/nocache": make_app(Observatory.open(database, widget_cache_seconds=0))}
    answers = {}
    for name, (mount, path, revalidated, _) in TARGETS.items():
        status, headers, body = capture(apps[mount], path, {})
        assert status.startswith("200"), (path, status, body[:300])
        if revalidated:
            etag = dict(headers)["ETag"]
            status, headers, body = capture(apps[mount], path, {"If-None-Match": etag})
            assert status.startswith("304"), (path, status)
        answers[_slug(name)] = (status, headers, body)
    application = _copies(answers)
    for prefix, target in apps.items():
        application = mounted(target, prefix, application)
    return application


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


if os.environ.get("LT_BENCH_SERVER") == "1":
    application = build_application()


# -- the client side


def _raw(port: int, path: str, headers: dict[str, str]) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Language: en\r\n{extra}"
            "Connection: close\r\n\r\n").encode()


def _etag(answer: bytes) -> str:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "etag":
            return value.strip()
    raise SystemExit("no ETag in the answer")


def prepare(folder: Path, practices: int) -> str:
    """A SQLite file with the demo data and ``practices`` synthetic practices."""
    from practices import Generator

    from livingtogether import Observatory
    from livingtogether.demo import install

    database = f"sqlite:///{folder / 'bench.sqlite3'}"
    with Observatory.open(database) as observatory:
        install(observatory)
        if practices:
            generator = Generator()
            for city in generator.cities:
                observatory.cities.save(city)
            start = time.perf_counter()
            observatory.practices.create_many(list(generator.practices(practices)))
            print(f"  {practices:,} practices generated and imported in "
                  f"{time.perf_counter() - start:.1f} s")
    return database


def serve(folder: Path, port: int, database: str) -> subprocess.Popen[bytes]:
    """gunicorn with 2 workers on 127.0.0.1:``port``."""
    env = {**os.environ, "LT_BENCH_SERVER": "1", "LT_BENCH_DATABASE_URL": database,
           "LT_BENCH_HOST": f"{HOST}:{port}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"{HOST}:{port}",
         "--timeout", "300", "--chdir", str(Path(__file__).parent), "--log-level",
         "warning", "revalidate:application"], env=env)
    deadline = time.monotonic() + 600  # each worker renders every target once to copy it
    while True:
        try:
            if get(port, _raw(port, "/copy/none", {}))[0] == 404:
                return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("gunicorn did not start")
        time.sleep(0.5)


def main() -> int:
    """Measure and print project, limit and ratio per target; exit 1 if a floor is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database = prepare(folder, args.practices)
        server = serve(folder, port, database)
        try:
            requests: dict[str, tuple[tuple[bytes, int], tuple[bytes, int]]] = {}
            for target, (mount, path, revalidated, _) in TARGETS.items():
                headers: dict[str, str] = {}
                if revalidated:
                    # a tag each worker gives alike: it comes from the data, not the worker
                    headers["If-None-Match"] = _etag(get(port, _raw(port, mount + path,
                                                                     {}))[1])
                expected = 304 if revalidated else 200
                requests[target] = ((_raw(port, mount + path, headers), expected),
                                    (_raw(port, f"/copy/{_slug(target)}", {}), expected))
                for raw, status in requests[target]:  # warm both workers
                    for _ in range(4):
                        assert get(port, raw)[0] == status, (target, raw[:80])
            results: dict[str, tuple[list[float], list[float]]] = {
                target: ([], []) for target in TARGETS}
            for _ in range(args.rounds):
                for target, pair in requests.items():
                    for kept, (raw, status) in zip(results[target], pair, strict=True):
                        kept.append(rate(port, raw, status, seconds=args.seconds,
                                         threads=args.threads))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"gunicorn, 2 sync workers, {HOST}; {args.threads} client threads; median of "
          f"{args.rounds} rounds of {args.seconds:g} s; SQLite, {args.practices:,} practices")
    print(f"  {'':28} {'project':>12} {'limit':>12} {'ratio':>7}")
    missed = False
    for target, (project, limit) in results.items():
        ratio = statistics.median(a / b for a, b in zip(project, limit, strict=True))
        floor = TARGETS[target][3]
        if floor is not None and args.practices < 100_000 and "practices" in target:
            floor = None  # the floor is for 100k practices
        verdict = "" if floor is None else (
            f"  floor {floor:.2f}: {'ok' if ratio >= floor else 'MISSED'}")
        missed |= floor is not None and ratio < floor
        print(f"  {target:28} {statistics.median(project):8.0f} r/s {statistics.median(limit):8.0f}"
              f" r/s {ratio:7.2f}{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
