"""The client of an Observatory hub: pull the network's records, push a city's practices.

::

    from livingtogether import Observatory
    from livingtogether.hub import HubClient

    with Observatory.open() as obs, HubClient("https://hub.example.org") as hub:
        report = hub.pull(obs)            # cities, themes, practices, events
        print(report.summary())

Every request has a timeout. Connection errors, dropped connections, 429 and
5xx answers are retried with exponential backoff (honouring ``Retry-After``)
up to ``retries`` times; then :class:`HubError` says what failed. A pull
applies and remembers one page at a time, so a pull that fails resumes where
it stopped, and a rerun leaves exactly the hub's data.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs
import requests

from . import __version__, convert
from .errors import LivingTogetherError
from .models import DEFAULT_DECLARATION
from .models.hub import (
    HUB_NETWORK_CAMPAIGN_PATH,
    HUB_NETWORK_COUNT_PATH,
    HUB_NETWORK_KEY_PATH,
    HUB_NETWORK_SIGNATURES_PATH,
    HUB_SUBMISSION_PATH,
    HUB_SUBMISSIONS_PATH,
    HUB_SYNC_PATH,
    MAX_CAMPAIGN_REPORT,
    MAX_REPORT,
    CountWithdrawal,
    FeedItem,
    FeedKind,
    FeedPage,
    NetworkKey,
    Submission,
)
from .models.media import absolute_images, has_local_files
from .services.sync import BATCH, PullCounts

if TYPE_CHECKING:
    from .observatory import Observatory

#: Statuses worth another try: rate limits and the server's own failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Longest wait between two tries, whatever ``Retry-After`` asks.
MAX_WAIT = 60.0
#: Most pages one feed may take in one pull (10 million records at 1,000 a page).
MAX_PAGES = 10_000


class HubError(LivingTogetherError):
    """The hub could not be reached, or answered with an error, after every try."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


#: ``progress(kind, done, total)``: called after each page with the changes applied so
#: far and the total expected in this pull.
Progress = Callable[[FeedKind, int, int], None]


@attrs.define
class PullReport:
    """What a pull did, per kind of record, and anything it had to leave as it was."""

    counts: dict[FeedKind, PullCounts] = attrs.field(factory=dict)
    problems: list[str] = attrs.field(factory=list)

    def total(self, name: str) -> int:
        """The sum of one count (``added``, ``updated``, ...) over every kind."""
        return sum(getattr(c, name) for c in self.counts.values())

    def summary(self) -> str:
        """One line per kind: ``practices: 3 added, 1 updated, 0 removed, 10 unchanged``."""
        lines = []
        for kind, c in self.counts.items():
            line = (f"{kind.value}: {c.added} added, {c.updated} updated, {c.removed} removed, "
                    f"{c.unchanged} unchanged")
            lines.append(line + (f", {c.kept} kept (this site's own)" if c.kept else ""))
        return "\n".join([*lines, *self.problems])


@attrs.frozen(kw_only=True)
class CountSync:
    """What a report of this site's signatures sent, and the network's figures after it."""

    city: str
    counted: int
    withdrawn: int
    batches: int
    figures: dict[str, dict[str, Any]]

    def summary(self) -> str:
        """``izmir: 3 signatures counted, 1 withdrawn (2 batches); universal-declaration:
        120 people in the network, 40 in izmir``."""
        lines = [f"{self.city}: {self.counted} signatures sent, {self.withdrawn} withdrawn "
                 f"({self.batches} batches)"]
        for declaration, found in self.figures.items():
            here = found.get("cities", {}).get(self.city, {}).get("signatures", 0)
            lines.append(f"{declaration}: {found.get('people', 0)} people in the network, "
                         f"{here} in {self.city}")
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class CampaignSync:
    """What a report of this site's campaign sent: participations and campaigns left,
    screenings and tombstones of screenings gone."""

    city: str
    participations: int
    left: int
    screenings: int
    withdrawn: int
    batches: int

    def summary(self) -> str:
        """``izmir: 1 participations sent, 0 left; 3 screenings sent, 1 withdrawn
        (1 batches)``."""
        return (f"{self.city}: {self.participations} participations sent, {self.left} left; "
                f"{self.screenings} screenings sent, {self.withdrawn} withdrawn "
                f"({self.batches} batches)")


