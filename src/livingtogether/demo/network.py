"""The demo's declarations of the network, its series of summits and an example study.

From the reference texts: the founding members signed the Montreal Declaration at
the 2015 Living Together Summit in Montréal (the demo's one founding member is
Montréal; the day of signature is not given); the Düsseldorf Declaration dates from
2019 (its place, text and signatories are not given: left empty); the Izmir summit
of 2021 is the third Mayors Summit on Living Together, building on Montréal (2015)
and Düsseldorf (2019). The texts give no dates for the first two summits, so only
Izmir 2021 is an event of the series. The study is an example marked as such: the
texts say a study of Living Together policies was conducted in 12 cities, not which.
"""

from __future__ import annotations

from ..models import (
    Declaration,
    EventSeries,
    ModerationStatus,
    Practice,
    PracticeKind,
    Signatory,
    StudyDetails,
    Text,
)

MAYORS_SUMMITS = EventSeries(
    slug="mayors-summits",
    title=Text({"en": "Mayors Summits on Living Together",
                "fr": "Sommets des maires sur le vivre-ensemble"}),
    description=Text({
        "en": "The first Living Together Summit was held in Montréal in 2015, where the "
        "founding members signed the Montreal Declaration; the Düsseldorf Declaration "
        "followed in 2019; the third Mayors Summit was held online and in Izmir in 2021."}),
)

MONTREAL_DECLARATION = Declaration(
    slug="montreal-declaration",
    title=Text({"en": "Montreal Declaration", "fr": "Déclaration de Montréal"}),
    year=2015,
    place=Text({"en": "Montréal", "fr": "Montréal"}),
    signatories=(Signatory(city="montreal"),),
)

DUSSELDORF_DECLARATION = Declaration(
    slug="dusseldorf-declaration",
    title=Text({"en": "Düsseldorf Declaration", "de": "Düsseldorfer Erklärung"}),
    year=2019,
)

EXAMPLE_STUDY = Practice(
    slug="example-study-living-together-policies",
    city="montreal",
    kind=PracticeKind.STUDY,
    title=Text({"en": "Example study: Living Together policies in member cities",
                "fr": "Exemple d'étude : les politiques du vivre-ensemble des villes membres"}),
    summary=Text({
        "en": "An illustrative study written for the demo; it does not describe the "
        "Observatory's real 12-city study.",
        "fr": "Une étude d'exemple rédigée pour la démonstration ; elle ne décrit pas "
        "l'étude réelle de l'Observatoire sur 12 villes."}),
    themes=("governance-and-participation",),
    status=ModerationStatus.PUBLISHED,
    study=StudyDetails(year=2020, authors=("Example author",),
                       cities=("montreal", "izmir", "dusseldorf"),
                       cites=("example-heatwave-neighbour-checks",)),
    example=True,
)
