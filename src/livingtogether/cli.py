"""The ``livingtogether`` command.

Settings come from ``LIVINGTOGETHER_*`` environment variables (see
``livingtogether.settings.Settings``); ``--database-url`` overrides
``LIVINGTOGETHER_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from .errors import LivingTogetherError
from .observatory import ImportReport, Observatory
from .settings import Settings
from .store import Store


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_environ(os.environ)
    if args.database_url:
        settings = attrs.evolve(settings, database_url=args.database_url)
    return settings


def _open(args: argparse.Namespace) -> Observatory:
    settings = attrs.asdict(_settings(args), recurse=False)
    return Observatory.open(settings.pop("database_url"), **settings)


def _report(report: ImportReport, out: TextIO) -> None:
    for key, created in report.created.items():
        updated = report.updated[key]
        if created or updated:
            out.write(f"{key}: {created} created, {updated} updated\n")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the widgets, the JSON API and the demo page over HTTP."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from .wsgi import make_app

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Handler(WSGIRequestHandler):
        def log_message(self, format: str, *values: Any) -> None:
            sys.stderr.write(f"{self.address_string()} {format % values}\n")

    observatory = _open(args)
    app = make_app(observatory, demo_page=not args.no_demo_page)
    with make_server(args.host, args.port, app, server_class=Server,
                     handler_class=Handler) as server:
        print(f"livingtogether: serving http://{args.host}:{args.port}/ (Ctrl-C to stop)",
              flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    observatory.close()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply pending schema migrations."""
    store = Store(_settings(args).database_url)
    try:
        applied = store.upgrade()
        version = store.version()
    finally:
        store.close()
    done = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    print(f"{done}; the database is at schema version {version}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Create or update every record of a JSON bundle (all or nothing)."""
    source = sys.stdin if args.file == "-" else None
    try:
        text = source.read() if source else Path(args.file).read_text(encoding="utf-8")
    except OSError as error:
        raise LivingTogetherError(f"cannot read {args.file}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise LivingTogetherError(f"{args.file} is not UTF-8 text ({error.reason})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LivingTogetherError(
            f"{args.file} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    with _open(args) as observatory:
        _report(observatory.import_bundle(data), sys.stdout)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every public record as a JSON bundle."""
    with _open(args) as observatory:
        text = json.dumps(observatory.export_bundle(), ensure_ascii=False, indent=2) + "\n"
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo data (the Izmir 2021 summit, its cities, examples); safe to rerun."""
    from . import demo

    with _open(args) as observatory:
        _report(demo.install(observatory), sys.stdout)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish an event's programme as its next version (what the widget and exports show)."""
    with _open(args) as observatory:
        version = observatory.programme.publish(args.event, note=args.note)
        changes = observatory.programme.changes(args.event, since=version.number - 1)
    print(f"published version {version.number} of {args.event} "
          f"({len(changes.changes)} change(s) since the previous one)")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    top = argparse.ArgumentParser(
        prog="livingtogether",
        description="The International Observatory of Mayors on Living Together, embedded.",
    )
    top.add_argument("--database-url", help="database URL (default: LIVINGTOGETHER_DATABASE_URL"
                     " or sqlite:///livingtogether.sqlite3)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help=cmd_serve.__doc__)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-demo-page", action="store_true",
                       help="do not serve the page showing every widget at /")
    serve.set_defaults(run=cmd_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", help=cmd_db_upgrade.__doc__).set_defaults(run=cmd_db_upgrade)

    load = commands.add_parser("import", help=cmd_import.__doc__)
    load.add_argument("file", metavar="FILE", help="a JSON bundle, or - for standard input")
    load.set_defaults(run=cmd_import)

    dump = commands.add_parser("export", help=cmd_export.__doc__)
    dump.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    dump.set_defaults(run=cmd_export)

    commands.add_parser("demo", help=cmd_demo.__doc__).set_defaults(run=cmd_demo)

    publish = commands.add_parser("publish", help=cmd_publish.__doc__)
    publish.add_argument("event", metavar="EVENT", help="the event's slug")
    publish.add_argument("--note", help="a short note kept with the version")
    publish.set_defaults(run=cmd_publish)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; errors a user can fix print their message and exit 2."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except LivingTogetherError as error:
        print(f"livingtogether: error: {error}", file=sys.stderr)
        for field, message in error.problems[1:]:
            print(f"  {field + ': ' if field else ''}{message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
