"""axe-core on the Wagtail admin's review screens, against a plain Wagtail listing (the
sites' list) as the baseline: the plugin's screens add no violation of their own.

The demo Wagtail site under gunicorn (``wagtail_site`` of test_journeys.py); the demo
login; one submitted practice in the queue, so that an item's page is audited too.
"""

from __future__ import annotations

from typing import Any

from livingtogether import Observatory

from .journeys import WCAG
from .test_journeys import wagtail_site

__all__ = ["wagtail_site"]  # the fixture, imported for pytest

SCREENS = ("signatures/", "signatures/export/", "moderation/", "submissions/")


def violations(page: Any, axe_source: str) -> dict[str, str]:
    """axe-core's violations on the whole page (WCAG 2.2 A and AA): id -> what it says."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => [v.id, v.help + ': '
                + v.nodes.map(n => n.target.join(' ')).join(', ')]);
        }""", WCAG)
    return dict(found)


def test_the_review_screens_add_no_axe_violation(
        wagtail_site: tuple[str, Observatory, dict[str, str]], page: Any,
        axe_source: str) -> None:
    base, observatory, _ = wagtail_site
    practice = observatory.practices.list(limit=1).items[0]
    observatory.practices.unpublish(practice.slug)
    observatory.practices.submit(practice.slug)
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/sites/")
    baseline = violations(page, axe_source)
    admin = f"{base}/admin/livingtogether/"
    for screen in (*SCREENS, f"moderation/{practice.slug}/"):
        page.goto(admin + screen)
        assert page.locator("main h1, main h2").count() > 0, screen
        added = {name: said for name, said in violations(page, axe_source).items()
                 if name not in baseline}
        assert added == {}, (screen, added)
    assert page.locator(".lt-widget--practice").count() == 1  # the public widget's preview
