"""The media screens: the library of a city's images and documents (paged), the upload,
the delete, and the choice of a practice's images and attachments in its form.

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
of the library) and ``images.<n>.remove`` into those rows before it is parsed. The
``attachment`` widget does the same for ``attachments`` (documents, with a title per
language).
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
    """Store the uploaded image with its alt text and credit (or, ``kind=document``, the
    document with its title); the library again."""
    values, files = screen.posted or {}, screen.uploads
    kept = {k: v for k, v in values.items() if k != "csrf_token"}
    try:
        if not files:
            raise ValidationError("choose the file to upload", field="file")
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
        if values.get("kind") == "document":
            title = {lang: values.get(f"title.{lang}", "").strip() for lang in languages
                     if values.get(f"title.{lang}", "").strip()}
            item = library(screen).upload_document(
                screen.principal, data, city=city, title=title, name=upload.filename,
                content_type=upload.content_type)
            return screen.redirect("console-media", city=item.city, uploaded=str(item.id),
                                   kind="document")
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


def choices(screen: Screen, city: str | None = None,
            kind: str = "image") -> tuple[MediaItem, ...]:
    """The newest images (or documents, ``kind="document"``) of the library the practice
    form offers (of ``city``, else of the principal's cities)."""
    cities = _cities(screen)
    if city is not None and city not in cities:
        return ()
    return library(screen).page(screen.principal, city=city, limit=PAGE_SIZE,
                                kind=kind).items


def chosen(screen: Screen, form: dict[str, str]) -> dict[str, str]:
    """The practice form with the library image it adds (``images.add``, its id) as a row
    of ``images`` (its reference and the library's alt text and credit), the document it
    adds (``attachments.add``) as a row of ``attachments``, and without the rows marked
    ``images.<n>.remove`` or ``attachments.<n>.remove``."""
    out = dict(form)
    for group in ("images", "attachments"):
        out = _chosen(screen, out, group)
    return _references(screen, out)


def _chosen(screen: Screen, form: dict[str, str], group: str) -> dict[str, str]:
    row = re.compile(rf"{group}\.(\d{{1,4}})\.")
    removed = {match.group(1) for key, value in form.items() if value
               for match in [re.fullmatch(rf"{group}\.(\d{{1,4}})\.remove", key)] if match}
    out = {k: v for k, v in form.items() if k != f"{group}.add" and not (
        (m := row.match(k)) and m.group(1) in removed) and not (
        k.startswith(f"{group}.") and k.endswith(".remove"))}
    wanted = (form.get(f"{group}.add") or "").strip()
    if wanted:
        item = library(screen).get(screen.principal, whole(wanted, f"{group}.add", minimum=1,
                                                           maximum=10**12))
        found = item.image if group == "images" else item.attachment
        if found is None:
            raise ValidationError(f"{group}.add: the file {item.id} of the library is not "
                                  + ("an image" if group == "images" else "a document"),
                                  field=f"{group}.add")
        rows = [int(m.group(1)) for k in out for m in [row.match(k)] if m]
        _flatten(unstructure(found), f"{group}.{max(rows, default=-1) + 1}", out)
    return out


def _references(screen: Screen, form: dict[str, str]) -> dict[str, str]:
    """The form with each image row's reference (URL, size, renditions) and each
    attachment row's (URL, type, size) as the library (or the practice as stored) has
    it: only the alt text and the credit, or the title, are the form's. A file known to
    neither is refused: a forged form cannot show an outside image or link a document."""
    out = dict(form)
    current = None
    slug = screen.path.get("slug")
    for group, own in (("images", ("alt", "credit")), ("attachments", ("title",))):
        urls = {m.group(1): value for key, value in form.items()
                for m in [re.fullmatch(rf"{group}\.(\d{{1,4}})\.url", key)] if m}
        if not urls:
            continue
        media = library(screen)
        known: dict[str, Any] = dict(
            media.by_url(screen.principal, urls.values()) if group == "images"
            else media.attachments_by_url(screen.principal, urls.values()))
        if slug and current is None:
            current = staff(screen).practices.get(screen.principal, slug).current
        for stored in getattr(current, group, ()):
            known.setdefault(stored.url, stored)
        what = "an image" if group == "images" else "a document"
        for row, url in urls.items():
            found = known.get(url)
            if found is None:
                raise ValidationError(f"{group}.{row}.url: {url[:80]!r} is not {what} of the "
                                      f"media library; choose {group[:-1]}s from the library",
                                      field=f"{group}.{row}.url")
            name = f"{group}.{row}"
            reference = {k: v for k, v in unstructure(found).items() if k not in own}
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
