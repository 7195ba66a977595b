"""A Babel extractor for Django templates (``babel.cfg``: ``babel_django:extract``).

It finds ``{% translate "..." %}`` (and ``{% trans %}``) and
``{% blocktranslate [count n=...] [with ...] [trimmed] %}...{% plural %}...
{% endblocktranslate %}`` the way Django's template tags build their message
ids (``{{ name }}`` becomes ``%(name)s``, ``%`` becomes ``%%``), so that the
Wagtail app's templates share the library's catalogs. ``make messages`` puts
``scripts/`` on the path for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

_TAG = re.compile(r"{%\s*(?P<tag>translate|trans|blocktranslate|blocktrans)\b(?P<args>.*?)%}",
                  re.DOTALL)
_LITERAL = re.compile(r"""\s*(?P<quote>["'])(?P<text>.*?)(?P=quote)""", re.DOTALL)
_END = re.compile(r"{%\s*(?:endblocktranslate|endblocktrans)\s*%}")
_PLURAL = re.compile(r"{%\s*plural\s*%}")
_VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")
_COMMENT = re.compile(r"{#\s*(?:Translators|TRANSLATORS):\s*(.*?)\s*#}", re.DOTALL)


def _message(body: str, trimmed: bool) -> str:
    if trimmed:
        body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
    pieces = []
    for part in re.split(r"({{\s*\w+\s*}})", body):
        variable = _VARIABLE.fullmatch(part)
        pieces.append(f"%({variable.group(1)})s" if variable else part.replace("%", "%%"))
    return "".join(pieces)


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any,
            ) -> Iterator[tuple[int, str, str | tuple[str, str], list[str]]]:
    """Babel's extractor protocol: ``(line, function, message, comments)``."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    comments = {source.count("\n", 0, m.end()) + 1: m.group(1)
                for m in _COMMENT.finditer(source)}
    for match in _TAG.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        notes = [comments[line - 1]] if line - 1 in comments else []
        args = match.group("args")
        if match.group("tag") in ("translate", "trans"):
            literal = _LITERAL.match(args)
            if literal:
                yield line, "gettext", literal.group("text"), notes
            continue
        end = _END.search(source, match.end())
        if end is None:
            continue
        body = source[match.end():end.start()]
        trimmed = "trimmed" in args.split()
        plural = _PLURAL.search(body)
        if plural and "count" in args.split():
            yield line, "ngettext", (_message(body[:plural.start()], trimmed),
                                     _message(body[plural.end():], trimmed)), notes
        else:
            yield line, "gettext", _message(body, trimmed), notes
