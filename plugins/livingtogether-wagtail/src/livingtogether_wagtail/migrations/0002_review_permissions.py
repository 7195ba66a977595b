"""The review screens' permissions: withdraw and export signatures, moderate the hub."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("livingtogether", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="access",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ("view_signatures", "Can see the signatures (personal data)"),
                    ("withdraw_signatures", "Can withdraw a signature at its signer's request"),
                    ("export_signatures",
                     "Can export the confirmed signatures as CSV (audited)"),
                    ("moderate_practices", "Can approve and reject submitted practices"),
                    ("moderate_hub",
                     "Can approve and reject the practices submitted to the hub"),
                    ("view_participations", "Can see the cities' campaign participations"),
                ],
            },
        ),
    ]
