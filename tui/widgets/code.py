"""Highlighted code and schema trees for the playground, the tool detail and the export preview.

Rule: colours come from the Textual theme (``textual.highlight`` styles are theme variables), so
NO_COLOR and light themes stay readable; the copied text is always the plain text, never markup.
"""

from __future__ import annotations

from rich.markup import escape
from textual.content import Content
from textual.highlight import highlight

from ..core import schema as sch


def code(text: str, language: str = "json") -> Content:
    """``text`` highlighted as ``language`` (json, bash, …); the text itself is kept exactly (the
    highlighter drops a final newline, so it is put back)."""
    content = highlight(text, language=language)
    return content + "\n" if text.endswith("\n") and not content.plain.endswith("\n") else content


def language_of(text: str) -> str:
    """JSON when the text is a JSON document, else shell (the export formats are one or the other)."""
    return "json" if text.lstrip().startswith(("{", "[")) else "bash"


def tree_markup(schema: dict, empty: str = "no parameters") -> str:
    """The schema as a readable tree: required fields first and marked, types, enums, descriptions."""
    rows = sch.tree(schema or {})
    if not rows:
        return f"[dim]({escape(empty)})[/dim]"
    lines = []
    for row in rows:
        indent = "  " * row.depth
        mark = "[$error]*[/]" if row.required else " "
        line = f"{indent}{mark} [b]{escape(row.name)}[/b] [$accent]{escape(row.type_label)}[/]"
        if row.enum:
            line += " [$warning]" + escape(" | ".join(str(v) for v in row.enum)) + "[/]"
        if row.description:
            line += f"\n{indent}    [dim]{escape(row.description)}[/dim]"
        lines.append(line)
    return "\n".join(lines)
