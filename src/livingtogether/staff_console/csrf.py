"""The console's CSRF guard: a signed double-submit token.

The first answer sets a random nonce in a cookie scoped to the console
(``HttpOnly``, ``SameSite=Strict``); every form carries the nonce's keyed hash
bound to the principal (:meth:`~livingtogether.services.guard.Keys.hash`). A
POST whose field does not match its cookie, or that lacks either, is refused
with :class:`CsrfRefused` (403) before anything is read or stored.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING

from ..errors import Forbidden
from ..web.http import Request

if TYPE_CHECKING:
    from ..services.guard import Keys

#: The cookie holding the nonce, and the form field holding its signature.
COOKIE = "lt_console"
FIELD = "csrf_token"


class CsrfRefused(Forbidden):
    """A POST without the console's genuine form token."""


def nonce_of(request: Request) -> str | None:
    """The nonce of the request's console cookie, if it has a well-formed one."""
    raw = request.headers.get("cookie")
    if not raw:
        return None
    try:
        cookie = SimpleCookie(raw[:4096])
    except CookieError:
        return None
    morsel = cookie.get(COOKIE)
    value = morsel.value if morsel is not None else ""
    return value if 20 <= len(value) <= 64 and value.replace("-", "").replace(
        "_", "").isalnum() else None


def new_nonce() -> str:
    """A fresh nonce for the cookie."""
    return secrets.token_urlsafe(24)


def token(keys: Keys, nonce: str, principal_id: str) -> str:
    """The form token of ``nonce`` for the principal ``principal_id``."""
    return keys.hash("console-csrf", f"{nonce}\x00{principal_id}")[:43]


def check(keys: Keys, request: Request, form: dict[str, str], principal_id: str) -> None:
    """Refuse the POST unless its form token matches its cookie and principal."""
    nonce = nonce_of(request)
    sent = form.get(FIELD, "")[:100]
    if nonce is None or not sent:
        raise CsrfRefused("this form has no security token (or the browser sent no console "
                          "cookie); reload the page and send it again")
    if not hmac.compare_digest(sent, token(keys, nonce, principal_id)):
        raise CsrfRefused("this form's security token is not genuine; reload the page and "
                          "send it again")


def cookie_header(nonce: str, path: str, *, secure: bool) -> tuple[str, str]:
    """The ``Set-Cookie`` header that stores ``nonce`` for the console at ``path``."""
    flags = "; Secure" if secure else ""
    return ("Set-Cookie",
            f"{COOKIE}={nonce}; Path={path or '/'}; HttpOnly; SameSite=Strict{flags}")
