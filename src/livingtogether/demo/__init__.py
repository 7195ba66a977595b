"""The demo data shipped with the library, as models and as an import bundle.

The cities the reference texts name, the whole programme of the 3rd Mayors
Summit on Living Together (Izmir, 2021) in the series of summits, a few example
practices and an example study marked as such, the Universal Declaration of Living
Together in Peace, the Montreal and Düsseldorf Declarations (what the texts say of
them) and the 2022 campaign day. ``install(obs)`` loads it all into an Observatory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import convert
from .campaign import IDLTP_2022, PARTICIPATIONS, UNIVERSAL_DECLARATION
from .cities import CITIES
from .izmir import IZMIR_2021
from .network import DUSSELDORF_DECLARATION, EXAMPLE_STUDY, MAYORS_SUMMITS, MONTREAL_DECLARATION
from .practices import PRACTICES

if TYPE_CHECKING:
    from ..observatory import ImportReport, Observatory

__all__ = [
    "CAMPAIGNS",
    "CITIES",
    "DECLARATIONS",
    "EVENTS",
    "PARTICIPATIONS",
    "PRACTICES",
    "RECORDS",
    "SERIES",
    "bundle",
    "install",
]

SERIES = (MAYORS_SUMMITS,)
EVENTS = (IZMIR_2021,)
DECLARATIONS = (UNIVERSAL_DECLARATION, MONTREAL_DECLARATION, DUSSELDORF_DECLARATION)
CAMPAIGNS = (IDLTP_2022,)

#: The demo's models under their bundle keys, in the order an import needs them.
RECORDS: Mapping[str, tuple[Any, ...]] = {
    "cities": CITIES,
    "organisations": (),  # the demo's cities name no board of partners
    "themes": (),  # the demo's practices use the taxonomy every database starts with
    "practices": (*PRACTICES, EXAMPLE_STUDY),
    "series": SERIES,
    "events": EVENTS,
    "programme_versions": (),  # the demo's programme is shown as stored, never published
    "declarations": DECLARATIONS,
    "campaigns": CAMPAIGNS,
    "participations": PARTICIPATIONS,
}


def bundle() -> dict[str, list[Any]]:
    """The demo data in the bundle format of ``Observatory.import_bundle`` (a fresh copy)."""
    return {key: convert.unstructure(list(models)) for key, models in RECORDS.items()}


def install(observatory: Observatory) -> ImportReport:
    """Import the demo bundle into ``observatory`` and say what it created and updated.

    Importing again updates the same records instead of duplicating them.
    """
    return observatory.import_bundle(bundle())
