from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...conf import get_state


class Command(BaseCommand):
    help = "Export every public record as a bundle (JSON); signatures are never part of it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="where to write (- : stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(get_state().observatory.export_bundle(), ensure_ascii=False, indent=2)
        if options["file"] == "-":
            self.stdout.write(text)
            return
        try:
            with open(options["file"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError as error:
            raise CommandError(f"cannot write the bundle: {error}") from None
