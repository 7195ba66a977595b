"""The data lives in the Observatory. Two small models: the permissions and the cities of groups.

``Access`` (unmanaged, no table) carries every permission the plugin registers in
Settings → Groups: the three of the first admin views and one per permission of the
core's staff layer (:class:`livingtogether.admin.principals.Permission`), its codename
the core's value with ``_`` for ``.`` (``practices.edit``: ``livingtogether.practices_edit``).
``GroupCities`` says which cities a Wagtail group's permissions cover (edited in the
group's screen, :mod:`.group_cities`).
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models

from livingtogether.admin.principals import Permission

#: The city value that makes a group's permissions network-wide (the secretariat's).
NETWORK = "*"

#: The core permissions' labels in Settings → Groups, by core permission.
LABELS: dict[Permission, str] = {
    Permission.CITIES_EDIT: "Can edit the profiles of their cities",
    Permission.PRACTICES_EDIT: "Can edit practices (drafts) of their cities",
    Permission.PRACTICES_PUBLISH: "Can publish and withdraw practices of their cities",
    Permission.PRACTICES_MODERATE: "Can moderate submitted practices",
    Permission.THEMES_EDIT: "Can edit the catalogue's themes",
    Permission.PROGRAMME_EDIT: "Can edit events and sessions (drafts) of their cities",
    Permission.PROGRAMME_PUBLISH: "Can publish and withdraw events of their cities",
    Permission.CAMPAIGNS_EDIT: "Can edit campaigns and their cities' participations",
    Permission.DECLARATIONS_EDIT: "Can edit the declarations' texts",
    Permission.SIGNATURES_VIEW: "Can see the signatures (personal data)",
    Permission.SIGNATURES_WITHDRAW: "Can withdraw a signature on request",
    Permission.SIGNATURES_EXPORT: "Can export the signatures",
    Permission.HUB_MODERATE: "Can moderate the hub's submissions",
    Permission.AUDIT_VIEW: "Can read the audit log",
}

#: The three permissions of the first admin views (their codenames kept).
LEGACY = [
    ("view_signatures", "Can see and export the signatures (personal data)"),
    ("moderate_practices", "Can approve and reject submitted practices"),
    ("view_participations", "Can see the cities' campaign participations"),
]


def codename(permission: Permission) -> str:
    """The Django codename of a core permission (``practices.edit``: ``practices_edit``)."""
    return permission.value.replace(".", "_")


class Access(models.Model):
    """The permissions of the admin views (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [*LEGACY, *((codename(p), LABELS[p]) for p in Permission)]


class GroupCities(models.Model):
    """One city whose records a group's permissions cover (``*``: every city and the
    network's own records, as the secretariat)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE,
                              related_name="livingtogether_cities")
    city = models.CharField(max_length=100)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["group", "city"],
                                               name="livingtogether_group_city")]
        verbose_name = "city of a group"
        verbose_name_plural = "cities of groups"

    def __str__(self) -> str:
        return f"{self.group_id}: {self.city}"
