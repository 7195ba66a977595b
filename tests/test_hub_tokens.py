"""API tokens: stored as hashes, scoped to a city; 401 and 403 change nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from livingtogether import Observatory, convert
from livingtogether.cli import main
from livingtogether.demo import install
from livingtogether.errors import Forbidden, NotFound, Unauthorized, ValidationError
from livingtogether.models import ModerationStatus, Practice, Text
from livingtogether.models.hub import Scope
from livingtogether.services.tokens import require, token_hash
from livingtogether.store import schema
from livingtogether.wsgi import make_app
from test_web_support import Client, error_of, serving


def _tables(obs: Observatory) -> dict[str, list[Any]]:
    """Every row of the tables a write could touch."""
    with obs.store.read() as connection:
        return {table.name: sorted(map(repr, connection.execute(sa.select(table)).all()))
                for table in (schema.practices, schema.practice_themes, schema.changes,
                              schema.counters, schema.api_tokens)}


def test_tokens_are_stored_only_as_hashes(observatory: Observatory) -> None:
    """The secret is nowhere in the database; its SHA-256 is; it authenticates."""
    obs = observatory
    install(obs)
    token, secret = obs.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    assert secret.startswith("lt_")
    assert len(secret) == 46
    with obs.store.read() as connection:
        row = connection.execute(sa.select(schema.api_tokens)).one()
    assert secret not in repr(tuple(row))
    assert row.token_hash == token_hash(secret)
    assert obs.tokens.authenticate(secret) == token
    assert token.scopes == (Scope.SUBMIT,)
    _, other = obs.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    assert other != secret


def test_authentication_and_scopes(observatory: Observatory) -> None:
    """Missing, malformed, unknown and revoked tokens; a wrong scope or city."""
    obs = observatory
    install(obs)
    token, secret = obs.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    for bad in (None, "", "Bearer", "lt_short", "lt_" + "a" * 43):
        with pytest.raises(Unauthorized):
            obs.tokens.authenticate(bad)
    require(token, Scope.SUBMIT, city="paris")
    with pytest.raises(Forbidden):
        require(token, Scope.MODERATE)
    with pytest.raises(Forbidden):
        require(token, Scope.SUBMIT, city="montreal")
    obs.tokens.revoke(token.id)
    with pytest.raises(Unauthorized, match="revoked"):
        obs.tokens.authenticate(secret)
    assert obs.tokens.revoke(token.id).revoked_at is not None  # twice is harmless
    with pytest.raises(NotFound):
        obs.tokens.revoke(999)
    for city, scopes in (("nowhere", ["submit"]), (None, ["submit"]), ("paris", []),
                         ("paris", ["everything"])):
        with pytest.raises(ValidationError):
            obs.tokens.create(name="x", city=city, scopes=scopes)


def test_refused_writes_change_nothing(observatory: Observatory) -> None:
    """Every refused write (401, 403, 4xx of the body) leaves every table as it was."""
    obs = observatory
    install(obs)
    _, paris = obs.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    _, moderator = obs.tokens.create(name="moderators", city=None, scopes=["moderate"])
    revoked, revoked_secret = obs.tokens.create(name="old", city="paris", scopes=["submit"])
    obs.tokens.revoke(revoked.id)
    mine = Practice(slug="paris-walks", city="paris", title=Text({"en": "Walks"}))
    body = convert.unstructure(mine)
    before = _tables(obs)
    path = "/api/v1/submissions/paris-walks"
    attempts: list[tuple[str, str, dict[str, str], Any, int]] = [
        ("PUT", path, {}, body, 401),
        ("PUT", path, {"Authorization": "Bearer " + revoked_secret}, body, 401),
        ("PUT", path, {"Authorization": "Token " + paris}, body, 401),
        ("PUT", path, {"Authorization": "Bearer " + moderator}, body, 403),
        ("PUT", path, {"Authorization": "Bearer " + paris}, {**body, "city": "montreal"}, 403),
        ("PUT", path, {"Authorization": "Bearer " + paris}, {**body, "slug": "other"}, 422),
        ("PUT", path, {"Authorization": "Bearer " + paris}, {**body, "title": 5}, 422),
        ("PUT", path, {"Authorization": "Bearer " + paris}, [body], 422),
        ("PUT", "/api/v1/submissions/example-heatwave-neighbour-checks",
         {"Authorization": "Bearer " + paris},
         {**body, "slug": "example-newcomer-welcome-network"}, 422),
        ("POST", path + "/publish", {"Authorization": "Bearer " + paris}, None, 403),
        ("POST", path + "/publish", {"Authorization": "Bearer " + moderator}, None, 404),
        ("POST", "/api/v1/submissions/example-heatwave-neighbour-checks/publish",
         {"Authorization": "Bearer " + moderator}, None, 409),
        ("POST", path + "/reject", {"Authorization": "Bearer " + moderator}, {"why": "x"}, 422),
        ("GET", path, {"Authorization": "Bearer " + paris}, None, 404),
        ("GET", "/api/v1/submissions/example-newcomer-welcome-network",
         {"Authorization": "Bearer " + paris}, None, 403),
    ]
    with serving(make_app(obs)) as base:
        client = Client(base)
        for method, target, headers, data, status in attempts:
            kwargs: dict[str, Any] = {"headers": headers}
            if data is not None:
                kwargs["json"] = data
            answer = client.request(method, target, **kwargs)
            assert answer.status_code == status, (method, target, headers, answer.text)
            error_of(answer)
            assert _tables(obs) == before, (method, target, status)
        # a practice of another city with that slug: 403, and it stays that city's
        obs.practices.create(Practice(slug="taken", city="montreal",
                                      title=Text({"en": "Montréal's"})))
        before = _tables(obs)
        answer = client.request("PUT", "/api/v1/submissions/taken",
                                headers={"Authorization": "Bearer " + paris},
                                json={**body, "slug": "taken"})
        assert answer.status_code == 403
        assert _tables(obs) == before
        # the right token writes, and only the submitted state
        answer = client.request("PUT", path, headers={"Authorization": "Bearer " + paris},
                                json={**body, "status": "published"})
        assert answer.status_code == 200
        assert answer.json() == {"slug": "paris-walks", "city": "paris", "status": "submitted",
                                 "revision": None, "rejection_reason": None, "changed": True}
    assert obs.practices.get("paris-walks").status is ModerationStatus.SUBMITTED


def test_token_commands(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """create prints the secret once, list never shows it, revoke stops it at once."""
    with Observatory.open(sqlite_url) as obs:
        install(obs)
    args = ["--database-url", sqlite_url, "hub", "token"]
    assert main([*args, "create", "--name", "paris-site", "--city", "paris",
                 "--scope", "submit"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("lt_")
    assert "only its hash is stored" in err
    assert main([*args, "list"]) == 0
    listed, _ = capsys.readouterr()
    assert "paris-site\tparis\tsubmit\tactive" in listed
    assert secret not in listed
    with Observatory.open(sqlite_url) as obs:
        assert obs.tokens.authenticate(secret).city == "paris"
    assert main([*args, "revoke", "1"]) == 0
    assert "revoked" in capsys.readouterr().out
    with Observatory.open(sqlite_url) as obs, pytest.raises(Unauthorized):
        obs.tokens.authenticate(secret)
    assert main([*args, "create", "--name", "x", "--scope", "submit"]) == 2
    assert "belongs to a city" in capsys.readouterr().err
    assert main([*args, "revoke", "42"]) == 2
