"""JSON-LD read by a JSON-LD processor (pyld): the structured data of a page's
``<script type="application/ld+json">`` elements, expanded with no network access (the
schema.org context is given as its vocabulary, the only part these documents use)."""

from __future__ import annotations

import json
import re
from typing import Any

from pyld import jsonld

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
SCHEMA_CONTEXT = {"@context": {"@vocab": "https://schema.org/"}}


def _loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}
    raise jsonld.JsonLdError(f"no network in the tests: {url}", "loading document failed")


def expand(document: Any) -> list[dict[str, Any]]:
    """``document`` expanded by pyld (a JsonLdError if it is not valid JSON-LD)."""
    return jsonld.expand(document, {"documentLoader": _loader})  # type: ignore[no-any-return]


def page_ld(html: str, *, required: bool = True) -> list[list[dict[str, Any]]]:
    """Each JSON-LD element of ``html``, parsed and expanded (at least one, if
    ``required``)."""
    found = SCRIPT.findall(html)
    assert found or not required, "the page has no JSON-LD"
    return [expand(json.loads(text)) for text in found]


def types(expanded: Any) -> set[str]:
    """Every ``@type`` anywhere in an expanded document."""
    found: set[str] = set()
    if isinstance(expanded, dict):
        found.update(expanded.get("@type", []))
        for value in expanded.values():
            found |= types(value)
    elif isinstance(expanded, list):
        for item in expanded:
            found |= types(item)
    return found
