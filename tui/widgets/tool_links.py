"""The tools list of a toolkit's detail pane, each slug a link that opens the tool's schemas
(input and output, tree or JSON, copyable). Fetching runs in a worker (screens.tool_detail.OpensTools)."""

from __future__ import annotations

import re

from rich.markup import escape
from textual.widgets import Static

from ..screens.tool_detail import OpensTools

_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")


def tool_link(slug: str) -> str:
    """Markup for a slug that opens its schemas on click (plain text for anything odd)."""
    if not _SAFE.match(slug):
        return escape(slug)
    return f"[@click=open_tool('{slug}')]{escape(slug)}[/]"


class ToolLinks(OpensTools, Static):
    """A Static whose ``open_tool`` links open ToolDetailScreen (no session: schemas only). The links look
    like the surrounding text until the mouse is over them, so the pane reads as before."""

    DEFAULT_CSS = """
    ToolLinks { link-color: $foreground; link-background: $background 0%; link-style: none; }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._details = {}

    def action_open_tool(self, slug: str) -> None:
        self.open_tool(slug)