@attrs.frozen(kw_only=True)
class PushReport:
    """Each practice pushed, where it stands on the hub, and whether the push changed it."""

    city: str
    submissions: tuple[Submission, ...]
    changed: tuple[str, ...]

    def summary(self) -> str:
        """One line per practice, then the totals."""
        lines = [f"{s.slug}: {s.status.value}" + (" (sent)" if s.slug in self.changed else "")
                 + (f" - {s.rejection_reason}" if s.rejection_reason else "")
                 for s in self.submissions]
        lines.append(f"{len(self.changed)} sent, {len(self.submissions) - len(self.changed)} "
                     f"unchanged, {len(self.submissions)} in all for {self.city}")
        return "\n".join(lines)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


class HubClient:
    """Requests to one hub on a ``requests.Session``, with timeouts and retries.

    ``timeout``: seconds to connect and to wait for each read (a pair, or one
    number for both); ``retries``: tries after the first; ``backoff``: the
    first wait, doubled at each try (with jitter), at most :data:`MAX_WAIT`;
    ``token``: the city's API token, needed by :meth:`push`; ``batch``: records a
    pull writes with one bulk statement.
    """

    def __init__(self, url: str, *, token: str | None = None,
                 timeout: float | tuple[float, float] = (5.0, 30.0), retries: int = 5,
                 backoff: float = 0.5, page_size: int = 500, batch: int = BATCH,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not url.startswith(("http://", "https://")):
            raise LivingTogetherError(f"{url!r} is not a hub URL; give e.g. "
                                      "https://observatory.example.org")
        if retries < 0 or backoff < 0 or not 1 <= page_size <= 1000 or batch < 1:
            raise LivingTogetherError("retries and backoff are at least 0; page_size is 1 to "
                                      "1000; batch is at least 1")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.page_size = page_size
        self.batch = batch
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"livingtogether/{__version__}")
        self._sleep = sleep
        self.attempts = 0  # every request sent, tries included (for reports and tests)

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- requests

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None) -> Any:
        """Send a request (retrying what may be retried); the JSON answer.

        ``HubError`` after the last try, or at once for an answer that another
        try would not change (a 4xx other than 429).
        """
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        url = self.url + path
        problem = ""
        asked: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self._wait(attempt, asked))
            asked = None
            self.attempts += 1
            try:
                response = self.session.request(method, url, params=params, json=json,
                                                headers=sent, timeout=self.timeout)
                if response.status_code in RETRY_STATUSES:
                    problem = f"the hub answered {response.status_code}"
                    asked = retry_after(response.headers.get("Retry-After"))
                    continue
                if response.status_code >= 400:
                    raise HubError(f"{method} {url}: the hub answered {response.status_code}: "
                                   f"{_message(response)}", status=response.status_code)
                return response.json() if response.content else None
            except (requests.ConnectionError, requests.Timeout) as error:
                problem = f"{type(error).__name__}: {_short(error)}"
            except requests.exceptions.ChunkedEncodingError as error:
                problem = f"the connection dropped mid-answer ({_short(error)})"
            except requests.exceptions.JSONDecodeError:
                problem = "the answer was cut short or is not JSON"
        raise HubError(f"{method} {url} failed after {self.retries + 1} tries; the last: "
                       f"{problem}")

    def _wait(self, attempt: int, asked: float | None) -> float:
        if asked is not None:
            return min(asked, MAX_WAIT)
        base = self.backoff * 2 ** (attempt - 1)
        jitter = 0.5 + random.random() / 2  # noqa: S311 - not for secrets
        return float(min(base * jitter, MAX_WAIT))

    # -- reading

    def changes(self, kind: FeedKind, cursor: str | None = None, *,
                updated_since: datetime | None = None) -> FeedPage:
        """One page of the hub's change feed of ``kind`` after ``cursor``."""
        params: dict[str, Any] = {"limit": self.page_size}
        if cursor:
            params["cursor"] = cursor
        if updated_since is not None:
            params["updated_since"] = convert.unstructure(updated_since)
        data = self.request("GET", HUB_SYNC_PATH.format(kind=kind.value), params=params)
        try:
            items = tuple(FeedItem(slug=i["slug"], deleted=i["deleted"],
                                   changed_at=convert.structure(i["changed_at"], datetime),
                                   record=i["record"]) for i in data["items"])
            return FeedPage(kind=kind, items=items, next_cursor=str(data["next_cursor"]),
                            has_more=bool(data["has_more"]), remaining=int(data["remaining"]))
        except (KeyError, TypeError, LivingTogetherError) as error:
            raise HubError(f"the hub's feed of {kind.value} is not what this library reads "
                           f"({error}); is {self.url} an Observatory hub?") from None

    def pull(self, observatory: Observatory, *, kinds: Iterable[FeedKind] = tuple(FeedKind),
             progress: Progress | None = None, restart: bool = False) -> PullReport:
        """Bring the hub's public cities, themes, practices and events into ``observatory``.

        Incremental (only what changed since the last pull), idempotent, and
        resumable: each page is applied with its cursor in one transaction.
        Records the site made itself are left alone. ``restart``: read every
        feed from the start (what is already here counts as unchanged).
        """
        mirror = observatory.mirror(self.url)
        if restart:
            mirror.forget()
        report = PullReport()
        cursors = mirror.cursors()  # one read for every feed
        # While a page is written the next is fetched (by one thread, one request at a
        # time): the hub's work and the transfer overlap the member's writes. A page is
        # applied, with its cursor, only after every page before it. A feed of one page
        # (as when nothing changed) is read here, with no thread at all.
        fetcher: ThreadPoolExecutor | None = None
        try:
            for kind in kinds:
                counts = report.counts.setdefault(kind, PullCounts())
                cursor = cursors.get(kind)
                done = 0
                page = self.changes(kind, cursor)
                for _ in range(MAX_PAGES):
                    coming = None
                    if page.has_more:
                        if fetcher is None:
                            fetcher = ThreadPoolExecutor(max_workers=1,
                                                         thread_name_prefix="hub-pull")
                        coming = fetcher.submit(self.changes, kind, page.next_cursor)
                    if page.items or page.next_cursor != cursor:  # else nothing to write
                        mirror.apply(page, counts, report.problems, batch=self.batch)
                    done += len(page.items)
                    if progress is not None:
                        progress(kind, done, done + page.remaining)
                    cursor = page.next_cursor
                    if coming is None:
                        break
                    page = coming.result()
                else:
                    raise HubError(f"the hub's feed of {kind.value} did not end after "
                                   f"{MAX_PAGES} pages; pull again to continue")
        finally:
            if fetcher is not None:
                fetcher.shutdown(wait=True, cancel_futures=True)
        return report

    # -- writing

    def submissions(self) -> tuple[str, tuple[Submission, ...]]:
        """The token's city and the moderation state of its practices on the hub."""
        data = self.request("GET", HUB_SUBMISSIONS_PATH)
        return data["city"], convert.structure(data["items"], tuple[Submission, ...])

    def push(self, observatory: Observatory, *, slugs: Iterable[str] | None = None,
             progress: Callable[[int, int], None] | None = None) -> PushReport:
        """Submit the token's city's practices (its own, not pulled ones) for review.

        ``slugs`` limits the push to those practices. Pushing again what the
        hub has changes nothing there. Returns each one's moderation state.
        """
        if not self.token:
            raise LivingTogetherError("pushing needs the city's API token (--token or "
                                      "LIVINGTOGETHER_HUB_TOKEN)")
        city, _ = self.submissions()
        pulled = observatory.mirror(self.url).local(FeedKind.PRACTICES)
        wanted = set(slugs) if slugs is not None else None
        practices = [p for p in _all_practices(observatory, city)
                     if p.slug not in pulled and (wanted is None or p.slug in wanted)]
        if wanted is not None:
            missing = sorted(wanted - {p.slug for p in practices})
            if missing:
                raise LivingTogetherError(f"no practice of {city} here named "
                                          f"{', '.join(missing)}")
        found: list[Submission] = []
        for index, practice in enumerate(practices, start=1):
            data = self.request("PUT", HUB_SUBMISSION_PATH.format(slug=practice.slug),
                                json=_with_absolute_images(observatory, practice))
            found.append(convert.structure(data, Submission))
            if progress is not None:
                progress(index, len(practices))
        return PushReport(city=city, submissions=tuple(found),
                          changed=tuple(s.slug for s in found if s.changed))


    def _can_report(self, what: str, batch: int, most: int) -> None:
        """Refuse a report without the city's token, or in batches out of bounds."""
        if not self.token:
            raise LivingTogetherError(f"reporting {what} needs the city's API token "
                                      "(--token or LIVINGTOGETHER_HUB_TOKEN)")
        if not 1 <= batch <= most:
            raise LivingTogetherError(f"batch is 1 to {most}")

    def report_signatures(self, observatory: Observatory, *, batch: int = MAX_REPORT,
                          ) -> CountSync:
        """Report this site's confirmed signatures to the hub's network count, as keyed
        hashes (never an address), and keep the network's figures it answers with.

        Incremental (only what the hub has not acknowledged: new signatures and
        tombstones of withdrawn ones), ``batch`` at a time, and safe to rerun after a
        failure: the hub applies a batch sent twice as once.
        """
        self._can_report("signatures", batch, MAX_REPORT)
        data = self.request("GET", HUB_NETWORK_KEY_PATH)
        try:
            key = NetworkKey(id=int(data["id"]), secret=str(data["secret"]),
                             created_at=convert.structure(data["created_at"], datetime))
            city = str(data["city"])
        except (KeyError, TypeError, ValueError, LivingTogetherError) as error:
            raise HubError(f"the hub's network key is not what this library reads ({error})"
                           ) from None
        ledger = observatory.count_report(self.url)
        ledger.use_key(key.id)
        counted = withdrawn = batches = 0
        for _ in range(MAX_PAGES):
            # Ten batches read at once, then sent one by one, each acknowledged after.
            found, gone = ledger.pending(key, city, limit=batch * 10)
            if not found and not gone:
                break
            changes: list[Any] = [*gone, *found]
            for start in range(0, len(changes), batch):
                part = changes[start:start + batch]
                tombstones = [c for c in part if isinstance(c[1], CountWithdrawal)]
                signatures = [c for c in part if not isinstance(c[1], CountWithdrawal)]
                body = {"city": city, "key_id": key.id,
                        "signatures": convert.unstructure([s for _, s in signatures]),
                        "withdrawn": convert.unstructure([w for _, w in tombstones])}
                self.request("POST", HUB_NETWORK_SIGNATURES_PATH, json=body)
                ledger.acknowledge(key, signatures, tombstones)
                counted += len(signatures)
                withdrawn += len(tombstones)
                batches += 1
        figures = {}
        for declaration in sorted({DEFAULT_DECLARATION, *ledger.declarations()}):
            found = self.request("GET", HUB_NETWORK_COUNT_PATH,
                                 params={"declaration": declaration})
            ledger.keep_figures(declaration, {**found, "city": city})
            figures[declaration] = found
        return CountSync(city=city, counted=counted, withdrawn=withdrawn, batches=batches,
                         figures=figures)

    def report_campaign(self, observatory: Observatory, *,
                        batch: int = MAX_CAMPAIGN_REPORT) -> CampaignSync:
        """Report this site's participations in the campaigns and its public screenings
        (of the token's city) to the hub, and tombstones of those gone; never anything
        about who registered, only the seats left.

        Incremental (what changed since the hub's last acknowledgement, and what the
        hub holds that this site no longer has), ``batch`` items at a time, and safe to
        rerun after a failure: the hub applies a batch sent twice as once.
        """
        from .services.network_campaign import campaign_of

        self._can_report("the campaign", batch, MAX_CAMPAIGN_REPORT)
        held = self.request("GET", HUB_NETWORK_CAMPAIGN_PATH)
        try:
            city_slug = str(held["city"])
        except (KeyError, TypeError) as error:
            raise HubError(f"the hub's answer about the campaign is not what this library "
                           f"reads ({error})") from None
        city = observatory.cities.get(city_slug)
        participations, screenings = campaign_of(
            observatory.store, city, base_url=observatory.settings.base_url,
            seats=observatory.screenings.seats)
        ledger = observatory.campaign_ledger(self.url)
        pending = ledger.pending(participations, screenings, held=held)
        batches = pending.batches(batch, city.slug)
        for report in batches:
            self.request("POST", HUB_NETWORK_CAMPAIGN_PATH, json=convert.unstructure(report))
            ledger.acknowledge(report)
        return CampaignSync(city=city.slug, participations=len(pending.participations),
                            left=len(pending.left), screenings=len(pending.screenings),
                            withdrawn=len(pending.withdrawn), batches=len(batches))


def _with_absolute_images(observatory: Observatory, practice: Any) -> Any:
    """The practice as the hub receives it: its images' URLs absolute against this site's
    ``base_url`` (required when a practice has an image on this site)."""
    data = convert.unstructure(practice)
    if not has_local_files(practice):
        return data
    base = observatory.settings.base_url
    if not base:
        raise LivingTogetherError(
            f"the practice {practice.slug!r} has images or attachments on this site: set "
            "the base_url setting (this site's public address) so that the hub gets their "
            "full address")
    return absolute_images(data, base)


def _all_practices(observatory: Observatory, city: str) -> list[Any]:
    service = observatory.practices
    with service.store.read() as connection:
        return service.all_in(connection, service.table.c.city_slug == city)


def _message(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return response.text[:200] or response.reason


def _short(error: Exception) -> str:
    return str(error)[:200]
