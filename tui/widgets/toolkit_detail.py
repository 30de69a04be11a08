"""The detail pane: what a toolkit is, how it authenticates, and its tools (loaded on demand)."""

from __future__ import annotations

from rich.markup import escape
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..core.models import Tool, Toolkit, ToolkitDetail


class ToolkitDetail(VerticalScroll):
    """Shows one toolkit. ``show_tools`` fills in the tools list once a worker fetched it."""

    DEFAULT_CSS = """
    ToolkitDetail { padding: 0 1; }
    ToolkitDetail > #detail-body { width: 1fr; }
    ToolkitDetail > #detail-tools { width: 1fr; margin-top: 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.slug: str | None = None
        self.can_focus = False

    def compose(self):
        yield Static("Highlight a toolkit to see its details.", id="detail-body")
        yield Static("", id="detail-tools")

    def show(self, tk: Toolkit | None, extra: ToolkitDetail | None = None) -> None:
        self.slug = tk.slug if tk else None
        body = self.query_one("#detail-body", Static)
        if tk is None:
            body.update("No toolkit highlighted.")
            self.query_one("#detail-tools", Static).update("")
            return
        managed = list(extra.managed_auth if extra else ()) or list(tk.managed_auth_schemes)
        lines = [
            f"[b]{escape(tk.name)}[/b]  [dim]{escape(tk.slug)}[/dim]",
            "",
            escape(tk.description or "No description."),
            "",
            f"[b]Categories[/b]  {escape(tk.category_names or '—')}",
            f"[b]Auth[/b]        {escape('no auth needed' if tk.no_auth else (', '.join(tk.auth_schemes) or '—'))}",
            f"[b]Managed[/b]     {escape(', '.join(managed) or 'none (bring your own auth config)')}",
            f"[b]Tools[/b]       {tk.tools_count}    [b]Triggers[/b] {tk.triggers_count}",
            f"[b]App[/b]         {escape(tk.app_url or '—')}",
        ]
        body.update("\n".join(lines))
        self.query_one("#detail-tools", Static).update("[dim]Loading tools…[/dim]")
        self.scroll_home(animate=False)

    def show_tools(self, slug: str, tools: list[Tool] | None, error: str = "") -> None:
        if slug != self.slug:
            return  # a stale answer for a toolkit no longer shown
        target = self.query_one("#detail-tools", Static)
        if error:
            target.update(f"[b]Tools[/b]\n[$error]{escape(error)}[/]")
            return
        if not tools:
            target.update("[b]Tools[/b]\n[dim]No tools listed.[/dim]")
            return
        rows = [f"[b]Tools ({len(tools)})[/b]"]
        rows += [f"• [b]{escape(t.slug)}[/b]\n  [dim]{escape(t.description or t.name)}[/dim]" for t in tools]
        target.update("\n".join(rows))
