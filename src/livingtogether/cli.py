"""The ``livingtogether`` command.

Settings come from ``LIVINGTOGETHER_*`` environment variables (see
``livingtogether.settings.Settings``); ``--database-url`` overrides
``LIVINGTOGETHER_DATABASE_URL``.

One module on purpose (over 450 lines): it is the table of subcommands, each a
short function that parses its arguments and calls the library, and reading
the command as a whole is what its users (and ``--help``) need.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

import attrs

from .console import ProgressBar, configure_logging, explain
from .errors import LivingTogetherError
from .mail import ConsoleMailer, Mailer, SMTPMailer
from .observatory import Observatory, read_bundle, write_bundle
from .services.outbox import OutboxReport
from .settings import Settings
from .store import DEFAULT_URL, Store


def bounded(low: float, high: float, *, integer: bool = True) -> Any:
    """An argparse ``type``: a number (whole when ``integer``) from ``low`` to ``high``,
    else an error that says so (``choices=range(...)`` would list every number). The
    Wagtail commands use it too."""

    def parse(text: str) -> float:
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text[:20]!r} is not {'a whole number' if integer else 'a number'}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not from {low} to {high}")
        return value

    return parse


log = logging.getLogger("livingtogether.cli")


def _settings(args: argparse.Namespace) -> Settings:
    given = {"database_url": args.database_url} if args.database_url else {}
    settings = Settings.from_environ(os.environ, **given)
    if log.isEnabledFor(logging.INFO):
        from sqlalchemy.engine import make_url

        url = make_url(settings.database_url or DEFAULT_URL)
        log.info("database %s", url.render_as_string(hide_password=True))
    return settings


def _open(args: argparse.Namespace) -> Observatory:
    return Observatory.from_settings(_settings(args))


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the widgets, the JSON API and the demo page over HTTP."""
    from . import server
    from .wsgi import make_app

    options = server.ServeOptions(host=args.host, port=args.port, server=args.server,
                                  workers=args.workers, threads=args.threads,
                                  read_timeout=args.read_timeout)
    if args.demo_console and args.host not in ("127.0.0.1", "localhost", "::1"):
        raise LivingTogetherError("--demo-console opens the staff console to the demo login "
                                  "demo:demo; serve it on 127.0.0.1 only (or give the console "
                                  "your own authenticator, see docs/staff.md)")
    name = server.chosen(options)
    settings = _settings(args)
    if not settings.base_url:  # the links in emails point at this very server
        settings = attrs.evolve(settings, base_url=f"http://{args.host}:{args.port}")
    if args.demo_console and not settings.console_signout_url:  # the demo's HTTP Basic
        settings = attrs.evolve(settings, console_signout_url="/console/signout")
    Observatory.from_settings(settings).close()  # migrated once, before any worker opens it
    opened: list[Observatory] = []

    def factory() -> Any:
        observatory = Observatory.from_settings(settings)
        opened.append(observatory)
        if args.demo_console:
            from .demo.console_login import demo_login

            return make_app(observatory, demo_page=not args.no_demo_page,
                            console_auth=demo_login)
        return make_app(observatory, demo_page=not args.no_demo_page)

    def say(message: str) -> None:
        print(f"livingtogether: {message}", flush=True)

    stop = threading.Event()
    sender: subprocess.Popen[bytes] | None = None
    if args.send_mail and name == "gunicorn":
        # One sender for every worker: its own process, started and stopped with the server.
        sender = subprocess.Popen(
            [sys.executable, "-m", "livingtogether.cli", "outbox", "send", "--interval", "2"],
            env={**os.environ, "LIVINGTOGETHER_BASE_URL": str(settings.base_url),
                 **({"LIVINGTOGETHER_DATABASE_URL": args.database_url}
                    if args.database_url else {})})
        say(f"sending the outbox from process {sender.pid}")
    elif args.send_mail:
        mail_from = Observatory.from_settings(settings)
        opened.append(mail_from)
        threading.Thread(target=mail_from.outbox.run,
                         args=(_mailer(mail_from.settings),),
                         kwargs={"interval": 2.0, "stop": stop, "on_error": _outbox_error},
                         daemon=True).start()
    try:
        server.run(factory, options, say=say)
    finally:
        stop.set()
        if sender is not None:
            sender.terminate()
            try:
                sender.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sender.kill()
        for observatory in opened:
            observatory.close()
    return 0


