"""Benchmark of the embedding: the programme widget through each adapter, under gunicorn.

One gunicorn (2 sync workers, 127.0.0.1) serves, side by side in one process
tree, on one SQLite file with the demo data:

* ``/static/livingtogether.css`` - a static file (read once, sent as bytes),
* ``/wsgi/...``    - the plain WSGI app (``livingtogether.wsgi.make_app``),
* ``/flask/...``   - a Flask site with ``livingtogether_flask`` (prefix ``/lt``),
* ``/wagtail/...`` - the demo Wagtail project (its ``wsgi.py``: ``with_widgets``).

For reference, without floors: Flask through the blueprint's view
(``LIVINGTOGETHER_DIRECT=False``), Wagtail through its URL patterns only, and
the WSGI widget with the render cache off.

A client of raw sockets (so that the client costs little) sends GET requests
from several threads; each target is measured in turn for a short slice,
round after round (so that a change in the machine's load falls on all
targets alike), each slice bounded in count and in time, and the median of
the rounds is printed with the floors: the WSGI widget at least half the static file's
rate, each framework adapter at most 25% slower than plain WSGI.

    python bench/embed.py [--rounds 15] [--seconds 0.5] [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import free_port, get
from support import rate as support_rate

ROOT = Path(__file__).resolve().parents[1]
WAGTAIL = ROOT / "plugins" / "livingtogether-wagtail"
EVENT = "izmir-2021"
TARGETS = {
    "static file": "/static/livingtogether.css",
    "WSGI widget": f"/wsgi/widgets/programme/{EVENT}",
    "Flask widget": f"/flask/lt/widgets/programme/{EVENT}",
    "Wagtail widget": f"/wagtail/observatory/widgets/programme/{EVENT}",
    # for reference, without a floor: the slower ways the adapters also offer
    "Flask blueprint": f"/flaskbp/lt/widgets/programme/{EVENT}",
    "Wagtail urls.py": f"/wagtailurls/observatory/widgets/programme/{EVENT}",
    "WSGI, no cache": f"/nocache/widgets/programme/{EVENT}",
}


# -- the server side: imported by gunicorn as ``embed:application``


def _static(body: bytes) -> Any:
    """A static file, read once and sent as it is (as a WSGI file server does)."""
    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/static/livingtogether.css":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such target"]
        start_response("200 OK", [("Content-Type", "text/css; charset=utf-8"),
                                  ("Content-Length", str(len(body))),
                                  ("Cache-Control", "public, max-age=86400")])
        return [body]
    return application


def build_application() -> Any:
    """The combined WSGI app of the four targets (in each gunicorn worker)."""
    database = os.environ["LT_BENCH_DATABASE_URL"]
    sys.path.insert(0, str(WAGTAIL))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    os.environ["LIVINGTOGETHER_DATABASE_URL"] = database

    import flask
    from django.core.wsgi import get_wsgi_application
    from livingtogether_flask import LivingTogether
    from livingtogether_wagtail.wsgi import with_widgets

    from livingtogether import Observatory
    from livingtogether.wsgi import make_app, mounted

    sites = []
    for direct in (True, False):
        site = flask.Flask("bench")
        site.config.update(LIVINGTOGETHER_DATABASE_URL=database, LIVINGTOGETHER_URL_PREFIX="/lt",
                           LIVINGTOGETHER_DIRECT=direct)
        LivingTogether(site)
        sites.append(site)
    wagtail_urls = get_wsgi_application()
    wagtail = with_widgets(wagtail_urls)
    static = (ROOT / "src" / "livingtogether" / "web" / "static" /
              "livingtogether.css").read_bytes()
    targets = {"/wsgi": make_app(Observatory.open(database)),
               "/flask": sites[0].wsgi_app, "/flaskbp": sites[1].wsgi_app,
               "/wagtail": wagtail, "/wagtailurls": wagtail_urls,
               "/nocache": make_app(Observatory.open(database, widget_cache_seconds=0))}
    application = _static(static)
    for prefix, target in targets.items():
        application = mounted(target, prefix, application)
    return application


if os.environ.get("LT_BENCH_SERVER") == "1":
    application = build_application()


# -- the client side


def _request(port: int, path: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept-Language: en\r\nConnection: close\r\n\r\n").encode()


def rate(port: int, path: str, *, seconds: float, threads: int) -> float:
    """Requests per second on ``path`` from ``threads`` clients for ``seconds``."""
    raw = _request(port, path)
    assert get(port, raw)[0] == 200, f"{path} does not answer 200"
    return support_rate(port, raw, seconds=seconds, threads=threads)


def in_process(folder: Path, count: int = 2000) -> dict[str, float]:
    """Microseconds per request of each target, called in this process without a server.

    Not a floor: it shows what each layer costs without the noise of a shared
    machine (the server's own work, parsing and sockets, comes on top).
    """
    import io

    os.environ["LT_BENCH_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["LT_DEMO_DIR"] = str(folder / "django")
    application = build_application()

    def call(path: str) -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "",
                   "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en",
                   "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(),
                   "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
        b"".join(application(environ, lambda status, headers, info=None: None))

    costs = {}
    for name, path in TARGETS.items():
        for _ in range(20):
            call(path)
        start = time.perf_counter()
        for _ in range(count):
            call(path)
        costs[name] = (time.perf_counter() - start) / count * 1e6
    return costs


def serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """gunicorn with 2 workers on 127.0.0.1:``port``, serving the four targets."""
    database = f"sqlite:///{folder / 'bench.sqlite3'}"
    from livingtogether import Observatory
    from livingtogether.demo import install

    with Observatory.open(database) as observatory:
        install(observatory)
    env = {**os.environ, "LT_BENCH_SERVER": "1", "LT_BENCH_DATABASE_URL": database,
           "LT_DEMO_DIR": str(folder / "django")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--chdir", str(Path(__file__).parent), "--log-level", "warning", "embed:application"],
        env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            get(port, _request(port, TARGETS["static file"]))
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)


def main() -> int:
    """Measure and print the figures; exit 1 if a floor is not met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = serve(Path(folder), port)
        try:
            for path in TARGETS.values():  # warm every worker
                for _ in range(20):
                    get(port, _request(port, path))
            results: dict[str, list[float]] = {name: [] for name in TARGETS}
            for _ in range(args.rounds):
                for name, path in TARGETS.items():
                    results[name].append(rate(port, path, seconds=args.seconds,
                                              threads=args.threads))
        finally:
            server.terminate()
            server.wait(timeout=30)
    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"gunicorn, 2 sync workers, 127.0.0.1; {args.threads} client threads; "
          f"median of {args.rounds} rounds of {args.seconds:g} s")
    for name, value in median.items():
        print(f"  {name:16} {value:8.0f} req/s   (rounds: "
              f"{', '.join(f'{v:.0f}' for v in results[name])})")
    # The floors compare targets of the same round (paired), then take the median,
    # so that the machine's load, which changes between rounds, cancels out.
    def paired(name: str, other: str) -> float:
        return statistics.median(a / b for a, b in zip(results[name], results[other], strict=False))

    share = paired("WSGI widget", "static file")
    checks = [(f"WSGI widget / static file = {share:.2f} (floor 0.50)", share >= 0.5)]
    for name in ("Flask widget", "Wagtail widget"):
        cost = paired("WSGI widget", name) - 1
        checks.append((f"{name}: {cost:+.0%} time per request over plain WSGI (ceiling 25%)",
                       cost < 0.25))
    with tempfile.TemporaryDirectory() as folder:
        from livingtogether import Observatory
        from livingtogether.demo import install

        with Observatory.open(f"sqlite:///{Path(folder) / 'bench.sqlite3'}") as observatory:
            install(observatory)
        costs = in_process(Path(folder))
    print("  in-process, no server (not a floor): " + ", ".join(
        f"{name} {value:.0f} µs" for name, value in costs.items()))
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
