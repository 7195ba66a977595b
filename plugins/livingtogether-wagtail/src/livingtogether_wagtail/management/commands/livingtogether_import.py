from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from livingtogether.errors import LivingTogetherError

from ...conf import get_state


class Command(BaseCommand):
    help = "Import a bundle (JSON) into the Observatory: all records or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the bundle's file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"] == "-":
                data = json.load(sys.stdin)
            else:
                with open(options["file"], encoding="utf-8") as handle:
                    data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the bundle: {error}") from None
        try:
            report = get_state().observatory.import_bundle(data)
        except LivingTogetherError as error:
            raise CommandError(str(error)) from None
        for key, created in report.created.items():
            updated = report.updated[key]
            if created or updated:
                self.stdout.write(f"{key}: {created} created, {updated} updated")
