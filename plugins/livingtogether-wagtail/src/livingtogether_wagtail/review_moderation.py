"""The moderation's review screens: the queue, one item (the submission through the
public widget, its claim, its private notes, the decisions), the hub's submissions
and the campaign participations.

Every decision goes through ``Staff(obs).moderation``, which checks
``practices.moderate`` or ``hub.moderate`` on the item's city, refuses while another
moderator holds the claim (``Conflict``, naming who and until when) and writes the
audit; here each answer becomes Wagtail's message, a reason or a note refused
becomes its field's error with the text kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markupsafe import Markup
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import ListingButton

from livingtogether.admin.moderation import QueueItem
from livingtogether.errors import LivingTogetherError, NotFound, ValidationError
from livingtogether.models import ModerationStatus, Practice, PracticeKind
from livingtogether.models.hub import Submission
from livingtogether.sanitize import clean_html
from livingtogether.services.submissions import state
from livingtogether.web.catalogue import theme_labels
from livingtogether.web.render import render

from .conf import active_language, core_request, get_state
from .models import Access
from .review_views import ActionsColumn, Paged, ReviewListing, ReviewPage, choice_filter

MODERATING = ("moderate_practices", "hub_moderate")
ITEM = "livingtogether_moderation:item"


def city_choices() -> list[tuple[str, str]]:
    """The member cities, by slug."""
    return [(c.slug, c.slug) for c in get_state().observatory.cities.every()]


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of catalogue entry."""
    return [(k.value, k.value.replace("_", " ").capitalize()) for k in PracticeKind]


def title_of(practice: Practice) -> str:
    """The practice's title in the admin's language (its slug if it has none)."""
    return practice.title.get(active_language(None)) or practice.slug


class QueueFilters(WagtailFilterSet):
    """The city and the kind."""

    city = choice_filter(gettext_lazy("City"), city_choices)
    kind = choice_filter(gettext_lazy("Kind"), kind_choices)

    class Meta:
        model = Access
        fields: list[str] = []


class ModerationQueue(ReviewListing):
    """What waits for review (a city's submissions and the hub's) in the moderator's cities."""

    permissions = MODERATING
    filterset_class = QueueFilters
    verbose_name = gettext_lazy("submission")
    verbose_name_plural = gettext_lazy("submissions")

    def rows(self) -> list[QueueItem]:
        """The core's queue, filtered by city and kind (the queue is whole in the core)."""
        city, kind = self.chosen("city"), self.chosen("kind")
        return [item for item in self.staff.moderation.queue(self.principal)
                if (not city or item.practice.city == city)
                and (not kind or item.practice.kind.value == kind)]

    @cached_property
    def columns(self) -> list[Any]:  # type: ignore[override]
        """The title (to the item), city, kind, claim, notes."""

        def claim(item: QueueItem) -> str:
            if item.claim is None:
                return ""
            return _("%(name)s until %(time)s UTC") % {
                "name": item.claim.actor_name, "time": f"{item.claim.until:%H:%M}"}

        return [
            ActionsColumn("title", label=_("Title"), accessor=lambda i: title_of(i.practice),
                          get_url=lambda i: reverse(ITEM, args=(i.practice.slug,)),
                          buttons=lambda i: [ListingButton(
                              _("Review"), reverse(ITEM, args=(i.practice.slug,)),
                              icon_name="view", priority=10)]),
            Column("city", label=_("City"), accessor=lambda i: i.practice.city),
            Column("kind", label=_("Kind"), accessor=lambda i: i.practice.kind.value),
            Column("claim", label=_("Claimed by"), accessor=claim),
            Column("notes", label=_("Notes"), accessor="notes"),
        ]


