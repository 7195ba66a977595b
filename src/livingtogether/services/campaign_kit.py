"""The campaign kit (the partners' information folder) and the day's status.

Kit files are kept by the site's media store (:mod:`livingtogether.media`):
:func:`add_kit_item` stores the file and records its address, type and size
in the campaign; :func:`remove_kit_item` takes it out of both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs

from ..errors import NotFound, ValidationError
from ..models import Campaign, KitItem, KitKind, Text
from ..store import now

if TYPE_CHECKING:
    from ..media import MediaStore
    from .base import Records

#: The largest kit file accepted (a press kit of high-resolution posters).
MAX_KIT_BYTES = 200 * 1024 * 1024


@attrs.frozen(kw_only=True)
class DayStatus:
    """Where the campaign's day stands for a reader in ``zone``: ``coming`` (in
    ``days`` days), ``today`` or ``past``."""

    state: str
    days: int


def day_status(day: date, zone: str, *, at: datetime | None = None) -> DayStatus:
    """The status of ``day`` at ``at`` (now) as the calendar in ``zone`` shows it."""
    today = (at or now()).astimezone(ZoneInfo(zone)).date()
    days = (day - today).days
    return DayStatus(state="coming" if days > 0 else "today" if days == 0 else "past",
                     days=abs(days))


def add_kit_item(campaigns: Records[Campaign], media: MediaStore, slug: str, *,
                 title: Text, kind: KitKind, name: str, data: bytes, content_type: str,
                 ) -> KitItem:
    """Store ``data`` in ``media`` and add it to campaign ``slug``'s kit."""
    if not data:
        raise ValidationError("the file is empty; choose the file again", field="file")
    if len(data) > MAX_KIT_BYTES:
        raise ValidationError(f"the file is larger than {MAX_KIT_BYTES // 2**20} MiB; "
                              "link to it from a smaller file", field="file")
    campaign = campaigns.get(slug)
    key = media.put(name, data, content_type)
    item = KitItem(title=title, kind=kind, url=media.url(key), media_type=content_type,
                   size=len(data), key=key)
    try:
        campaigns.update(attrs.evolve(campaign, kit=(*campaign.kit, item)))
    except Exception:
        if not any(i.key == key for i in campaign.kit):
            media.delete(key)
        raise
    return item


def remove_kit_item(campaigns: Records[Campaign], media: MediaStore, slug: str, url: str,
                    ) -> None:
    """Take the kit item at ``url`` out of campaign ``slug`` and out of ``media``."""
    campaign = campaigns.get(slug)
    found = [item for item in campaign.kit if item.url == url]
    if not found:
        raise NotFound(f"campaign {slug!r} has no kit item at {url[:80]!r}", field="url")
    campaigns.update(attrs.evolve(campaign, kit=tuple(i for i in campaign.kit if i.url != url)))
    for item in found:
        if item.key is not None:
            media.delete(item.key)
