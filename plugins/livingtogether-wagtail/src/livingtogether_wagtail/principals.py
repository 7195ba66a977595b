"""A Django user as the core's :class:`~livingtogether.admin.principals.Principal`: the one mapping.

Its permissions are the Django permissions it holds (``user.has_perm``, through its
groups or its own), one per core permission (:data:`.models.LABELS`); the three first
ones imply their core counterparts (``view_signatures``: ``signatures.view`` and
``signatures.export``; ``moderate_practices``: ``practices.moderate``). Its cities are
those of its groups: the :class:`~.models.GroupCities` rows edited in the group's screen,
and ``LIVINGTOGETHER["GROUP_CITIES"]`` (``{"Izmir editors": ["izmir"]}``, for a site
that configures them in code); the city ``*`` makes them network-wide (the secretariat).
An active superuser is the secretariat with every permission. Everything else is denied:
a user of no group with a city edits no city's records.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from livingtogether.admin.principals import Permission, Principal
from livingtogether.errors import ValidationError
from livingtogether.models import fields as f

from .models import NETWORK, GroupCities, codename

APP = "livingtogether"
#: What the first three permissions imply in the core.
IMPLIED: dict[str, tuple[Permission, ...]] = {
    "view_signatures": (Permission.SIGNATURES_VIEW, Permission.SIGNATURES_EXPORT),
    "moderate_practices": (Permission.PRACTICES_MODERATE,),
}
_CACHE = "_livingtogether_principal"


def _configured() -> dict[str, list[str]]:
    config = getattr(settings, "LIVINGTOGETHER", {}) or {}
    found = config.get("GROUP_CITIES", {}) if hasattr(config, "get") else {}
    return found if isinstance(found, dict) else {}


def cities_of(user: Any) -> frozenset[str]:
    """The cities of ``user``'s groups (``*`` among them: network-wide); malformed
    slugs of the setting are ignored (the group screen refuses them)."""
    groups = list(user.groups.values_list("name", flat=True))
    found = set(GroupCities.objects.filter(group__user=user).values_list("city", flat=True))
    configured = _configured()
    for name in groups:
        cities = configured.get(name, [])
        found.update(city for city in cities if isinstance(city, str))
    valid = set()
    for city in found:
        if city == NETWORK:
            valid.add(city)
            continue
        try:
            valid.add(f.check_slug(city, field="cities"))
        except ValidationError:
            continue
    return frozenset(valid)


def principal_of(user: Any) -> Principal:
    """The principal of ``user`` (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Principal(id="anonymous", name="anonymous")
    ident, name = f"wagtail:{user.pk}", (user.get_full_name() or user.get_username())[:200]
    if user.is_superuser:
        return Principal(id=ident, name=name, permissions=frozenset(Permission),
                         secretariat=True)
    held = {p for p in Permission if user.has_perm(f"{APP}.{codename(p)}")}
    for legacy, implied in IMPLIED.items():
        if user.has_perm(f"{APP}.{legacy}"):
            held.update(implied)
    cities = cities_of(user) if held else frozenset()
    return Principal(id=ident, name=name, permissions=frozenset(held),
                     cities=cities - {NETWORK}, secretariat=NETWORK in cities)


def principal(request: HttpRequest) -> Principal:
    """The principal of the request's user, worked out once per request."""
    found = getattr(request, _CACHE, None)
    if found is None:
        found = principal_of(request.user)
        setattr(request, _CACHE, found)
    return found
