"""The browser journeys (a package, so that its conftest is browser.conftest)."""
