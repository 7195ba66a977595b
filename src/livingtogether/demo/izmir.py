"""The whole programme of the 3rd Mayors Summit on Living Together (Izmir, 2021).

Built from the preliminary programme of 28 November 2021 and worded as printed
there. Times are the Izmir times the programme gives (Europe/Istanbul); the
programme shows them in Paris and Montréal as well, which the display zones
reproduce. The on-site day's times were not yet fixed ("XhX"), so those
sessions have none.

Data, not logic (over 450 lines): the programme session by session, as printed.
"""

from __future__ import annotations

from datetime import date, time

from ..models import (
    DisplayZone,
    Event,
    EventPart,
    Mode,
    Person,
    Role,
    Session,
    SessionKind,
    Text,
)

HOST_ZONE = "Europe/Istanbul"
ONLINE = "online"
ON_SITE = "on-site"

DESCRIPTION = (
    "Cities are at the forefront of social cohesion and inclusion. The COVID-19 pandemic has "
    "highlighted inequalities and the fault lines of society (i.e.: racism and various forms of "
    "discrimination, polarization and intolerance, etc.). Beyond the social tensions and "
    "inequalities exacerbated by this pandemic, cities demonstrated great leadership and "
    "creativity to provide services to the population, as well as to foster solidarity, "
    "cooperation and "
    "resilience.\n\n"
    "Building on the First Living Together Summit in Montréal (2015) and the Düsseldorf "
    "Declaration (2019), this Summit will explore the current challenges and opportunities in "
    "terms of social cohesion in cities in a context of global recovery from COVID-19.\n\n"
    "To continue this discussion, the Izmir Metropolitan Municipality is inviting distinguished "
    "mayors, deputy mayors and thought leaders from around the world for the Third Mayors "
    "Summit on Living Together, to be held online on 7th and 8th of December, and physically on "
    "10th December 2021 in the city of Izmir.\n\n"
    "Our ambition is to co-create an inspiring vision of the cohesive city of tomorrow which "
    "responds to its citizens' needs. The Mayors Summit will provide unique opportunities for "
    "mayors to showcase their initiatives and meaningful conversations about strategies and "
    "solutions to current and future challenges. The event will feature online thematic "
    "workshops in a state-of-the-art-environment. The event will conclude with an on-site "
    "High-Level Panel, in Izmir, to explore the links between living together, local democracy "
    "and human rights in the city."
)


def _at(day: date, start: time | None, end: time | None, **fields: object) -> Session:
    return Session.at(day=day, start=start, end=end, zone=HOST_ZONE, **fields)


def _en(*values: str) -> tuple[Text, ...]:
    return tuple(Text({"en": value}) for value in values)


_MAYORS_DIALOGUE = (
    "This session will welcome mayors from around the world to discuss the current challenges "
    "and practices related to social cohesion in cities. The session will particularly focus on "
    "the issues that emerged in the context of the COVID-19 pandemic, innovative urban "
    "practices, as well as the necessary conditions to ensure a sustainable and inclusive "
    "recovery."
)

MAYORS_DIALOGUE = _at(
    date(2021, 12, 7),
    time(16),
    time(17, 30),
    key="mayors-dialogue",
    title=Text({"en": "Mayors Dialogue on the state of social cohesion in cities"}),
    description=Text({"en": _MAYORS_DIALOGUE}),
    kind=SessionKind.DIALOGUE,
    mode=Mode.ONLINE,
    part=ONLINE,
    questions=_en(
        "What are the main challenges affecting social cohesion in the current context?",
        "How can cities and local governments address these challenges at the local level? "
        "Which local policies and practices are promising?",
        "How can cities mobilize key local stakeholders in order foster peaceful coexistence, "
        "inclusion and respect for human rights.",
    ),
    people=(
        Person(
            role=Role.OPENING,
            honorific="Mr",
            name="Tunç Soyer",
            affiliation="Mayor of Izmir Metropolitan Municipality",
            city="izmir",
        ),
        Person(
            role=Role.OPENING,
            affiliation="City of Montréal Representative",
            city="montreal",
            to_be_confirmed=True,
        ),
        Person(
            role=Role.KEYNOTE,
            honorific="H. E. Mr.",
            name="Miguel Angel Moratinos",
            affiliation="High Representative for the United Nations Alliance of Civilizations "
            "(UNAOC)",
        ),
        Person(
            role=Role.KEYNOTE,
            honorific="Ms.",
            name="Gabriela Ramos",
            affiliation="Assistant Director-General for the Social and Human Sciences of UNESCO",
            to_be_confirmed=True,
        ),
        Person(
            role=Role.MODERATOR,
            name="Ayten Alkan",
            affiliation="Associate Professor of Social Sciences Institute Public Admin. and "
            "Political Science, Ankara University",
        ),
        Person(
            role=Role.SPECIAL_MESSAGE,
            honorific="Cheikh",
            name="Khaled Bentounes",
            affiliation="President of AISA International, initiator of the International Day "
            "on Living together in Peace",
            topic=Text({"en": "About the International Day on Living together in Peace"}),
        ),
    ),
)

