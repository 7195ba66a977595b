"""The practices search widget's view: each facet option and each hit as strings and
markup, and the blocks of the list (a facet's ``<select>``, a hit's ``<li>``) rendered
once per what they show (:func:`.render.kept`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from markupsafe import Markup

from ..models import Localized, PracticeKind, Theme
from ..services import Hit, SearchResults
from ..services.search_terms import FACETS
from .localizer import Localizer
from .render import kept, text_of, versions_of

if TYPE_CHECKING:
    from .routes import Site


@attrs.frozen
class FacetOption:
    """One option of a facet's ``<select>``: its value, its ``lang`` attributes, the
    label, the count (formatted) and whether it is chosen."""

    value: str
    attrs: Markup
    label: str
    count: str
    selected: bool


@attrs.frozen
class HitView:
    """One result as the widget shows it: strings and markup for the template."""

    url: str
    title: str
    title_attrs: Markup
    city: str
    city_attrs: Markup
    kind: Markup
    year: int | None
    snippet: Markup | None
    snippet_lang: str | None
    #: The summary's ``lang`` attributes and paragraphs (each a list of its lines).
    summary_attrs: Markup
    summary: list[list[str]]
    themes: list[Markup]


#: A slug in a link built once per page, then replaced by each hit's (slugs need no quoting).
_SLUG_MARK = "0lt0slug0"


class SearchView:
    """What the search widget shows, in the reader's language, as plain strings and
    markup for the template to fill in: each facet's options and each hit's parts.

    A results page names a hundred cities, themes and counts; resolved here, once
    per distinct value, they cost a fraction of what a template's calls to ``L``
    and to the macros cost for each of them (issue 18). The shared macros
    (``_macros.html``) still write the kinds and themes as they do elsewhere.
    """

    def __init__(self, web: Site, localizer: Localizer, themes: dict[str, Theme]) -> None:
        self.web = web
        self.localizer = localizer
        self.themes = themes
        macros = web.templates.get_template("_macros.html").make_module({"L": localizer})
        kind, self._theme = macros.practice_kind, macros.theme  # type: ignore[attr-defined]
        self.kinds: dict[str, Markup] = {k.value: kind(k.value) for k in PracticeKind}
        self._theme_spans: dict[str, Markup] = {}
        self._cities: dict[str, Localized | None] = {}

    def _found(self, name: str, value: str) -> Localized | None:
        if name == "theme":
            return self.localizer.theme(value, self.themes)
        return self.city(value) if name == "city" else None

    def city(self, slug: str) -> Localized | None:
        """A city's name for the reader, once per render."""
        if slug not in self._cities:
            self._cities[slug] = self.localizer.city_name(slug)
        return self._cities[slug]

    def _label(self, name: str, value: str, found: Localized | None) -> str:
        loc = self.localizer
        if name in ("theme", "city"):
            return found.text if found else value
        if name == "country":
            return loc.country(value)
        return self.kinds[value] if name == "kind" else loc.language_name(value)

    def facets(self, results: SearchResults, state: Mapping[str, Any],
               ) -> list[tuple[str, list[FacetOption]]]:
        """``(name, options)`` of each facet; a chosen value the results no longer
        count comes first, counted 0."""
        return [(name, self.options(name, results, state[name])) for name in FACETS]

    def options(self, name: str, results: SearchResults, chosen: str | None,
                ) -> list[FacetOption]:
        """The options of facet ``name``."""
        loc, counts, options = self.localizer, results.facets[name], []
        if chosen and chosen not in {count.value for count in counts}:
            found = self._found(name, chosen)
            options.append(FacetOption(chosen, loc.attrs(found),
                                       self._label(name, chosen, found), "0", True))
        for count in counts:
            found = self._found(name, count.value)
            options.append(FacetOption(count.value, loc.attrs(found),
                                       self._label(name, count.value, found),
                                       loc.number(count.count), chosen == count.value))
        return options

    # -- the blocks, rendered once per what they show

    def facet_blocks(self, results: SearchResults, state: Mapping[str, Any]) -> list[Markup]:
        """Each facet's ``<p>`` with its ``<select>`` (``_practice_facet.html``), kept by
        language, choice and counts, and the versions of what names the options."""
        template = self.web.templates.get_template("_practice_facet.html")
        loc, blocks = self.localizer, []
        versions = versions_of(self.web, "cities", "themes")
        for name in FACETS:
            chosen = state[name]
            counts = tuple((count.value, count.count) for count in results.facets[name])
            key = ("facet", loc.lang, name, chosen, counts, versions)
            blocks.append(kept(self.web, key, lambda name=name, chosen=chosen: text_of(  # type: ignore[misc]
                template, L=loc, name=name, options=self.options(name, results, chosen))))
        return blocks

    def hit_blocks(self, results: SearchResults, state: Mapping[str, Any]) -> list[Markup]:
        """Each hit's ``<li>`` (``_practice_hit.html``), kept by practice, language,
        snippet and link, and the versions of what it shows."""
        template = self.web.templates.get_template("_practice_hit.html")
        loc, blocks = self.localizer, []
        versions = versions_of(self.web, "practices", "cities", "themes")
        link = loc.url_for("widget-practice", slug=_SLUG_MARK, lang=state["lang"])
        for hit in results.hits:
            key = ("hit", loc.lang, link, hit.practice.slug, hit.snippet, hit.language,
                   versions)
            blocks.append(kept(self.web, key, lambda hit=hit: text_of(  # type: ignore[misc]
                template, L=loc, hit=self.hit(hit, link))))
        return blocks

    def theme_span(self, slug: str) -> Markup:
        """A theme's name in its ``<span>`` (the macro's), once per render."""
        span = self._theme_spans.get(slug)
        if span is None:
            span = self._theme_spans[slug] = self._theme(slug, self.themes)
        return span

    def hits(self, results: SearchResults, state: Mapping[str, Any]) -> list[HitView]:
        """Each hit's link, title, city, kind, start, snippet or summary and themes."""
        link = self.localizer.url_for("widget-practice", slug=_SLUG_MARK, lang=state["lang"])
        return [self.hit(hit, link) for hit in results.hits]

    def hit(self, hit: Hit, link: str) -> HitView:
        """One hit's view; ``link`` is its page's URL with :data:`_SLUG_MARK` for the slug."""
        loc, practice = self.localizer, hit.practice
        head, tail = link.split(_SLUG_MARK, 1)
        title = loc.text(practice.title)
        city = self.city(practice.city)
        summary = None if hit.snippet else loc.text(practice.summary)
        return HitView(
            url=head + practice.slug + tail,
            title=title.text if title else "", title_attrs=loc.attrs(title),
            city=city.text if city else practice.city, city_attrs=loc.attrs(city),
            kind=self.kinds[practice.kind.value], year=practice.year_started,
            snippet=Markup(hit.snippet) if hit.snippet else None,  # noqa: S704 (escaped by highlight())
            snippet_lang=hit.language if hit.language != loc.lang else None,
            summary_attrs=loc.attrs(summary),
            summary=loc.paragraphs(summary.text) if summary else [],
            themes=[self.theme_span(theme) for theme in practice.themes])
