"""Every widget in every language, over real HTTP.

Each widget, in each of its states (empty form, errors, thanks, the pages behind
the email links, an error page), is served by a real server on 127.0.0.1 in
en, fr, es, de, tr and ar, and fails the test on:

- any of our strings left in English (a catalog message shown untranslated, or
  any text the English page shows too that is not content, a name, a number or
  a date);
- a root without the reader's ``lang`` and ``dir``, content shown in another
  language without its ``lang`` (and ``dir`` where the direction changes).

The same pages in headless Chromium, with axe-core and the mirrored layout of
Arabic, are in ``tests/browser/test_languages.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n_support import (
    SIGNERS,
    Page,
    cases,
    fetch,
    language_site,
    misplaced_content,
    strings_of,
    template_catalog,
    texts_of,
    untranslated,
)
from livingtogether import i18n
from livingtogether.demo import bundle

LANGUAGES = i18n.CATALOG_LANGUAGES


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The site with every widget in every state (see ``i18n_support``)."""
    with language_site(Path(tmp_path_factory.mktemp("i18n"))) as found:
        yield found


def test_every_widget_in_every_language(site: dict[str, Any]) -> None:
    data = bundle()
    content = [*strings_of(data), *strings_of([dict(s) for s in SIGNERS]),
               "Ana Pérez", "Lea Wagner"]
    texts = list(texts_of(data))
    names = [*strings_of(data, plain_only=True), *strings_of([dict(s) for s in SIGNERS])]
    msgids = [m.id if isinstance(m.id, str) else m.id[0] for m in template_catalog() if m.id]
    problems: list[str] = []
    for name, method, path, form, status in cases(site):
        english = Page(fetch(site["base"], method, path, form, "en", status))
        for lang in LANGUAGES:
            html = english if lang == "en" else Page(
                fetch(site["base"], method, path, form, lang, status))
            where = f"{name} [{lang}]"
            if html.root_lang != lang or html.root_dir != i18n.text_direction(lang):
                problems.append(f"{where}: root lang={html.root_lang} dir={html.root_dir}")
            problems += [f"{where}: {p}" for p in html.direction_problems]
            problems += [f"{where}: {p}" for p in misplaced_content(html, lang, texts, names)]
            if lang != "en":
                problems += [f"{where}: {p}"
                             for p in untranslated(english, html, lang, content, msgids)]
    assert not problems, "\n".join(problems)


def test_the_untranslated_check_catches_english() -> None:
    """The check above fails on an English page passed off as French, on a message of
    the catalog left in English, and on content that lost its ``lang``."""
    english = Page('<section lang="en" dir="ltr"><h2>Member cities</h2>'
                   "<p>Unmarked words nobody translated</p><p>Montréal</p></section>")
    french = Page('<section lang="fr" dir="ltr"><h2>Member cities</h2>'
                  "<p>Unmarked words nobody translated</p><p>Montréal</p></section>")
    found = untranslated(english, french, "fr", ["Montréal"], ["Member cities"])
    assert any("catalog message in English" in p and "Member cities" in p for p in found)
    assert any("same as in English" in p and "Unmarked words" in p for p in found)
    assert not any("Montréal" in p for p in found)
    unmarked = Page('<section lang="fr" dir="ltr"><h3>Summit in English only</h3></section>')
    assert misplaced_content(unmarked, "fr", [{"en": "Summit in English only"}])
    marked = Page('<section lang="fr" dir="ltr"><h3 lang="en">Summit in English only</h3>'
                  "</section>")
    assert not misplaced_content(marked, "fr", [{"en": "Summit in English only"}])
    mixed = Page('<section lang="ar" dir="rtl"><h3 lang="en">Summit</h3></section>')
    assert mixed.direction_problems