_CITY_DIALOGUE = (
    "Over the last five years, a series of related initiatives on Living Together - the "
    "International Observatory of Mayors on Living Together, the Standing Committee and the "
    "Mayors' Summit - have worked to promote the values and the exchange of practices related "
    "to social cohesion and inclusion in a context of globalization.\n\n"
    "This session will welcome city representatives - either mayors, elected or administrative "
    "officials - as well as other international partners in order to reflect more broadly about "
    "the achievements, challenges and future perspectives related to the notion and the "
    "movement of \"living together\" in cities."
)

CITY_DIALOGUE = _at(
    date(2021, 12, 7),
    time(17, 45),
    time(19),
    key="city-dialogue",
    title=Text({
        "en": "Interactive City Dialogue - Living Together: lessons learnt and perspectives "
        "for cities in the future",
    }),
    description=Text({"en": _CITY_DIALOGUE}),
    kind=SessionKind.DIALOGUE,
    mode=Mode.ONLINE,
    part=ONLINE,
    questions=_en(
        "Over the last years, what are the main global challenges related to this notion?",
        "What are the main achievements of this movement and its related initiatives?",
        "What are the lessons learned at the international and local level?",
        "What are the trends and future perspectives related to social cohesion in view of the "
        "next challenges (e.g.: post-COVID recovery, climate change, new technologies, etc.).",
    ),
    people=(
        Person(
            role=Role.OTHER,
            name="Lorenzo Kihlgren Grandi",
            affiliation="Director, City Diplomacy Lab, Columbia Global Centers | Paris",
            topic=Text({"en": "Presentation 5 years of Living Together"}),
        ),
        Person(
            role=Role.INTRODUCTION,
            honorific="Mr.",
            name="Armand Roland Pierre Béouindé",
            affiliation="Mayor of Ouagadougou",
            city="ouagadougou",
        ),
        Person(role=Role.INTRODUCTION, name="Other mayors/speakers", to_be_confirmed=True),
        Person(
            role=Role.MODERATOR,
            affiliation="Office of International Relations, Ville de Montréal",
            city="montreal",
            to_be_confirmed=True,
        ),
    ),
)

_WORKSHOP_1 = (
    "Cities have been at the forefront of the COVID-19 pandemic and its consequences. In this "
    "context, cities have taken proactive measures to address multiple challenges, striving to "
    "provide better access to health care, protect at-risk populations, improve emergency "
    "planning and management capabilities, and develop new protection and prevention "
    "strategies. Numerous cities have tackled those challenges in a forward-thinking manner and "
    "have put in place measures to strengthen resilience against future challenges and "
    "traumatic events, forging coping mechanisms and exemplary practices that would help deal "
    "with an uncertain future. This workshop is an opportunity to share some of the actions "
    "taken by cities and to further explore the importance of urban resilience."
)

WORKSHOP_1 = _at(
    date(2021, 12, 8),
    time(16),
    time(17, 30),
    key="workshop-1-resilience",
    title=Text({"en": "Thematic workshop 1: Building resilience in cities"}),
    description=Text({"en": _WORKSHOP_1}),
    kind=SessionKind.WORKSHOP,
    mode=Mode.ONLINE,
    part=ONLINE,
    questions=_en(
        "What mechanisms of resilience have been built to create tougher and durably cohesive "
        "cities?",
        "To what extent has the pandemic worsened the situation of vulnerable groups and what "
        "has been learned in the process of addressing these?",
        "Priorities: Short-term or long-term resilience?",
    ),
    people=(
        Person(
            role=Role.MODERATOR,
            honorific="Ms.",
            name="Güldem Özdoğan",
            affiliation="DPhil, Visiting Research Fellow at Newcastle University",
            to_be_confirmed=True,
        ),
        Person(
            role=Role.INTRODUCTION,
            honorific="Mr.",
            name="Sameh Wahba",
            affiliation="Global Director, Urban, Disaster Risk Management, Resilience and Land "
            "Global Practice, World Bank",
        ),
        Person(
            role=Role.INTRODUCTION,
            honorific="Ms.",
            name="Lina Liakou",
            affiliation="Global Director for City Engagement and Knowledge, Resilient Cities "
            "Network (RCN)",
        ),
        Person(role=Role.PANELIST, name="Rabat", city="rabat", to_be_confirmed=True),
        Person(role=Role.PANELIST, name="Paris", city="paris", to_be_confirmed=True),
        Person(role=Role.PANELIST, name="Namur", city="namur", to_be_confirmed=True),
        Person(role=Role.PANELIST, name="Glasgow", city="glasgow", to_be_confirmed=True),
        Person(
            role=Role.DISCUSSANT,
            honorific="Mr. Prof. Dr.",
            name="Ruşen Keleş",
            affiliation="Professor of Political Science at Ankara University",
            to_be_confirmed=True,
        ),
    ),
)

