from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from livingtogether.errors import LivingTogetherError
from livingtogether.observatory import write_bundle

from ...conf import get_state


class Command(BaseCommand):
    help = "Export every public record as a bundle (JSON); signatures are never part of it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="where to write (- : stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            write_bundle(get_state().observatory.export_bundle(), options["file"], self.stdout)
        except LivingTogetherError as error:
            raise CommandError(str(error)) from None
