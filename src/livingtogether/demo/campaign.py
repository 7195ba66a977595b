"""The Universal Declaration of Living Together in Peace and the 2022 campaign day.

The declaration's own articles are not part of the reference texts, so its
``text`` only says what signing means; the campaign's description is the
Observatory's call of 9 February 2022, worded as published.
"""

from __future__ import annotations

from datetime import date

from ..models import Campaign, CampaignParticipation, Declaration, Text

UNIVERSAL_DECLARATION = Declaration(
    slug="universal-declaration",
    title=Text({
        "en": "Universal Declaration of Living Together in Peace",
        "fr": "Déclaration universelle du vivre-ensemble en paix",
        "es": "Declaración Universal de la Convivencia en Paz",
        "de": "Allgemeine Erklärung des friedlichen Zusammenlebens",
        "tr": "Barış İçinde Birlikte Yaşama Evrensel Beyannamesi",
        "ar": "الإعلان العالمي للعيش معاً في سلام",
    }),
    text=Text({
        "en": "By signing the Universal Declaration of Living Together in Peace, as a citizen "
        "or on behalf of your institution, you join the call to act in favour of solidarity, "
        "peace and harmony. Signing is one of the ways cities and their residents mark the "
        "International Day of Living Together in Peace, held every year on 16 May. Your "
        "signature counts once it is confirmed.",
        "fr": "En signant la Déclaration universelle du vivre-ensemble en paix, en tant que "
        "citoyenne ou citoyen ou au nom de votre institution, vous vous joignez à l'appel à "
        "agir en faveur de la solidarité, de la paix et de l'harmonie. La signature est l'une "
        "des façons dont les villes et leurs habitants soulignent la Journée internationale du "
        "vivre-ensemble en paix, célébrée chaque année le 16 mai. Votre signature compte dès "
        "qu'elle est confirmée.",
        "es": "Al firmar la Declaración Universal de la Convivencia en Paz, como ciudadana o "
        "ciudadano o en nombre de su institución, usted se suma al llamamiento a actuar en "
        "favor de la solidaridad, la paz y la armonía. Firmar es una de las formas en que las "
        "ciudades y sus habitantes conmemoran el Día Internacional de la Convivencia en Paz, "
        "que tiene lugar cada año el 16 de mayo. Su firma cuenta en cuanto "
        "se confirma.",
        "de": "Wenn Sie die Allgemeine Erklärung des friedlichen Zusammenlebens als Bürgerin "
        "oder Bürger oder im Namen Ihrer Institution unterzeichnen, schließen Sie sich dem "
        "Aufruf an, sich für Solidarität, Frieden und Harmonie einzusetzen. Die Unterzeichnung "
        "ist eine der Möglichkeiten, mit denen Städte und ihre Einwohnerinnen und Einwohner "
        "den Internationalen Tag des friedlichen Zusammenlebens begehen, der jedes Jahr am "
        "16. Mai stattfindet. Ihre Unterschrift zählt, sobald sie "
        "bestätigt ist.",
        "tr": "Barış İçinde Birlikte Yaşama Evrensel Beyannamesi'ni bir yurttaş olarak ya da "
        "kurumunuz adına imzalayarak dayanışma, barış ve uyum için harekete geçme çağrısına "
        "katılırsınız. İmzalamak, kentlerin ve kent sakinlerinin her yıl 16 Mayıs'ta kutlanan "
        "Uluslararası Barış İçinde Birlikte Yaşama Günü'nü anmasının yollarından biridir. "
        "İmzanız onaylandığında geçerlilik kazanır.",
        "ar": "بتوقيعكم على الإعلان العالمي للعيش معاً في سلام، بصفتكم مواطنين أو باسم "
        "مؤسستكم، تنضمون إلى الدعوة إلى العمل من أجل التضامن والسلام والوئام. والتوقيع إحدى "
        "الطرق التي تحيي بها المدن وسكانها اليوم الدولي للعيش معاً في سلام، الذي يُحتفل به في "
        "16 أيار/مايو من كل عام. ويُحتسب توقيعكم بعد تأكيده.",
    }),
    milestones=(1000, 10000),
)

_CALL = "\n\n".join((
    (
        "On the occasion of the 5th edition of the IDLTP, the Observatory invite the cities to "
        "participate in the international campaign around the dessimination of a documentary "
        "film."
    ),
    (
        "On May 16, 2022, the 5th edition of the International Day of Living Together in Peace "
        "(IDLTP) will be held. This day was created by the United Nations to highlight the "
        "importance of acting in favor of solidarity, peace and harmony."
    ),
    (
        "While cities are on the frontline of the main global challenges in terms of social "
        "cohesion - and particularly of the COVID-19 pandemics, we again invite our members to "
        "mark this day, which will be celebrated around the world."
    ),
    (
        "For this edition, the documentary film \"All of us\" will be made available to cities "
        "in order to be disseminated for free. This film immerses the viewer into the new "
        "reality where citizens are reinventing education, social relations, culture and work, "
        "with the sole aim of creating a united community, living in peace, in a process of "
        "resilience, sometimes overcoming the traumas of conflict or tensions (watch teaser)."
    ),
    "\n".join((
        (
            "Following the proposal made during our last Mayors Summit on Living Together, "
            "which was held on December in Izmir, we invite our member cities to participate in "
            "this day by:"
        ),
        (
            "• the dissemination of the film, through their communication tools (e.g.: social "
            "media, website, etc.) ;"
        ),
        (
            "• or, the organisation of a film screening on a theater or location of "
            "your choice ;"
        ),
        (
            "• or, the signature of the Universal Declaration of Living Together in Peace (as a "
            "citizen or on behalf of your institution)."
        ),
    )),
    (
        "Considering the leadership of cities in the promotion of the values and the practice "
        "of Living Together, and as your objectives are aligned with those of the International "
        "Day of Living Together in Peace (IDLTP), we propose you to participate in the "
        "dissemination of the film and to the signature campaign of the Universal Declaration "
        "of Living Together in Peace which will be held on the week of May 16, 2022."
    ),
    (
        "Participating in this initiative is simple. The concrete terms are described within "
        "the partners information folder."
    ),
))

IDLTP_2022 = Campaign(
    slug="idltp-2022",
    title=Text({
        "en": "International Day of Living Together in Peace 2022",
        "fr": "Journée internationale du vivre-ensemble en paix 2022",
        "es": "Día Internacional de la Convivencia en Paz 2022",
        "de": "Internationaler Tag des friedlichen Zusammenlebens 2022",
        "tr": "Uluslararası Barış İçinde Birlikte Yaşama Günü 2022",
        "ar": "اليوم الدولي للعيش معاً في سلام 2022",
    }),
    description=Text({"en": _CALL}),
    day=date(2022, 5, 16),
    declaration=UNIVERSAL_DECLARATION.slug,
)

#: No participations: a participation has no ``example`` mark, and the demo
#: must not claim that a real city took part.
PARTICIPATIONS: tuple[CampaignParticipation, ...] = ()
