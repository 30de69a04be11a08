"""DataTable cells. Plain strings in a DataTable are parsed as markup, so every cell that carries
outside text (names, ids, slugs) goes through here as a Text, and colours come from the theme."""

from __future__ import annotations

from rich.text import Text


def cell(value: object, style: str = "") -> Text:
    return Text(str(value), style=style, no_wrap=True, overflow="ellipsis")


def themed(app, value: str, variable: str) -> Text:
    """Text coloured with a theme variable such as "success" or "error" (no hard-coded colours)."""
    colour = app.theme_variables.get(variable, "")
    return cell(value, colour)
