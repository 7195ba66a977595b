"""Example practices for the demo catalogue.

Each is marked ``example=True`` and says so in its title and summary: they show
the shape of an entry and do not describe any real city's programme. Bodies are
already in the form the sanitiser keeps (links carry its ``rel``).
"""

from __future__ import annotations

from ..models import Link, ModerationStatus, Practice, PracticeKind, Text

_REL = 'rel="noopener noreferrer nofollow"'
_MORE = "https://example.org/living-together/documenting-practices"

WELCOME_NETWORK = Practice(
    slug="example-newcomer-welcome-network",
    city="izmir",
    title=Text({
        "en": "Example practice: a neighbourhood welcome network for newcomers",
        "tr": "Örnek uygulama: yeni gelenler için mahalle karşılama ağı",
    }),
    summary=Text({
        "en": "An illustrative entry written for the demo, showing how a city can document a "
        "practice. It does not describe a real programme of Izmir.",
        "tr": "Bir kentin bir uygulamayı nasıl belgeleyebileceğini gösteren, tanıtım için "
        "yazılmış örnek bir kayıttır. İzmir'in gerçek bir programını anlatmaz.",
    }),
    body=Text({
        "en": "<p>This example shows the shape of a practice entry. In the scenario it "
        "describes, volunteers in each neighbourhood welcome families who have just arrived in "
        "the city and help them find their way around local services.</p>\n"
        "<ul>\n<li>a first visit within the family's first month</li>\n"
        "<li>a map of nearby schools, health centres and libraries</li>\n"
        "<li>monthly get-togethers open to all residents</li>\n</ul>\n"
        f'<p>More on documenting a practice: <a href="{_MORE}" {_REL}>an example page</a>.</p>',
        "tr": "<p>Bu örnek, bir uygulama kaydının biçimini gösterir. Anlattığı senaryoda her "
        "mahalledeki gönüllüler kente yeni gelen aileleri karşılar ve yerel hizmetleri "
        "bulmalarına yardımcı olur.</p>\n"
        "<ul>\n<li>ailenin ilk ayı içinde bir ilk ziyaret</li>\n"
        "<li>yakındaki okulların, sağlık merkezlerinin ve kütüphanelerin bir haritası</li>\n"
        "<li>tüm mahalle sakinlerine açık aylık buluşmalar</li>\n</ul>\n"
        f'<p>Bir uygulamanın nasıl belgeleneceği hakkında daha fazlası: <a href="{_MORE}" '
        f"{_REL}>örnek bir sayfa</a>.</p>",
    }),
    themes=("immigration-and-integration", "social-development"),
    status=ModerationStatus.PUBLISHED,
    example=True,
)

DIALOGUE_CIRCLES = Practice(
    slug="example-neighbourhood-dialogue-circles",
    city="montreal",
    title=Text({
        "en": "Example practice: dialogue circles between neighbours",
        "fr": "Exemple de pratique : des cercles de dialogue entre voisins",
    }),
    summary=Text({
        "en": "An illustrative entry written for the demo; it does not describe a real "
        "programme of Montréal.",
        "fr": "Une fiche d'exemple rédigée pour la démonstration ; elle ne décrit pas un "
        "programme réel de Montréal.",
    }),
    body=Text({
        "en": "<p>In this illustrative scenario, a borough invites residents of different "
        "backgrounds to meet in small groups, with a trained facilitator, to talk about life in "
        "their neighbourhood.</p>\n"
        "<ul>\n<li>groups of eight to twelve people</li>\n"
        "<li>meetings in libraries and community centres</li>\n"
        "<li>a short summary of each circle's ideas shared with the borough council</li>\n</ul>",
        "fr": "<p>Dans ce scénario fictif, un arrondissement invite des résidentes et des "
        "résidents d'horizons divers à se réunir en petits groupes, avec une personne "
        "animatrice formée, pour parler de la vie dans leur quartier.</p>\n"
        "<ul>\n<li>des groupes de huit à douze personnes</li>\n"
        "<li>des rencontres dans les bibliothèques et les centres communautaires</li>\n"
        "<li>un bref résumé des idées de chaque cercle transmis au conseil "
        "d'arrondissement</li>\n</ul>",
    }),
    themes=("dialogue-and-solidarity", "governance-and-participation"),
    status=ModerationStatus.PUBLISHED,
    links=(
        Link(
            url=_MORE,
            label=Text({
                "en": "How to document a practice (example page)",
                "fr": "Comment documenter une pratique (page d'exemple)",
            }),
        ),
    ),
    example=True,
)

