"""What the staff layer's tests share: an Observatory with two cities, and principals."""

from __future__ import annotations

from livingtogether import Observatory
from livingtogether.admin import Principal
from livingtogether.admin.services import Staff
from livingtogether.models import City, Practice, Text


def two_cities(obs: Observatory) -> Staff:
    """Izmir and Montreal stored; the staff layer of ``obs``."""
    obs.cities.create(City(slug="izmir", name=Text({"en": "Izmir", "tr": "İzmir"}),
                           country="TR", timezone="Europe/Istanbul"))
    obs.cities.create(City(slug="montreal", name=Text.of("Montreal"), country="CA",
                           timezone="America/Montreal"))
    return Staff(obs)


def principal(*roles: str, city: str = "izmir", id: str = "ada") -> Principal:
    """A principal of ``city`` holding ``roles``."""
    return Principal.with_roles(id=id, name=id.title(), roles=roles, cities=[city])


def practice(slug: str = "dialogue", city: str = "izmir", **fields: object) -> Practice:
    """A practice of ``city``."""
    values: dict[str, object] = {"title": Text.of("Neighbourhood dialogue")}
    values.update(fields)
    return Practice(slug=slug, city=city, **values)  # type: ignore[arg-type]
