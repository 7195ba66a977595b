"""What the record viewsets' tests share: users and groups, and a form as a browser posts it."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.core.files.images import ImageFile
from livingtogether_wagtail.menu import RECORD_VIEWSETS
from livingtogether_wagtail.models import GroupCities
from livingtogether_wagtail.record_forms import RecordForm
from livingtogether_wagtail.record_viewsets import RecordViewSet
from PIL import Image as PILImage
from wagtail.images import get_image_model

PASSWORD = "a long test password"


def viewset(plural: str) -> RecordViewSet:
    return next(v for v in RECORD_VIEWSETS if v.screens.plural == plural)


def user_in(name: str, codenames: list[str], cities: list[str]) -> User:
    """A user of the group ``name`` holding ``codenames`` (and the admin's access) for
    ``cities``."""
    group = Group.objects.create(name=name)
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["livingtogether", "wagtailadmin"],
        codename__in=[*codenames, "access_admin"]))
    for city in cities:
        GroupCities.objects.create(group=group, city=city)
    user = User.objects.create_user(name.lower().replace(" ", "-"), password=PASSWORD)
    user.groups.add(group)
    return user


def browser_form(form: RecordForm, base: int, **changes: Any) -> dict[str, Any]:
    """The form as a browser posts it (Draftail's JSON, checkboxes on or absent)."""
    out: dict[str, Any] = {"base": str(base)}
    for name, field in form.fields.items():
        kind = form.kinds[name]
        initial = form[name].initial
        if kind in ("bool", "remove"):
            if initial:
                out[name] = "on"
        elif kind == "many":
            out[name] = list(initial or [])
        elif kind == "image":
            continue
        elif kind == "html":
            out[name] = field.widget.format_value(initial or "")
        else:
            out[name] = "" if initial is None else str(initial)
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


def draftail(text: str, link: str | None = None) -> str:
    """Draftail's JSON for one paragraph (a link over it, if given)."""
    import json

    entities = {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": link}}} \
        if link else {}
    ranges = [{"offset": 0, "length": len(text), "key": 0}] if link else []
    return json.dumps({"blocks": [{"key": "a1b2c", "type": "unstyled", "text": text,
                                   "depth": 0, "inlineStyleRanges": [],
                                   "entityRanges": ranges}], "entityMap": entities})


def library_image(title: str = "Neighbours at the library") -> Any:
    """An image in Wagtail's library (a real PNG)."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 800), (40, 120, 200)).save(buffer, "PNG")
    buffer.seek(0)
    return get_image_model().objects.create(
        title=title, file=ImageFile(buffer, name="neighbours.png"))
