from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from livingtogether.retention import DEFAULT_UNCONFIRMED_DAYS, purge_unconfirmed

from ...conf import get_state


class Command(BaseCommand):
    help = "Erase signatures never confirmed after some days (run it daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=DEFAULT_UNCONFIRMED_DAYS,
                            choices=range(0, 3651), metavar="DAYS",
                            help=f"age of pending signatures to erase "
                                 f"({DEFAULT_UNCONFIRMED_DAYS}; 0 to 3650)")

    def handle(self, *args: Any, **options: Any) -> None:
        erased = purge_unconfirmed(get_state().observatory,
                                   older_than=timedelta(days=options["days"]))
        self.stdout.write(f"{erased} unconfirmed signature(s) erased")
