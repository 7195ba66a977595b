"""What the ``livingtogether`` command shows a person: progress, logging, failures.

Failures a person causes (a database that cannot be opened, a port already
taken, a bad bundle) become one line on standard error and exit code 2, never
a traceback; ``--traceback`` (or ``LIVINGTOGETHER_TRACEBACK=1``) shows it
after the line. Logging goes to standard error: warnings by default,
``--verbose`` once for info, twice for debug, ``--quiet`` errors only;
``LIVINGTOGETHER_LOG_LEVEL`` names a level instead, and
``LIVINGTOGETHER_LOG_CONFIG`` names a JSON file in :func:`logging.config.dictConfig`
form that replaces all of it (see docs/cli.md).
"""

from __future__ import annotations

import errno
import json
import logging
import logging.config
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from .errors import ConfigurationError, LivingTogetherError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ProgressBar:
    """A one-line progress bar on a terminal; plain lines, now and then, elsewhere."""

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out = out
        self.width = width
        self.tty = out.isatty()
        self._last: tuple[str, int] = ("", -1)

    def __call__(self, label: str, done: int, total: int) -> None:
        """Show ``done`` of ``total`` for ``label``."""
        total = max(total, done, 1)
        percent = done * 100 // total
        if self.tty:
            filled = self.width * done // total
            bar = "#" * filled + "-" * (self.width - filled)
            end = "\n" if done >= total else ""
            self.out.write(f"\r{label:<10} [{bar}] {done}/{total}{end}")
        elif (label, percent // 25) != (self._last[0], self._last[1] // 25) or done >= total:
            self.out.write(f"{label}: {done}/{total}\n")
        self._last = (label, percent)
        self.out.flush()


def configure_logging(verbosity: int, environ: Mapping[str, str]) -> None:
    """Set up logging on standard error: ``verbosity`` -1 (quiet) to 2 (debug), unless
    ``LIVINGTOGETHER_LOG_CONFIG`` or ``LIVINGTOGETHER_LOG_LEVEL`` says otherwise."""
    config_file = environ.get("LIVINGTOGETHER_LOG_CONFIG")
    if config_file:
        try:
            config = json.loads(Path(config_file).read_text(encoding="utf-8"))
            # the library's loggers exist already (made on import): keep them, unless told
            config.setdefault("disable_existing_loggers", False)
            logging.config.dictConfig(config)
        except (OSError, ValueError, TypeError, AttributeError, ImportError) as error:
            raise ConfigurationError(
                f"LIVINGTOGETHER_LOG_CONFIG={config_file}: not a usable logging configuration "
                f"(a JSON object for logging.config.dictConfig): {error}") from None
        return
    named = environ.get("LIVINGTOGETHER_LOG_LEVEL", "").strip().upper()
    if named and named not in LEVELS:
        raise ConfigurationError(
            f"LIVINGTOGETHER_LOG_LEVEL={named.lower()!r}: use one of {', '.join(LEVELS)}")
    level = named or ("ERROR", "WARNING", "INFO", "DEBUG")[max(-1, min(verbosity, 2)) + 1]
    logging.basicConfig(level=level, format="livingtogether: %(levelname)s: %(name)s: %(message)s")


def explain(error: BaseException, *, database_url: str) -> LivingTogetherError | None:
    """``error`` as one that says what to fix, if a person caused it; else ``None``.

    A database that cannot be opened (a SQLite file in a missing or read-only
    folder, a PostgreSQL server that does not answer or refuses the login) is
    named with its URL, never its password.
    """
    if isinstance(error, LivingTogetherError):
        return error
    import sqlalchemy.exc

    if isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        return _database_error(error, database_url)
    return None


def _database_error(error: Exception, database_url: str) -> ConfigurationError:
    from sqlalchemy.engine import make_url

    hint = "set --database-url or LIVINGTOGETHER_DATABASE_URL"
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    try:
        url = make_url(database_url)
    except Exception:  # an unparsable URL fails earlier, in the store; be safe here too
        return ConfigurationError(f"cannot open the database: {reason}; {hint}")
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        folder = path.parent.resolve()
        if not folder.is_dir():
            why = f"the folder {folder} does not exist"
        elif path.is_dir():
            why = "that is a folder, not a file"
        elif not os.access(folder, os.W_OK):
            why = f"the folder {folder} is not writable"
        else:
            why = reason
        return ConfigurationError(f"cannot open the SQLite database {path}: {why}; {hint}")
    shown = url.render_as_string(hide_password=True)
    reason = reason.split(" failed: ")[-1].rstrip(".")
    return ConfigurationError(f"cannot connect to the database {shown}: {reason}; is the "
                              f"server running and the URL right? ({hint})")


def port_error(error: OSError, host: str, port: int) -> ConfigurationError:
    """A failure to listen on ``host:port`` as a message that says what to do."""
    if error.errno == errno.EADDRINUSE:
        why = "is already in use (another server is listening there)"
    elif error.errno == errno.EACCES:
        why = "may not be used by this user (ports below 1024 need privileges)"
    elif error.errno == errno.EADDRNOTAVAIL:
        why = "is not an address of this machine"
    else:
        why = f"cannot be listened on ({error.strerror or error})"
    return ConfigurationError(f"{host}:{port} {why}; choose another with --port "
                              f"(make run: PORT=8010 make run)", field=None)
