"""The media screens: the library of a city's images (paged), the upload, the delete, and
the choice of a practice's images in its form.

The upload is a ``multipart/form-data`` form streamed through
:func:`~livingtogether.web.bodies.parse_multipart` under :class:`UploadLimits` (one
file of at most ``max_upload_bytes``); the file goes to
:class:`~livingtogether.admin.media.MediaLibrary`, which verifies and re-encodes it
and keeps nothing of a refused one. A refusal answers its own status (422 for a
file that is not what it claims, 413 over the limit) on the library page, with
the message at its field and the alt text typed kept. A delete refused because a
published practice shows the image answers 409 naming it.

In the practice form (the ``image`` widget of ``FormSpec``), a row of ``images``
carries the image's reference as hidden inputs, its alt text per language and
its credit as inputs; :func:`chosen` turns the form's ``images.add`` (an image
of the library) and ``images.<n>.remove`` into those rows before it is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from .. import i18n
from ..admin.media import MediaItem, MediaLibrary
from ..admin.principals import Permission
from ..convert import unstructure
from ..errors import LivingTogetherError, ValidationError
from ..web.bodies import Upload, UploadLimits, parse_multipart
from ..web.errors import status_for
from ..web.http import Response
from .records import editable_cities, staff
from .screens import Screen, route, whole

PAGE_SIZE = 24
#: The form's own fields beside the file: the CSRF token, the city, alt text, credit.
_FIELDS = 20
_ROW = re.compile(r"images\.(\d{1,4})\.")


def library(screen: Screen) -> MediaLibrary:
    """The media library of the console's Observatory (made once per Observatory)."""
    obs = screen.web.observatory
    found = getattr(obs, "_console_media", None)
    if found is None:
        found = MediaLibrary(obs)
        obs._console_media = found  # type: ignore[attr-defined]
    return cast(MediaLibrary, found)


def limits(screen: Screen) -> UploadLimits:
    """The bounds of an upload: one image of at most ``max_upload_bytes``."""
    size = screen.web.settings.max_upload_bytes
    return UploadLimits(max_bytes=size + 256 * 1024, max_file_bytes=size, max_files=1,
                        max_fields=_FIELDS)


def read_multipart(screen: Screen) -> tuple[dict[str, str], tuple[Upload, ...]]:
    """The posted ``multipart/form-data`` form: its text fields and its file."""
    return parse_multipart(screen.request, limits(screen))


def _cities(screen: Screen) -> list[str]:
    return editable_cities(screen, Permission.PRACTICES_EDIT)


def list_media(screen: Screen, status: int = 200, *, error: LivingTogetherError | None = None,
               values: Mapping[str, str] | None = None) -> Response:
    """The library, newest first, a page at a time, with the upload form."""
    query = screen.request.query
    cities = _cities(screen)
    if not cities:  # Forbidden to whoever edits no city's practices
        screen.principal.require(Permission.PRACTICES_EDIT, None)
    city = query.get("city") or (values or {}).get("city") or (cities[0] if cities else None)
    if city not in cities:
        city = cities[0] if cities else None
    page = whole(query.get("page") or "1", "page", minimum=1, maximum=10_000)
    found = library(screen).page(screen.principal, city=city, limit=PAGE_SIZE,
                                 offset=(page - 1) * PAGE_SIZE) if city else None
    total = found.total if found else 0
    return screen.page("console/media.html", status, items=found.items if found else (),
                       total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                       city=city, cities=cities, error=error, values=values or {},
                       uploaded=query.get("uploaded"), deleted=query.get("deleted"),
                       direction=i18n.text_direction)


