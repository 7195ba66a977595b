"""Sphinx configuration: Markdown pages (MyST), built with warnings as errors.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (part of
``make test``). The ``python`` code blocks of these pages are executed by
``tests/test_docs.py``.
"""

from __future__ import annotations

project = "livingtogether"
author = "The livingtogether team"
copyright = "the livingtogether team"
release = "0.1.0"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = "livingtogether"
html_theme_options = {
    "description": "The Observatory of Mayors on Living Together, in your city's website",
    "fixed_sidebar": True,
}
