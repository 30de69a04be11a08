"""One session's dashboard: who it is for, its MCP URL (always shown as text), copy, export; a readiness
summary (``sessions.readiness`` in a worker, read again after the readiness screen or an edit) and the
last verify result of this run (``ctx.verify_log``), each one key from its detail (k, v); the policy part
is ``session_policy``."""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ..core import probe, sessions
from ..core.errors import ApiError
from ..core.models import SessionInfo, ToolkitConnection
from ..core.states import LedgerState
from ..widgets.footer import Footer
from ..widgets.messages import SessionChanged
from ..widgets.profile_strip import ProfileStrip
from . import session_policy
from .guard import writes
from .session_actions import SessionActions
from .session_policy import PolicyDashboard


class ReadinessLoaded(Message):
    """The dashboard's readiness summary arrived (``rows``) or failed (``error``)."""

    def __init__(self, session_id: str, rows: list[ToolkitConnection] | None, error: str = "") -> None:
        super().__init__()
        self.session_id, self.rows, self.error = session_id, rows, error


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
        self.readiness = "[dim]checking…[/dim]"  # the summary line (markup), k opens the detail

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
        self.load_readiness()

    def summary(self) -> str:
        info = self.info
        lines = [f"session id  {escape(info.session_id)}",
                 f"toolkits    {escape(info.toolkit_scope)}",
                 f"manage      {'connections managed in-session' if info.manage_connections else 'off'}",
                 f"state       {escape(self.state)}"]
        if info.tool_router_tools:
            lines.append(f"meta tools  {escape(', '.join(info.tool_router_tools))}")
        lines.append(f"readiness   {self.readiness}  [dim](k)[/dim]")
        lines.append(f"verify      {self.verified()}  [dim](v)[/dim]")
        return "\n".join(lines)

    def verified(self) -> str:
        """The last verify result of this session in this run (the verify screen records it)."""
        result = self.app.ctx.verify_log.last(self.info.session_id)
        if result is None:
            return "[dim]not verified yet[/dim]"
        return f"[{'$success' if result.ok else '$error'}]{escape(probe.outcome_line(result))}[/]"

    def show_facts(self) -> None:
        if self.is_mounted:
            self.query_one("#session-facts", Static).update(self.summary())

    def load_readiness(self) -> None:
        self._fetch_readiness(self.info)

    @work(thread=True, exclusive=True, group="readiness", exit_on_error=False, description="readiness")
    def _fetch_readiness(self, info: SessionInfo) -> None:
        try:
            self.post_message(ReadinessLoaded(info.session_id, sessions.readiness(self.app.ctx.gateway, info)))
        except ApiError as err:
            self.post_message(ReadinessLoaded(info.session_id, None, err.line()))

    def on_readiness_loaded(self, message: ReadinessLoaded) -> None:
        if message.rows is None:
            self.readiness = f"[$error]not checked: {escape(message.error)}[/]"
        else:
            rows = message.rows
            colour = "$success" if all(c.ready for c in rows) else "$warning"
            self.readiness = f"[{colour}]{escape(sessions.readiness_line(rows))}[/]"
        self.show_facts()

    def policy_applied(self, applied) -> None:
        """After an edit in place: the toolkits may have changed, so readiness is read again."""
        p = applied.policy
        self.info = replace(self.info, toolkits=p.toolkits, excluded=p.exclude)
        self.readiness = "[dim]checking…[/dim]"
        self.show_facts()
        self.load_readiness()

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

        self.app.push_screen(ReadinessScreen(self.info), callback=lambda _: self.load_readiness())

    def action_verify(self) -> None:
        from .verify import VerifyScreen

        self.app.push_screen(VerifyScreen(self.info), callback=lambda _: self.show_facts())

    @writes("deleting a session")
    def action_delete(self) -> None:
        self.delete_session(self.info, self.state)

    def on_session_changed(self, message: SessionChanged) -> None:
        if message.session_id == self.info.session_id and message.state is not None:
            self.state = message.state
            self.show_facts()

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
