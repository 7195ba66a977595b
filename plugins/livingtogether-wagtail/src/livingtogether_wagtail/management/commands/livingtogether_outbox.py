from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from livingtogether.cli import bounded
from livingtogether.services.outbox import OutboxReport

from ...conf import get_state


class Command(BaseCommand):
    help = "Send the due emails (confirmations of signatures) through Django's email backend."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sending")
        parser.add_argument("--every", type=bounded(0.1, 86_400, integer=False), default=5.0,
                            help="with --loop: seconds to wait when the queue is empty (5)")
        parser.add_argument("--limit", type=bounded(1, 10_000), default=100,
                            metavar="N", help="emails per pass (100)")

    def handle(self, *args: Any, **options: Any) -> None:
        def show(report: OutboxReport) -> None:
            if report.claimed:
                self.stdout.write(report.summary())

        state = get_state()
        state.observatory.outbox.run(
            state.mailer, limit=options["limit"], interval=options["every"],
            passes=None if options["loop"] else 1, on_report=show)