def _mailer(settings: Settings) -> Mailer:
    """SMTP when ``smtp_host`` is set, else the console."""
    return SMTPMailer.from_settings(settings) if settings.smtp_host else ConsoleMailer()


def _outbox_error(error: Exception) -> None:
    # ``serve --send-mail`` keeps serving; it says why mail is not going out.
    print(f"livingtogether: outbox: {error}", file=sys.stderr, flush=True)


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
    data = read_bundle(args.file)
    # A bar on a terminal, as `hub pull` draws; a line at each quarter in a log or a pipe.
    bar = None if args.quiet else ProgressBar(sys.stderr)
    with _open(args) as observatory:
        report = observatory.import_bundle(data, progress=bar)
    sys.stdout.writelines(f"{line}\n" for line in report.lines())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every public record as a JSON bundle."""
    with _open(args) as observatory:
        data = observatory.export_bundle()
    write_bundle(data, args.output)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo data (the Izmir 2021 summit, its cities, examples); safe to rerun."""
    from . import demo

    with _open(args) as observatory:
        report = demo.install(observatory)
    sys.stdout.writelines(f"{line}\n" for line in report.lines())
    return 0


def cmd_outbox_send(args: argparse.Namespace) -> int:
    """Send the queued emails (SMTP if smtp_host is set, else print them); safe in parallel."""
    def show(report: OutboxReport) -> None:
        if report.claimed or args.once:
            print(f"outbox: {report.summary()}", file=sys.stderr, flush=True)

    with _open(args) as observatory, contextlib.suppress(KeyboardInterrupt):
        observatory.outbox.run(
            _mailer(observatory.settings), limit=args.limit, interval=args.interval,
            passes=1 if args.once else args.passes or None, on_report=show,
            lease_seconds=args.lease_seconds)
    return 0


def cmd_pledges_recount(args: argparse.Namespace) -> int:
    """Check the signature counters against the rows; fix and report any drift."""
    with _open(args) as observatory:
        drift = observatory.pledge_stats.recount(fix=not args.check)
    for item in drift:
        print(f"{item.declaration} {item.kind} {item.country}: counted {item.counted}, "
              f"the rows say {item.actual}")
    verb = "found" if args.check else "fixed"
    print(f"recount: {len(drift)} drifting counter{'s' if len(drift) != 1 else ''} {verb}")
    return 1 if drift and args.check else 0


def cmd_pledges_retention(args: argparse.Namespace) -> int:
    """Delete unconfirmed signatures and anonymise those of closed campaigns."""
    with _open(args) as observatory:
        report = observatory.retention.run(pending_days=args.pending_days,
                                           closed_months=args.closed_months)
    print(f"retention: {report.summary()}")
    return 0


