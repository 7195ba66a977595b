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
    # the console's forms' strings are marked for the catalogs (N_): the console shows
    # them translated; the event's and the pledge's are not shown there yet
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
        "images": M(label=N_("Images"), widget="image", help=N_(
            "Chosen from the media library; the first is shown with the practice.")),
        "images.#.alt": M(label=N_("What the image shows (alt text)"), help=_TEXT),
        "images.#.credit": M(label=N_("Credit")),
        "attachments": M(label=N_("Attachments"), widget="attachment", help=N_(
            "Documents chosen from the media library (a report, a leaflet...).")),
        "attachments.#.title": M(label=N_("Title of the document"), help=_TEXT),
        "example": M(label=N_("Example data"), help=N_("Marks demo content.")),
        "study": M(label=N_("About the study"), only_if=("kind", "study")),
        "study.year": M(label=N_("Year of publication")),
        "study.authors": M(label=N_("Authors"), help=N_("One author per line.")),
        "study.cities": M(label=N_("Cities covered"), chooser="city", widget="chooser-many"),
        "study.cites": M(label=N_("Practices cited"), help=N_(
            "The short names of the catalogue's entries the study cites, one per line.")),
    },
    "City": {
        "slug": M(label=N_("Short name in addresses"), help=N_(
            "Lowercase letters, digits and hyphens, e.g. izmir.")),
        "name": M(label=N_("Name"), help=_TEXT),
        "country": M(label=N_("Country"), help=N_("Two capitals: TR, FR, CA...")),
        "region": M(label=N_("Region")),
        "latitude": M(label=N_("Latitude"), help=N_("Decimal degrees, e.g. 38.42.")),
        "longitude": M(label=N_("Longitude"), help=N_("Decimal degrees, e.g. 27.14.")),
        "timezone": M(label=N_("Time zone"), help=N_("e.g. Europe/Istanbul.")),
        "memberships": M(label=N_("Periods of membership"), help=N_(
            "Oldest first; a period starts in or after the year the one before ended.")),
        "memberships.#.joined": M(label=N_("Joined (year)"), help=N_("Empty if not recorded.")),
        "memberships.#.left": M(label=N_("Left (year)"), help=N_("Empty while still a member.")),
        "memberships.#.status": M(label=N_("As")),
        "memberships.#.ended": M(label=N_("Has left"), help=N_(
            "Tick when the city left and the year is not known.")),
        "partner_board": M(label=N_("Partner board (names kept from earlier versions)"),
                           widget="repeat", help=N_(
                               "One member per row; the board below supersedes it.")),
        "partner_board.#": M(label=N_("Member")),
        "board": M(label=N_("Board of partners")),
        "board.#.organisation": M(label=N_("Organisation"), chooser="organisation", help=N_(
            "Its short name in addresses.")),
        "board.#.role": M(label=N_("Role"), help=N_("e.g. chair; empty for a member.")),
        "board.#.since": M(label=N_("From")),
        "board.#.until": M(label=N_("Until")),
        "languages": M(label=N_("Languages"), help=N_(
            "Language codes, one per line: tr, en.")),
        "website": M(label=N_("Website"), widget="url"),
    },
    "Organisation": {
        "slug": M(label=N_("Short name in addresses")),
        "name": M(label=N_("Name"), help=_TEXT),
        "kind": M(label=N_("Kind")),
        "website": M(label=N_("Website"), widget="url"),
        "city": M(label=N_("City"), chooser="city"),
        "logo": M(label=N_("Logo"), widget="url", help=N_("The address of the logo image.")),
    },
    "Theme": {
        "slug": M(label=N_("Short name in addresses"), help=N_(
            "Lowercase letters, digits and hyphens, e.g. education.")),
        "label": M(label=N_("Name"), help=_TEXT),
        "description": M(label=N_("Description"), widget="textarea"),
    },
    "Declaration": {
        "slug": M(label=N_("Short name in addresses")),
        "title": M(label=N_("Title"), help=_TEXT),
        "text": M(label=N_("Text of the declaration"), widget="textarea"),
        "version": M(label=N_("Version"), help=N_(
            "Goes up by itself when a changed text is published.")),
        "milestones": M(label=N_("Milestones"), help=N_(
            "Numbers of signatures to celebrate, one per line.")),
        "year": M(label=N_("Year of adoption"), help=N_(
            "For a declaration of the network, e.g. the Montreal Declaration (2015).")),
        "adopted": M(label=N_("Day of adoption"), help=N_("Leave empty if not known.")),
        "place": M(label=N_("Place of adoption")),
        "event": M(label=N_("Event where it was adopted"), chooser="event"),
        "signatories": M(label=N_("Cities that signed")),
        "signatories.#.city": M(label=N_("City"), chooser="city"),
        "signatories.#.signed": M(label=N_("Day of signature")),
    },
    "EventSeries": {
        "slug": M(label=N_("Short name in addresses"), help=N_(
            "Lowercase letters, digits and hyphens, e.g. mayors-summits.")),
        "title": M(label=N_("Title"), help=_TEXT),
        "description": M(label=N_("Description"), widget="textarea"),
    },
    "Event": {
        "slug": M(label=N_("Short name in addresses"), help=N_(
            "Lowercase letters, digits and hyphens, e.g. izmir-summit-2021.")),
        "title": M(label=N_("Title"), help=_TEXT),
        "description": M(label=N_("Description"), widget="richtext",
                         help=N_("Headings, lists and links are kept; anything else is removed.")),
        "host_zone": M(label=N_("Host time zone"),
                       help=N_("The sessions' times are entered in this zone, e.g. "
                               "Europe/Istanbul.")),
        "host_city": M(label=N_("Host city"), chooser="city"),
        "series": M(label=N_("Series"), chooser="series"),
        "outcomes": M(label=N_("Outcomes"), widget="textarea", help=N_(
            "What came of the event (a declaration adopted...), shown in the series' archive.")),
        "first_day": M(label=N_("First day")), "last_day": M(label=N_("Last day")),
        "display_zones": M(label=N_("Also show the times in")),
        "display_zones.#.zone": M(label=N_("Time zone")),
        "display_zones.#.label": M(label=N_("Shown as")),
        "parts": M(label=N_("Parts of the event")),
        "parts.#.key": M(label=N_("Short name")),
        "parts.#.title": M(label=N_("Title")),
        "parts.#.mode": M(label=N_("Online or on site")),
        "parts.#.venue": M(label=N_("Venue")),
        "parts.#.city": M(label=N_("City"), chooser="city"),
        "sessions": M(label="Sessions"),
        "sessions.#.starts_at": M(label="Starts", help="In the host time zone."),
        "sessions.#.ends_at": M(label="Ends", help="In the host time zone."),
        "sessions.#.zone": M(label="Time zone, if not the host's"),
        "sessions.#.people": M(label="People"),
        "sessions.#.people.#.to_be_confirmed": M(label="To be confirmed"),
        "sessions.#.people.#.city": M(label="City", chooser="city"),
        "sessions.#.questions": M(label="Guiding questions"),
    },
    "Campaign": {
        "slug": M(label=N_("Short name in addresses")),
        "title": M(label=N_("Title"), help=_TEXT),
        "description": M(label=N_("Description"), widget="textarea"),
        "day": M(label=N_("Day of the campaign")),
        "declaration": M(label=N_("Declaration"), chooser="declaration", help=N_(
            "The short name of the declaration cities sign, if any.")),
        "film_url": M(label=N_("Address of the film"), widget="url"),
    },
    # one session, in the event editor's session form
    "Session": {
        "key": M(label=N_("Short name in addresses"), help=N_(
            "Lowercase letters, digits and hyphens, e.g. opening-plenary.")),
        "title": M(label=N_("Title"), help=_TEXT),
        "description": M(label=N_("Description"), widget="textarea"),
        "kind": M(label=N_("Kind of session")),
        "day": M(label=N_("Day")),
        "zone": M(label=N_("Time zone, if not the host's"),
                  help=N_("Leave empty to use the event's host time zone.")),
        "mode": M(label=N_("Online or on site")),
        "part": M(label=N_("Part of the event"), help=N_("The short name of one of the "
                                                          "event's parts, if any.")),
        "venue": M(label=N_("Venue")),
        "join_url": M(label=N_("Address to join online"), widget="url"),
        "questions": M(label=N_("Guiding questions")),
        "people": M(label=N_("People")),
        "people.#.role": M(label=N_("Role")),
        "people.#.name": M(label=N_("Name")),
        "people.#.honorific": M(label=N_("Title or honorific")),
        "people.#.affiliation": M(label=N_("Affiliation")),
        "people.#.city": M(label=N_("City"), chooser="city"),
        "people.#.topic": M(label=N_("Topic")),
        "people.#.to_be_confirmed": M(label=N_("To be confirmed (tbc)"),
                                      help=N_("Shown to the public as (tbc).")),
        "cancelled": M(label=N_("Cancelled")),
    },
    "CampaignParticipation": {
        "campaign": M(label=N_("Campaign"), chooser="campaign", help=N_(
            "The short name of the campaign.")),
        "city": M(label=N_("City"), chooser="city"),
        "dissemination": M(label=N_("Dissemination of the film")),
        "dissemination.channels": M(label=N_("Channels"), help=N_(
            "One per line: website, social media, newsletter...")),
        "dissemination.links": M(label=N_("Links"), widget="repeat", help=N_(
            "One address per row; leave a row empty to remove it.")),
        "dissemination.links.#": M(label=N_("Address"), widget="url"),
        "screenings": M(label=N_("Screenings")),
        "screenings.#.venue": M(label=N_("Venue")),
        "screenings.#.address": M(label=N_("Address")),
        "screenings.#.starts_at": M(label=N_("Starts"), help=N_(
            "In the screening's time zone.")),
        "screenings.#.zone": M(label=N_("Time zone"), help=N_("e.g. Europe/Istanbul.")),
        "screenings.#.capacity": M(label=N_("Places")),
        "screenings.#.public": M(label=N_("Listed publicly")),
        "screenings.#.registration_url": M(label=N_("Registration page"), widget="url"),
        "signed": M(label=N_("The city signs the declaration")),
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
