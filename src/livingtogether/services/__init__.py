"""The domain services: the rules between the web layer and the store."""

from __future__ import annotations

from .base import Page, Records
from .campaigns import ParticipationService
from .cities import CityService
from .practices import PracticeService
from .programme import ProgrammeService
from .search import FacetCount, Hit, SearchResults
from .search_terms import SearchQuery
from .themes import ThemeService

__all__ = [
    "CityService",
    "FacetCount",
    "Hit",
    "Page",
    "ParticipationService",
    "PracticeService",
    "ProgrammeService",
    "Records",
    "SearchQuery",
    "SearchResults",
    "ThemeService",
]
