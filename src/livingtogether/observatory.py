"""The entry point: ``Observatory.open(...)`` and the import/export bundle."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import attrs

from . import convert
from .errors import ConfigurationError, LivingTogetherError, ValidationError
from .models import (
    Campaign,
    CampaignParticipation,
    City,
    Declaration,
    Event,
    EventSeries,
    Organisation,
    Practice,
    PublishedProgramme,
    Theme,
)
from .models.hub import FeedKind
from .services import (
    CityService,
    PracticeService,
    ProgrammeService,
    ThemeService,
)
from .services.base import Records
from .services.campaigns import ParticipationService, campaigns
from .services.count_report import CountReport
from .services.guard import Keys
from .services.network import SeriesService
from .services.network_campaign import CampaignLedger, NetworkCampaign, NetworkScreenings
from .services.network_count import NetworkCountService
from .services.outbox import Outbox
from .services.partners import OrganisationService
from .services.pledge_stats import PledgeStatsService
from .services.pledges import declarations
from .services.retention import RetentionService
from .services.screenings import ScreeningRegistrations
from .services.signature_export import SignatureExport
from .services.signatures import SignatureService
from .services.signing import SigningService
from .services.submissions import Submissions
from .services.sync import Feed, Mirror, origin_of
from .services.tokens import TokenService
from .settings import Settings
from .store import Store

if TYPE_CHECKING:
    from .media import MediaStore

#: The bundle's keys in the order they are imported (each may refer to the ones before).
BUNDLE_KEYS: tuple[tuple[str, type], ...] = (
    ("cities", City),
    ("organisations", Organisation),
    ("themes", Theme),
    ("practices", Practice),
    ("series", EventSeries),
    ("events", Event),
    ("programme_versions", PublishedProgramme),
    ("declarations", Declaration),
    ("campaigns", Campaign),
    ("participations", CampaignParticipation),
)


@attrs.frozen(kw_only=True)
class ImportReport:
    """How many records of each kind an import created and updated."""

    created: dict[str, int]
    updated: dict[str, int]

    def lines(self) -> list[str]:
        """``cities: 1 created, 0 updated`` for each kind the import touched: what the
        import commands print."""
        return [f"{key}: {created} created, {self.updated[key]} updated"
                for key, created in self.created.items() if created or self.updated[key]]


def read_bundle(file: str, stdin: TextIO | None = None) -> Any:
    """The JSON data of the bundle in the file ``file`` (``-``: ``stdin``, by default
    standard input), for :meth:`Observatory.import_bundle`.

    A file that cannot be read, is not UTF-8 or is not JSON is a
    ``LivingTogetherError`` that says so.
    """
    try:
        text = (stdin or sys.stdin).read() if file == "-" else \
            Path(file).read_text(encoding="utf-8")
    except OSError as error:
        raise LivingTogetherError(f"cannot read {file}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise LivingTogetherError(f"{file} is not UTF-8 text ({error.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise LivingTogetherError(
            f"{file} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None


def write_bundle(data: Any, file: str | None = None, stdout: TextIO | None = None) -> None:
    """Write the bundle ``data`` (:meth:`Observatory.export_bundle`) as indented UTF-8
    JSON into the file ``file``, or to ``stdout`` (standard output by default) when
    ``file`` is ``None`` or ``-``; a file that cannot be written is a ``LivingTogetherError``.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if file is None or file == "-":
        (stdout or sys.stdout).write(text)
        return
    try:
        Path(file).write_text(text, encoding="utf-8")
    except OSError as error:
        raise LivingTogetherError(f"cannot write {file}: {error.strerror}") from None


