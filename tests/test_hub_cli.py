"""``livingtogether hub pull`` and ``hub push`` against a real hub on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_support import FaultyProxy, opened_hub, snapshot
from livingtogether import Observatory
from livingtogether.cli import main
from livingtogether.models import Practice, Text
from livingtogether.wsgi import make_app
from test_web_support import serving


@pytest.fixture
def hub(sqlite_url: str) -> Iterator[Observatory]:
    """A hub with the demo data."""
    yield from opened_hub(sqlite_url)


def test_pull_and_push_commands(hub: Observatory, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """pull shows progress and a summary; a second pull adds nothing; push reports states."""
    member_url = f"sqlite:///{tmp_path / 'member.sqlite3'}"
    _, secret = hub.tokens.create(name="paris-site", city="paris", scopes=["submit"])
    with serving(make_app(hub), threaded=True) as hub_url:
        proxy = FaultyProxy(hub_url, ["500", "pass", "cut"])
        with proxy.serving() as proxy_url:
            args = ["--database-url", member_url, "hub", "pull", "--from", proxy_url,
                    "--retries", "3", "--timeout", "5"]
            assert main(args) == 0
            out, err = capsys.readouterr()
            cities = len(snapshot(hub)["cities"])
            assert f"cities: {cities} added, 0 updated, 0 removed" in out
            assert "pull: " in out
            assert "practices: " in err  # the progress lines
            assert main(args) == 0
            out, _ = capsys.readouterr()
            assert "pull: 0 added, 0 updated, 0 removed" in out
        with Observatory.open(member_url) as member:
            assert snapshot(member) == snapshot(hub)
            member.practices.create(Practice(slug="paris-walks", city="paris",
                                             title=Text({"en": "Walks"})))
        monkeypatch.setenv("LIVINGTOGETHER_HUB_URL", hub_url)
        push = ["--database-url", member_url, "hub", "push"]
        assert main(push) == 2
        assert "LIVINGTOGETHER_HUB_TOKEN" in capsys.readouterr().err
        monkeypatch.setenv("LIVINGTOGETHER_HUB_TOKEN", secret)
        assert main(push) == 0
        out, _ = capsys.readouterr()
        assert "paris-walks: submitted (sent)" in out
        assert "1 sent, 0 unchanged, 1 in all for paris" in out
        assert main([*push, "no-such-practice"]) == 2
        assert "no-such-practice" in capsys.readouterr().err
        monkeypatch.setenv("LIVINGTOGETHER_HUB_TOKEN", "lt_" + "x" * 43)
        assert main(push) == 2
        assert "401" in capsys.readouterr().err
    # the hub is gone: a clear error, exit 2
    assert main(["--database-url", member_url, "hub", "pull", "--from", hub_url,
                 "--retries", "1"]) == 2
    assert "failed after 2 tries" in capsys.readouterr().err


def test_pull_needs_a_hub(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --from nor LIVINGTOGETHER_HUB_URL the command says what to give."""
    monkeypatch.delenv("LIVINGTOGETHER_HUB_URL", raising=False)
    assert main(["--database-url", f"sqlite:///{tmp_path / 'm.sqlite3'}", "hub", "pull"]) == 2
    assert "LIVINGTOGETHER_HUB_URL" in capsys.readouterr().err
    assert main(["--database-url", f"sqlite:///{tmp_path / 'm.sqlite3'}", "hub", "pull",
                 "--from", "ftp://example.org"]) == 2
    assert "not a hub URL" in capsys.readouterr().err