def cmd_pledges_export(args: argparse.Namespace) -> int:
    """Write the confirmed signatures of a declaration as CSV (personal data)."""
    with _open(args) as observatory:
        if args.output in (None, "-"):
            count = observatory.signature_export.write_csv(args.declaration, sys.stdout)
        else:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = observatory.signature_export.write_csv(args.declaration, out)
    print(f"export: {count} confirmed signatures", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish an event's programme as its next version (what the widget and exports show)."""
    with _open(args) as observatory:
        version = observatory.programme.publish(args.event, note=args.note)
        changes = observatory.programme.changes(args.event, since=version.number - 1)
    print(f"published version {version.number} of {args.event} "
          f"({len(changes.changes)} change(s) since the previous one)")
    return 0


# -- the hub


def _hub_url(args: argparse.Namespace) -> str:
    url = getattr(args, "url", None) or os.environ.get("LIVINGTOGETHER_HUB_URL")
    if not url:
        raise LivingTogetherError("name the hub: --from/--to URL, or LIVINGTOGETHER_HUB_URL")
    return str(url)


def _client(args: argparse.Namespace, token: str | None = None) -> Any:
    from .hub import HubClient

    return HubClient(_hub_url(args), token=token, timeout=(5.0, args.timeout),
                     retries=args.retries)


def cmd_hub_pull(args: argparse.Namespace) -> int:
    """Bring the hub's published practices, member cities and events here (incrementally)."""
    bar = ProgressBar(sys.stderr)
    with _open(args) as observatory, _client(args) as hub:
        report = hub.pull(observatory, restart=args.restart,
                          progress=lambda kind, done, total: bar(kind.value, done, total))
    print(report.summary())
    print(f"pull: {report.total('added')} added, {report.total('updated')} updated, "
          f"{report.total('removed')} removed")
    return 0


def _hub_token(args: argparse.Namespace, doing: str) -> str:
    token = args.token or os.environ.get("LIVINGTOGETHER_HUB_TOKEN")
    if not token:
        raise LivingTogetherError(f"{doing} needs the city's API token: "
                                  "LIVINGTOGETHER_HUB_TOKEN (or --token)")
    return str(token)


def cmd_hub_count(args: argparse.Namespace) -> int:
    """Report this site's confirmed signatures to the hub's network count (keyed hashes,
    never addresses); show the network's figures."""
    with _open(args) as observatory, _client(args, _hub_token(args, "reporting")) as hub:
        report = hub.report_signatures(observatory)
    print(report.summary())
    return 0


def cmd_hub_report_campaign(args: argparse.Namespace) -> int:
    """Report this site's participations in the campaigns and its public screenings to
    the hub (never who registered), and what was withdrawn since the last report."""
    with _open(args) as observatory, _client(args, _hub_token(args, "reporting")) as hub:
        report = hub.report_campaign(observatory)
    print(report.summary())
    return 0


def cmd_hub_network_key_rotate(args: argparse.Namespace) -> int:
    """Make a new network key (on the hub); the hashes made with the old one are dropped
    and member sites report again at their next `hub count`."""
    with _open(args) as observatory:
        key = observatory.network_count.rotate()
    print(f"network key {key.id} is current; member sites report again at their next sync")
    return 0


def cmd_hub_push(args: argparse.Namespace) -> int:
    """Submit this site's practices of its city to the hub for review; show their state."""
    token = _hub_token(args, "pushing")
    bar = ProgressBar(sys.stderr)
    with _open(args) as observatory, _client(args, token) as hub:
        report = hub.push(observatory, slugs=args.slugs or None,
                          progress=lambda done, total: bar("practices", done, total))
    print(report.summary())
    return 0


def cmd_hub_token_create(args: argparse.Namespace) -> int:
    """Make an API token for a city (submit) or for moderators (moderate); shown once."""
    with _open(args) as observatory:
        token, secret = observatory.tokens.create(name=args.name, city=args.city,
                                                  scopes=args.scope)
    print(f"token {token.id} ({token.name}, {token.city or 'no city'}, "
          f"{' '.join(s.value for s in token.scopes)}):", file=sys.stderr)
    print(secret)
    print("Keep it now: only its hash is stored, it cannot be shown again.", file=sys.stderr)
    return 0


def cmd_hub_token_list(args: argparse.Namespace) -> int:
    """List the API tokens (never their secrets)."""
    with _open(args) as observatory:
        tokens = observatory.tokens.list()
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}Z" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}Z" if token.last_used_at else "never"
        print(f"{token.id}\t{token.name}\t{token.city or '-'}\t"
              f"{','.join(s.value for s in token.scopes)}\t{state}\tlast used {used}")
    if not tokens:
        print("no tokens; make one with `livingtogether hub token create`", file=sys.stderr)
    return 0


