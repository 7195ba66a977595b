"""The staff layer: principals and permissions, the audit, drafts and history, form specs,
and the admin services of each kind of record (see docs/staff.md).

Nothing here knows HTTP: the staff screens of the web layer and the Wagtail
editors sit on these. Importing this package opens no database.
"""

from __future__ import annotations

from .principals import ROLES, Permission, Principal

__all__ = ["ROLES", "Permission", "Principal"]
