"""The contract test: schemathesis against ``/openapi.json`` of a live server.

Every operation of the document gets generated requests (valid and invalid
parameters and bodies), some with a city's API token so that the writing
endpoints are reached past their 401; every answer must be below 500 and
conform to the document: status, content type, headers and body schema.
The number of examples is kept small so that the run stays well under two
minutes on two cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi import checks

from livingtogether import Observatory
from livingtogether.demo import install
from livingtogether.web.app import build_routes
from livingtogether.wsgi import make_app
from test_web_support import serving

#: Examples per operation: enough to cover each parameter's kinds, small enough for CI.
EXAMPLES = 12

#: The model schemas give types, not every rule of the models (a slug's pattern, a
#: required language), so a schema-valid body may still be refused with 422; that
#: one check is left out. Every answer must still be documented and conform.
EXCLUDED = [checks.positive_data_acceptance]

TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def live_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The OpenAPI document of a live server on the demo data (SQLite)."""
    path: Path = tmp_path_factory.mktemp("contract") / "hub.sqlite3"
    obs = Observatory.open(f"sqlite:///{path}", pledge_ip_limit=0)
    install(obs)
    _, TOKENS["submit"] = obs.tokens.create(name="paris-site", city="paris",
                                            scopes=["submit", "moderate"])
    try:
        with serving(make_app(obs), threaded=True) as base:
            yield schemathesis.openapi.from_url(f"{base}/openapi.json")
    finally:
        obs.close()


def _operations() -> list[tuple[str, str]]:
    routes = build_routes()
    return [(r.method, r.path) for r in routes if r.in_schema]


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
def test_every_generated_request_gets_a_documented_answer(live_schema: Any, method: str,
                                                          path: str) -> None:
    """No 5xx; status, content type, headers and body as the document says."""
    operation = live_schema[path][method]
    headers = ({"Authorization": f"Bearer {TOKENS['submit']}"}
               if "/submissions" in path else None)

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate], database=None)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, timeout=10, excluded_checks=EXCLUDED)

    run()
