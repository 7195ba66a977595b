"""The library's settings: one frozen object, from keyword arguments or the environment.

Every adapter maps its framework's ``LIVINGTOGETHER_*`` configuration onto
these names (lowercase, without the prefix); the CLI reads the environment.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import attrs

from . import i18n
from .errors import ConfigurationError, LivingTogetherError, ValidationError
from .models import fields as f


def _languages(_: Any, attribute: Any, value: Any) -> None:
    f.languages(None, attribute, value)
    if not value:
        f.fail(attribute, "name at least one language")


def check_origin(value: str) -> str:
    """``value`` as a normalised origin (``https://example.org``, or ``*``); else ``ValueError``."""
    text = value.strip().lower().rstrip("/")
    if text == "*":
        return text
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValueError(f"{value!r} has a port that is not a number") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path
            or parts.query or parts.fragment or parts.username or "*" in text):
        raise ValueError(f"{value!r} is not an origin; write it as scheme://host[:port], "
                         "e.g. https://www.example.org, or * for any origin")
    return text


#: An address or network of ``trusted_proxies``, parsed.
Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def _items(value: Any) -> tuple[Any, ...]:
    """A list setting as a tuple: text is one comma-separated list ("fr, en"), as in
    the environment, never a sequence of characters."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(value)


def _origins(value: Any) -> tuple[str, ...]:
    try:
        return tuple(dict.fromkeys(check_origin(str(item)) for item in _items(value)))
    except ValueError as error:
        raise ConfigurationError(str(error), field="allowed_origins") from None


def _signout_url(instance: Any, attribute: Any, value: Any) -> None:
    """A path on this site (``/accounts/logout``) or an http(s) URL."""
    if value is None:
        return
    f.check_text(value, field=attribute.name, max_length=2_000, multiline=False)
    if not (value.startswith("/") and not value.startswith("//")):
        f.url()(instance, attribute, value)


#: The licence of the open data by default: Creative Commons Attribution 4.0.
OPEN_DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"


@attrs.frozen(kw_only=True)
class Settings:
    """Settings of one Observatory; every one has a default.

    ============== ==================================================================
    database_url   SQLAlchemy URL; ``None``: ``LIVINGTOGETHER_DATABASE_URL`` or
                   ``sqlite:///livingtogether.sqlite3`` in the working folder
    auto_migrate   apply pending migrations when opening (``True``); else refuse
    default_language  language of widgets when the request names none (``en``)
    languages      languages offered to readers, in order
    fallback_languages  content languages tried after the reader's (``en``, ``fr``)
    max_body_bytes largest request body accepted (1,000,000)
    page_size      items per page when a request names no limit (50)
    max_page_size  largest page a request may ask for (200)
    secret_key     key of the hashes of tokens and IPs and of form tokens; ``None``:
                   one generated once and kept in the database (set your own in
                   production, and keep it out of the database's backups)
    base_url       public URL where the widgets are mounted, e.g.
                   ``https://city.example/observatory``; the links in emails start
                   with it (required to send mail)
    mail_from      sender of the emails (``Living Together <no-reply@localhost>``)
    smtp_host      SMTP relay for ``livingtogether outbox send`` (``None``: print mail)
    smtp_port      its port (587); ``smtp_security``: ``starttls``, ``ssl`` or ``none``
    smtp_username  login, with ``smtp_password``; ``smtp_timeout`` seconds (30)
    trusted_proxies  addresses or networks of the site's reverse proxies; only
                   behind them is ``X-Forwarded-For`` believed (none)
    pledge_token_hours  hours a confirmation link stays valid (72)
    pledge_min_fill_seconds  least time between showing the form and posting it (2)
    pledge_ip_limit  signatures accepted per client IP per hour (30; 0: no limit)
    pledge_email_limit  emails to one address per day, resends included (3)
    search_ip_limit  practice searches with words (``q``) per client IP a minute,
                   the JSON API and the widget together (60; 0: no limit)
    browse_ip_limit  practice searches without words (browsing, filters only) per
                   client IP a minute (600; 0: no limit)
    outbox_retry_seconds  first wait before retrying a failed email, doubling (30)
    outbox_max_attempts  attempts before an email is given up as failed (12)
    allowed_origins  member sites that may fetch widgets (CORS), frame them and
                   post their forms, e.g. ``("https://www.izmir.bel.tr",)``;
                   ``("*",)`` for any; empty (the default): this site only
    widget_cache_seconds  how long a process keeps a rendered widget (10; 0: off),
                   under the version of its data: a write anywhere shows at once
    media_folder   folder of the local media store (uploaded images); ``None``: no
                   local store (uploads are refused unless the host sets its own
                   store as ``observatory.media``)
    media_url      address the local media store's files are served at, a path on
                   this site (``/media/``, served by the web app) or an absolute URL
    max_upload_bytes  largest image a staff member may upload (15,000,000)
    console_signout_url  the host's sign-out address the staff console's header links
                   to (its logout view, e.g. ``/accounts/logout``); ``None``: no link
    retention_pending_days  days after which the staff console's retention deletes
                   unconfirmed signatures (30)
    retention_closed_months  months after a campaign's last day when it anonymises
                   the confirmed signatures of its declaration (24)
    open_data_licence  address of the licence of the open-data files, which the DCAT
                   catalogue names for each (Creative Commons Attribution 4.0,
                   :data:`OPEN_DATA_LICENCE`)
    ============== ==================================================================
    """

    database_url: str | None = attrs.field(default=None, validator=f.optional_text(2_000))
    auto_migrate: bool = attrs.field(default=True, validator=f.instance_of(bool))
    default_language: str = attrs.field(default="en", validator=f.language)
    languages: tuple[str, ...] = attrs.field(
        default=("en", "fr", "es", "de", "tr", "ar"), converter=_items, validator=_languages
    )
    fallback_languages: tuple[str, ...] = attrs.field(
        default=("en", "fr"), converter=_items, validator=f.languages
    )
    max_body_bytes: int = attrs.field(
        default=1_000_000, validator=f.number(1_024, 100_000_000, integer=True)
    )
    page_size: int = attrs.field(default=50, validator=f.number(1, 1_000, integer=True))
    max_page_size: int = attrs.field(default=200, validator=f.number(1, 1_000, integer=True))
    secret_key: str | None = attrs.field(default=None, validator=f.optional_text(500))
    base_url: str | None = attrs.field(default=None, validator=f.url())
    mail_from: str = attrs.field(default="Living Together <no-reply@localhost>",
                                 validator=f.text(300))
    smtp_host: str | None = attrs.field(default=None, validator=f.optional_text(255))
    smtp_port: int = attrs.field(default=587, validator=f.number(1, 65_535, integer=True))
    smtp_security: str = attrs.field(default="starttls", validator=attrs.validators.in_(
        ("starttls", "ssl", "none")))
    smtp_username: str | None = attrs.field(default=None, validator=f.optional_text(255))
    smtp_password: str | None = attrs.field(default=None, validator=f.optional_text(255))
    smtp_timeout: int = attrs.field(default=30, validator=f.number(1, 600, integer=True))
    trusted_proxies: tuple[str, ...] = attrs.field(default=(), converter=_items)
    pledge_token_hours: int = attrs.field(default=72, validator=f.number(1, 8_760, integer=True))
    pledge_min_fill_seconds: int = attrs.field(default=2, validator=f.number(0, 3_600,
                                                                           integer=True))
    pledge_ip_limit: int = attrs.field(default=30, validator=f.number(0, 10**9, integer=True))
    pledge_email_limit: int = attrs.field(default=3, validator=f.number(1, 100, integer=True))
    search_ip_limit: int = attrs.field(default=60, validator=f.number(0, 10**9, integer=True))
    browse_ip_limit: int = attrs.field(default=600, validator=f.number(0, 10**9, integer=True))
    outbox_retry_seconds: int = attrs.field(default=30, validator=f.number(0, 86_400,
                                                                         integer=True))
    outbox_max_attempts: int = attrs.field(default=12, validator=f.number(1, 100, integer=True))

    allowed_origins: tuple[str, ...] = attrs.field(
        default=(), converter=_origins, validator=f.instance_of(tuple)
    )
    widget_cache_seconds: int = attrs.field(
        default=10, validator=f.number(0, 86_400, integer=True)
    )
    media_folder: str | None = attrs.field(default=None, validator=f.optional_text(2_000))
    media_url: str = attrs.field(default="/media/", validator=f.text(2_000))
    max_upload_bytes: int = attrs.field(
        default=15_000_000, validator=f.number(1_024, 1_000_000_000, integer=True)
    )
    console_signout_url: str | None = attrs.field(default=None, validator=_signout_url)
    retention_pending_days: int = attrs.field(default=30, validator=f.number(0, 36_500,
                                                                           integer=True))
    retention_closed_months: int = attrs.field(default=24, validator=f.number(1, 1_200,
                                                                            integer=True))

    open_data_licence: str = attrs.field(default=OPEN_DATA_LICENCE,
                                         validator=f.url(required=True))

    def __attrs_post_init__(self) -> None:
        # Parsed now, once: a bad value fails when the settings are built, and each
        # request only looks the networks up.
        self.proxy_networks  # noqa: B018

    @functools.cached_property
    def proxy_networks(self) -> tuple[Network, ...]:
        """``trusted_proxies`` as networks (``10.0.0.1`` is ``10.0.0.1/32``); a value that
        is neither an address nor a network is a ``ValidationError``."""
        networks = []
        for item in self.trusted_proxies:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValidationError(
                    f"{item!r} is not an IP address or network, e.g. 10.0.0.0/8",
                    field="trusted_proxies") from None
        return tuple(networks)

    @functools.cached_property
    def content_fallbacks(self) -> tuple[str, ...]:
        """The languages content falls back to when the reader's is missing, computed
        once: ``default_language``, then ``fallback_languages``
        (:func:`livingtogether.i18n.content_chain`)."""
        return i18n.content_chain(self.fallback_languages, self.default_language)

    @classmethod
    def build(cls, **values: Any) -> Settings:
        """Settings from keyword arguments; an unknown name is a ``ConfigurationError``."""
        known = {a.name for a in attrs.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigurationError(
                f"unknown setting {', '.join(unknown)}; "
                f"the settings are: {', '.join(sorted(known))}"
            )
        try:
            return cls(**values)
        except LivingTogetherError as error:
            raise ConfigurationError(error.message, field=error.field) from None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, prefix: str = "",
                     ignore: tuple[str, ...] = ()) -> dict[str, Any]:
        """The settings named in a framework's configuration, as keyword arguments.

        Keys are ``prefix`` + the setting's name in capitals (Flask:
        ``LIVINGTOGETHER_DATABASE_URL``; Django's ``LIVINGTOGETHER`` dict:
        ``DATABASE_URL``). Keys with the prefix that are neither a setting nor in
        ``ignore`` (the adapter's own keys) are a ``ConfigurationError``, so a
        typo does not pass unnoticed.
        """
        known = {a.name for a in attrs.fields(cls)}
        found: dict[str, Any] = {}
        for key, value in values.items():
            if not isinstance(key, str) or not key.startswith(prefix) or key in ignore:
                continue
            name = key[len(prefix):].lower()
            if name not in known:
                raise ConfigurationError(
                    f"unknown setting {key}; the settings are: "
                    f"{', '.join([prefix + k.upper() for k in sorted(known)] + list(ignore))}")
            found[name] = value
        return found

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from ``LIVINGTOGETHER_*`` variables (text parsed to each type)."""
        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            raw = environ.get(f"LIVINGTOGETHER_{field.name.upper()}")
            if raw is None:
                continue
            values[field.name] = _parse(field.name, raw, field.default)
        values.update(overrides)
        return cls.build(**values)


def _parse(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise ConfigurationError(
                f"LIVINGTOGETHER_{name.upper()}={raw!r}: use true or false"
            )
        return lowered in ("1", "true", "yes", "on")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(
                f"LIVINGTOGETHER_{name.upper()}={raw!r}: use a whole number"
            ) from None
    return raw  # a list is split by its field's converter (_items)
