"""The library's models: frozen attrs classes, one module per domain."""

from __future__ import annotations

from .cities import City, CityStatus
from .media import ImageRef, Rendition
from .pledges import (
    Campaign,
    CampaignParticipation,
    Declaration,
    Dissemination,
    Institution,
    InstitutionKind,
    Pledge,
    PledgeStats,
    PledgeStatus,
    Screening,
    SignerKind,
)
from .practices import THEMES, Link, ModerationStatus, Practice, PracticeKind, Theme
from .programme import (
    Change,
    ChangeKind,
    DisplayZone,
    Event,
    EventPart,
    Mode,
    Person,
    ProgrammeChanges,
    ProgrammeVersion,
    PublishedProgramme,
    Role,
    Session,
    SessionKind,
    local_instant,
)
from .text import Localized, Text

__all__ = [
    "THEMES",
    "Campaign",
    "CampaignParticipation",
    "Change",
    "ChangeKind",
    "City",
    "CityStatus",
    "Declaration",
    "DisplayZone",
    "Dissemination",
    "Event",
    "EventPart",
    "ImageRef",
    "Institution",
    "InstitutionKind",
    "Link",
    "Localized",
    "Mode",
    "ModerationStatus",
    "Person",
    "Pledge",
    "PledgeStats",
    "PledgeStatus",
    "Practice",
    "PracticeKind",
    "ProgrammeChanges",
    "ProgrammeVersion",
    "PublishedProgramme",
    "Rendition",
    "Role",
    "Screening",
    "Session",
    "SessionKind",
    "SignerKind",
    "Text",
    "Theme",
    "local_instant",
]
