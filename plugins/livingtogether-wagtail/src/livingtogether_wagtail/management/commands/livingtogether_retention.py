from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from livingtogether.cli import bounded

from ...conf import get_state


class Command(BaseCommand):
    help = ("Erase signatures never confirmed, and anonymise those of closed campaigns "
            "(run it daily).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pending-days", type=bounded(0, 36_500), default=30,
                            metavar="DAYS", help="age of unconfirmed signatures to erase (30)")
        parser.add_argument("--closed-months", type=bounded(1, 1_200), default=None,
                            metavar="MONTHS", help="anonymise confirmed signatures this long "
                            "after their declaration's last campaign day (never by default)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = get_state().observatory.retention.run(
            pending_days=options["pending_days"], closed_months=options["closed_months"])
        self.stdout.write(report.summary())
