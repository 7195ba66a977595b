"""The one search suite: every assertion runs on SQLite (FTS5) and PostgreSQL (tsvector).

The same data and the same questions must give the same answers on both.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingtogether import (
    City,
    Conflict,
    ModerationStatus,
    NotFound,
    Observatory,
    Practice,
    PracticeKind,
    Text,
    Theme,
    ValidationError,
)
from livingtogether.services.search_terms import highlight, terms

PUBLISHED = ModerationStatus.PUBLISHED

CITIES = (
    City(slug="montreal", name=Text({"fr": "Montréal", "en": "Montréal"}), country="CA"),
    City(slug="koln", name=Text({"de": "Köln", "en": "Cologne"}), country="DE"),
    City(slug="istanbul", name=Text({"tr": "İstanbul", "en": "Istanbul"}), country="TR"),
    City(slug="izmir", name=Text({"tr": "İzmir"}), country="TR"),
)

PRACTICES = (
    Practice(slug="cercles", city="montreal", kind=PracticeKind.PRACTICE, status=PUBLISHED,
             title=Text({"fr": "Cercles de dialogue entre voisins de Montréal",
                         "en": "Neighbourhood circles in Montreal"}),
             summary=Text({"fr": "Des résidents se réunissent chaque mois."}),
             body=Text({"fr": "<p>Une <strong>médiatrice</strong> anime les rencontres.</p>"}),
             themes=("dialogue-and-solidarity", "culture")),
    Practice(slug="willkommen", city="koln", kind=PracticeKind.CASE_STUDY, status=PUBLISHED,
             title=Text({"de": "Willkommensnetz in Köln"}),
             summary=Text({"de": "Nachbarschaftlicher Dialogue-Abend für Neuankömmlinge",
                           "en": "A dialogue evening for newcomers in KÖLN"}),
             themes=("immigration-and-integration",)),
    Practice(slug="mahalle", city="istanbul", kind=PracticeKind.PRACTICE, status=PUBLISHED,
             title=Text({"tr": "İSTANBUL mahalle buluşmaları"}),
             summary=Text({"tr": "Komşular arasında düzenli buluşmalar."}),
             body=Text({"en": "<p>Monthly meetings; a dialogue facilitator attends.</p>"}),
             themes=("dialogue-and-solidarity",)),
    Practice(slug="kultur", city="izmir", kind=PracticeKind.STUDY, status=PUBLISHED,
             title=Text({"tr": "Kültür rotaları", "en": "Culture routes"}),
             summary=Text({"en": "A study of cultural walks through Izmir's neighbourhoods."}),
             themes=("culture",)),
    Practice(slug="brouillon", city="montreal", status=ModerationStatus.DRAFT,
             title=Text({"fr": "Brouillon confidentiel sur Montréal et le dialogue"})),
)


@pytest.fixture
def obs(observatory: Observatory) -> Observatory:
    for city in CITIES:
        observatory.cities.create(city)
    for practice in PRACTICES:
        observatory.practices.create(practice)
    return observatory


def slugs(results: Any) -> list[str]:
    return [hit.practice.slug for hit in results.hits]


def facet(results: Any, name: str) -> dict[str, int]:
    return {count.value: count.count for count in results.facets[name]}


# -- accents, case, scripts


@pytest.mark.parametrize(("query", "expected"), [
    ("montreal", ["cercles"]),
    ("MONTRÉAL", ["cercles"]),
    ("Montreal", ["cercles"]),
    ("koln", ["willkommen"]),
    ("KÖLN", ["willkommen"]),
    ("istanbul", ["mahalle"]),
    ("İstanbul", ["mahalle"]),
    ("ISTANBUL", ["mahalle"]),
    ("mediatrice", ["cercles"]),
    ("kultur", ["kultur"]),
    ("Kültür", ["kultur"]),
    ("komsular", ["mahalle"]),
])
def test_accent_and_case_insensitive(obs: Observatory, query: str, expected: list[str]) -> None:
    assert slugs(obs.practices.search(query)) == expected


def test_a_word_with_a_star_matches_as_a_prefix(obs: Observatory) -> None:
    assert slugs(obs.practices.search("montr*")) == ["cercles"]
    assert slugs(obs.practices.search("mont* cercles")) == ["cercles"]
    assert slugs(obs.practices.search("montr")) == []  # a whole word only, without the star
    assert slugs(obs.practices.search("mo*")) == []  # too short to be a prefix
    assert slugs(obs.practices.search("İstan*")) == ["mahalle"]


def test_a_ranked_multilingual_query(obs: Observatory) -> None:
    # "dialogue" is in a French title, a German and an English summary, an English body.
    results = obs.practices.search("dialogue")
    assert results.total == 3
    assert slugs(results)[0] == "cercles"   # in the title
    assert slugs(results)[1] == "willkommen"  # in a summary
    assert slugs(results)[2] == "mahalle"   # in the body only
    assert [hit.score for hit in results.hits] == sorted(
        (hit.score for hit in results.hits), reverse=True)
    assert results.hits[0].language == "fr"
    assert results.hits[1].language in ("de", "en")  # in both summaries
    assert results.hits[2].language == "en"


def test_every_word_must_match(obs: Observatory) -> None:
    assert slugs(obs.practices.search("dialogue newcomers")) == ["willkommen"]
    assert slugs(obs.practices.search("dialogue nothingatall")) == []


def test_drafts_are_never_found(obs: Observatory) -> None:
    assert "brouillon" not in slugs(obs.practices.search("confidentiel"))
    assert obs.practices.search("").total == 4


# -- snippets


def test_snippets_mark_the_words_found_and_escape_the_rest(obs: Observatory) -> None:
    hit = obs.practices.search("mediatrice").hits[0]
    assert hit.snippet is not None
    assert "<mark>médiatrice</mark>" in hit.snippet
    assert "<strong>" not in hit.snippet
    hit = obs.practices.search("koln", reader_language="en").hits[0]
    assert hit.language == "en"
    assert "<mark>KÖLN</mark>" in (hit.snippet or "")
    assert obs.practices.search("").hits[0].snippet is None
    # Found by its title alone: no snippet, the title is shown anyway.
    title_only = obs.practices.search("circles").hits
    assert [(hit.practice.slug, hit.snippet) for hit in title_only] == [("cercles", None)]


def test_highlight_escapes_and_balances() -> None:
    assert highlight("a <b> \ue000x\ue001 & \ue000y") == (
        "a &lt;b&gt; <mark>x</mark> &amp; <mark>y</mark>")
    assert highlight("\ue001stray") == "stray"


# -- facets, filters, pages


def test_facets_count_practices_not_rows(obs: Observatory) -> None:
    results = obs.practices.search("")
    assert facet(results, "theme") == {"culture": 2, "dialogue-and-solidarity": 2,
                                       "immigration-and-integration": 1}
    assert facet(results, "city") == {"montreal": 1, "koln": 1, "istanbul": 1, "izmir": 1}
    assert facet(results, "country") == {"TR": 2, "CA": 1, "DE": 1}
    assert facet(results, "kind") == {"practice": 2, "case_study": 1, "study": 1}
    assert facet(results, "language") == {"en": 4, "tr": 2, "fr": 1, "de": 1}
    assert [c.value for c in results.facets["country"]] == ["TR", "CA", "DE"]


def test_filters_combine_with_words_and_with_each_other(obs: Observatory) -> None:
    assert slugs(obs.practices.search("dialogue", country="TR")) == ["mahalle"]
    assert slugs(obs.practices.search("dialogue", theme="culture")) == ["cercles"]
    assert slugs(obs.practices.search("", theme="culture", country="tr")) == ["kultur"]
    assert slugs(obs.practices.search("", kind=PracticeKind.CASE_STUDY)) == ["willkommen"]
    assert slugs(obs.practices.search("", city="izmir", kind="study")) == ["kultur"]
    # A language filter searches only the text in that language.
    assert slugs(obs.practices.search("dialogue", language="en")) == ["willkommen", "mahalle"]
    assert slugs(obs.practices.search("dialogue", language="fr")) == ["cercles"]
    filtered = obs.practices.search("dialogue", country="TR")
    assert facet(filtered, "city") == {"istanbul": 1}
    assert facet(filtered, "theme") == {"dialogue-and-solidarity": 1}


def test_pages_cover_every_result_once(obs: Observatory) -> None:
    seen: list[str] = []
    for offset in range(0, 4, 2):
        page = obs.practices.search("", limit=2, offset=offset)
        assert page.total == 4
        assert len(page.hits) == 2
        seen += slugs(page)
    assert sorted(seen) == ["cercles", "kultur", "mahalle", "willkommen"]
    assert obs.practices.search("", limit=2, offset=4).hits == ()


@pytest.mark.parametrize(("options", "field"), [
    ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"theme": "Not A Slug"}, "theme"),
    ({"country": "XX"}, "country"), ({"language": "english!"}, "language"),
    ({"kind": "poem"}, "kind"), ({"q": "x" * 501}, "q"), ({"q": " ".join("w" * 21)}, "q"),
    ({"q": "a\x00b"}, "q"),
])
def test_bad_options_name_the_field(obs: Observatory, options: dict[str, Any],
                                    field: str) -> None:
    options = dict(options)
    q = options.pop("q", "")
    with pytest.raises(ValidationError) as caught:
        obs.practices.search(q, **options)
    assert caught.value.field == field


HOSTILE = ['"', '""', "'", "a\" OR \"b", "NEAR(a b)", "montreal*", "*", "-montreal", "a:b",
           "title:montreal", "(", ")", "^", "&", "|", "!", "<->", "a & b | !c", "\\", "%",
           "_", "' OR 1=1 --", "montréal AND", "OR", "NOT", "AND AND", "\u0307", "\ue000",
           "🙂 montreal", "ﷺ", "x" * 500, "a b c d e f g h i j k l m n o p q r s t"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_break_the_search(obs: Observatory, query: str) -> None:
    results = obs.practices.search(query)
    assert results.total == len(results.hits) or results.total > len(results.hits)
    if [word.casefold() for word in terms(query)] == ["montreal"]:
        assert slugs(results) == ["cercles"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
def test_any_text_is_a_query(obs: Observatory, query: str) -> None:
    try:
        too_long = len(terms(query)) > 20
    except ValidationError:
        too_long = True
    if too_long or any(ord(c) < 32 and c not in "\t\n\r" for c in query) or any(
            0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in query):
        with pytest.raises(ValidationError, match="q"):
            obs.practices.search(query)
        return
    results = obs.practices.search(query)
    assert len(results.hits) <= results.total


def test_terms_are_letters_digits_and_marks() -> None:
    assert terms("l'été 2021, Montréal!") == ["l", "été", "2021", "Montréal"]
    assert terms("I\u0307stanbul") == ["İstanbul"]
    assert terms("montr* mo* * x*y") == ["montr*", "mo", "x", "y"]


# -- the index follows every write


def test_the_index_follows_create_update_moderation_and_delete(obs: Observatory) -> None:
    search = obs.practices.search
    draft = Practice(slug="jardins", city="izmir", title=Text({"en": "Shared gardens"}),
                     themes=("resilience",))
    obs.practices.create(draft)
    assert search("gardens").total == 0
    obs.practices.submit("jardins")
    assert search("gardens").total == 0
    obs.practices.publish("jardins")
    assert slugs(search("gardens")) == ["jardins"]
    assert facet(search("", theme="resilience"), "city") == {"izmir": 1}

    # An edit of a published practice waits for review; the published text stays found.
    obs.practices.edit(attrs.evolve(draft, title=Text({"en": "Community orchards"})))
    assert obs.practices.get("jardins").title.get() == "Shared gardens"
    revision = obs.practices.revision("jardins")
    assert revision is not None
    assert revision.status is ModerationStatus.SUBMITTED
    assert slugs(search("gardens")) == ["jardins"]
    assert search("orchards").total == 0
    assert [p.slug for p in obs.practices.review_queue()] == ["jardins"]

    rejected = obs.practices.reject("jardins", "Say which neighbourhoods take part.")
    assert rejected.rejection_reason == "Say which neighbourhoods take part."
    assert obs.practices.get("jardins").status is PUBLISHED
    assert slugs(search("gardens")) == ["jardins"]

    obs.practices.edit(attrs.evolve(draft, title=Text({"en": "Community orchards"}),
                                    themes=("culture",)))
    obs.practices.publish("jardins")
    assert obs.practices.revision("jardins") is None
    assert search("gardens").total == 0
    assert slugs(search("orchards")) == ["jardins"]
    assert search("", theme="resilience").total == 0

    # A direct update (an import, say) re-indexes too, city and kind included.
    obs.practices.update(attrs.evolve(obs.practices.get("jardins"), city="montreal",
                                      kind=PracticeKind.STUDY))
    assert facet(search("orchards"), "country") == {"CA": 1}
    assert facet(search("orchards"), "kind") == {"study": 1}

    obs.practices.unpublish("jardins")
    assert search("orchards").total == 0
    obs.practices.submit("jardins")
    obs.practices.publish("jardins")
    assert search("orchards").total == 1
    obs.practices.delete("jardins")
    assert search("orchards").total == 0
    assert search("").total == 4


def test_hits_carry_the_practice_as_stored_now(obs: Observatory, database_url: str) -> None:
    # A searcher keeps the practices it decoded; a change made through another
    # Observatory (another process, say) must still show in the next search.
    first = obs.practices.search("résidents").hits[0].practice
    assert first.summary.get("fr") == "Des résidents se réunissent chaque mois."
    other = Observatory.open(database_url)
    try:
        other.practices.update(attrs.evolve(
            other.practices.get("cercles"),
            summary=Text({"fr": "Des résidents se réunissent chaque semaine."})))
    finally:
        other.close()
    again = obs.practices.search("résidents").hits[0].practice
    assert again.summary.get("fr") == "Des résidents se réunissent chaque semaine."
    assert first.summary.get("fr") == "Des résidents se réunissent chaque mois."


def test_facets_count_the_published_version_while_an_edit_waits(obs: Observatory) -> None:
    before = obs.practices.search("")
    obs.practices.edit(attrs.evolve(obs.practices.get("kultur"), themes=("resilience",)))
    during = obs.practices.search("")
    assert facet(during, "theme") == facet(before, "theme")
    assert sorted(slugs(obs.practices.search("", theme="culture"))) == ["cercles", "kultur"]
    obs.practices.publish("kultur")
    after = obs.practices.search("")
    assert facet(after, "theme") == {"dialogue-and-solidarity": 2, "culture": 1,
                                     "immigration-and-integration": 1, "resilience": 1}


def test_moderation_refuses_steps_out_of_order(obs: Observatory) -> None:
    with pytest.raises(Conflict, match="nothing submitted"):
        obs.practices.publish("cercles")
    with pytest.raises(Conflict, match="only a draft or a rejected practice"):
        obs.practices.submit("cercles")
    with pytest.raises(ValidationError, match="needs a reason"):
        obs.practices.submit("brouillon") and obs.practices.reject("brouillon", " ")
    assert obs.practices.get("brouillon").status is ModerationStatus.SUBMITTED
    obs.practices.reject("brouillon", "Add a summary.")
    edited = obs.practices.edit(attrs.evolve(PRACTICES[4], summary=Text({"fr": "Résumé"})))
    assert edited.status is ModerationStatus.DRAFT
    assert edited.rejection_reason is None


# -- the themes taxonomy


def test_the_taxonomy_starts_with_the_observatorys_themes(obs: Observatory) -> None:
    themes = obs.themes.all()
    assert [t.slug for t in themes][:2] == ["social-development", "immigration-and-integration"]
    assert len(themes) == 9
    assert themes[-1].label.get("fr") == "Droits de la personne et démocratie"


def test_sites_add_themes_and_practices_must_use_known_ones(obs: Observatory) -> None:
    bad = Practice(slug="sport", city="izmir", title=Text.of("Sport"), themes=("sport",))
    with pytest.raises(ValidationError, match="not a theme of the taxonomy") as caught:
        obs.practices.create(bad)
    assert caught.value.field == "themes.0"
    obs.themes.create(Theme(slug="sport", label=Text({"en": "Sport", "fr": "Sport"})))
    assert obs.themes.all()[-1].slug == "sport"
    obs.practices.create(attrs.evolve(bad, status=PUBLISHED))
    assert facet(obs.practices.search("", theme="sport"), "theme") == {"sport": 1}
    with pytest.raises(Conflict, match="used by 1 practice"):
        obs.themes.delete("sport")
    obs.themes.reorder(["sport", "culture"])
    assert [t.slug for t in obs.themes.all()][:3] == ["sport", "culture", "social-development"]


# -- bulk loading


def test_create_many_indexes_what_is_published_and_is_all_or_nothing(obs: Observatory) -> None:
    batch = [Practice(slug=f"bulk-{i}", city="izmir", title=Text({"fr": f"Forêt urbaine {i}"}),
                      body=Text({"fr": "<p onclick='x'>Arbres</p>"}), themes=("resilience",),
                      status=PUBLISHED if i % 2 else ModerationStatus.DRAFT)
              for i in range(7)]
    assert obs.practices.create_many(batch, batch=3) == 7
    assert sorted(slugs(obs.practices.search("foret", limit=20))) == [
        "bulk-1", "bulk-3", "bulk-5"]
    assert obs.practices.get("bulk-2").body.get("fr") == "<p>Arbres</p>"
    assert facet(obs.practices.search("foret"), "theme") == {"resilience": 3}
    before = obs.practices.search("").total
    for bad, message in (
        ([attrs.evolve(batch[0], slug="new-1"), attrs.evolve(batch[0], slug="bulk-0")],
         "exists already"),
        ([attrs.evolve(batch[1], slug="new-2", city="nowhere")], "no city 'nowhere'"),
        ([attrs.evolve(batch[1], slug="new-3", themes=("sport",))], "not a theme"),
    ):
        with pytest.raises((Conflict, ValidationError), match=message):
            obs.practices.create_many(bad, batch=1)  # the first may be written, then undone
        assert obs.practices.search("").total == before
        with pytest.raises(NotFound):
            obs.practices.get("new-1")


def test_a_sites_own_themes_travel_in_the_bundle(obs: Observatory, sqlite_url: str) -> None:
    obs.themes.create(Theme(slug="sport", label=Text({"en": "Sport"})))
    obs.practices.create(Practice(slug="sport", city="izmir", title=Text.of("Sport"),
                                  themes=("sport",), status=PUBLISHED))
    exported = obs.export_bundle()
    assert [t["slug"] for t in exported["themes"]][-1] == "sport"
    with Observatory.open(sqlite_url) as other:
        other.import_bundle(exported)
        assert [t.slug for t in other.themes.all()] == [t.slug for t in obs.themes.all()]
        assert slugs(other.practices.search("sport")) == ["sport"]
