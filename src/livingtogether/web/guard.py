"""Guards of the signing form and of every signature: the client's IP, the form token, the honeypot.

The signing form carries a time-stamped token signed with the secret key (a
CSRF token that also tells how long the form took to fill), good for one post,
and a honeypot field that people never see; :func:`form_problem` checks both. Rate limits
count the client's IP, taken from ``X-Forwarded-For`` only behind the proxies
the site names in ``trusted_proxies``.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from .http import Request

if TYPE_CHECKING:
    from ..settings import Settings
    from .routes import Site

#: The honeypot: a field hidden from people, which bots fill in.
HONEYPOT = "homepage"
#: The form's time-stamped token.
FORM_TOKEN = "form_token"  # noqa: S105 (a field name)
#: A form shown longer ago than this must be reloaded.
FORM_MAX_AGE = 24 * 3600


# -- the client's address


def client_ip(request: Request, settings: Settings) -> str | None:
    """The client's IP: the peer, or behind the site's trusted proxies (parsed once,
    :attr:`Settings.proxy_networks`) the last ``X-Forwarded-For`` hop that is not one
    of them."""
    peer = request.remote_addr
    networks = settings.proxy_networks

    def trusted(address: str | None) -> bool:
        try:
            parsed = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        return any(parsed in network for network in networks)

    if not networks or not trusted(peer):
        return peer
    hops = [hop.strip() for value in request.headers.get_all("x-forwarded-for")
            for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: trust nothing further left
    return peer


# -- the signing form's guards


def form_token(web: Site, issued: float | None = None) -> str:
    """A fresh token for a signing form shown now (or shown again, first at ``issued``)."""
    return web.observatory.keys.form_token(issued)


def form_issued(web: Site, form: dict[str, str]) -> int | None:
    """When the posted form was first shown, if its token is genuine and not expired:
    the form shown again keeps that time in its fresh token."""
    issued = web.observatory.keys.form_issued(form.get(FORM_TOKEN, "")[:100])
    if issued is None or time.time() - issued > FORM_MAX_AGE:
        return None
    return issued


#: How long a used form token is remembered: past that, it has expired anyway.
FORM_USED_FOR = timedelta(seconds=FORM_MAX_AGE + 60)


def posted_token(form: dict[str, str]) -> str:
    """The posted form token, as its use is recorded."""
    return form.get(FORM_TOKEN, "")[:100]


#: How long after a signature the page returned to shows the thanks.
SIGNED_FOR = 600
#: The mark of a signature just made: when (epoch seconds), and its keyed hash.
SIGNED_RE = re.compile(r"[0-9]{1,12}-[0-9a-f]{24}")


def signed_mark(web: Site, declaration: str) -> str:
    """The mark that the plain form's post adds to the page it returns to, so that the
    page shows the thanks (the time, signed with the key: no one forges it)."""
    stamp = str(int(time.time()))
    return f"{stamp}-{web.observatory.keys.hash('signed', f'{declaration}.{stamp}')[:24]}"


def signed_recently(web: Site, declaration: str, mark: str | None) -> bool:
    """Whether ``mark`` is a genuine :func:`signed_mark` of ``declaration`` made within
    :data:`SIGNED_FOR`."""
    if not mark or not SIGNED_RE.fullmatch(mark):
        return False
    stamp, _, signature = mark.partition("-")
    if not -60 <= time.time() - int(stamp) <= SIGNED_FOR:
        return False
    expected = web.observatory.keys.hash("signed", f"{declaration}.{stamp}")[:24]
    return hmac.compare_digest(signature, expected)


def form_problem(web: Site, form: dict[str, str]) -> str | None:
    """``None`` if the form passes its guards, else ``bot`` (the honeypot is filled:
    answer as if signed, store nothing) or the key of the message to show.

    A genuine token is good for one post; the caller records its use in the
    database (shared by every process), in the transaction of what the form does
    (signing passes :func:`posted_token` to ``sign``), and a second post of it
    is ``form-used``.
    """
    if form.get(HONEYPOT, "").strip():
        return "bot"
    issued = form_issued(web, form)
    if issued is None:
        return "form-expired"
    if time.time() - issued < web.settings.pledge_min_fill_seconds:
        return "form-too-fast"
    return None
