"""Spec text in the two docs formats: Markdown for Slate, escaped HTML for the site.

Spec descriptions are Markdown. Raw HTML in them is never passed on: Slate gets `<` as `&lt;`
outside code, and the site renders through markdown-it with HTML disabled, so a description
containing `<script>` shows as text in both.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from ..memo import Pieces

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
# Code fences and code spans, kept as they are: backslashes and entities mean nothing inside them.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)


def md_text(text: Any) -> str:
    """Spec Markdown for a Slate page, with raw HTML turned into text."""
    parts = _CODE.split(str(text or "").strip())
    return "".join(part if index % 2 else part.replace("<", "&lt;") for index, part in enumerate(parts))


def md_cell(text: Any) -> str:
    """Spec Markdown for one cell of a Markdown table: one line, pipes escaped."""
    return " ".join(md_text(text).split()).replace("|", "\\|")


def markdown(text: Any) -> Markup:
    """Markdown as HTML blocks, every bit of raw HTML escaped."""
    return _converted("block", str(text or ""))


def markdown_inline(text: Any) -> Markup:
    """Markdown as inline HTML (a table cell, a heading), every bit of raw HTML escaped."""
    return _converted("inline", str(text or "").strip())


# Converting Markdown is most of rendering the HTML page, and the same field descriptions recur in
# every operation that shows the model. With `convert_with(pieces)`, each text is converted once per
# run and conversions of the last run are reused, so an edit converts only the texts it changed.
_pieces: Pieces | None = None


def convert_with(pieces: Pieces | None) -> None:
    """Keep conversions in `pieces` (the docs of one version) from now on; None converts every time."""
    global _pieces
    _pieces = pieces


def _converted(kind: str, text: str) -> Markup:
    def convert() -> str:
        return _MARKDOWN.render(text) if kind == "block" else _MARKDOWN.renderInline(text)

    return Markup(_pieces.get(f"markdown {kind}\n{text}", convert) if _pieces else convert())
