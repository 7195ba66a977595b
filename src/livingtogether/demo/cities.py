"""The demo's cities: every city the reference texts name.

Coordinates are GeoNames' city centres rounded to four decimals. Only
Düsseldorf's membership year (2016) is given by the texts, and Montréal's
follows from them: a founding member, the Observatory having come out of the
2015 Montreal summit where the founding members signed its declaration. The
others leave ``member_since`` unset.
"""

from __future__ import annotations

from ..models import City, Membership, MembershipStatus, Text

IZMIR = City(
    slug="izmir",
    name=Text({"en": "Izmir", "tr": "İzmir"}),
    country="TR",
    latitude=38.4127,
    longitude=27.1384,
    timezone="Europe/Istanbul",
    languages=("tr",),
    website="https://www.izmir.bel.tr",
)

MONTREAL = City(
    slug="montreal",
    name=Text({"fr": "Montréal", "en": "Montréal"}),
    country="CA",
    latitude=45.5088,
    longitude=-73.5878,
    # The programme's own zone name; IANA keeps it as a link to America/Toronto.
    timezone="America/Montreal",
    memberships=(Membership(joined=2015, status=MembershipStatus.FOUNDING_MEMBER),),
    languages=("fr", "en"),
    website="https://montreal.ca",
)

PARIS = City(
    slug="paris",
    name=Text({"fr": "Paris", "en": "Paris"}),
    country="FR",
    latitude=48.8534,
    longitude=2.3488,
    timezone="Europe/Paris",
    languages=("fr",),
    website="https://www.paris.fr",
)

DUSSELDORF = City(
    slug="dusseldorf",
    name=Text({"de": "Düsseldorf", "en": "Düsseldorf"}),
    country="DE",
    latitude=51.2232,
    longitude=6.7793,
    timezone="Europe/Berlin",
    memberships=(Membership(joined=2016),),
    languages=("de",),
    website="https://www.duesseldorf.de",
)

OUAGADOUGOU = City(
    slug="ouagadougou",
    name=Text({"fr": "Ouagadougou", "en": "Ouagadougou"}),
    country="BF",
    latitude=12.3657,
    longitude=-1.5339,
    timezone="Africa/Ouagadougou",
    languages=("fr", "mos"),
)

RABAT = City(
    slug="rabat",
    name=Text({"ar": "الرباط", "fr": "Rabat", "en": "Rabat"}),
    country="MA",
    latitude=34.0133,
    longitude=-6.8326,
    timezone="Africa/Casablanca",
    languages=("ar", "zgh", "fr"),
)

NAMUR = City(
    slug="namur",
    name=Text({"fr": "Namur", "nl": "Namen", "en": "Namur"}),
    country="BE",
    latitude=50.4669,
    longitude=4.8675,
    timezone="Europe/Brussels",
    languages=("fr",),
    website="https://www.namur.be",
)

GLASGOW = City(
    slug="glasgow",
    name=Text({"en": "Glasgow", "gd": "Glaschu"}),
    country="GB",
    latitude=55.8652,
    longitude=-4.2576,
    timezone="Europe/London",
    languages=("en",),
    website="https://www.glasgow.gov.uk",
)

MONTEVIDEO = City(
    slug="montevideo",
    name=Text({"es": "Montevideo", "en": "Montevideo"}),
    country="UY",
    latitude=-34.9033,
    longitude=-56.1882,
    timezone="America/Montevideo",
    languages=("es",),
    website="https://montevideo.gub.uy",
)

QUEBEC = City(
    slug="quebec",
    name=Text({"fr": "Québec", "en": "Québec City"}),
    country="CA",
    latitude=46.8123,
    longitude=-71.2145,
    timezone="America/Montreal",
    languages=("fr",),
    website="https://www.ville.quebec.qc.ca",
)

STRASBOURG = City(
    slug="strasbourg",
    name=Text({"fr": "Strasbourg", "de": "Straßburg", "en": "Strasbourg"}),
    country="FR",
    latitude=48.5839,
    longitude=7.7455,
    timezone="Europe/Paris",
    languages=("fr",),
    website="https://www.strasbourg.eu",
)

BERLIN = City(
    slug="berlin",
    name=Text({"de": "Berlin", "en": "Berlin"}),
    country="DE",
    latitude=52.5244,
    longitude=13.4105,
    timezone="Europe/Berlin",
    languages=("de",),
    website="https://www.berlin.de",
)

DOUALA = City(
    slug="douala",
    name=Text({"fr": "Douala", "en": "Douala"}),
    country="CM",
    latitude=4.0483,
    longitude=9.7043,
    timezone="Africa/Douala",
    languages=("fr", "en"),
)

#: Every demo city, in the order the texts first name them.
CITIES: tuple[City, ...] = (
    IZMIR, MONTREAL, PARIS, DUSSELDORF, OUAGADOUGOU, RABAT, NAMUR, GLASGOW, MONTEVIDEO,
    QUEBEC, STRASBOURG, BERLIN, DOUALA,
)
