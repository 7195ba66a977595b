"""Best practices, case studies and studies documented by member cities."""

from __future__ import annotations

import enum

import attrs

from ..i18n import N_
from . import fields as f
from .media import Attachment, ImageRef
from .network import StudyDetails
from .text import Text, text_field

#: The Observatory's own themes; sites may add to the taxonomy.
THEMES: tuple[str, ...] = (
    "social-development",
    "immigration-and-integration",
    "governance-and-participation",
    "culture",
    "public-safety",
    "resilience",
    "diversity-equity-and-inclusion",
    "dialogue-and-solidarity",
    "human-rights-and-democracy",
)

#: The names of the Observatory's own themes, translated by the catalogs; a theme's
#: label in the site's taxonomy wins when it exists in the reader's language.
THEME_NAMES: dict[str, str] = {
    "social-development": N_("Social development"),
    "immigration-and-integration": N_("Immigration and integration"),
    "governance-and-participation": N_("Governance and participation"),
    "culture": N_("Culture"),
    "public-safety": N_("Public safety"),
    "resilience": N_("Resilience"),
    "diversity-equity-and-inclusion": N_("Diversity, equity and inclusion"),
    "dialogue-and-solidarity": N_("Dialogue and solidarity"),
    "human-rights-and-democracy": N_("Human rights and democracy"),
}


class PracticeKind(str, enum.Enum):
    """What a catalogue entry is."""

    PRACTICE = "practice"
    CASE_STUDY = "case_study"
    STUDY = "study"


class ModerationStatus(str, enum.Enum):
    """Where an entry stands in moderation; only ``published`` is public."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"


@attrs.frozen(kw_only=True)
class Link:
    """A labelled link from a practice to more about it."""

    url: str = attrs.field(validator=f.url(required=True))
    label: Text = text_field(f.SHORT)


@attrs.frozen(kw_only=True)
class Practice:
    """One entry of the best-practices catalogue.

    ``body`` is rich text; the practices service sanitises it on the way in.
    """

    slug: str = attrs.field(validator=f.slug)
    city: str = attrs.field(validator=f.slug)
    kind: PracticeKind = attrs.field(
        default=PracticeKind.PRACTICE, validator=f.instance_of(PracticeKind)
    )
    title: Text = text_field(f.SHORT, required=True)
    summary: Text = text_field(f.MEDIUM)
    body: Text = text_field(f.LONG)
    themes: tuple[str, ...] = attrs.field(default=(), validator=f.slugs(20))
    year_started: int | None = attrs.field(
        default=None, validator=f.number(1900, 2200, required=False, integer=True)
    )
    status: ModerationStatus = attrs.field(
        default=ModerationStatus.DRAFT, validator=f.instance_of(ModerationStatus)
    )
    rejection_reason: str | None = attrs.field(
        default=None, validator=f.optional_text(f.MEDIUM, multiline=True)
    )
    partners: tuple[str, ...] = attrs.field(default=(), validator=f.strings(50))
    contact: str | None = attrs.field(default=None, validator=f.optional_text())
    links: tuple[Link, ...] = attrs.field(default=(), validator=f.items(50))
    #: The practice's images, the first one shown with it (each with its alt text).
    images: tuple[ImageRef, ...] = attrs.field(default=(), validator=f.items(10))
    #: The practice's documents (the PDF report of a case study...), each with its title.
    attachments: tuple[Attachment, ...] = attrs.field(default=(), validator=f.items(20))
    example: bool = attrs.field(default=False, validator=f.instance_of(bool))
    #: A study's year, authors, covered cities and cited practices (kind ``study`` only).
    study: StudyDetails | None = attrs.field(
        default=None, validator=f.instance_of(StudyDetails, required=False))

    @study.validator
    def _study(self, attribute: attrs.Attribute[StudyDetails | None], value: object) -> None:
        if self.study is not None and self.kind is not PracticeKind.STUDY:
            f.fail(attribute, f"only a study has study details; make the kind 'study' or "
                              f"leave the details out (this entry is a {self.kind.value})")

    @rejection_reason.validator
    def _reason(self, attribute: attrs.Attribute[str | None], value: object) -> None:
        if self.status is ModerationStatus.REJECTED and not (self.rejection_reason or "").strip():
            f.fail(attribute, "a rejected practice needs a reason the city can act on")

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the practice is written in: its title's, then its summary's and
        body's others, in the order given."""
        return tuple(dict.fromkeys((*self.title.languages, *self.summary.languages,
                                    *self.body.languages)))


@attrs.frozen(kw_only=True)
class Theme:
    """A theme of the catalogue's taxonomy, e.g. ``culture``.

    The taxonomy starts with the Observatory's own :data:`THEMES`; a site adds
    its own themes, renames them or changes their order.
    """

    slug: str = attrs.field(validator=f.slug)
    label: Text = text_field(f.SHORT, required=True)
    description: Text = text_field(f.MEDIUM)
