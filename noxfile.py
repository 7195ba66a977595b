"""The supported Pythons, tested: ``make test-matrix`` runs ``nox``.

Each session installs the core, the plugins and the test tools with the lock
(requirements/lock.txt) into a fresh environment of that interpreter and runs the
core's suite (without the browser journeys, which ``make test`` runs) and each
plugin's (SQLite, and PostgreSQL when ``LIVINGTOGETHER_TEST_POSTGRES_URL`` names a
server: ``make test-matrix`` starts one). An interpreter that is missing fails the run
under CI (nox's own rule when ``CI`` is set) and is skipped otherwise.
``nox -s tests-3.12`` runs one.
"""

from __future__ import annotations

import nox

#: The oldest and the newest Python the library supports (pyproject.toml: requires-python).
PYTHONS = ["3.10", "3.13"]
ALSO = ["3.11", "3.12"]  # supported too; `nox -s tests-3.11 tests-3.12` runs them
PLUGINS = ["plugins/livingtogether-flask", "plugins/livingtogether-wagtail"]
LOCK = "requirements/lock.txt"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = [f"tests-{python}" for python in PYTHONS]
nox.options.reuse_venv = "no"


@nox.session(python=PYTHONS + ALSO)
def tests(session: nox.Session) -> None:
    """The core's tests and each plugin's, on one interpreter, with the locked releases."""
    session.install("-c", LOCK, "-e", ".[test,postgres]",
                    *(arg for plugin in PLUGINS for arg in ("-e", f"{plugin}[test]")))
    if session.posargs:  # `nox -- tests/test_i18n.py`: those tests only
        session.run("python", "-m", "pytest", "-q", *session.posargs)
        return
    # The browser journeys (tests/browser) run once, in `make test`: they drive Debian's
    # Chromium against the same servers, so another interpreter adds nothing to them but
    # a quarter of CI's time limit.
    session.run("python", "-m", "pytest", "-q", "tests", "--ignore=tests/browser")
    for plugin in PLUGINS:
        with session.chdir(plugin):
            session.run("python", "-m", "pytest", "-q", "tests")


#: The Wagtail releases the plugin is tested on, each with the Djangos it supports: the LTS
#: (7.4) and the newest (8.0), on Django 5.2 (LTS) and 6.0 (Python 3.12 and later). The
#: plugin's own range (wagtail>=7.4) starts at the oldest one here.
WAGTAIL_MATRIX = [("7.4", "5.2"), ("7.4", "6.0"), ("8.0", "5.2"), ("8.0", "6.0")]


@nox.session(python="3.12")
@nox.parametrize(("wagtail", "django"), WAGTAIL_MATRIX,
                 ids=[f"{w}-django{d}" for w, d in WAGTAIL_MATRIX])
def wagtail(session: nox.Session, wagtail: str, django: str) -> None:
    """The Wagtail plugin's tests on one Wagtail and one Django (not in the default run:
    ``nox -s wagtail`` runs the four, ``nox -s "wagtail(7.4-django5.2)"`` one). The core
    and the test tools resolve freely here: the lock pins one Wagtail and one Django."""
    plugin = "plugins/livingtogether-wagtail"
    session.install("-e", ".", "-e", f"{plugin}[test]", f"wagtail~={wagtail}.0",
                    f"Django~={django}.0")
    session.run("python", "-c", "import django, wagtail; "
                "print('wagtail', wagtail.__version__, 'django', django.__version__)")
    with session.chdir(plugin):
        session.run("python", "-m", "pytest", "-q", "tests", *session.posargs)