_WORKSHOP_2 = (
    "Cities are at the heart of perpetual mutations, facing constant transformations in their "
    "human geography making them increasingly diverse. Creating sustainable conditions for "
    "peaceful coexistence in an urban environment requires that we tackle issues of exclusion, "
    "discrimination, inequality, racism, etc., and develop creative and inclusive policies that "
    "promise to foster equity and diversity. Developing anti-discrimination strategies, "
    "creating inclusive physical and non-physical environments and ensure universal access for "
    "all, guaranteeing equal treatment in labour market and housing, and creating policies that "
    "promote social and political participation in the city, are just some of the ways to build "
    "a welcoming setting for diversity."
)

WORKSHOP_2 = _at(
    date(2021, 12, 8),
    time(17, 45),
    time(19),
    key="workshop-2-diversity-equity-inclusion",
    title=Text({"en": "Thematic workshop 2: Fostering diversity, equity and inclusion"}),
    description=Text({"en": _WORKSHOP_2}),
    kind=SessionKind.WORKSHOP,
    mode=Mode.ONLINE,
    part=ONLINE,
    questions=_en(
        "How does the balance sheet of your city look like in matters of fighting "
        "discrimination and exclusion, and enhancing social and gender equality?",
        "What has been done and what can be done to increase inclusion in our cities?",
        "What are some of the exemplary practices of your city in terms of fostering diversity "
        "and inclusion?",
    ),
    people=(
        Person(role=Role.MODERATOR, to_be_confirmed=True),
        Person(
            role=Role.INTRODUCTION,
            honorific="Ms",
            name="Linda Tinio",
            affiliation="Coordinator, International Coalition of Inclusive and Sustainable "
            "Cities - ICCAR, UNESCO",
            to_be_confirmed=True,
        ),
        Person(
            role=Role.INTRODUCTION,
            honorific="Ms.",
            name="Sena Segbedzi",
            affiliation="Coordinator, Champion Mayors for Inclusive Growth Initiative (OECD)",
        ),
        Person(
            role=Role.PANELIST,
            honorific="Ms.",
            name="Larissa Orlovic",
            affiliation="Department for migration and integration, City of Düsseldorf",
            city="dusseldorf",
        ),
        Person(
            role=Role.PANELIST,
            honorific="Ms.",
            name="Bochra Manai",
            affiliation="Commissioner for the fight against racism and systemic discrimination. "
            "Office of the Commissioner to Combat Racism and Systemic Discrimination, "
            "City of Montréal",
            city="montreal",
        ),
        Person(
            role=Role.PANELIST,
            affiliation="Representative, Directorate of Urban Justice and Equality, "
            "Izmir Metropolitan Municipality",
            city="izmir",
        ),
        Person(role=Role.PANELIST, name="Montevideo", city="montevideo", to_be_confirmed=True),
        Person(
            role=Role.DISCUSSANT,
            honorific="Mr.",
            name="Cenk Saraçoğlu",
            affiliation="Associate Professor, Faculty of Communication, Ankara University",
        ),
    ),
)

_WORKSHOP_3 = (
    "The COVID-19 pandemic has highlighted new obstacles to social cohesion (e.g.: intolerance, "
    "hateful narratives, social polarisation, etc.). While this has exacerbated some forms of "
    "divisive narratives, it has also emphasised the need for dialogue and solidarity. The "
    "promotion of a sense of belonging is catalyzed through dialogue, solidarity and respect of "
    "diversity. Cities have a responsibility to provide spaces and opportunities for exchange "
    "as well as to provide tools and conditions for developing an environment that contributes "
    "to a sense of belonging and community among residents."
)

