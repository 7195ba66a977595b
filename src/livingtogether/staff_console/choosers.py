"""The choices of a form's chooser: the records a field naming another record may name
(``chooser="campaign"`` in :mod:`livingtogether.admin.labels`), as ``(slug, label)``.

A city's chooser lists the cities the principal edits (the screen gives them, as
``cities``); the network's records (campaigns, declarations, themes, organisations) are
the same for everyone who may open the form. What the services accept stays their rule:
a value forged past the select is refused by them, at its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models import Text
    from .screens import Screen

#: At most this many choices of a kind (within the services' largest page).
LIMIT = 200
Choices = list[tuple[str, "Text | None"]]


def chooser(screen: Screen) -> Callable[[str], Choices | None]:
    """``choices(kind)`` for the screen's templates: the records of ``kind`` by slug with
    their label, read once per page; ``None`` for a kind with no chooser (a text input)."""
    found: dict[str, Choices | None] = {}

    def choices(kind: str) -> Choices | None:
        if kind not in found:
            found[kind] = _read(screen.web.observatory, kind)
        return found[kind]

    return choices


def _read(obs: Any, kind: str) -> Choices | None:
    limit = min(LIMIT, obs.settings.max_page_size)
    if kind == "campaign":
        return [(c.slug, c.title) for c in obs.campaigns.list(limit=limit).items]
    if kind == "declaration":
        return [(d.slug, d.title) for d in obs.declarations.list(limit=limit).items]
    if kind == "theme":
        return [(t.slug, t.label) for t in obs.themes.list(limit=limit).items]
    if kind == "series":
        return [(s.slug, s.title) for s in obs.series.list(limit=limit).items]
    if kind == "event":
        return [(e.slug, e.title) for e in obs.programme.list(limit=limit).items]
    if kind == "organisation":
        return [(o.slug, o.name) for o in obs.organisations.list(limit=limit).items]
    return None
