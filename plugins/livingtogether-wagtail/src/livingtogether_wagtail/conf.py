"""The one ``LIVINGTOGETHER`` setting into an Observatory, a web app and a mailer.

The Observatory is opened once per process, on first use, and again when the
setting changes (``override_settings`` in tests).
"""

from __future__ import annotations

import threading
from email.message import EmailMessage
from typing import Any

import attrs
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse, set_script_prefix

from livingtogether import Observatory
from livingtogether.errors import ConfigurationError
from livingtogether.web import Request, WebApp
from livingtogether.wsgi import request_from_environ

OWN_KEYS = ("OBSERVATORY", "MAILER", "GROUP_CITIES")
#: Headers Django writes itself from the message's fields.
_OWN_HEADERS = frozenset({"subject", "from", "to", "content-type", "content-transfer-encoding",
                          "mime-version"})


class DjangoMailer:
    """The core's mailer protocol over Django's email backend (``EMAIL_*`` settings)."""

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` through ``django.core.mail``, keeping its text and HTML parts."""
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        mail = EmailMultiAlternatives(
            subject=str(message["Subject"] or ""),
            body=text.get_content() if text is not None else "",
            from_email=str(message["From"] or settings.DEFAULT_FROM_EMAIL),
            to=[str(address) for address in message.get_all("To", [])],
            headers={name: str(value) for name, value in message.items()
                     if name.lower() not in _OWN_HEADERS},
        )
        if html is not None and html is not text:
            mail.attach_alternative(html.get_content(), "text/html")
        mail.send()


@attrs.frozen
class State:
    """The Observatory, its web app and the mailer of this process."""

    observatory: Observatory
    web: WebApp
    mailer: Any
    owned: bool


_lock = threading.Lock()
_state: list[State] = []


def get_state() -> State:
    """The process's state, opened from ``settings.LIVINGTOGETHER`` on first use."""
    if _state:
        return _state[0]
    with _lock:
        if not _state:
            _state.append(_open())
        return _state[0]


def _open() -> State:
    config = getattr(settings, "LIVINGTOGETHER", {}) or {}
    if not hasattr(config, "items"):
        raise ConfigurationError("settings.LIVINGTOGETHER is a dict, e.g. "
                                 "{'DATABASE_URL': 'sqlite:///livingtogether.sqlite3'}")
    given = config.get("OBSERVATORY")
    observatory = Observatory.from_config(config, ignore=OWN_KEYS, given=given,
                                          given_key="LIVINGTOGETHER['OBSERVATORY']",
                                          mail_from=settings.DEFAULT_FROM_EMAIL)
    owned = given is None
    return State(observatory=observatory, web=WebApp(observatory),
                 mailer=config.get("MAILER") or DjangoMailer(), owned=owned)


def reset(**_: Any) -> None:
    """Forget the state (closing what this app opened), e.g. when the setting changes."""
    with _lock:
        while _state:
            old = _state.pop()
            if old.owned:
                old.observatory.close()


def _on_change(setting: str, **kwargs: Any) -> None:
    if setting == "LIVINGTOGETHER":
        reset()
    if setting == "ROOT_URLCONF":
        _mounts.clear()


setting_changed.connect(_on_change)


_mounts: dict[str, str] = {}


def mount() -> str:
    """Where ``livingtogether_wagtail.urls`` is included, with the script prefix (no final /)."""
    prefix = get_script_prefix()
    found = _mounts.get(prefix)
    if found is None:
        found = _mounts[prefix] = reverse("livingtogether:serve", kwargs={"path": ""}).rstrip("/")
    return found


def mount_in_site() -> str:
    """The mount without the script prefix: the path a WSGI server passes in ``PATH_INFO``."""
    previous = get_script_prefix()
    set_script_prefix("/")
    try:
        return reverse("livingtogether:serve", kwargs={"path": ""}).rstrip("/")
    finally:
        set_script_prefix(previous)


def active_language(request: HttpRequest | None) -> str | None:
    """The language Django chose for ``request`` (``LocaleMiddleware`` sets it, from
    the URL prefix, the language cookie or Accept-Language); none without it, so that
    a site without Django's i18n leaves the choice to the browser's Accept-Language."""
    found = getattr(request, "LANGUAGE_CODE", None)
    return str(found) if found else None


def core_request(request: HttpRequest | None) -> Request:
    """The Django request as the core sees it: relative to the widgets' mount."""
    where = mount()
    if request is None:
        return Request.build(method="GET", path="/", script_name=where.encode())
    core = request_from_environ(request.META, active_language(request))
    return core.under(where.removeprefix(core.script_name))
