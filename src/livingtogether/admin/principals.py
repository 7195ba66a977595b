"""Who acts in the staff layer, and what they may do: principals, permissions, roles.

A :class:`Principal` is what the host's authentication gives the library: a
stable id, a display name, the cities its holder works for, and its
permissions. Permissions are scoped per city: ``practices.edit`` lets a city's
editor edit that city's practices and no other city's. The secretariat of the
Observatory works network-wide: its permissions hold on every city and on the
records that belong to no city (themes, declarations, campaigns, network
events). Everything not granted is denied.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from ..errors import Forbidden, ValidationError
from ..models import fields as f


class Permission(str, enum.Enum):
    """One thing a principal may do, on the records of a city."""

    CITIES_EDIT = "cities.edit"
    PRACTICES_EDIT = "practices.edit"
    PRACTICES_PUBLISH = "practices.publish"
    PRACTICES_MODERATE = "practices.moderate"
    THEMES_EDIT = "themes.edit"
    PROGRAMME_EDIT = "programme.edit"
    PROGRAMME_PUBLISH = "programme.publish"
    CAMPAIGNS_EDIT = "campaigns.edit"
    DECLARATIONS_EDIT = "declarations.edit"
    SIGNATURES_VIEW = "signatures.view"
    SIGNATURES_WITHDRAW = "signatures.withdraw"
    SIGNATURES_EXPORT = "signatures.export"
    HUB_MODERATE = "hub.moderate"
    AUDIT_VIEW = "audit.view"


P = Permission

#: The named sets of permissions a host grants (a principal may hold several).
ROLES: dict[str, frozenset[Permission]] = {
    "city-editor": frozenset({P.PRACTICES_EDIT, P.PROGRAMME_EDIT}),
    "city-publisher": frozenset({P.PRACTICES_EDIT, P.PRACTICES_PUBLISH, P.PROGRAMME_EDIT,
                                 P.PROGRAMME_PUBLISH, P.CITIES_EDIT, P.AUDIT_VIEW}),
    # signatures belong to the network's declarations: only the secretariat sees them
    "city-campaign-officer": frozenset({P.CAMPAIGNS_EDIT}),
    "secretariat-moderator": frozenset({P.PRACTICES_MODERATE, P.HUB_MODERATE,
                                        P.PRACTICES_EDIT}),
    "secretariat-admin": frozenset(Permission),
}

#: Roles whose holders work network-wide (``secretariat=True``).
SECRETARIAT_ROLES = frozenset({"secretariat-moderator", "secretariat-admin"})


def _permissions(value: Iterable[Permission | str]) -> frozenset[Permission]:
    if isinstance(value, str):
        raise ValidationError("must be a list of permissions, e.g. ['practices.edit']",
                              field="permissions")
    found = set()
    for item in value:
        try:
            found.add(Permission(item))
        except ValueError:
            allowed = ", ".join(p.value for p in Permission)
            raise ValidationError(f"{str(item)[:60]!r} is not a permission; the permissions "
                                  f"are: {allowed}", field="permissions") from None
    return frozenset(found)


def _cities(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError("must be a list of city slugs, e.g. ['izmir']", field="cities")
    return frozenset(f.check_slug(city, field="cities") for city in value)


@attrs.frozen(kw_only=True)
class Principal:
    """Someone acting in the staff layer, as the host's authentication knows them.

    ``id`` is stable (the host's user id or login; it is what the audit records),
    ``name`` is for display. ``cities`` are the cities whose records the
    permissions cover; ``secretariat`` extends them to the whole network and to
    the records of no city.
    """

    id: str = attrs.field(validator=f.text(200))
    name: str = attrs.field(validator=f.text(200))
    cities: frozenset[str] = attrs.field(default=frozenset(), converter=_cities)
    permissions: frozenset[Permission] = attrs.field(default=frozenset(),
                                                     converter=_permissions)
    secretariat: bool = attrs.field(default=False, validator=f.instance_of(bool))

    @classmethod
    def with_roles(cls, *, id: str, name: str, roles: Iterable[str],
                   cities: Iterable[str] = ()) -> Principal:
        """A principal holding the permissions of ``roles`` (names of :data:`ROLES`); a
        secretariat role makes it network-wide."""
        names = list(roles)
        permissions: set[Permission] = set()
        for role in names:
            if role not in ROLES:
                raise ValidationError(f"{role[:60]!r} is not a role; the roles are: "
                                      + ", ".join(ROLES), field="roles")
            permissions |= ROLES[role]
        return cls(id=id, name=name, cities=frozenset(cities), permissions=frozenset(permissions),
                   secretariat=any(role in SECRETARIAT_ROLES for role in names))

    def can(self, permission: Permission | str, city: str | None = None) -> bool:
        """Whether this principal may do ``permission`` on a record of ``city``
        (``None``: a record of no city, e.g. a theme, which only the secretariat edits)."""
        if Permission(permission) not in self.permissions:
            return False
        if self.secretariat:
            return True
        return city is not None and city in self.cities

    def require(self, permission: Permission | str, city: str | None = None) -> None:
        """Raise ``Forbidden`` naming the permission and the city unless :meth:`can`."""
        if self.can(permission, city):
            return
        wanted = Permission(permission).value
        where = f"on the city {city!r}" if city is not None else "network-wide (secretariat)"
        raise Forbidden(f"{self.name} ({self.id}) lacks the permission {wanted!r} {where}; "
                        "ask an administrator of the site to grant it", field="permission")

    def visible_cities(self) -> frozenset[str] | None:
        """The cities whose records this principal may list (``None``: every city)."""
        return None if self.secretariat else self.cities