WORKSHOP_3 = _at(
    date(2021, 12, 8),
    time(19, 15),
    time(20, 30),
    key="workshop-3-dialogue-solidarity",
    title=Text({"en": "Thematic workshop 3: Promoting dialogue and solidarity"}),
    description=Text({"en": _WORKSHOP_3}),
    kind=SessionKind.WORKSHOP,
    mode=Mode.ONLINE,
    part=ONLINE,
    questions=_en(
        "How have cities handled this new wave of social tensions?",
        "What strategies have cities put in place to create a sense of belonging, promote "
        "dialogue and solidarity and create a livable environment?",
        "What good examples at the local level could serve to the others?",
    ),
    people=(
        Person(
            role=Role.MODERATOR,
            honorific="Ms.",
            name="Begüm Özden Fırat",
            affiliation="Assistant Professor in the Department of Sociology at the Mimar Sinan "
            "Fine Arts University",
        ),
        Person(
            role=Role.INTRODUCTION,
            honorific="Mr.",
            name="Eric Rosand",
            affiliation="interim Director of the Strong Cities Network (SCN)",
        ),
        Person(
            role=Role.INTRODUCTION,
            name="Daniel Holtgen",
            affiliation="Director of Communications, Representative on antisemitic, anti-Muslim "
            "and other forms of religious intolerance and hate crimes, Council of Europe (COE)",
            to_be_confirmed=True,
        ),
        Person(role=Role.PANELIST, name="Québec", city="quebec"),
        Person(role=Role.PANELIST, name="Strasbourg", city="strasbourg"),
        Person(role=Role.PANELIST, name="Berlin", city="berlin"),
        Person(role=Role.PANELIST, name="Douala", city="douala"),
        Person(
            role=Role.DISCUSSANT,
            honorific="Mr.",
            name="Ulas Bayraktar",
            affiliation="Associate Professor of Political Science, Mersin University",
        ),
    ),
)

_PLENARY = (
    "Human rights issues have been a core concern for cities during the pandemic and will "
    "remain so after the recovery. Being the closest level of government to the citizens, "
    "cities and local governments are key actors in addressing human rights issues. Their "
    "democratic nature is very often at stake when confronted with human rights issues. This "
    "plenary meeting is an opportunity for stakeholders from various sectors to discuss the "
    "challenges surrounding human rights and democracy in cities."
)

PLENARY = _at(
    date(2021, 12, 10),
    None,
    None,
    key="plenary-human-rights-democracy",
    title=Text({"en": "Plenary session on Human Rights and Democracy"}),
    description=Text({"en": _PLENARY}),
    kind=SessionKind.PLENARY,
    mode=Mode.ON_SITE,
    part=ON_SITE,
)

_CLOSING = (
    "A high-level meeting of mayors and other urban leaders from around the world who will "
    "thoroughly discuss the challenges and the future of living together and its organic "
    "relationship with human rights in cities. The interdependence of human rights and living "
    "together is a crucial issue for the future of liveable and harmonious cities in a "
    "post-COVID recovery context.\n\n"
    "This high-level session will be the closing ceremony of the event."
)

CLOSING = _at(
    date(2021, 12, 10),
    None,
    None,
    key="high-level-panel-closing-ceremony",
    title=Text({
        "en": "Plenary: High Level Panel on Living Together and Human Rights -Closing Ceremony",
    }),
    description=Text({"en": _CLOSING}),
    kind=SessionKind.CEREMONY,
    mode=Mode.ON_SITE,
    part=ON_SITE,
)

#: The summit, every session in the programme's order.
IZMIR_2021 = Event(
    slug="izmir-2021",
    title=Text({
        "en": "3rd Mayors Summit on Living Together",
        "fr": "3e Sommet des maires sur le vivre-ensemble",
    }),
    description=Text({"en": DESCRIPTION}),
    host_zone=HOST_ZONE,
    host_city="izmir",
    series="mayors-summits",  # demo/network.py's MAYORS_SUMMITS
    first_day=date(2021, 12, 7),
    last_day=date(2021, 12, 10),
    display_zones=(
        DisplayZone(zone="Europe/Istanbul", label=Text({"en": "Izmir", "tr": "İzmir"})),
        DisplayZone(zone="Europe/Paris", label=Text({"en": "Paris", "fr": "Paris"})),
        DisplayZone(zone="America/Montreal", label=Text({"en": "Montréal", "fr": "Montréal"})),
    ),
    parts=(
        EventPart(
            key=ONLINE,
            title=Text({
                "en": "Online, December 7-8",
                "fr": "En ligne, 7 et 8 décembre",
                "tr": "Çevrim içi, 7-8 Aralık",
            }),
            mode=Mode.ONLINE,
        ),
        EventPart(
            key=ON_SITE,
            title=Text({
                "en": "On site in Izmir, December 10, on the occasion of International Human "
                "Rights Day",
                "fr": "Sur place à Izmir, le 10 décembre, à l'occasion de la Journée "
                "internationale des droits de l'homme",
                "tr": "İzmir'de yüz yüze, 10 Aralık, Dünya İnsan Hakları Günü vesilesiyle",
            }),
            mode=Mode.ON_SITE,
            city="izmir",
        ),
    ),
    sessions=(MAYORS_DIALOGUE, CITY_DIALOGUE, WORKSHOP_1, WORKSHOP_2, WORKSHOP_3, PLENARY, CLOSING),
)
