"""A campaign's report (:mod:`livingtogether.services.campaign_report`): a page to read
and print, the same as JSON, and as CSV (the one CSV writer, :mod:`livingtogether.exports`).

The CSV is one table with a ``section`` column: a ``total`` row (the campaign's
figures: the cities taking part and how many did each action, the screenings, held,
with an attendance entered), a ``city`` row per city taking part, a ``screening``
row per public screening; each row fills the columns of its section and leaves the others
empty, so that a spreadsheet filters it by section.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from .. import convert
from ..exports import csv_document
from ..services.campaign_report import CampaignReport, Signatures, campaign_report
from .data import download, ok
from .http import Response
from .params import LANG
from .render import language, render, respond
from .routes import PREFIX, Call, Route, widget_route


def _report(call: Call) -> CampaignReport:
    return campaign_report(call.obs.store, call.obs.campaigns.get(call.path["slug"]))


def report_json(call: Call) -> Any:
    """A campaign's report."""
    return ok(convert.unstructure(_report(call)))


#: The columns of the report's CSV.
COLUMNS = ("section", "cities", "cities_disseminating", "cities_screening",
           "cities_signing", "city", "country", "disseminated", "channels", "screenings", "held",
           "signed", "screening", "venue", "starts_at", "zone", "capacity", "seats_taken",
           "waiting", "attendance_entered", "attended", "note", "signatures_before",
           "signatures_during", "signatures_ratio")


def _signature_cells(found: Signatures | None) -> tuple[Any, ...]:
    return (found.before, found.during, found.ratio) if found is not None else ("", "", "")


def report_rows(report: CampaignReport) -> Iterator[tuple[Any, ...]]:
    """The rows of the report's CSV, in :data:`COLUMNS`' order."""
    def row(**cells: Any) -> tuple[Any, ...]:
        return tuple("" if cells.get(name) is None else cells[name] for name in COLUMNS)

    def flag(value: bool) -> str:
        return "yes" if value else "no"

    totals = report.totals
    before, during, ratio = _signature_cells(report.signatures)
    yield row(section="total", cities=totals.cities,
              cities_disseminating=totals.disseminating, cities_screening=totals.screening,
              cities_signing=totals.signing, screenings=totals.screenings, held=totals.held,
              seats_taken=totals.seats_taken, attendance_entered=totals.attendance_entered,
              attended=totals.attended,
              signatures_before=before, signatures_during=during, signatures_ratio=ratio)
    for city in report.cities:
        before, during, ratio = _signature_cells(city.signatures)
        yield row(section="city", city=city.city, country=city.country,
                  disseminated=flag(city.disseminated), channels="; ".join(city.channels),
                  screenings=city.screenings, held=city.held, signed=flag(city.signed),
                  signatures_before=before, signatures_during=during, signatures_ratio=ratio)
    for line in report.screenings:
        yield row(section="screening", city=line.city, screening=line.key, venue=line.venue,
                  starts_at=convert.unstructure(line.starts_at), zone=line.zone,
                  held=flag(line.held), capacity=line.capacity, seats_taken=line.seats_taken,
                  waiting=line.waiting, attended=line.attended, note=line.note)


def report_csv(call: Call) -> Any:
    """The same as CSV: a total row, a row per city taking part, a row per screening."""
    report = _report(call)
    return download(csv_document(COLUMNS, report_rows(report)), "text/csv; charset=utf-8",
                    f"{report.campaign}-report.csv")


def report_widget(call: Call) -> Response:
    """A campaign's report to read and print: cities by action, screenings and their
    attendance, the signatures of the campaign's week against the week before."""
    lang = language(call)
    campaign = call.obs.campaigns.get(call.path["slug"])
    report = campaign_report(call.obs.store, campaign)
    last_before = report.week_start.date() - timedelta(days=1)
    days = {"before": (report.before_start.date(), last_before),
            "week": (report.week_start.date(), campaign.day)}

    def absolute(name: str, /, **values: Any) -> str:  # printed after each link
        return call.url_for(name, external=True, **values)

    html = render(call.web, call.request, "campaign_report.html", lang, campaign=campaign,
                  report=report, days=days, absolute=absolute)
    return respond(call, html, lang)


_ABOUT = ("Cities taking part and what each did (disseminated the film, organised "
          "screenings, signed); the public screenings, those held with the attendance "
          "their city's staff entered, and their seats taken and waiting lists; confirmed "
          "signatures of the campaign's declaration during its week (the seven days ending "
          "with the day, in its zone) against the seven days before, in all and per city "
          "(signers who gave one of its names). Provisional until the week is over.")

ROUTES: tuple[Route, ...] = (
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}/report", handler=report_json,
          name="campaign-report", summary="A campaign's report", tag="pledges",
          description=_ABOUT, response="CampaignReport", errors=(404,)),
    Route(method="GET", path=f"{PREFIX}/campaigns/{{slug}}/report.csv", handler=report_csv,
          name="campaign-report-csv", summary="A campaign's report, as CSV", tag="pledges",
          description=_ABOUT + " One table: a section column (total, city, screening).",
          response_type="text/csv", errors=(404,)),
)

WIDGET_ROUTES: tuple[Route, ...] = (
    widget_route(method="GET", path="/widgets/campaign/{slug}/report", handler=report_widget,
                 name="widget-campaign-report", etag=False,  # "held" changes with the time
                 summary="Widget: a campaign's report, to read and to print",
                 description=_ABOUT, params=(LANG,), errors=(400, 404)),
)
