"""The moderation screens: the review queue (a city's submitted practices and the hub's
submissions, filtered by city and kind), one item with its claim and private notes,
claim, approve, reject with a reason, notes.

Every action goes through ``Staff(obs).moderation`` (:mod:`livingtogether.admin.moderation`),
which checks ``practices.moderate`` or ``hub.moderate`` on the item's city and writes
the audit. A claim held by another moderator makes claim, approve and reject answer
409 with a page naming who holds it and until when; a reject without a reason, or a
note without text, answers 422 with the message at its field and the text kept. The
reason reaches the submitter as the practices service keeps it (the rejected
practice's ``rejection_reason``, which the city's submissions show).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from babel.dates import format_time
from markupsafe import Markup

from ..admin.moderation import QueueItem
from ..admin.principals import Permission
from ..errors import Forbidden, NotFound, ValidationError
from ..models import PracticeKind
from ..sanitize import clean_html
from ..web.catalogue import theme_labels
from ..web.http import Response
from .screens import Screen, route


def _rich(html: str) -> Markup:
    return Markup(clean_html(html))  # noqa: S704 (sanitised here)


def _clock(screen: Screen) -> Callable[[datetime], str]:
    """``14:05``: a claim's end (UTC) in the console's language (Babel)."""
    return lambda moment: format_time(moment, "HH:mm", tzinfo=timezone.utc, locale=screen.lang)


MODERATING = (Permission.PRACTICES_MODERATE, Permission.HUB_MODERATE)


def _require_moderator(screen: Screen) -> None:
    """Refuse a principal who moderates nothing anywhere (the queue would be empty)."""
    if not any(permission in screen.principal.permissions for permission in MODERATING):
        screen.principal.require(Permission.PRACTICES_MODERATE, None)


def queue(screen: Screen) -> Response:
    """What waits for review in the cities the principal moderates, filtered by ``city``
    and ``kind``."""
    _require_moderator(screen)
    query = screen.request.query
    items = screen.staff.moderation.queue(screen.principal)
    cities = sorted({item.practice.city for item in items})
    city = query.get("city") or ""
    kind = query.get("kind") or ""
    if kind and kind not in {k.value for k in PracticeKind}:
        raise ValidationError(f"{kind[:40]!r} is not a kind of practice; the kinds are: "
                              + ", ".join(k.value for k in PracticeKind), field="kind")
    shown = [item for item in items
             if (not city or item.practice.city == city)
             and (not kind or item.practice.kind.value == kind)]
    return screen.page("console/moderation.html", items=shown, total=len(items),
                       cities=cities, city=city, kind=kind, kinds=list(PracticeKind),
                       decided=query.get("decided") or "", clock=_clock(screen))


def _item(screen: Screen, slug: str) -> QueueItem:
    """The queue's item ``slug``: ``Forbidden`` outside the principal's cities, ``NotFound``
    when nothing of ``slug`` waits for review."""
    moderation = screen.staff.moderation
    moderation.notes(screen.principal, slug)  # the permission on the practice's city
    for item in moderation.queue(screen.principal):
        if item.practice.slug == slug:
            return item
    raise NotFound(f"nothing of {slug!r} waits for review (it may have been decided)",
                   field="slug")


def item_page(screen: Screen, status: int = 200, *, reason: str = "", note: str = "",
              errors: dict[str, str] | None = None, message: str | None = None) -> Response:
    """One item: the submitted practice, who has claimed it, the notes, the decisions."""
    _require_moderator(screen)
    slug = screen.path["slug"]
    item = _item(screen, slug)
    notes = screen.staff.moderation.notes(screen.principal, slug)
    return screen.page("console/moderation_item.html", status, item=item, notes=notes,
                       reason=reason, note=note, errors=errors or {}, message=message,
                       themes=theme_labels(screen.web), rich=_rich,
                       claimed=screen.request.query.get("claimed") == "1",
                       clock=_clock(screen))


def view_item(screen: Screen) -> Response:
    """One item of the queue."""
    return item_page(screen)


def claim(screen: Screen) -> Response:
    """Take the item for review (30 minutes), so that no other moderator takes it."""
    slug = screen.path["slug"]
    screen.staff.moderation.claim(screen.principal, slug)
    return screen.redirect("console-moderation-item", slug=slug, claimed="1")


def release(screen: Screen) -> Response:
    """Give the item back to the queue."""
    screen.staff.moderation.release(screen.principal, screen.path["slug"])
    return screen.redirect("console-moderation")


def approve(screen: Screen) -> Response:
    """Publish what the item submitted."""
    slug = screen.path["slug"]
    screen.staff.moderation.approve(screen.principal, slug)
    return screen.redirect("console-moderation", decided=slug)


def reject(screen: Screen) -> Response:
    """Reject what the item submitted, with the reason the submitter will read."""
    slug = screen.path["slug"]
    reason = (screen.form().get("reason") or "")[:10_000]
    try:
        screen.staff.moderation.reject(screen.principal, slug, reason)
    except (Forbidden, NotFound):
        raise
    except ValidationError as error:
        if error.field != "reason":
            raise
        return item_page(screen, 422, reason=reason, errors={"reason": error.message})
    return screen.redirect("console-moderation", decided=slug)


def add_note(screen: Screen) -> Response:
    """Add a private note, seen only by moderators."""
    slug = screen.path["slug"]
    text = (screen.form().get("text") or "")[:10_000]
    try:
        screen.staff.moderation.add_note(screen.principal, slug, text)
    except (Forbidden, NotFound):
        raise
    except ValidationError as error:
        if error.field != "text":
            raise
        return item_page(screen, 422, note=text, errors={"text": error.message})
    return screen.redirect("console-moderation-item", slug=slug)


ROUTES = (
    route("GET", "/moderation", "console-moderation", queue),
    route("GET", "/moderation/{slug}", "console-moderation-item", view_item),
    route("POST", "/moderation/{slug}/claim", "console-moderation-claim", claim),
    route("POST", "/moderation/{slug}/release", "console-moderation-release", release),
    route("POST", "/moderation/{slug}/approve", "console-moderation-approve", approve),
    route("POST", "/moderation/{slug}/reject", "console-moderation-reject", reject),
    route("POST", "/moderation/{slug}/note", "console-moderation-note", add_note),
)
