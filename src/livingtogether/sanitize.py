"""The one sanitiser of user-supplied rich text, with its one allow-list.

Rich text is cleaned once, on the way in (the services call :func:`clean_html`
before storing); templates mark only such stored text as safe.
"""

from __future__ import annotations

import nh3

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "dl", "dt", "em", "h2", "h3",
    "h4", "i", "li", "ol", "p", "q", "s", "small", "strong", "sub", "sup", "u", "ul",
})
ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}, "*": {"lang", "dir"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_html(html: str) -> str:
    """``html`` with everything outside the allow-list removed.

    Scripts, styles, event handlers, ``javascript:`` and ``data:`` URLs never
    survive; links get ``rel="noopener noreferrer nofollow"``.
    """
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
