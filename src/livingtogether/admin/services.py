"""The admin services of each kind of record, on one Observatory: ``Staff(obs)``.

Each kind has an :class:`~.editor.Editor` (drafts, publish, history,
restore, delete) wired to its domain service, plus a list of what a principal
may see. Practices belong to their city, cities to themselves, events to
their host city (an event of no city is the secretariat's, as are themes),
a campaign participation to its city; declarations and campaigns are the
network's (the secretariat's).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import convert
from ..errors import NotFound, ValidationError
from ..models import (
    Campaign,
    CampaignParticipation,
    City,
    Declaration,
    Event,
    EventSeries,
    ModerationStatus,
    Organisation,
    Practice,
    PracticeKind,
    Theme,
)
from ..services.base import Page, Records
from ..store import schema
from . import audit, revisions
from .audit import AuditLog
from .editor import Editor
from .principals import Permission, Principal
from .revisions import RevisionState
from .screenings import ScreeningStaff

if TYPE_CHECKING:
    from ..observatory import Observatory
    from .moderation import Moderation
    from .signatures import Signatures

P = Permission


def _visible(principal: Principal, permission: Permission) -> frozenset[str] | None:
    """The cities whose records ``principal`` may list with ``permission`` (``None``: all)."""
    if principal.secretariat and permission in principal.permissions:
        return None
    return frozenset(c for c in principal.cities if principal.can(permission, c))


class PracticeEditor(Editor[Practice]):
    """Practices and case studies; publishing stores them as ``published``."""

    def __init__(self, obs: Observatory) -> None:
        service = obs.practices

        def write_in(connection: Connection, record: Practice, _: str | None) -> Practice:
            public = attrs.evolve(record, status=ModerationStatus.PUBLISHED,
                                  rejection_reason=None)
            return service.save_in(connection, public)[0]

        super().__init__(obs.store, service, Practice, kind="practice", edit=P.PRACTICES_EDIT,
                         publish=P.PRACTICES_PUBLISH, city_of=lambda p: p.city,
                         write_in=write_in, max_page_size=obs.settings.max_page_size)
        self.practices = service

    def submit(self, principal: Principal, key: str, *, base: int,
               summary: str | None = None) -> Practice:
        """Send the draft of ``key`` (revision ``base``) for review, for an editor who may
        not publish: a new practice waits in the moderation queue as ``submitted``; an
        edit of a published one waits as its revision, the published version staying
        public until a moderator approves it."""
        with self.store.write() as connection:
            editing = self._open_in(connection, key)
            if editing.draft is None:
                raise NotFound(f"the practice {key!r} has no draft to submit; save one "
                               "first", field="key")
            city = self._authorise(principal, self.edit_permission, editing, editing.draft)
            revisions.check_base(editing.latest, base, kind=self.kind, key=key,
                                 submitted=convert.unstructure(editing.draft))
            wanted = attrs.evolve(editing.draft, status=ModerationStatus.SUBMITTED,
                                  rejection_reason=None)
            if editing.published is not None and \
                    editing.published.status is ModerationStatus.PUBLISHED:
                sent = self.practices.edit_in(connection, wanted)
            else:
                sent = self.practices.save_in(connection, wanted)[0]
            revision = revisions.add_in(
                connection, principal, kind=self.kind, key=key, base=base,
                state=RevisionState.SUBMITTED, city=city, data=convert.unstructure(sent),
                summary=summary)
            audit.record(connection, principal, "submit", kind=self.kind, key=key, city=city,
                         summary=f"revision {revision.number}"
                         + (f": {summary}" if summary else ""))
        return sent

    def list(self, principal: Principal, *, city: str | None = None,
             kind: PracticeKind | None = None, theme: str | None = None,
             status: ModerationStatus | None = None, limit: int = 50, offset: int = 0,
             ) -> Page[Practice]:
        """The stored practices (every status by default) the principal may edit; ``city``
        narrows to one city (``Forbidden`` for a city not the principal's)."""
        cities = _visible(principal, self.edit_permission)
        if city is not None:
            principal.require(self.edit_permission, city)
        elif cities is not None and len(cities) == 1:
            city = next(iter(cities))
        elif cities is not None:
            raise ValidationError("choose one of your cities: " + ", ".join(sorted(cities))
                                  if cities else "you edit the practices of no city",
                                  field="city")
        return self.practices.list(city=city, kind=kind, theme=theme, status=status,
                                   limit=limit, offset=offset)

    def search(self, principal: Principal, q: str, **filters: Any) -> Any:
        """The catalogue's search (published practices) within the principal's cities."""
        cities = _visible(principal, self.edit_permission)
        if cities is not None:
            city = filters.get("city")
            if city is None and len(cities) == 1:
                filters["city"] = next(iter(cities))
            elif city is None or city not in cities:
                principal.require(self.edit_permission, city)
        return self.practices.search(q, **filters)


class CityEditor(Editor[City]):
    """A city's profile: coordinates, languages, website, partner board."""

    def __init__(self, obs: Observatory) -> None:
        super().__init__(obs.store, obs.cities, City, kind="city", edit=P.CITIES_EDIT,
                         publish=P.CITIES_EDIT, city_of=lambda c: c.slug,
                         max_page_size=obs.settings.max_page_size)

    def list(self, principal: Principal, *, limit: int = 50, offset: int = 0) -> Page[City]:
        """The cities the principal may edit, by slug."""
        cities = _visible(principal, self.edit_permission)
        if cities is None:
            return self.service.list(limit=limit, offset=offset)  # type: ignore[no-any-return]
        table = self.service.table
        return Records.list(self.service, where=[table.c.slug.in_(sorted(cities))],
                            limit=limit, offset=offset)


class OrganisationEditor(Editor[Organisation]):
    """Partner organisations: a city's staff edit those of their city, the secretariat
    every one (those of no city included)."""

    def __init__(self, obs: Observatory) -> None:
        super().__init__(obs.store, obs.organisations, Organisation, kind="organisation",
                         edit=P.CITIES_EDIT, publish=P.CITIES_EDIT, city_of=lambda o: o.city,
                         max_page_size=obs.settings.max_page_size)


class ThemeEditor(Editor[Theme]):
    """The catalogue's themes: the secretariat's."""

    def __init__(self, obs: Observatory) -> None:
        super().__init__(obs.store, obs.themes, Theme, kind="theme", edit=P.THEMES_EDIT,
                         publish=P.THEMES_EDIT, max_page_size=obs.settings.max_page_size)

    def list(self, principal: Principal, *, limit: int = 200, offset: int = 0) -> Page[Theme]:
        """Every theme in display order (everyone may read the taxonomy)."""
        return self.service.list(limit=limit, offset=offset)  # type: ignore[no-any-return]


class EventEditor(Editor[Event]):
    """Events with their sessions; publishing stores the event and publishes its
    programme as a numbered version, the change summary as its note."""

    def __init__(self, obs: Observatory) -> None:
        service = obs.programme

        def write_in(connection: Connection, record: Event, summary: str | None) -> Event:
            stored = service.save_in(connection, record)[0]
            service.publish_in(connection, record.slug, note=summary)
            return stored

        super().__init__(obs.store, service, Event, kind="event", edit=P.PROGRAMME_EDIT,
                         publish=P.PROGRAMME_PUBLISH, city_of=lambda e: e.host_city,
                         write_in=write_in, max_page_size=obs.settings.max_page_size)

    def list(self, principal: Principal, *, limit: int = 50, offset: int = 0) -> Page[Event]:
        """The events the principal may edit, the latest first."""
        cities = _visible(principal, self.edit_permission)
        if cities is None:
            return self.service.list(limit=limit, offset=offset)  # type: ignore[no-any-return]
        table = self.service.table
        hosted = table.c.data["host_city"].as_string()
        where = [hosted.in_(sorted(cities))] if cities else [table.c.id < 0]
        return Records.list(self.service, where=where,
                            order_by=table.c.first_day.desc(), limit=limit, offset=offset)


class DeclarationEditor(Editor[Declaration]):
    """The declarations' texts (the secretariat's): publishing a changed text makes it
    the next version (``version`` one above the stored one)."""

    def __init__(self, obs: Observatory) -> None:
        service = obs.declarations

        def write_in(connection: Connection, record: Declaration, _: str | None,
                     ) -> Declaration:
            try:
                stored = service.get_in(connection, record.slug)
            except NotFound:
                stored = None
            if stored is not None and stored.text != record.text \
                    and record.version <= stored.version:
                record = attrs.evolve(record, version=stored.version + 1)
            return service.save_in(connection, record)[0]

        super().__init__(obs.store, service, Declaration, kind="declaration",
                         edit=P.DECLARATIONS_EDIT, publish=P.DECLARATIONS_EDIT,
                         write_in=write_in, max_page_size=obs.settings.max_page_size)


def refers_to(records: Records[Any], field: str, noun: str,
              ) -> Callable[[Connection, Any], None]:
    """An editor's ``refers_in``: the record's ``field``, if given, names one of ``records``."""

    def check(connection: Connection, record: Any) -> None:
        slug = getattr(record, field)
        if slug is not None and not records.exists_in(connection, slug):
            raise ValidationError(f"there is no {noun} {slug!r}: choose one from the list",
                                  field=field)

    return check


class SeriesEditor(Editor[EventSeries]):
    """The series of summits (the secretariat's: the programme's publishers)."""

    def __init__(self, obs: Observatory) -> None:
        super().__init__(obs.store, obs.series, EventSeries, kind="series",
                         edit=P.PROGRAMME_PUBLISH, publish=P.PROGRAMME_PUBLISH,
                         max_page_size=obs.settings.max_page_size)


class CampaignEditor(Editor[Campaign]):
    """The network's campaigns (the secretariat's)."""

    def __init__(self, obs: Observatory) -> None:
        super().__init__(obs.store, obs.campaigns, Campaign, kind="campaign",
                         edit=P.CAMPAIGNS_EDIT, publish=P.CAMPAIGNS_EDIT,
                         refers_in=refers_to(obs.declarations, "declaration", "declaration"),
                         max_page_size=obs.settings.max_page_size)


def participation_key(campaign: str, city: str) -> str:
    """The key of a city's participation in a campaign: ``campaign/city``."""
    return f"{campaign}/{city}"


class ParticipationEditor(Editor[CampaignParticipation]):
    """A city's participation in a campaign (dissemination, screenings, signing), keyed
    ``campaign/city``; the city's campaign officer edits and publishes it."""

    def __init__(self, obs: Observatory) -> None:
        service = obs.participations
        table = schema.participations

        def where(key: str) -> tuple[sa.ColumnElement[bool], ...]:
            campaign, _, city = key.partition("/")
            return table.c.campaign_slug == campaign, table.c.city_slug == city

        def get_in(connection: Connection, key: str) -> CampaignParticipation:
            data = connection.scalar(sa.select(table.c.data).where(*where(key)))
            if data is None:
                raise NotFound(f"there is no participation {key!r}", field="key")
            return convert.structure(data, CampaignParticipation)

        def delete_in(connection: Connection, key: str) -> None:
            # ParticipationService.delete opens its own transaction; its rule is this one
            if not connection.execute(table.delete().where(*where(key))).rowcount:
                raise NotFound(f"there is no participation {key!r}", field="key")

        super().__init__(
            obs.store, service, CampaignParticipation, kind="participation",
            edit=P.CAMPAIGNS_EDIT, publish=P.CAMPAIGNS_EDIT,
            key_of=lambda p: participation_key(p.campaign, p.city), city_of=lambda p: p.city,
            write_in=lambda c, record, _: service.save_in(c, record)[0],
            get_in=get_in, delete_in=delete_in,
            refers_in=refers_to(obs.campaigns, "campaign", "campaign"),
            max_page_size=obs.settings.max_page_size)


class Staff:
    """The staff layer of one Observatory: an editor per kind of record, the moderation
    queue, the signatures, the audit."""

    def __init__(self, obs: Observatory) -> None:
        self.obs = obs
        self.practices = PracticeEditor(obs)
        self.cities = CityEditor(obs)
        self.organisations = OrganisationEditor(obs)
        self.themes = ThemeEditor(obs)
        self.events = EventEditor(obs)
        self.declarations = DeclarationEditor(obs)
        self.series = SeriesEditor(obs)
        self.campaigns = CampaignEditor(obs)
        self.participations = ParticipationEditor(obs)
        self.screenings = ScreeningStaff(obs)
        self.audit = AuditLog(obs.store, max_page_size=obs.settings.max_page_size)

    @functools.cached_property
    def moderation(self) -> Moderation:
        """The moderation queue of submitted practices (hub submissions included)."""
        from .moderation import Moderation

        return Moderation(self.obs)

    @functools.cached_property
    def signatures(self) -> Signatures:
        """Signatures: list, search, withdraw on request, export (audited)."""
        from .signatures import Signatures

        return Signatures(self.obs)
