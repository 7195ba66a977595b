"""The group screen's panel "Observatory cities": which cities a group's permissions cover.

Registered with ``register_group_permission_panel`` (:mod:`.wagtail_hooks`): Wagtail
renders it under the group's permissions and saves it with the group. The cities offered
are the Observatory's; "every city and the network's records" stores the city ``*``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .conf import get_state
from .models import NETWORK, GroupCities


def _city_choices() -> list[tuple[str, str]]:
    cities = get_state().observatory.cities.list(limit=200).items
    return [(city.slug, f"{city.name.get(get_language())} ({city.slug})") for city in cities]


class GroupCitiesForm(forms.Form):
    """The cities of one group, as checkboxes."""

    network = forms.BooleanField(
        required=False, label=_("Every city and the network's own records (secretariat)"))
    cities = forms.MultipleChoiceField(required=False, label=_("Cities"),
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, data: Any = None, files: Any = None, instance: Group | None = None,
                 prefix: str = "livingtogether_cities") -> None:
        self.instance = instance
        stored: set[str] = set()
        if instance is not None and instance.pk:
            stored = set(GroupCities.objects.filter(group=instance)
                         .values_list("city", flat=True))
        super().__init__(data, files, prefix=prefix, initial={
            "network": NETWORK in stored, "cities": sorted(stored - {NETWORK})})
        choices = _city_choices()
        known = {slug for slug, _ in choices}
        # a city stored before it left the Observatory stays shown, to be unticked
        choices += [(slug, slug) for slug in sorted(stored - known - {NETWORK})]
        self.fields["cities"].choices = choices  # type: ignore[attr-defined]

    def save(self) -> None:
        """Store the cities ticked (the group is saved first by Wagtail)."""
        if self.instance is None or not self.instance.pk:
            return
        wanted = set(self.cleaned_data.get("cities") or ())
        if self.cleaned_data.get("network"):
            wanted.add(NETWORK)
        GroupCities.objects.filter(group=self.instance).exclude(city__in=wanted).delete()
        for city in sorted(wanted):
            GroupCities.objects.get_or_create(group=self.instance, city=city)

    def as_admin_panel(self) -> str:
        """The panel as the group screen shows it."""
        return render_to_string("livingtogether_wagtail/admin/group_cities.html",
                                {"form": self})
