"""The widgets' Jinja2 environment: autoescaped HTML, translated in the reader's language.

Templates are Jinja2 with autoescaping and the ``i18n`` extension (newstyle
gettext): every user-facing string is ``{{ _("...") }}`` or ``{{ ngettext(...) }}``,
translated from the catalogs of :mod:`livingtogether.i18n` into the language of
the :class:`~.localizer.Localizer` rendering it (``L`` in templates).
"""

from __future__ import annotations

import jinja2


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return str(context["L"].gettext(message))


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int) -> str:
    return str(context["L"].ngettext(singular, plural, count))


def make_environment() -> jinja2.Environment:
    """The widgets' Jinja2 environment: autoescaped HTML, i18n in the Localizer's language.

    The template's ``L`` (:class:`~.localizer.Localizer`) holds the catalog, so one
    shared environment renders every language; newstyle gettext escapes the values
    put into a translated message, never the message itself.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("livingtogether.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # the templates ship in the package: no stat of each file on every lookup
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True)
    return env
