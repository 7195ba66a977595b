"""The labels, help and widgets of each model's fields in the staff forms, by model path.

A table here rather than ``metadata=`` on the models: the models stay about the
data, and one page lists every label a translator has to see. A path not listed
gets a label made from its name; ``#`` stands for an item of a repeatable group.
"""

from __future__ import annotations

import attrs

from ..i18n import N_


@attrs.frozen(kw_only=True)
class FieldMeta:
    """How one field shows in a form.

    ``name``: its name in the form (default: its model path); ``chooser``: the kind of
    record a slug refers to (``city``, ``theme``...), which makes it a chooser;
    ``only_if``: ``(path, value)``, the field (a group) counts only while the field at
    ``path`` has ``value`` in the form.
    """

    label: str = ""
    help: str = ""
    widget: str | None = None
    chooser: str | None = None
    name: str | None = None
    only_if: tuple[str, str] | None = None


M = FieldMeta

_TEXT = N_("Write it in each language the site offers; a language left empty shows another.")

LABELS: dict[str, dict[str, FieldMeta]] = {
    # the practice form's strings are marked for the catalogs (N_): the console shows
    # them translated; the other models' follow with their screens
    "Practice": {
        "slug": M(label=N_("Short name in addresses"), help=N_(
            "Lowercase letters, digits and hyphens, e.g. izmir-neighbourhood-dialogue.")),
        "city": M(label=N_("City"), chooser="city"),
        "kind": M(label=N_("Kind of entry")),
        "title": M(label=N_("Title"), help=_TEXT),
        "summary": M(label=N_("Summary"), help=N_("Two or three sentences shown in the lists."),
                     widget="textarea"),
        "body": M(label=N_("Description"), widget="richtext",
                  help=N_("Headings, lists and links are kept; anything else is removed.")),
        "themes": M(label=N_("Themes"), chooser="theme", widget="chooser-many"),
        "year_started": M(label=N_("Year started")),
        "partners": M(label=N_("Partners"), help=N_("One partner per line.")),
        "contact": M(label=N_("Contact"), help=N_("An office or an address the public may use.")),
        "links": M(label=N_("Links")),
        "links.#.url": M(label=N_("Address"), widget="url"),
        "links.#.label": M(label=N_("Label")),
        "example": M(label=N_("Example data"), help=N_("Marks demo content.")),
    },
    "City": {
        "name": M(label="Name"),
        "country": M(label="Country", help="Two capitals: TR, FR, CA..."),
        "latitude": M(label="Latitude", help="Decimal degrees, e.g. 38.42."),
        "longitude": M(label="Longitude", help="Decimal degrees, e.g. 27.14."),
        "timezone": M(label="Time zone", help="e.g. Europe/Istanbul."),
        "memberships": M(label="Periods of membership",
                         help="Oldest first; a period starts in or after the year the "
                              "one before ended."),
        "memberships.#.joined": M(label="Joined (year)", help="Empty if not recorded."),
        "memberships.#.left": M(label="Left (year)", help="Empty while still a member."),
        "memberships.#.status": M(label="As"),
        "memberships.#.ended": M(label="Has left",
                                 help="Tick when the city left and the year is not known."),
        "partner_board": M(label="Partner board (names kept from earlier versions)",
                           help="One member per line; the board below supersedes it."),
        "board": M(label="Board of partners"),
        "board.#.organisation": M(label="Organisation", help="Its short name in addresses."),
        "board.#.role": M(label="Role", help="e.g. chair; empty for a member."),
        "board.#.since": M(label="From"), "board.#.until": M(label="Until"),
        "languages": M(label="Languages", help="Language codes, one per line: tr, en."),
        "website": M(label="Website", widget="url"),
    },
    "Organisation": {
        "name": M(label="Name"), "kind": M(label="Kind"),
        "website": M(label="Website", widget="url"),
        "city": M(label="City", chooser="city"),
        "logo": M(label="Logo", widget="url", help="The address of the logo image."),
    },
    "Theme": {"label": M(label="Name"), "description": M(label="Description",
                                                         widget="textarea")},
    "Event": {
        "title": M(label="Title"),
        "description": M(label="Description", widget="richtext"),
        "host_zone": M(label="Host time zone", help="Times below are entered in this zone."),
        "host_city": M(label="Host city", chooser="city"),
        "first_day": M(label="First day"), "last_day": M(label="Last day"),
        "display_zones": M(label="Also show the times in"),
        "parts": M(label="Parts of the event"),
        "parts.#.city": M(label="City", chooser="city"),
        "sessions": M(label="Sessions"),
        "sessions.#.starts_at": M(label="Starts", help="In the host time zone."),
        "sessions.#.ends_at": M(label="Ends", help="In the host time zone."),
        "sessions.#.zone": M(label="Time zone, if not the host's"),
        "sessions.#.people": M(label="People"),
        "sessions.#.people.#.to_be_confirmed": M(label="To be confirmed"),
        "sessions.#.people.#.city": M(label="City", chooser="city"),
        "sessions.#.questions": M(label="Guiding questions"),
    },
    "Campaign": {"declaration": M(label="Declaration", chooser="declaration")},
    "CampaignParticipation": {
        "campaign": M(label="Campaign", chooser="campaign"),
        "city": M(label="City", chooser="city"),
        "screenings.#.starts_at": M(label="Starts", help="In the screening's time zone."),
    },
    # The signing form: the names the public form has always used.
    "Pledge": {
        "kind": M(label="I sign as"), "name": M(label="Name"), "email": M(label="Email"),
        "country": M(label="Country"), "city": M(label="City"),
        "public": M(label="Show my name publicly"),
        "institution": M(name="institution_name", only_if=("kind", "institution")),
        "institution.name": M(label="Institution", name="institution_name"),
        "institution.kind": M(label="Kind of institution", name="institution_kind"),
        "institution.representative_role": M(label="Your role", name="representative_role"),
        "institution.website": M(label="Institution website", name="institution_website"),
    },
}
