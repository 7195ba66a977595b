"""livingtogether in a Flask site: ``LivingTogether(app)`` or ``ext.init_app(app)``.

The extension only translates between Flask and the framework-free core
(:class:`livingtogether.web.WebApp`): Flask configuration into
:class:`~livingtogether.settings.Settings`, Flask requests into
``web.Request`` and ``web.Response`` back, the site's SMTP settings into a
mailer, and Flask-WTF's CSRF check into the core's origin check. Its state
lives in ``app.extensions["livingtogether"]``; one extension object may serve
several apps (app factories).

Configuration (defaults in brackets):

=============================== ===============================================
``LIVINGTOGETHER_URL_PREFIX``   where the widgets and the JSON API are mounted
                                [``/livingtogether``]
``LIVINGTOGETHER_OBSERVATORY``  an opened ``Observatory`` to serve, instead of
                                opening one from the settings below [None]
``LIVINGTOGETHER_MAILER``       an object with ``send(EmailMessage)`` for pledge
                                mail [an SMTP mailer from ``MAIL_*``]
``LIVINGTOGETHER_BASE_URL``     the public URL of the prefix, which the links in
                                emails start with (a core setting; needed to
                                send mail)
``LIVINGTOGETHER_LANGUAGE_SELECTOR`` a function answering the site's active
                                language for the current request (called in a
                                request context), e.g. Flask-Babel's
                                ``get_locale``; widgets use it when the request
                                names no ``?lang=``, before Accept-Language
                                [Flask-Babel's locale if it is set up, else none]
``LIVINGTOGETHER_DIRECT``       answer the prefix before Flask's dispatch, by
                                wrapping ``app.wsgi_app`` as WhiteNoise does
                                [True]; False: through the blueprint's view, so
                                that ``before_request`` hooks run for it too
``LIVINGTOGETHER_CONSOLE_PRINCIPAL`` a callable ``flask user -> Principal | None``
                                that mounts the staff console at
                                ``<URL prefix>/console``; it gets Flask-Login's
                                ``current_user`` when the app has a login manager,
                                else ``flask.g.user`` (or ``None``); without it
                                the console is not mounted (404) [None]
``LIVINGTOGETHER_<SETTING>``    any core setting: ``DATABASE_URL``,
                                ``ALLOWED_ORIGINS``, ``LANGUAGES``, ... (see
                                the core's configuration page)
``MAIL_SERVER``, ``MAIL_PORT``, the site's SMTP relay, as Flask-Mail names it
``MAIL_USERNAME``,              [localhost, 25, none, none, False, False]
``MAIL_PASSWORD``,
``MAIL_USE_TLS``, ``MAIL_USE_SSL``
``MAIL_DEFAULT_SENDER``         the sender, unless ``LIVINGTOGETHER_MAIL_FROM``
=============================== ===============================================

Confirmation emails wait in the core's outbox until a worker sends them:
``flask livingtogether send-outbox`` (``--loop`` to keep sending), or
:func:`send_outbox` from your own scheduler.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

try:
    import flask
    from flask.cli import AppGroup
    from markupsafe import Markup
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError("livingtogether_flask needs Flask: pip install livingtogether-flask") \
        from error

import attrs
import click

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.errors import ConfigurationError, LivingTogetherError
from livingtogether.mail import Mailer, SMTPMailer
from livingtogether.services.outbox import OutboxReport
from livingtogether.settings import Settings
from livingtogether.web import Request, WebApp
from livingtogether.web.embed import render_widget, stylesheet_link
from livingtogether.wsgi import mounted, request_from_environ, serve

if TYPE_CHECKING:
    from livingtogether.staff_console import Console

__all__ = ["LivingTogether", "State", "flask_user", "mailer", "send_outbox", "state"]

EXTENSION = "livingtogether"
PREFIX = "LIVINGTOGETHER_"
#: The extension's own keys (the rest of ``LIVINGTOGETHER_*`` are core settings).
OWN_KEYS = ("LIVINGTOGETHER_URL_PREFIX", "LIVINGTOGETHER_OBSERVATORY", "LIVINGTOGETHER_MAILER",
            "LIVINGTOGETHER_DIRECT", "LIVINGTOGETHER_LANGUAGE_SELECTOR",
            "LIVINGTOGETHER_CONSOLE_PRINCIPAL")
#: Where the staff console is mounted, below the URL prefix.
CONSOLE = "/console"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@attrs.frozen
class State:
    """What the extension keeps per app: the Observatory, the web app, the mount, the mailer."""

    observatory: Observatory
    web: WebApp
    prefix: str
    mailer: Mailer
    language: Callable[[], Any] | None = None
    #: The staff console and the site's ``flask user -> Principal | None``, when mounted.
    console: Console | None = None
    principal: Callable[[Any], Principal | None] | None = None


def _from_environment(config: Any) -> dict[str, Any]:
    """The core settings ``config`` leaves out that ``LIVINGTOGETHER_*`` environment
    variables give (read as the ``livingtogether`` command reads them): the app's
    config wins, the environment fills in, e.g. ``LIVINGTOGETHER_BASE_URL`` on a server."""
    keys = {PREFIX + field.name.upper(): field.name for field in attrs.fields(Settings)}
    named = {key: os.environ[key] for key in keys if key in os.environ and key not in config}
    if not named:
        return {}
    parsed = Settings.from_environ(named)
    return {key: getattr(parsed, keys[key]) for key in named}


def _prefix(value: Any) -> str:
    text = str(value or "").strip()
    if not text.startswith("/") or "//" in text or any(c in text for c in "?#<>"):
        raise ConfigurationError(f"LIVINGTOGETHER_URL_PREFIX={value!r}: give a path such as "
                                 "/livingtogether")
    return text.rstrip("/")


def smtp_mailer(config: Any, settings: Settings) -> SMTPMailer:
    """The SMTP relay: the core's ``LIVINGTOGETHER_SMTP_*`` when they name a host (a core
    setting given wins, as everywhere), else Flask-Mail's ``MAIL_*`` with its defaults."""
    if settings.smtp_host:
        return SMTPMailer.from_settings(settings)
    security = ("ssl" if config.get("MAIL_USE_SSL") else
                "starttls" if config.get("MAIL_USE_TLS") else "none")
    return SMTPMailer(config.get("MAIL_SERVER", "localhost"), int(config.get("MAIL_PORT", 25)),
                      username=config.get("MAIL_USERNAME"),
                      password=config.get("MAIL_PASSWORD"), security=security)


