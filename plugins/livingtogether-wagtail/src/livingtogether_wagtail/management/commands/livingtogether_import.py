from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from livingtogether.errors import LivingTogetherError
from livingtogether.observatory import read_bundle

from ...conf import get_state


class Command(BaseCommand):
    help = "Import a bundle (JSON) into the Observatory: all records or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the bundle's file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_bundle(options["file"])
            report = get_state().observatory.import_bundle(data)
        except LivingTogetherError as error:
            raise CommandError(str(error)) from None
        for line in report.lines():
            self.stdout.write(line)