class Observatory:
    """The library's features on one database.

    ``cities``, ``practices`` and ``programme`` are the domain services; ``themes``
    is the practices' taxonomy. The pledges domain is one small service per job,
    each of which the staff console can guard with its own permission:

    - ``declarations``, ``campaigns``: the repositories of those records;
      ``participations``: the cities taking part in a campaign, and its screenings;
    - ``signing``: sign, resend, confirm, withdraw, the confirmation and withdrawal links;
    - ``signatures``: read signatures (personal data) and the public signatories;
    - ``pledge_stats``: the confirmed counts, and their recount;
    - ``retention``: the data-protection pass; ``signature_export``: the organisers' CSV;
    - ``outbox``: the emails to send and the worker that sends them;
    - ``screenings``: residents registering for campaign screenings, seats, waiting lists;
    - ``keys``: the keyed hashes and signed form tokens of this site.

    Open with :meth:`open`; close with :meth:`close` (or use ``with``).
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        size = settings.max_page_size
        self.cities = CityService(store, max_page_size=size)
        self.organisations = OrganisationService(store, max_page_size=size)
        self.practices = PracticeService(store, max_page_size=size)
        self.programme = ProgrammeService(store, max_page_size=size)
        self.series = SeriesService(store, max_page_size=size)
        self.themes = ThemeService(store, max_page_size=size)
        self.keys = Keys(store, settings.secret_key)
        self.declarations = declarations(store, max_page_size=size)
        self.campaigns = campaigns(store, max_page_size=size)
        self.participations = ParticipationService(store, max_page_size=size)
        self.signing = SigningService(store, settings, self.keys)
        self.signatures = SignatureService(store, max_page_size=size)
        self.pledge_stats = PledgeStatsService(store)
        self.retention = RetentionService(store)
        self.signature_export = SignatureExport(store, self.declarations)
        self.outbox = Outbox(store, settings, self.keys)
        self.screenings = ScreeningRegistrations(store, self.keys,
                                                 ip_limit=settings.pledge_ip_limit)

    @classmethod
    def open(cls, url: str | None = None, **settings: Any) -> Observatory:
        """Open the database at ``url`` and bring its schema up to date.

        ``url`` defaults to ``LIVINGTOGETHER_DATABASE_URL``, then the SQLite file
        ``livingtogether.sqlite3`` in the working folder. With
        ``auto_migrate=False`` an out-of-date database raises ``MigrationRequired``
        naming the command to run. Other keywords are :class:`Settings`.
        """
        return cls.from_settings(Settings.build(database_url=url, **settings))

    @classmethod
    def from_settings(cls, settings: Settings) -> Observatory:
        """Open the database ``settings`` name, as :meth:`open` does, with these settings."""
        store = Store(settings.database_url)
        try:
            # One read when the schema is current; migrations only when it is behind.
            current = store.version()
            if settings.auto_migrate and current < store.latest:
                store.upgrade()
                current = store.version()
            store.check(current)
        except BaseException:
            store.close()
            raise
        return cls(settings, store)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, prefix: str = "",
                    ignore: tuple[str, ...] = (), given: Observatory | None = None,
                    given_key: str = "OBSERVATORY", mail_from: str | None = None,
                    ) -> Observatory:
        """The Observatory a framework's configuration names (the adapters' one way in).

        ``given`` (the configuration's own Observatory, under ``given_key``) is used
        as it is, and then no setting may be given beside it; otherwise one is opened
        from the settings in ``config`` (see :meth:`Settings.from_mapping`), with
        ``mail_from`` as the sender unless the settings name one.
        """
        values = Settings.from_mapping(config, prefix=prefix, ignore=ignore)
        if given is not None:
            if values:
                raise ConfigurationError(
                    f"{given_key} is given, so its own settings apply; remove "
                    + ", ".join(prefix + name.upper() for name in sorted(values)))
            return given
        if mail_from and "mail_from" not in values:
            values["mail_from"] = mail_from
        return cls.from_settings(Settings.build(**values))

    @property
    def media(self) -> MediaStore:
        """Where uploaded images are kept: the host's own store if it set one
        (``observatory.media = store``), else a :class:`~livingtogether.media.LocalMediaStore`
        in the ``media_folder`` setting; ``ConfigurationError`` when there is neither."""
        found = self.__dict__.get("_media")
        if found is None:
            folder = self.settings.media_folder
            if folder is None:
                raise ConfigurationError(
                    "this site has no media store: set the media_folder setting (a folder "
                    "the web server may write to) or give the Observatory the host's own "
                    "store as observatory.media", field="media_folder")
            from .media import LocalMediaStore

            found = self.__dict__["_media"] = LocalMediaStore(
                folder, base_url=self.settings.media_url)
        return cast("MediaStore", found)

    @media.setter
    def media(self, store: MediaStore) -> None:
        self.__dict__["_media"] = store

    def upgrade(self) -> list[int]:
        """Apply pending schema migrations; return the versions applied."""
        return self.store.upgrade()

    # -- the hub

    @functools.cached_property
    def tokens(self) -> TokenService:
        """The API tokens that may write to this site as a hub."""
        return TokenService(self.store)

    @functools.cached_property
    def submissions(self) -> Submissions:
        """Practices submitted by member cities, and their moderation."""
        return Submissions(self.practices)

    @functools.cached_property
    def feed(self) -> Feed:
        """The change feed of the public records, which member sites pull."""
        return Feed(self.store, self.feed_repositories())

    def feed_repositories(self) -> dict[FeedKind, Any]:
        """The repository of each kind of record the hub carries."""
        return {FeedKind.CITIES: self.cities, FeedKind.ORGANISATIONS: self.organisations,
                FeedKind.THEMES: self.themes, FeedKind.PRACTICES: self.practices,
                FeedKind.SERIES: self.series, FeedKind.EVENTS: self.programme,
                FeedKind.DECLARATIONS: self.declarations,
                FeedKind.SCREENINGS: self.network_screenings}

    @functools.cached_property
    def network_screenings(self) -> NetworkScreenings:
        """The network's public screenings: on a hub as member sites reported them, on a
        member site as pulled from the hub (``hub pull``)."""
        return NetworkScreenings(self.store, max_page_size=self.settings.max_page_size)

    @functools.cached_property
    def network_campaign(self) -> NetworkCampaign:
        """On a hub: member sites' campaign reports (participations and screenings)."""
        return NetworkCampaign(self.store, self.network_screenings)

    def campaign_ledger(self, hub_url: str) -> CampaignLedger:
        """What this site reported of its campaign to the hub at ``hub_url``."""
        return CampaignLedger(self.store, origin_of(hub_url))

    @functools.cached_property
    def network_count(self) -> NetworkCountService:
        """On a hub: the network key, member sites' reports, the network's count."""
        return NetworkCountService(self.store, max_page_size=self.settings.max_page_size)

    def count_report(self, hub_url: str) -> CountReport:
        """What this site reported of its signatures to the hub at ``hub_url``."""
        return CountReport(self.store, origin_of(hub_url))

    def mirror(self, hub_url: str) -> Mirror:
        """The records pulled from the hub at ``hub_url``, and how far each feed was applied."""
        return Mirror(self.store, self.feed_repositories(), origin_of(hub_url))

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()

    def __enter__(self) -> Observatory:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _repositories(self) -> dict[str, Any]:
        return {
            "cities": self.cities,
            "organisations": self.organisations,
            "themes": self.themes,
            "practices": self.practices,
            "series": self.series,
            "events": self.programme,
            "programme_versions": self.programme.history,
            "declarations": self.declarations,
            "campaigns": self.campaigns,
            "participations": self.participations,
        }

    def export_bundle(self) -> dict[str, list[Any]]:
        """Every public record as the bundle: ``{"cities": [...], "practices": [...], ...}``.

        Signatures are personal data and are never part of it.
        """
        repositories = self._repositories()
        with self.store.read() as connection:
            return {
                key: convert.unstructure(repositories[key].all_in(connection))
                for key, _ in BUNDLE_KEYS
            }

    def import_bundle(self, data: Any, *, batch: int = 1_000,
                      progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
        """Create or update every record of a bundle, all or nothing.

        Everything is validated before anything is written; then all records are
        written in one transaction, so a failure leaves the database as it was.
        Records are written ``batch`` at a time with bulk statements (the hub's pull
        writes the same way); ``progress(key, done, total)`` is called after each batch.
        """
        if not isinstance(data, Mapping):
            raise ValidationError("a bundle is an object with keys such as 'cities' and 'events'")
        known = {key for key, _ in BUNDLE_KEYS}
        unknown = sorted(repr(key) for key in data if key not in known)
        if unknown:
            raise ValidationError(
                f"unknown bundle key {', '.join(unknown)}; the keys are: {', '.join(sorted(known))}"
            )
        records: dict[str, tuple[Any, ...]] = {}
        for key, model in BUNDLE_KEYS:
            try:
                records[key] = convert.structure(data.get(key, []), tuple[model, ...])  # type: ignore[valid-type]
            except ValidationError as error:
                raise error.with_prefix(key) from None
        created = dict.fromkeys(records, 0)
        updated = dict.fromkeys(records, 0)
        repositories = self._repositories()
        with self.store.write() as connection:
            for key, _ in BUNDLE_KEYS:
                repository, items = repositories[key], records[key]
                if isinstance(repository, Records):
                    def step(done: int, key: str = key, total: int = len(items)) -> None:
                        if progress is not None:
                            progress(key, done, total)

                    try:
                        created[key], updated[key] = repository.save_many_in(
                            connection, items, batch=batch, progress=step)
                    except LivingTogetherError as error:
                        raise error.with_prefix(key) from None
                    continue
                for index, record in enumerate(items):
                    try:
                        _, new = repository.save_in(connection, record)
                        (created if new else updated)[key] += 1
                    except ValidationError as error:
                        raise error.with_prefix(f"{key}.{index}") from None
                if progress is not None and items:
                    progress(key, len(items), len(items))
        return ImportReport(created=created, updated=updated)
