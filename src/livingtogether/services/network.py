"""The network's series of events, and what a city's page and the open data read of
studies, declarations of the network and summits.

Series are records (:class:`SeriesService`); studies are catalogue entries of kind
``study`` (the practices service keeps them) and declarations of the network are
declarations with signatories (the declarations' repository keeps them): the
functions here only read them, a page of the services' largest size at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ValidationError
from ..models import Declaration, Event, EventSeries, Practice, PracticeKind
from ..store import Store, schema
from .base import Page, Records, exists

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: The Observatory these functions read (services sit below it and do not import it).
Observatory = Any

T = TypeVar("T")

#: The most records of one kind the network's pages read (pages of the services' size).
MAX_READ = 5_000


class SeriesService(Records[EventSeries]):
    """Series of events: ``create``, ``get``, ``list``, ``update``, ``save``, ``delete``."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        super().__init__(store, schema.event_series, EventSeries, noun="series",
                         max_page_size=max_page_size)


def every(read: Callable[..., Page[T]], size: int, **filters: Any) -> Iterator[T]:
    """Every record ``read(limit=, offset=, **filters)`` lists, a page at a time, at most
    :data:`MAX_READ`."""
    offset = 0
    while offset < MAX_READ:
        page = read(limit=size, offset=offset, **filters)
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


def studies(obs: Observatory) -> list[Practice]:
    """The published studies, by slug."""
    service = obs.practices
    return list(every(service.list, service.max_page_size, kind=PracticeKind.STUDY))


def studies_of(obs: Observatory, city: str) -> list[Practice]:
    """The published studies covering ``city``, the latest year first."""
    found = [s for s in studies(obs) if s.study is not None and city in s.study.cities]
    return sorted(found, key=lambda s: -(s.study.year or 0) if s.study else 0)


def network_declarations(obs: Observatory) -> list[Declaration]:
    """The declarations of the network (adopted, signed by cities), the oldest first."""
    with obs.store.read() as connection:
        found = [d for d in obs.declarations.all_in(connection) if d.of_network]
    return sorted(found, key=lambda d: (d.adopted.year if d.adopted else d.year or 0,
                                        d.adopted or "", d.slug))


def events_of(obs: Observatory, series: str) -> list[Event]:
    """The published events of ``series``, the earliest first."""
    service = obs.programme
    found = [service.published(e.slug).event
             for e in every(service.list, service.max_page_size) if e.series == series]
    return sorted(found, key=lambda e: e.first_day)


def check_declaration(connection: Connection, declaration: Declaration) -> None:
    """The cities that signed ``declaration`` and the event where it was adopted exist."""
    for index, signatory in enumerate(declaration.signatories):
        if not exists(connection, schema.cities, signatory.city):
            raise ValidationError(f"{signatory.city!r} is no city of the network; add the "
                                  "city first or remove it from the signatories",
                                  field=f"signatories.{index}.city")
    if declaration.event is not None and not exists(connection, schema.events,
                                                    declaration.event):
        raise ValidationError(f"there is no event {declaration.event!r}: choose one from "
                              "the list or leave it empty", field="event")
