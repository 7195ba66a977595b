"""No tables: the data lives in the Observatory. One unmanaged model carries the permissions."""

from __future__ import annotations

from django.db import models


class Access(models.Model):
    """The permissions of the admin views (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_signatures", "Can see and export the signatures (personal data)"),
            ("moderate_practices", "Can approve and reject submitted practices"),
            ("view_participations", "Can see the cities' campaign participations"),
        ]
