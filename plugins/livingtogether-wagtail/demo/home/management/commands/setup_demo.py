"""Fill the demo: the Observatory's demo data, a page with the widgets as blocks, and the
demo's admin login (``demo`` / ``demo``: this demo site only, never the plugin's; a site of
your own makes its users with ``createsuperuser``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from livingtogether_wagtail.conf import get_state
from wagtail.models import Page, Site

from demo.home.models import ObservatoryPage
from livingtogether.demo import install

#: the demo's admin login, printed by ``make run-wagtail`` and named in the README
DEMO_USER = DEMO_PASSWORD = "demo"  # noqa: S105 - the demo's, documented on purpose

BODY = [
    ("programme", {"event": "izmir-2021"}),
    ("counter", {"declaration": "universal-declaration"}),
    ("pledge", {"declaration": "universal-declaration"}),
    ("cities", {}),
    ("practices", {"city": "izmir"}),
]


class Command(BaseCommand):
    help = "Load the demo data and make the home page show the widgets (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        install(get_state().observatory)
        page = ObservatoryPage.objects.filter(slug="summit").first()
        if page is None:
            root = Page.get_first_root_node()
            page = root.add_child(instance=ObservatoryPage(
                title="Izmir hosts the Mayors Summit", slug="summit", body=BODY))
            site = Site.objects.filter(is_default_site=True).first()
            if site is None:
                Site.objects.create(hostname="127.0.0.1", port=8001, root_page=page,
                                    is_default_site=True)
            else:
                old = site.root_page
                site.root_page = page
                site.save()
                if old.depth > 1 and not isinstance(old.specific, ObservatoryPage):
                    old.delete()
        self.stdout.write(f"demo page: {page.url_path} (id {page.id})")
        users = get_user_model().objects
        if not users.filter(username=DEMO_USER).exists():
            users.create_superuser(DEMO_USER, "demo@izmir.example", DEMO_PASSWORD)
        self.stdout.write(f"demo admin login: {DEMO_USER} / {DEMO_PASSWORD} "
                          "(made for this demo site only)")