LIBRARY_EVENINGS = Practice(
    slug="example-intercultural-library-evenings",
    city="dusseldorf",
    title=Text({
        "en": "Example practice: intercultural evenings in public libraries",
        "de": "Beispiel: interkulturelle Abende in öffentlichen Bibliotheken",
    }),
    summary=Text({
        "en": "An illustrative entry written for the demo; it does not describe a real "
        "programme of Düsseldorf.",
        "de": "Ein für die Demo verfasster Beispieleintrag; er beschreibt kein tatsächliches "
        "Programm der Stadt Düsseldorf.",
    }),
    body=Text({
        "en": "<p>This example imagines public libraries hosting an evening each month where "
        "residents share a story, a song or a dish from a place that matters to them.</p>\n"
        "<ul>\n<li>free entry, no registration needed</li>\n"
        "<li>readings in several languages</li>\n"
        "<li>a shelf of books chosen by the participants</li>\n</ul>",
        "de": "<p>Dieses Beispiel stellt sich öffentliche Bibliotheken vor, die jeden Monat "
        "einen Abend ausrichten, an dem Bewohnerinnen und Bewohner eine Geschichte, ein Lied "
        "oder ein Gericht von einem Ort teilen, der ihnen wichtig ist.</p>\n"
        "<ul>\n<li>freier Eintritt, keine Anmeldung nötig</li>\n"
        "<li>Lesungen in mehreren Sprachen</li>\n"
        "<li>ein Regal mit Büchern, die die Teilnehmenden ausgewählt haben</li>\n</ul>",
    }),
    themes=("culture", "diversity-equity-and-inclusion"),
    status=ModerationStatus.PUBLISHED,
    example=True,
)

HEATWAVE_CHECKS = Practice(
    slug="example-heatwave-neighbour-checks",
    city="paris",
    kind=PracticeKind.CASE_STUDY,
    title=Text({
        "en": "Example case study: checking on older residents during a heatwave",
        "fr": "Exemple d'étude de cas : prendre des nouvelles des personnes âgées pendant "
        "une canicule",
    }),
    summary=Text({
        "en": "An illustrative case study written for the demo; it does not describe a real "
        "programme of Paris.",
        "fr": "Une étude de cas d'exemple rédigée pour la démonstration ; elle ne décrit pas "
        "un programme réel de Paris.",
    }),
    body=Text({
        "en": "<p>This illustrative case study follows a city that asks volunteers to phone or "
        "visit older residents who live alone whenever a heatwave is forecast.</p>\n"
        "<ul>\n<li>residents sign up in advance, by phone or online</li>\n"
        "<li>volunteers call each person at least once a day during the alert</li>\n"
        "<li>any worrying situation is passed on to the emergency services</li>\n</ul>\n"
        "<p>A real case study would also say what worked, what did not and what it cost. "
        f'See <a href="{_MORE}" {_REL}>an example page</a>.</p>',
        "fr": "<p>Cette étude de cas fictive suit une ville qui demande à des bénévoles "
        "d'appeler ou de rendre visite aux personnes âgées vivant seules dès qu'une canicule "
        "est annoncée.</p>\n"
        "<ul>\n<li>les personnes s'inscrivent à l'avance, par téléphone ou en ligne</li>\n"
        "<li>les bénévoles appellent chaque personne au moins une fois par jour pendant "
        "l'alerte</li>\n"
        "<li>toute situation inquiétante est signalée aux services d'urgence</li>\n</ul>\n"
        "<p>Une véritable étude de cas dirait aussi ce qui a fonctionné, ce qui n'a pas "
        f'fonctionné et ce que cela a coûté. Voir <a href="{_MORE}" {_REL}>une page '
        "d'exemple</a>.</p>",
    }),
    themes=("resilience", "public-safety", "social-development"),
    status=ModerationStatus.PUBLISHED,
    example=True,
)

YOUTH_COUNCIL = Practice(
    slug="example-youth-human-rights-council",
    city="montevideo",
    title=Text({
        "en": "Example practice: a youth council on human rights",
        "es": "Ejemplo de práctica: un consejo juvenil de derechos humanos",
    }),
    summary=Text({
        "en": "An illustrative entry written for the demo; it does not describe a real "
        "programme of Montevideo.",
        "es": "Una ficha de ejemplo redactada para la demostración; no describe un programa "
        "real de Montevideo.",
    }),
    body=Text({
        "en": "<p>In this example, young people aged 15 to 25 are elected in their "
        "neighbourhoods to a council that advises the city on human rights questions.</p>\n"
        "<ul>\n<li>two-year terms</li>\n"
        "<li>an annual report presented in public</li>\n"
        "<li>a small budget for projects the council chooses</li>\n</ul>",
        "es": "<p>En este ejemplo, jóvenes de 15 a 25 años son elegidos en sus barrios para "
        "integrar un consejo que asesora a la ciudad en cuestiones de derechos humanos.</p>\n"
        "<ul>\n<li>mandatos de dos años</li>\n"
        "<li>un informe anual presentado en público</li>\n"
        "<li>un pequeño presupuesto para proyectos que el consejo elige</li>\n</ul>",
    }),
    themes=("human-rights-and-democracy", "governance-and-participation"),
    status=ModerationStatus.PUBLISHED,
    example=True,
)

#: The demo's example practices.
PRACTICES: tuple[Practice, ...] = (
    WELCOME_NETWORK, DIALOGUE_CIRCLES, LIBRARY_EVENINGS, HEATWAVE_CHECKS, YOUTH_COUNCIL,
)