class LivingTogether:
    """The Flask extension: ``LivingTogether(app)``, or ``LivingTogether()`` then ``init_app``."""

    def __init__(self, app: flask.Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: flask.Flask) -> None:
        """Open the Observatory from ``app.config``, mount the blueprint, add the Jinja global."""
        config = app.config
        config.setdefault("LIVINGTOGETHER_URL_PREFIX", "/livingtogether")
        if config.get("LIVINGTOGETHER_OBSERVATORY") is None:
            config.update(_from_environment(config))
        prefix = _prefix(config["LIVINGTOGETHER_URL_PREFIX"])
        sender = config.get("MAIL_DEFAULT_SENDER")
        observatory = Observatory.from_config(
            config, prefix=PREFIX, ignore=OWN_KEYS, given=config.get("LIVINGTOGETHER_OBSERVATORY"),
            given_key="LIVINGTOGETHER_OBSERVATORY",
            mail_from=sender if isinstance(sender, str) or not sender
            else f"{sender[0]} <{sender[1]}>")
        web = WebApp(observatory)
        loader = config.get("LIVINGTOGETHER_CONSOLE_PRINCIPAL")
        if loader is not None and not callable(loader):
            raise ConfigurationError("LIVINGTOGETHER_CONSOLE_PRINCIPAL must be a function "
                                     "of the Flask user answering a Principal or None")
        console = None
        if loader is not None:
            from livingtogether.staff_console import Console

            console = Console(web)
            web.console_path = CONSOLE + "/"
        state = State(observatory=observatory, web=web, prefix=prefix,
                      mailer=config.get("LIVINGTOGETHER_MAILER")
                      or smtp_mailer(config, observatory.settings),
                      language=config.get("LIVINGTOGETHER_LANGUAGE_SELECTOR"),
                      console=console, principal=loader)
        app.extensions[EXTENSION] = state

        blueprint = flask.Blueprint(EXTENSION, __name__, url_prefix=prefix or None)
        if console is not None:  # before the catch-all: a Flask view, with the session
            blueprint.add_url_rule(CONSOLE + "/", "console", _console, defaults={"path": ""},
                                   methods=METHODS)
            blueprint.add_url_rule(CONSOLE + "/<path:path>", "console", _console,
                                   methods=METHODS)
        blueprint.add_url_rule("/", "serve", _serve, defaults={"path": ""}, methods=METHODS)
        blueprint.add_url_rule("/<path:path>", "serve", _serve, methods=METHODS)
        app.register_blueprint(blueprint)
        csrf = app.extensions.get("csrf")
        if csrf is not None and hasattr(csrf, "exempt"):
            # Flask-WTF's token cannot reach a widget embedded in another site's
            # page; the core refuses cross-site posts from origins not allowed.
            csrf.exempt(blueprint)
        app.jinja_env.globals["livingtogether_widget"] = widget
        app.jinja_env.globals["livingtogether_stylesheet"] = stylesheet
        app.cli.add_command(cli)
        if config.get("LIVINGTOGETHER_DIRECT", True) and prefix:
            # The same answers as the blueprint's, without Flask's request
            # machinery around them (4-5 times the core's own cost per request).
            direct = serve(state.web, language=lambda environ: _direct_language(app, environ))
            flask_app = app.wsgi_app
            wrapped = mounted(direct, prefix, flask_app)
            if console is not None:  # the console needs Flask's request: its user
                wrapped = _console_through(flask_app, prefix + CONSOLE, wrapped)
            app.wsgi_app = wrapped  # type: ignore[method-assign]


