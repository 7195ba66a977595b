"""A campaign's momentum as open data: signatures per hour or per day of its week, as
JSON and as CSV (the one CSV writer, :mod:`livingtogether.exports`)."""

from __future__ import annotations

from typing import Any

from .. import convert
from ..exports import csv_document
from ..services.momentum import Momentum, Step, momentum
from .data import download, ok
from .params import Param
from .routes import PREFIX, Call, Route

_STEP = Param(name="step", kind="enum", choices=Step, default=Step.HOUR,
              description="count per hour or per day")


def _momentum(call: Call) -> Momentum:
    return momentum(call.obs.store, call.obs.campaigns.get(call.path["slug"]),
                    call.params["step"])


def momentum_json(call: Call) -> Any:
    """Signatures per hour or day of a campaign's week."""
    found = _momentum(call)
    return ok({**convert.unstructure(found), "total": found.total})


def momentum_csv(call: Call) -> Any:
    """The same as CSV: one row per hour or day."""
    found = _momentum(call)
    rows = ((convert.unstructure(b.start), b.confirmed) for b in found.buckets)
    return download(csv_document(("start", "confirmed"), rows), "text/csv; charset=utf-8",
                    f"{found.campaign}-momentum-{found.step.value}.csv")


_ABOUT = ("The campaign's week: the seven days ending with the campaign day, in the "
          "campaign's zone. A signature counts at its confirmation; withdrawn ones no "
          "longer count.")

ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}/momentum", handler=momentum_json,
          name="campaign-momentum", summary="A campaign's signatures per hour or per day",
          tag="pledges", description=_ABOUT, params=(_STEP,), errors=(400, 404)),
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}/momentum.csv",
          handler=momentum_csv, name="campaign-momentum-csv",
          summary="A campaign's signatures per hour or per day, as CSV", tag="pledges",
          description=_ABOUT, params=(_STEP,), response_type="text/csv", errors=(400, 404)),
)
