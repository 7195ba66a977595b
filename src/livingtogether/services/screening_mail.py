"""The emails about screening registrations, as the outbox sends them.

:func:`prepare` loads, for the outbox rows it claimed, each registration, its
screening and its campaign's title, and draws a fresh link token for each
message (only its hash is stored, in ``lt_screening_tokens``); :func:`compose`
writes the subject, the text and, when seats are held, the screening as an
``.ics`` attachment (the one iCalendar writer, :mod:`livingtogether.programme_export`).
A registration cancelled before its email went out has no address left: that
email is not sent (:func:`prepare` leaves it out, its row marked failed with why).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import attrs
import sqlalchemy as sa
from babel.dates import format_datetime as babel_datetime
from sqlalchemy.engine import Connection

from .. import convert, i18n
from ..models import Campaign, Screening
from ..settings import Settings
from ..store import schema
from .guard import Keys
from .screenings import (
    LINK_PATHS,
    MAIL_CONFIRM,
    MAIL_CONFIRMED,
    MAIL_MOVED_UP,
    MAIL_UPDATE,
    MAIL_WAITING,
    Registration,
    ScreeningRegistrations,
    registration_of,
    token_hash,
)

#: Why an email about a cancelled registration was not sent (its ``last_error``).
GONE = "the registration was cancelled or deleted before its email went out"


@attrs.frozen(kw_only=True)
class ScreeningMail:
    """What one email about a registration needs."""

    registration: Registration
    screening: Screening
    campaign: Campaign
    token: str
    data: dict[str, Any] | None


def prepare(connection: Connection, ids: Sequence[int], keys: Keys,
            ) -> tuple[dict[int, ScreeningMail], list[int]]:
    """The claimed outbox rows ``ids`` that are about registrations: each one's
    :class:`ScreeningMail` by outbox id, and the ids of those not to send."""
    outbox, table = schema.outbox, schema.screening_registrations
    rows = connection.execute(
        sa.select(outbox.c.id.label("outbox_id"), outbox.c.data.label("mail_data"), table)
        .join(table, table.c.id == outbox.c.registration_id)
        .where(outbox.c.id.in_(ids)).order_by(outbox.c.id)).all()
    found: dict[int, ScreeningMail] = {}
    gone: list[int] = []
    campaigns: dict[str, Campaign] = {}
    tokens: list[dict[str, Any]] = []
    for row in rows:
        registration = registration_of(row)
        if not registration.email:
            gone.append(row.outbox_id)
            continue
        at = (row.campaign_slug, row.city_slug, row.screening_key)
        if row.campaign_slug not in campaigns:
            data = connection.execute(sa.select(schema.campaigns.c.data).where(
                schema.campaigns.c.slug == row.campaign_slug)).scalar_one()
            campaigns[row.campaign_slug] = convert.structure(data, Campaign)
        token = keys.token()
        tokens.append({"token_hash": token_hash(token), "registration_id": registration.id})
        found[row.outbox_id] = ScreeningMail(
            registration=registration, campaign=campaigns[row.campaign_slug],
            screening=ScreeningRegistrations.screening_in(connection, *at),
            token=token, data=row.mail_data)
    if tokens:
        connection.execute(schema.screening_tokens.insert(), tokens)
    return found, gone


def link(base: str, action: str, token: str) -> str:
    """The address of an email's link to ``action`` (``confirm`` or ``cancel``)."""
    return f"{base}{LINK_PATHS[action]}?{urlencode({'token': token})}"


def compose(item: ScreeningMail, kind: str, language: str, base: str, settings: Settings,
            ) -> tuple[str, list[str], bytes | None]:
    """The subject, the lines of text and the ``.ics`` (when seats are held) of an email
    of ``kind`` about ``item``, in ``language``."""
    from ..programme_export import screening_icalendar

    registration, screening = item.registration, item.screening
    _ = i18n.translations(language).gettext
    found = item.campaign.title.resolve(language, settings.content_fallbacks)
    title = found.text if found else item.campaign.slug
    when = babel_datetime(screening.starts_at, "full", tzinfo=ZoneInfo(screening.zone),
                          locale=i18n.locale(language))
    place = ", ".join(part for part in (screening.venue, screening.address) if part)
    lines = [_("Hello %(name)s,") % {"name": registration.name}, "",
             f"{title}", f"{place}", f"{when} ({screening.zone})",
             f"{_('Seats')}: {registration.seats}", ""]
    ics = None
    if kind == MAIL_CONFIRM:
        subject = _("Please confirm your registration: %(title)s") % {"title": title}
        lines += [_("Your seats are booked once you confirm. Open this link and press the "
                    "button on the page:"), link(base, "confirm", item.token), "",
                  _("If you did not register, ignore this email: nothing is booked "
                    "without confirmation."), ""]
    elif kind == MAIL_WAITING:
        subject = _("You are on the waiting list: %(title)s") % {"title": title}
        lines += [_("The screening is full, so you are on its waiting list. When seats "
                    "are freed they go to the list in order, and we will email you."), ""]
    elif kind == MAIL_UPDATE:
        data = item.data or {}
        subject = str(data.get("subject", title))
        lines += [_("A message from the organisers of the screening:"), "",
                  str(data.get("text", "")), ""]
    else:
        subject = (_("Your seats are booked: %(title)s") if kind == MAIL_CONFIRMED
                   else _("Seats were freed for you: %(title)s")) % {"title": title}
        if kind == MAIL_MOVED_UP:
            lines += [_("Seats were freed and you moved up from the waiting list."), ""]
        lines += [_("Your seats are booked. The attached calendar file holds the "
                    "screening."), ""]
        ics = screening_icalendar(screening, campaign=item.campaign.slug,
                                  city=registration.city, title=title, description=place)
    lines += [_("To cancel your registration and erase your details, open this link:"),
              link(base, "cancel", item.token), ""]
    return subject, lines, ics
