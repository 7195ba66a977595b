"""The programme widget in a real browser: headless Chromium driven by Playwright.

The widget is complete as HTML; its static script adds each session's time in
the reader's own zone. Here the browser runs in Tokyo's zone, under the
widget's Content-Security-Policy, and must add that line to every session
with a time, and to no other, without any policy violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from livingtogether.demo.izmir import IZMIR_2021
from livingtogether.wsgi import make_app
from test_web_support import serving


@pytest.fixture
def base(open_demo: Any) -> Iterator[str]:
    """A server with the demo data."""
    with serving(make_app(open_demo())) as url:
        yield url


def test_the_readers_own_time_is_added_by_the_static_script(browser: Any, base: str) -> None:
    problems: list[str] = []
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="fr-FR")
    try:
        page = context.new_page()
        # script errors, and anything the policy refused (the browser asking for a
        # favicon the widget does not have is neither)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: problems.append(message.text)
                if message.type == "error" and "favicon" not in message.text
                and "404" not in message.text else None)
        page.goto(f"{base}/widgets/programme/izmir-2021?lang=fr")
        page.wait_for_selector(".lt-times__local")
        local = page.locator(".lt-times__local").all_inner_texts()
    finally:
        context.close()
    timed = [s for s in IZMIR_2021.sessions if s.starts_at is not None]
    assert len(local) == len(timed)
    tokyo = timedelta(hours=9)  # Japan keeps no daylight saving time
    for text, session in zip(local, timed, strict=True):
        assert session.starts_at is not None
        assert session.ends_at is not None
        start, end = session.starts_at + tokyo, session.ends_at + tokyo
        # the label in the page's language, a no-break space before its colon (French)
        assert text.startswith("Votre heure\u00a0: "), text
        assert text.endswith(" UTC+9"), text
        clocks = [(int(h), int(m)) for h, m in re.findall(r"(\d{1,2}):(\d{2})", text)]
        assert clocks == [(start.hour, start.minute), (end.hour, end.minute)], text
        # the reader's days, in French: the end's too when it falls on the next day
        days = re.findall(r"\b(\d{1,2}) déc\.", text)
        expected = [start.day] if end.date() == start.date() else [start.day, end.day]
        assert [int(d) for d in days] == expected, text
    assert not problems, problems


def test_arabic_writes_the_readers_time_with_the_arabic_comma(browser: Any, base: str) -> None:
    """"توقيتك: ..." joins the reader's day and clock with "، ", never a Latin comma."""
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="ar")
    try:
        page = context.new_page()
        page.goto(f"{base}/widgets/programme/izmir-2021?lang=ar")
        page.wait_for_selector(".lt-times__local")
        local = page.locator(".lt-times__local").all_inner_texts()
    finally:
        context.close()
    assert local
    for text in local:
        assert text.startswith("توقيتك: "), text
        assert "، " in text, text
        assert "," not in text, text
