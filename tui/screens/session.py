"""One session: who it is for, its MCP URL (always shown as text), copy, export, readiness, verify."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..core.models import SessionInfo
from ..core.states import LedgerState
from ..widgets.messages import SessionChanged
from ..widgets.profile_strip import ProfileStrip
from . import session_policy
from .guard import writes
from .session_actions import SessionActions
from .session_policy import PolicyDashboard


class SessionScreen(PolicyDashboard, SessionActions, Screen[None]):
    BINDINGS = [
        Binding("c", "copy_url", "Copy URL", id="session.copy", tooltip="Copy the MCP URL (OSC 52)"),
        Binding("e", "export", "Export config", id="session.export",
                tooltip="Client config: Claude Code, .mcp.json, Cursor, VS Code, mcp-remote, curl"),
        Binding("k", "readiness", "Readiness", id="session.readiness", tooltip="Connection state per toolkit"),
        Binding("v", "verify", "Verify", id="session.verify", tooltip="MCP initialize + tools/list"),
        Binding("d", "delete", "Delete", id="session.delete", tooltip="Delete the session remotely"),
        Binding("t", "playground", "Playground", id="session.playground",  # playground (issue 14)
                tooltip="Ask in plain words what the agent would find; try a tool"),
        *session_policy.BINDINGS,
        Binding("escape", "back", "Back", id="session.back"),
        Binding("a", "activity", "Activity", id="session.activity", show=False,
                tooltip="What ran in this session: tool executions, live"),
    ]

    def __init__(self, info: SessionInfo, *, created: bool = False, state: str = LedgerState.ACTIVE) -> None:
        super().__init__()
        self.info = info
        self.created = created
        self.state = state

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        info = self.info
        with VerticalScroll(id="session-box"):
            title = "Session created" if self.created else "Session"
            yield Static(f"[b]{title} for user[/b] [reverse] {escape(info.user_id)} [/reverse]", id="session-user")
            yield Static(self.summary(), id="session-facts")
            yield Static("[b]MCP URL[/b] (select with the mouse, or press c to copy)", classes="label")
            yield Static(info.mcp_url, id="mcp-url", markup=False)
            yield Static(self.hint(), id="session-hint")
            yield self.policy_widget()
        yield Footer()

    def on_mount(self) -> None:
        self.load_policy()

    def summary(self) -> str:
        info = self.info
        lines = [f"session id  {escape(info.session_id)}",
                 f"toolkits    {escape(info.toolkit_scope)}",
                 f"manage      {'connections managed in-session' if info.manage_connections else 'off'}",
                 f"state       {escape(self.state)}"]
        if info.tool_router_tools:
            lines.append(f"meta tools  {escape(', '.join(info.tool_router_tools))}")
        return "\n".join(lines)

    def hint(self) -> str:
        return ("[dim]Hand this URL to the MCP client of this user only. Clients must send the x-api-key "
                "header (e exports a ready config).[/dim]")

    def action_copy_url(self) -> None:
        self.copy_session_url(self.info)

    def action_export(self) -> None:
        from .export import ExportScreen

        self.app.push_screen(ExportScreen(self.info))

    def action_readiness(self) -> None:
        from .readiness import ReadinessScreen

        self.app.push_screen(ReadinessScreen(self.info))

    def action_verify(self) -> None:
        from .verify import VerifyScreen

        self.app.push_screen(VerifyScreen(self.info))

    @writes("deleting a session")
    def action_delete(self) -> None:
        self.delete_session(self.info, self.state)

    def on_session_changed(self, message: SessionChanged) -> None:
        if message.session_id == self.info.session_id and message.state is not None:
            self.state = message.state
            self.query_one("#session-facts", Static).update(self.summary())

    def action_back(self) -> None:
        self.dismiss(None)

    # --- playground (issue 14) ---
    def action_playground(self) -> None:
        from .playground import PlaygroundScreen

        self.app.push_screen(PlaygroundScreen(self.info))

    # --- activity ---
    def action_activity(self) -> None:
        from .activity import ActivityScreen

        self.app.push_screen(ActivityScreen(session=self.info.session_id, user=self.info.user_id))
