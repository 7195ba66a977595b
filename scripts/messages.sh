#!/usr/bin/env bash
# `make messages`: extract every user-facing string into the template catalog,
# bring each language's catalog up to date with it, and compile them all.
#
#   scripts/messages.sh            extract, update (or create) every catalog, compile
#   scripts/messages.sh compile    compile only (after editing a .po file)
#
# The catalogs are src/livingtogether/locale/<lang>/LC_MESSAGES/livingtogether.po;
# the compiled .mo files next to them are committed too, so that an install from
# a clone or an sdist has them without a build step (tests/test_i18n.py fails when
# a .mo file says other than its .po, or the template misses a string of the code).
# English is the source language: its catalog's translations are the source text.
# A string that changed comes back untranslated in every other catalog (no fuzzy
# guesses), so that tests/test_i18n.py fails until a translator writes it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${BIN:-$ROOT/.venv/bin}"
LOCALE=src/livingtogether/locale
DOMAIN=livingtogether
POT="$LOCALE/$DOMAIN.pot"
# The languages with a catalog: livingtogether.i18n.CATALOG_LANGUAGES, the one list.
read -r -a LANGUAGES < <("$BIN/python" -c \
    'from livingtogether.i18n import CATALOG_LANGUAGES as found; print(*found)')
# The Wagtail app's strings also go, compiled alone, where Django looks for an app's
# catalogs: {% translate %} and gettext_lazy then find them (and nothing else of ours).
WAGTAIL=plugins/livingtogether-wagtail/src/livingtogether_wagtail
export PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"  # the Django templates' extractor

if [ "${1:-}" != compile ]; then
    "$BIN/pybabel" -q extract -F babel.cfg -o "$POT" -c TRANSLATORS: \
        --project=livingtogether --copyright-holder="The livingtogether team" \
        --msgid-bugs-address="https://github.com/livingtogether/livingtogether/issues" \
        --add-location=file --sort-output .
    for lang in "${LANGUAGES[@]}"; do
        po="$LOCALE/$lang/LC_MESSAGES/$DOMAIN.po"
        if [ -f "$po" ]; then
            "$BIN/pybabel" -q update -i "$POT" -d "$LOCALE" -D "$DOMAIN" -l "$lang" \
                --ignore-obsolete --no-fuzzy-matching
        else
            "$BIN/pybabel" -q init -i "$POT" -d "$LOCALE" -D "$DOMAIN" -l "$lang"
        fi
    done
    # English is the source: its "translations" are the source text itself.
    "$BIN/python" - "$LOCALE/en/LC_MESSAGES/$DOMAIN.po" <<'PY'
import sys
from babel.messages.pofile import read_po, write_po
path = sys.argv[1]
with open(path, "rb") as handle:
    catalog = read_po(handle, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id
        message.flags.discard("fuzzy")
with open(path, "wb") as handle:
    write_po(handle, catalog, omit_header=False, include_previous=False)
PY
fi
"$BIN/pybabel" compile -d "$LOCALE" -D "$DOMAIN" --statistics 2>&1 | sed 's/^/messages: /'
if [ -d "$WAGTAIL" ]; then
    "$BIN/python" - "$LOCALE" "$WAGTAIL" "${LANGUAGES[@]}" <<'PY'
import sys
from pathlib import Path
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
locale, app, languages = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
for language in languages:
    with (locale / language / "LC_MESSAGES" / "livingtogether.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    # the Wagtail app's own messages only, so that Wagtail's words stay Wagtail's
    ours = Catalog(locale=language, domain="django")
    ours._num_plurals, ours._plural_expr = catalog.num_plurals, catalog.plural_expr
    for message in catalog:
        if message.id and any("livingtogether-wagtail" in path for path, _ in message.locations):
            ours[message.id] = message
    target = app / "locale" / language / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "django.mo").open("wb") as handle:
        write_mo(handle, ours)
    print(f"messages: {len(ours)} messages of the Wagtail app in {target / 'django.mo'}")
PY
fi