def _console_through(flask_app: Any, mount: str, others: Any) -> Any:
    """``flask_app`` itself (its session and login) for the paths under ``mount``,
    ``others`` for the rest."""
    inside = mount + "/"

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(inside):
            return flask_app(environ, start_response)
        return others(environ, start_response)

    return dispatch


def state(app: flask.Flask | None = None) -> State:
    """The extension's state of ``app`` (the current app by default)."""
    app = app or flask.current_app
    try:
        found: State = app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("LivingTogether is not set up on this app: call "
                           "LivingTogether(app) or ext.init_app(app)") from None
    return found


def active_language(found: State) -> str | None:
    """The site's language for the current request: the configured selector's answer,
    else Flask-Babel's locale when the app set it up, else none (Accept-Language decides)."""
    selector = found.language
    if selector is None and "babel" in flask.current_app.extensions:
        try:
            from flask_babel import get_locale
        except ImportError:  # pragma: no cover - another extension named "babel"
            return None
        selector = get_locale
    value = selector() if selector is not None else None
    return str(value) if value else None


def _direct_language(app: flask.Flask, environ: dict[str, Any]) -> str | None:
    found: State = app.extensions[EXTENSION]
    if found.language is None and "babel" not in app.extensions:
        return None  # nothing to ask: no request context to build
    with app.request_context(environ):
        return active_language(found)


def _request(found: State) -> Request:
    """The current Flask request as the core sees it: relative to the blueprint's mount."""
    return request_from_environ(flask.request.environ, active_language(found)).under(found.prefix)


def _serve(path: str) -> flask.Response:
    found = state()
    environ = flask.request.environ
    response = found.web.handle_stream(_request(found), environ.get("wsgi.input"),
                                       terminated=bool(environ.get("wsgi.input_terminated")))
    return flask.Response(response.body, status=response.status, headers=list(response.headers))


def flask_user() -> Any:
    """The signed-in user as the site knows it: Flask-Login's ``current_user`` when the
    app has a login manager, else ``flask.g.user``, else ``None``."""
    if getattr(flask.current_app, "login_manager", None) is not None:
        from flask_login import current_user  # type: ignore[import-untyped]

        return current_user._get_current_object()  # the user, not the proxy
    return flask.g.get("user")


def _console(path: str) -> flask.Response:
    found = state()
    loader, console = found.principal, found.console
    if loader is None or console is None:  # pragma: no cover - routed only when mounted
        flask.abort(404)
    environ = flask.request.environ
    request = request_from_environ(environ, active_language(found)).under(
        found.prefix + CONSOLE)
    response = console.handle_stream(
        request, environ.get("wsgi.input"), lambda: loader(flask_user()),
        terminated=bool(environ.get("wsgi.input_terminated")))
    return flask.Response(response.body, status=response.status, headers=list(response.headers))


def widget(name: str, **params: Any) -> Markup:
    """A widget in the host's own template: ``{{ livingtogether_widget("pledge") }}``."""
    if not flask.has_request_context():
        raise RuntimeError("livingtogether_widget() renders for a request; call it in a view")
    found = state()
    page = params.pop("return_to", None) or flask.request.url  # where a plain post returns
    return Markup(render_widget(found.web, _request(found), name, return_to=page,  # noqa: S704
                                **params))


def stylesheet() -> Markup:
    """The widgets' ``<link rel="stylesheet">`` for the host's ``<head>``."""
    found = state()
    mount = (flask.request.script_root if flask.has_request_context() else "") + found.prefix
    return Markup(stylesheet_link(found.web, mount))  # noqa: S704


def mailer(app: flask.Flask | None = None) -> Mailer:
    """The mailer of ``app``'s pledge emails."""
    return state(app).mailer


def send_outbox(app: flask.Flask | None = None, *, limit: int = 100) -> OutboxReport:
    """Send up to ``limit`` due emails of the outbox through the site's mailer."""
    found = state(app)
    return found.observatory.outbox.send(found.mailer, limit=limit)


cli = AppGroup("livingtogether", help="The Observatory's commands.")


@cli.command("send-outbox")
@click.option("--loop", is_flag=True, help="keep sending")
@click.option("--every", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="with --loop: seconds to wait when the queue is empty")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help="emails per pass")
def send_outbox_command(loop: bool, every: float, limit: int) -> None:
    """Send the due emails (confirmations of signatures) through the site's SMTP relay."""

    def show(report: OutboxReport) -> None:
        if report.claimed:
            click.echo(report.summary())

    found = state()
    try:
        found.observatory.outbox.run(found.mailer, limit=limit, interval=every,
                                             passes=None if loop else 1, on_report=show)
    except LivingTogetherError as error:  # one line that says what to fix, as the core's CLI
        raise _Failure(str(error)) from None


class _Failure(click.ClickException):
    """A mistake the site's owner can fix: its message, exit status 2."""

    exit_code = 2
