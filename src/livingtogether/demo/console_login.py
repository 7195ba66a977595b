"""The demo's login to the staff console: HTTP Basic ``demo``/``demo``, the secretariat.

For the demo site only (``livingtogether serve --demo-console``, which ``make run``
uses, and which refuses any address but the loopback): the library itself never
mounts the console without an authenticator the host site gives it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from ..admin import Principal

#: The documented demo login.
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 (the demo's published password)

DEMO_PRINCIPAL = Principal.with_roles(id="demo", name="Demo secretariat",
                                      roles=["secretariat-admin"])


def demo_login(environ: dict[str, Any]) -> Principal | None:
    """The secretariat for a request with the demo's Basic credentials, else ``None``."""
    header = str(environ.get("HTTP_AUTHORIZATION", ""))[:200]
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if hmac.compare_digest(user.encode(), DEMO_USER.encode()) and hmac.compare_digest(
            password.encode(), DEMO_PASSWORD.encode()):
        return DEMO_PRINCIPAL
    return None
