from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...conf import get_state


class Command(BaseCommand):
    help = "Send the due emails (confirmations of signatures) through Django's email backend."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sending")
        parser.add_argument("--every", type=float, default=5.0,
                            help="seconds between passes with --loop (5)")
        parser.add_argument("--limit", type=int, default=100, choices=range(1, 10_001),
                            metavar="N", help="emails per pass (100)")

    def handle(self, *args: Any, **options: Any) -> None:
        state = get_state()
        while True:
            report = state.observatory.pledges.send_outbox(state.mailer, limit=options["limit"])
            if report.claimed:
                self.stdout.write(report.summary())
            if not options["loop"]:
                return
            time.sleep(max(options["every"], 0.1))
