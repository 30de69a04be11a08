"""Verify: an MCP initialize + tools/list against the session URL with the exported headers."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..core.models import SessionInfo
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip


class VerifyScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "run", "Run again", id="verify.run"),
        Binding("escape", "back", "Back", id="verify.back"),
    ]

    def __init__(self, info: SessionInfo) -> None:
        super().__init__()
        self.info = info
        self.result = None

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(f"[b]Verify[/b] session {escape(self.info.session_id)} for user "
                     f"[reverse] {escape(self.info.user_id)} [/reverse]", id="verify-title")
        with VerticalScroll(id="verify-box"):
            yield Static("Connecting with the MCP client (initialize, tools/list)…", id="verify-text")
        yield Footer()

    def on_mount(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        self.query_one("#verify-text", Static).update("Connecting with the MCP client (initialize, tools/list)…")
        self.probe()

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False, description="verify")
    def probe(self) -> None:
        app = self.app
        ctx = app.ctx
        result = ctx.verify_log.verify(ctx.gateway, self.info.session_id, self.info.mcp_url,
                                       timeout=ctx.settings.timeout)  # kept: the session dashboard shows it
        app.call_from_thread(self._show, result)

    def _show(self, result) -> None:
        self.result = result
        if result.ok:
            tools = "\n".join(f"  • {escape(t)}" for t in result.tools) or "  (none)"
            text = (f"[$success]✓ The MCP endpoint answers[/] ({escape(result.server or 'server')}, "
                    f"{result.seconds:.2f} s) with {len(result.tools)} tools:\n{tools}")
        else:
            text = f"[$error]✗ {escape(result.diagnosis)}[/]\n\n[dim]r runs the check again.[/dim]"
        self.query_one("#verify-text", Static).update(text)

    def action_back(self) -> None:
        self.dismiss(None)
