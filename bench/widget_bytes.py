"""The practices list's bytes for many queries and languages, to compare two versions.

A change meant to make rendering cheaper must not change a byte. Run this on
each checkout (the same database) and compare the files::

    PYTHONPATH=src python bench/widget_bytes.py demo before.json   # on the old commit
    PYTHONPATH=src python bench/widget_bytes.py demo after.json    # on the new one
    python bench/widget_bytes.py --compare before.json after.json

``demo`` is a fresh SQLite file with the demo data; give a database URL
instead (e.g. ``bench/revalidate.py``'s 100,000 practices) to render a large
catalogue. Each answer goes through the WSGI app with its cache off.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from typing import Any

QUERIES = ("", "q=dialogue", "q=dialogue&theme=culture", "theme=culture", "kind=case_study",
           "language=fr", "limit=2", "limit=2&offset=2", "limit=3&offset=6", "q=zzzzqqq",
           "theme=no-such-theme", "city=no-such-city", "country=FR", "country=TR&kind=practice",
           "q=montreal", "q=izmir&language=tr", "q=the+city", "city=izmir", "city=montreal",
           "q=%3Cscript%3E", "q=%22quoted%22", "language=ar", "kind=study&theme=education")
LANGS = (None, "en", "fr", "ar", "tr", "de", "es")


def render_all(url: str) -> dict[str, list[str]]:
    """``{"query | Accept-Language": [status, body]}`` of every query in every language."""
    from livingtogether import Observatory
    from livingtogether.demo import install
    from livingtogether.wsgi import make_app

    fresh = url == "demo"
    if fresh:
        url = f"sqlite:///{tempfile.mkdtemp()}/demo.sqlite3"
    found: dict[str, list[str]] = {}
    with Observatory.open(url, widget_cache_seconds=0, browse_ip_limit=0, search_ip_limit=0,
                          base_url="http://127.0.0.1", secret_key="x" * 32) as obs:
        if fresh:
            install(obs)
        app = make_app(obs)
        statuses: list[str] = []

        def start(status: str, *_: Any) -> None:
            statuses.append(status)

        for query in QUERIES:
            for lang in LANGS:
                qs = "&".join(part for part in (query, f"lang={lang}" if lang else "") if part)
                for accept in ("", "fr,en;q=0.5"):
                    environ: dict[str, Any] = {
                        "REQUEST_METHOD": "GET", "PATH_INFO": "/widgets/practices",
                        "QUERY_STRING": qs, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
                        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": sys.stderr,
                        "REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": accept}
                    body = b"".join(app(environ, start))
                    found[f"{qs} | {accept}"] = [statuses[-1], body.decode()]
    return found


def main() -> int:
    """Render into a file, or compare two files (exit 1 if any answer differs)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="compare the two files given")
    parser.add_argument("first", help="`demo` or a database URL; with --compare, a file")
    parser.add_argument("second", help="the file to write; with --compare, the other file")
    args = parser.parse_args()
    if args.compare:
        with open(args.first, encoding="utf-8") as a, open(args.second, encoding="utf-8") as b:
            before, after = json.load(a), json.load(b)
        differ = [key for key in before if before[key] != after.get(key)]
        print(f"{len(before)} answers, {len(differ)} differ{': ' if differ else ''}"
              f"{', '.join(differ[:5])}")
        return 1 if differ else 0
    found = render_all(args.first)
    with open(args.second, "w", encoding="utf-8") as out:
        json.dump(found, out, ensure_ascii=False)
    print(f"{len(found)} answers written to {args.second}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