class ReasonForm(forms.Form):
    """The reason of a rejection, which the city reads."""

    reason = forms.CharField(label=gettext_lazy("Reason for the city (required to reject)"),
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class NoteForm(forms.Form):
    """A private note for the moderators."""

    text = forms.CharField(label=gettext_lazy("A note for the moderators (never shown to "
                                              "the city)"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def preview(request: HttpRequest, practice: Practice) -> str:
    """The submitted practice through the public widget's template (what readers would
    see once it is approved), its rich text sanitised by the core's one sanitiser."""
    web = get_state().web
    language = active_language(request) or web.settings.default_language
    html = render(web, core_request(request), "practice.html", language, practice=practice,
                  themes=theme_labels(web),
                  rich=lambda text: Markup(clean_html(text)))  # noqa: S704 (sanitised)
    return mark_safe(html)  # noqa: S308 (the core's autoescaping template)


class ModerationItem(ReviewPage):
    """One item of the queue, and the decisions: claim, give back, approve, reject, note."""

    permissions = MODERATING
    index_url_name = "livingtogether_moderation:index"
    index_label = gettext_lazy("Moderation queue")
    header_icon = "doc-full"
    template_name = "livingtogether_wagtail/admin/moderation_item.html"
    ACTIONS = ("claim", "release", "approve", "reject", "note")

    def get_page_title(self) -> str:
        """``Review of <slug>``."""
        return _("Review of %(slug)s") % {"slug": self.kwargs["slug"]}

    def item(self, slug: str) -> QueueItem:
        """The queue's item ``slug`` (``NotFound`` once decided; ``Forbidden`` outside the
        moderator's cities)."""
        moderation = self.staff.moderation
        moderation.notes(self.principal, slug)  # the permission on the practice's city
        for item in moderation.queue(self.principal):
            if item.practice.slug == slug:
                return item
        raise NotFound(f"nothing of {slug!r} waits for review (it may have been decided)",
                       field="slug")

    def page(self, slug: str, *, reason: ReasonForm | None = None,
             note: NoteForm | None = None) -> HttpResponse:
        """The item's page (its forms as given, with their errors)."""
        try:
            item = self.item(slug)
            notes = self.staff.moderation.notes(self.principal, slug)
        except LivingTogetherError as error:
            return self.back(error)
        mine = item.claim is not None and item.claim.actor_id == self.principal.id
        return self.show(item=item, notes=notes, mine=mine, title=title_of(item.practice),
                         preview=preview(self.request, item.practice),
                         reason_form=reason or ReasonForm(), note_form=note or NoteForm(),
                         actions={name: reverse("livingtogether_moderation:action",
                                                args=(slug, name)) for name in self.ACTIONS})

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        """The item."""
        return self.page(slug)

    def post(self, request: HttpRequest, slug: str, action: str) -> HttpResponse:
        """One decision; its message; back to the queue, or to the item."""
        if action not in self.ACTIONS:
            return self.back(ValidationError(f"{action[:40]!r} is not a decision; the "
                                             "decisions are: " + ", ".join(self.ACTIONS)))
        moderation, principal = self.staff.moderation, self.principal
        here = HttpResponseRedirect(reverse(ITEM, args=(slug,)))
        form: forms.Form = ReasonForm(request.POST) if action == "reject" \
            else NoteForm(request.POST)
        try:
            if action == "claim":
                claim = moderation.claim(principal, slug)
                messages.success(request, _("You are reviewing %(slug)s until %(time)s UTC.")
                                 % {"slug": slug, "time": f"{claim.until:%H:%M}"})
                return here
            if action == "release":
                moderation.release(principal, slug)
                messages.success(request, _("%(slug)s is back in the queue.") % {"slug": slug})
                return self.back()
            if action == "approve":
                moderation.approve(principal, slug)
                messages.success(request, _("%(slug)s is published.") % {"slug": slug})
                return self.back()
            field = "reason" if action == "reject" else "text"
            if form.is_valid():
                if action == "reject":
                    moderation.reject(principal, slug, form.cleaned_data["reason"])
                    messages.success(request, _("%(slug)s is rejected; the city reads your "
                                                "reason.") % {"slug": slug})
                    return self.back()
                moderation.add_note(principal, slug, form.cleaned_data["text"])
                messages.success(request, _("Your note is added."))
                return here
        except ValidationError as error:
            if error.field not in ("reason", "text"):
                return self.back(error)
            form.add_error(field, error.message)
        except LivingTogetherError as error:
            messages.error(request, str(error))
            return here if not isinstance(error, NotFound) else self.back()
        messages.validation_error(request, _("Nothing was saved: see the form."), form)
        if isinstance(form, ReasonForm):
            return self.page(slug, reason=form)
        return self.page(slug, note=form)  # type: ignore[arg-type]


# -- the hub's submissions


class SubmissionFilters(WagtailFilterSet):
    """The city and the moderation status."""

    city = choice_filter(gettext_lazy("City"), city_choices)
    status = choice_filter(gettext_lazy("Status"),
                           lambda: [(s.value, s.value.capitalize()) for s in ModerationStatus])

    class Meta:
        model = Access
        fields: list[str] = []


class HubSubmissions(ReviewListing):
    """The practices member cities submit to the hub, each with where it stands in
    moderation (the core's ``Submission``: status, a pending revision, the reason of a
    rejection); those waiting for review link to the queue's item and its decisions."""

    permissions = ("hub_moderate",)
    filterset_class = SubmissionFilters
    verbose_name = gettext_lazy("submission")
    verbose_name_plural = gettext_lazy("submissions")

    def rows(self) -> Paged[Submission]:
        """The practices, a page at a time, each with its pending revision."""
        practices = self.obs.practices
        city = self.chosen("city") or None
        raw = self.chosen("status")
        status = ModerationStatus(raw) if raw else None

        def fetch(limit: int, offset: int) -> Any:
            page = practices.list(city=city, status=status, limit=limit, offset=offset)
            states = tuple(state(p, practices.revision(p.slug)) for p in page.items)
            return type(page)(items=states, total=page.total, limit=page.limit,
                              offset=page.offset)

        return Paged(fetch)

    @cached_property
    def columns(self) -> list[Any]:  # type: ignore[override]
        """The practice (to its review when one waits), city, status, revision, reason."""

        def waiting(s: Submission) -> bool:
            return ModerationStatus.SUBMITTED in (s.status, s.revision)

        def buttons(s: Submission) -> list[Any]:
            return [ListingButton(_("Review"), reverse(ITEM, args=(s.slug,)), icon_name="view",
                                  priority=10)] if waiting(s) else []

        return [
            ActionsColumn("slug", label=_("Practice"), buttons=buttons,
                          get_url=lambda s: reverse(ITEM, args=(s.slug,)) if waiting(s)
                          else None),
            Column("city", label=_("City")),
            Column("status", label=_("Status"), accessor=lambda s: s.status.value),
            Column("revision", label=_("Pending edit"),
                   accessor=lambda s: s.revision.value if s.revision else ""),
            Column("rejection_reason", label=_("Reason of the rejection")),
        ]


# -- campaign participations


def campaign_choices() -> list[tuple[str, str]]:
    """The network's campaigns."""
    found = get_state().observatory.campaigns.list(limit=200).items
    return [(c.slug, c.slug) for c in found]