def cmd_hub_token_revoke(args: argparse.Namespace) -> int:
    """Revoke an API token at once."""
    with _open(args) as observatory:
        token = observatory.tokens.revoke(args.id)
    print(f"token {token.id} ({token.name}) revoked")
    return 0


def _hub_commands(commands: Any) -> None:
    hub = commands.add_parser("hub", help="sync with the Observatory hub; its API tokens")
    hub_commands = hub.add_subparsers(dest="hub_command", required=True, metavar="COMMAND")
    for name, run, flag in (("pull", cmd_hub_pull, "--from"), ("push", cmd_hub_push, "--to"),
                            ("count", cmd_hub_count, "--to"),
                            ("report-campaign", cmd_hub_report_campaign, "--to")):
        sub = hub_commands.add_parser(name, help=run.__doc__)
        sub.add_argument(flag, dest="url", metavar="URL",
                         help="the hub's URL (default: LIVINGTOGETHER_HUB_URL)")
        sub.add_argument("--timeout", type=float, default=30.0,
                         help="seconds to wait for each answer (30)")
        sub.add_argument("--retries", type=int, default=5,
                         help="tries after the first on failures (5)")
        sub.set_defaults(run=run)
        if name == "pull":
            sub.add_argument("--restart", action="store_true",
                             help="read every feed from the start, not from the last pull")
        else:
            sub.add_argument("--token", help="the city's API token (better: "
                                             "LIVINGTOGETHER_HUB_TOKEN, out of the process list)")
            if name == "push":
                sub.add_argument("slugs", nargs="*", metavar="SLUG",
                                 help="only these practices (default: all of the city's own)")
    network_key = hub_commands.add_parser("network-key", help="the network count's key")
    network_key.add_subparsers(dest="key_command", required=True, metavar="COMMAND").add_parser(
        "rotate", help=cmd_hub_network_key_rotate.__doc__).set_defaults(
        run=cmd_hub_network_key_rotate)
    token = hub_commands.add_parser("token", help="API tokens that may write to this hub")
    token_commands = token.add_subparsers(dest="token_command", required=True,
                                          metavar="COMMAND")
    create = token_commands.add_parser("create", help=cmd_hub_token_create.__doc__)
    create.add_argument("--name", required=True, help="who holds it, e.g. montreal-site")
    create.add_argument("--city", help="the city whose practices it submits")
    create.add_argument("--scope", action="append", required=True,
                        choices=["submit", "moderate"], help="what it may do (repeatable)")
    create.set_defaults(run=cmd_hub_token_create)
    token_commands.add_parser("list", help=cmd_hub_token_list.__doc__).set_defaults(
        run=cmd_hub_token_list)
    revoke = token_commands.add_parser("revoke", help=cmd_hub_token_revoke.__doc__)
    revoke.add_argument("id", type=int, metavar="ID", help="the token's number (hub token list)")
    revoke.set_defaults(run=cmd_hub_token_revoke)


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    top = argparse.ArgumentParser(
        prog="livingtogether",
        description="The International Observatory of Mayors on Living Together, embedded.",
    )
    top.add_argument("--database-url", help="database URL (default: LIVINGTOGETHER_DATABASE_URL"
                     " or sqlite:///livingtogether.sqlite3)")
    top.add_argument("-v", "--verbose", action="count", default=0,
                     help="log more on standard error: once for info, twice for debug")
    top.add_argument("-q", "--quiet", action="store_true",
                     help="log errors only, and draw no progress bars")
    top.add_argument("--traceback", action="store_true",
                     help="after an error's one line, show its traceback too "
                          "(also LIVINGTOGETHER_TRACEBACK=1)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help=cmd_serve.__doc__)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=bounded(0, 65_535), default=8000,
                       help="port to listen on, 0 to 65535 (8000)")
    serve.add_argument("--no-demo-page", action="store_true",
                       help="do not serve the page showing every widget at /")
    serve.add_argument("--demo-console", action="store_true",
                       help="serve the staff console at /console with the demo login "
                            "demo:demo (HTTP Basic), for the demo on 127.0.0.1 only")
    serve.add_argument("--send-mail", action="store_true",
                       help="also send the outbox every 2 seconds, at once again after a "
                            "full batch (SMTP if smtp_host is set, else printed); one "
                            "sender, whatever the number of workers")
    serve.add_argument("--server", choices=["auto", "gunicorn", "wsgiref"], default="auto",
                       help="gunicorn (the serve extra) or the standard library's wsgiref; "
                            "auto: gunicorn if installed (auto)")
    serve.add_argument("--workers", type=bounded(1, 64), default=2,
                       help="gunicorn worker processes, 1 to 64 (2)")
    serve.add_argument("--threads", type=bounded(1, 256), default=4,
                       help="threads per gunicorn worker, 1 to 256 (4)")
    serve.add_argument("--read-timeout", type=bounded(0.5, 300, integer=False), default=10.0,
                       help="seconds each read from a client may wait before its connection "
                            "is cut, 0.5 to 300 (10)")
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

    outbox = commands.add_parser("outbox", help="the queue of emails")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True,
                                            metavar="COMMAND")
    send = outbox_commands.add_parser("send", help=cmd_outbox_send.__doc__)
    send.add_argument("--once", action="store_true", help="one pass, then exit")
    send.add_argument("--passes", type=int, default=0, help="stop after this many passes")
    send.add_argument("--interval", type=float, default=5.0,
                      help="seconds to wait when the queue is empty (5)")
    send.add_argument("--limit", type=int, default=100, help="emails per pass (100)")
    send.add_argument("--lease-seconds", type=bounded(1, 86_400), default=None,
                      help="how long a claimed email is this worker's before another may "
                           "take it again, should this one die (default: the SMTP timeout "
                           "plus a minute)")
    send.set_defaults(run=cmd_outbox_send)

    pledges = commands.add_parser("pledges", help="signatures: counts, retention, export")
    pledge_commands = pledges.add_subparsers(dest="pledges_command", required=True,
                                             metavar="COMMAND")
    recount = pledge_commands.add_parser("recount", help=cmd_pledges_recount.__doc__)
    recount.add_argument("--check", action="store_true",
                         help="only report; exit 1 if a counter drifts")
    recount.set_defaults(run=cmd_pledges_recount)
    retention = pledge_commands.add_parser("retention", help=cmd_pledges_retention.__doc__)
    retention.add_argument("--pending-days", type=int, metavar="N",
                           help="delete signatures still unconfirmed after N days")
    retention.add_argument("--closed-months", type=int, metavar="M",
                           help="anonymise signatures M months after their campaign's day")
    retention.set_defaults(run=cmd_pledges_retention)
    export = pledge_commands.add_parser("export", help=cmd_pledges_export.__doc__)
    export.add_argument("declaration", metavar="DECLARATION", help="the declaration's slug")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    export.set_defaults(run=cmd_pledges_export)
    _hub_commands(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; errors a person can fix print one line (each of their problems on
    one more) and exit 2, with the traceback only when asked for."""
    args = parser().parse_args(argv)
    traceback = args.traceback or os.environ.get("LIVINGTOGETHER_TRACEBACK", "") in (
        "1", "true", "yes", "on")
    try:
        configure_logging(-1 if args.quiet else args.verbose, os.environ)
        return int(args.run(args))
    except Exception as raised:
        url = args.database_url or os.environ.get("LIVINGTOGETHER_DATABASE_URL") or ""
        error = explain(raised, database_url=url or DEFAULT_URL)
        if error is None:
            raise
        if traceback:
            import traceback as tb

            tb.print_exception(raised)
        if len(error.problems) > 1:
            print(f"livingtogether: error: {len(error.problems)} problems:", file=sys.stderr)
            for field, message in error.problems:
                print(f"  {field + ': ' if field else ''}{message}", file=sys.stderr)
        else:
            print(f"livingtogether: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
