"""No tables: the data lives in the Observatory. One unmanaged model carries the permissions.

Each permission maps to one of the core's (``review_views.PERMISSIONS``): give them to
groups in Settings → Groups.
"""

from __future__ import annotations

from django.db import models


class Access(models.Model):
    """The permissions of the admin views (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_signatures", "Can see the signatures (personal data)"),
            ("withdraw_signatures", "Can withdraw a signature at its signer's request"),
            ("export_signatures", "Can export the confirmed signatures as CSV (audited)"),
            ("moderate_practices", "Can approve and reject submitted practices"),
            ("moderate_hub", "Can approve and reject the practices submitted to the hub"),
            ("view_participations", "Can see the cities' campaign participations"),
        ]
