"""Languages: the message catalogs, the reader's language, the locale that formats.

Every user-facing string of the library is English in the source, marked for
``pybabel extract`` (``{{ _("...") }}`` and ``{{ ngettext(...) }}`` in templates,
:func:`N_` in Python for strings translated later), and translated from the
catalogs in ``livingtogether/locale/<lang>/LC_MESSAGES/livingtogether.po``,
compiled to ``.mo`` files that ship in the package. ``make messages`` extracts
the strings, updates every catalog and compiles them.

One place decides which language a request gets (:func:`negotiate`) and one
place makes the Babel locale that formats its dates and numbers
(:func:`locale`): the widgets' ``Localizer`` and the emails both use them.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Babel is imported when a catalog or a locale is first needed
    from babel import Locale

#: The gettext domain of the library's catalogs.
DOMAIN = "livingtogether"
#: Where the compiled catalogs live (inside the installed package).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
#: The languages the library ships complete catalogs for (English is the source).
CATALOG_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de", "tr", "ar")


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translated where it is shown)."""
    return message


@functools.lru_cache(maxsize=64)
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language`` (``fr-ca`` uses ``fr``); English source text if none exists."""
    if not _CODE.fullmatch(language):  # a language tag, never a path
        return _gettext.NullTranslations()
    for candidate in dict.fromkeys((language.replace("-", "_"), language.split("-")[0])):
        path = LOCALE_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if path.is_file():
            from babel.support import Translations

            with path.open("rb") as handle:
                return Translations(handle, domain=DOMAIN)
    return _gettext.NullTranslations()


def colon(found: _gettext.NullTranslations) -> str:
    """What goes between a label and its value in ``found``'s language: ``": "`` in
    English, ``"\u00a0: "`` (a no-break space first) in French."""
    # TRANSLATORS: between a label and its value, as in "Removed: Opening" (French: "\u00a0: ")
    return found.pgettext("label separator", ": ")


def gettext(language: str, message: str) -> str:
    """``message`` in ``language``."""
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    """The form of ``singular``/``plural`` for ``count`` in ``language`` (its own plural rules)."""
    return translations(language).ngettext(singular, plural, count)


@functools.lru_cache(maxsize=64)
def locale(language: str) -> Locale:
    """The Babel locale formatting for ``language`` (``en`` when Babel has no data for it)."""
    from babel import Locale, UnknownLocaleError

    for candidate in (language.replace("-", "_"), language.split("-")[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale("en")


def text_direction(language: str) -> str:
    """``rtl`` or ``ltr``: how ``language`` is written."""
    return "rtl" if locale(language).text_direction == "rtl" else "ltr"


def match(wanted: Iterable[str], offered: Sequence[str]) -> str | None:
    """The first of ``wanted`` that ``offered`` has, exactly or by its base language.

    Case does not matter and ``_`` counts as ``-`` (``pt_BR`` is ``pt-br``).
    """
    by_key = {language.lower(): language for language in offered}
    for language in wanted:
        key = language.strip().lower().replace("_", "-")
        if key in by_key:
            return by_key[key]
        base = key.split("-", 1)[0]
        if base in by_key:
            return by_key[base]
    return None


def negotiate(*, offered: Sequence[str], default: str, requested: str | None = None,
              active: str | None = None, accepted: Iterable[str] = ()) -> str:
    """The language of a response, by the first of these that ``offered`` has:

    1. ``requested``: the language the caller named (``?lang=``, a template tag's argument);
    2. ``active``: the host framework's active language (Django's, Flask's selector);
    3. ``accepted``: the browser's Accept-Language, most wanted first;
    4. ``default``: the site's default language.

    An unoffered ``requested`` is the caller's to refuse before (the web layer
    answers 400); here it is skipped like the others.
    """
    for step in ([requested] if requested else [], [active] if active else [], accepted):
        found = match(step, offered)
        if found is not None:
            return found
    return default


def content_chain(fallbacks: Iterable[str], default: str) -> tuple[str, ...]:
    """The languages multilingual content falls back to when the reader's own is missing:

    the site's ``default`` language, then the configured ``fallbacks`` in order
    (a regional reader's base language, ``fr`` for ``fr-ca``, comes first of all:
    :meth:`livingtogether.models.Text.resolve` tries it before the chain).
    """
    return tuple(dict.fromkeys((default, *fallbacks)))
