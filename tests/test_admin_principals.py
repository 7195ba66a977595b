"""Principals and permissions: scoped per city, default deny, clear refusals."""

from __future__ import annotations

import pytest

from livingtogether.admin import ROLES, Permission, Principal
from livingtogether.errors import Forbidden, LivingTogetherError, ValidationError


def test_nothing_is_allowed_that_was_not_granted() -> None:
    nobody = Principal(id="u1", name="Ada")
    for permission in Permission:
        assert not nobody.can(permission, "izmir")
        assert not nobody.can(permission, None)


def test_permissions_hold_on_the_principal_s_cities_only() -> None:
    editor = Principal(id="u1", name="Ada", cities={"izmir"},
                       permissions={"practices.edit"})
    assert editor.can(Permission.PRACTICES_EDIT, "izmir")
    assert not editor.can(Permission.PRACTICES_EDIT, "montreal")
    assert not editor.can(Permission.PRACTICES_EDIT, None)  # a record of no city
    assert not editor.can(Permission.PRACTICES_PUBLISH, "izmir")


def test_the_secretariat_works_network_wide() -> None:
    admin = Principal.with_roles(id="s1", name="Sec", roles=["secretariat-admin"])
    assert admin.secretariat
    assert all(admin.can(p, city) for p in Permission for city in ("izmir", None))
    moderator = Principal.with_roles(id="s2", name="Mod", roles=["secretariat-moderator"])
    assert moderator.can("practices.moderate", "anywhere")
    assert not moderator.can("signatures.export", "izmir")


def test_a_refusal_names_the_permission_and_the_city() -> None:
    editor = Principal.with_roles(id="u1", name="Ada", roles=["city-editor"], cities=["izmir"])
    with pytest.raises(Forbidden) as caught:
        editor.require(Permission.PRACTICES_PUBLISH, "izmir")
    assert isinstance(caught.value, LivingTogetherError)
    assert "'practices.publish'" in caught.value.message
    assert "'izmir'" in caught.value.message
    with pytest.raises(Forbidden, match="network-wide"):
        editor.require(Permission.THEMES_EDIT, None)


def test_roles_are_named_sets_and_unknown_names_are_refused() -> None:
    assert set(ROLES) == {"city-editor", "city-publisher", "city-campaign-officer",
                          "secretariat-moderator", "secretariat-admin"}
    with pytest.raises(ValidationError, match="is not a role"):
        Principal.with_roles(id="u", name="U", roles=["root"])
    with pytest.raises(ValidationError, match="is not a permission"):
        Principal(id="u", name="U", permissions={"everything"})
    with pytest.raises(ValidationError, match="not a valid slug"):
        Principal(id="u", name="U", cities={"Not A Slug"})
    with pytest.raises(ValidationError, match="list of city slugs"):
        Principal(id="u", name="U", cities="izmir")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Principal(id="", name="U")