def upload_media(screen: Screen) -> Response:
    """Store the uploaded image with its alt text and credit; the library again."""
    values, files = screen.posted or {}, screen.uploads
    kept = {k: v for k, v in values.items() if k != "csrf_token"}
    try:
        if not files:
            raise ValidationError("choose the image file to upload", field="file")
        upload = files[0]
        upload.file.seek(0)
        data = upload.file.read()
        languages = screen.web.settings.languages
        alt = {lang: values.get(f"alt.{lang}", "").strip() for lang in languages
               if values.get(f"alt.{lang}", "").strip()}
        city = values.get("city") or ""
        if city and city not in _cities(screen) and not screen.principal.secretariat:
            screen.principal.require(Permission.PRACTICES_EDIT, city)  # another city's
        if city not in _cities(screen):
            raise ValidationError("choose one of your cities", field="city")
        item = library(screen).upload(screen.principal, data, city=city, alt=alt,
                                      name=upload.filename, content_type=upload.content_type,
                                      credit=values.get("credit", "").strip() or None)
    except LivingTogetherError as error:
        return list_media(screen, status_for(error), error=error, values=kept)
    return screen.redirect("console-media", city=item.city, uploaded=str(item.id))


def delete_media(screen: Screen) -> Response:
    """Remove an image from the library (refused while a published practice shows it)."""
    item_id = whole(screen.path["id"], "image", minimum=1, maximum=10**12)
    media = library(screen)
    item = media.get(screen.principal, item_id)
    try:
        media.delete(screen.principal, item_id)
    except LivingTogetherError as error:
        return list_media(screen, status_for(error), error=error, values={"city": item.city or ""})
    return screen.redirect("console-media", city=item.city, deleted="1")


# -- the practice form's images


def choices(screen: Screen, city: str | None = None) -> tuple[MediaItem, ...]:
    """The newest images of the library the practice form offers (of ``city``, else of the
    principal's cities)."""
    cities = _cities(screen)
    if city is not None and city not in cities:
        return ()
    return library(screen).page(screen.principal, city=city, limit=PAGE_SIZE).items


def chosen(screen: Screen, form: dict[str, str]) -> dict[str, str]:
    """The practice form with the library image it adds (``images.add``, its id) as a row
    of ``images`` (its reference and the library's alt text and credit), and without the
    rows marked ``images.<n>.remove``."""
    removed = {match.group(1) for key, value in form.items() if value
               for match in [re.fullmatch(r"images\.(\d{1,4})\.remove", key)] if match}
    out = {k: v for k, v in form.items() if k != "images.add" and not (
        (m := _ROW.match(k)) and m.group(1) in removed) and not k.endswith(".remove")}
    wanted = (form.get("images.add") or "").strip()
    if wanted:
        item = library(screen).get(screen.principal, whole(wanted, "images.add", minimum=1,
                                                           maximum=10**12))
        rows = [int(m.group(1)) for k in out for m in [_ROW.match(k)] if m]
        _flatten(unstructure(item.image), f"images.{max(rows, default=-1) + 1}", out)
    return _references(screen, out)


def _references(screen: Screen, form: dict[str, str]) -> dict[str, str]:
    """The form with each image row's reference (URL, size, renditions) as the library
    (or the practice as stored) has it: only the alt text and the credit are the form's.
    An image known to neither is refused: a forged form cannot show an outside image."""
    urls = {m.group(1): value for key, value in form.items()
            for m in [re.fullmatch(r"images\.(\d{1,4})\.url", key)] if m}
    if not urls:
        return form
    known = library(screen).by_url(screen.principal, urls.values())
    slug = screen.path.get("slug")
    if slug:
        current = staff(screen).practices.get(screen.principal, slug).current
        for stored in current.images if current is not None else ():
            known.setdefault(stored.url, stored)
    out = dict(form)
    for row, url in urls.items():
        image = known.get(url)
        if image is None:
            raise ValidationError(f"images.{row}.url: {url[:80]!r} is not an image of the "
                                  "media library; choose images from the library",
                                  field=f"images.{row}.url")
        name = f"images.{row}"
        reference = {k: v for k, v in unstructure(image).items() if k not in ("alt", "credit")}
        for key in [k for k in out if k.startswith(f"{name}.renditions.")]:
            del out[key]
        _flatten(reference, name, out)
    return out


def _flatten(value: Any, name: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{name}.{key}", out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{name}.{index}", out)
    elif value is not None:
        out[name] = str(value)


ROUTES = (
    route("GET", "/media", "console-media", list_media),
    route("POST", "/media", "console-media-upload", upload_media),
    route("POST", "/media/{id}/delete", "console-media-delete", delete_media),
)
