"""One tool-execution log in full (``GET /logs/tool_execution/{id}``) as highlighted JSON, with keys to
the user's activity, the session the call ran in and that session's activity. The fetch and the
session lookup run in workers that post typed messages back."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ..core import activity
from ..core.activity import LogEntry
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip


class LogScreen(Screen[None]):
    """One log in full (``GET /logs/tool_execution/{id}``) as highlighted JSON."""

    BINDINGS = [
        Binding("u", "user", "User's activity", id="log.user", tooltip="Everything this user's agent did"),
        Binding("s", "session", "Session", id="log.session", tooltip="Open the session the call ran in"),
        Binding("a", "session_activity", "Session activity", id="log.session_activity",
                tooltip="Everything that ran in this session"),
        Binding("c", "copy", "Copy id", id="log.copy", show=False, tooltip="Copy the log id"),
        Binding("escape", "back", "Back", id="log.back"),
    ]

    class Loaded(Message):
        """The detail worker's answer: the full log, or the one line saying why not."""

        def __init__(self, detail: activity.LogDetail | None, error: str = "") -> None:
            super().__init__()
            self.detail = detail
            self.error = error

    class SessionFound(Message):
        """The session the log ran in (None when the API no longer knows it, or on a failure)."""

        def __init__(self, info: object | None, error: str = "") -> None:
            super().__init__()
            self.info = info
            self.error = error

    def __init__(self, entry: LogEntry) -> None:
        super().__init__()
        self.entry = entry
        self.detail: activity.LogDetail | None = None

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        from textual.containers import VerticalScroll

        yield Static(self.heading(), id="log-title")
        yield Static(self.ids(), id="log-ids")
        with VerticalScroll(id="log-body"):
            yield Static("Loading the full log…", id="log-json")
        yield Footer()

    def heading(self) -> str:
        e = self.entry
        status = "[$error]✗ failed[/]" if e.failed else "[$success]ok[/]"
        return (f"[b]{escape(e.tool or 'tool')}[/b] · {status} · {escape(activity.clock_text(e, with_date=True))} "
                f"UTC · {escape(activity.duration_text(e))}")

    def ids(self) -> str:
        e, d = self.entry, self.detail
        parts = [f"log {escape(e.id)}", f"user {escape(e.user_id or '—')}", f"session {escape(e.session_id or '—')}",
                 f"request {escape(e.request_id or '—')}"]
        if d is not None and d.trace_id:
            parts.append(f"trace {escape(d.trace_id)}")
        if e.parent_id:
            parts.append(f"parent {escape(e.parent_tool)} ({escape(e.parent_id)})")
        return "[dim]" + " · ".join(parts) + "[/dim]"

    def on_mount(self) -> None:
        self.fetch()

    @work(thread=True, exclusive=True, group="log-detail", exit_on_error=False, description="load log")
    def fetch(self) -> None:
        from ..core.errors import ApiError

        try:
            self.post_message(self.Loaded(activity.show(self.app.ctx.gateway, self.entry.id)))
        except ApiError as err:
            self.post_message(self.Loaded(None, err.line()))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        import json

        from rich.json import JSON

        box = self.query_one("#log-json", Static)
        if message.detail is None:
            box.update(Text(f"Could not load the full log: {message.error}", style=self.app.theme_variables.get("error", "")))
            return
        self.detail = message.detail
        self.entry = message.detail.entry
        self.query_one("#log-ids", Static).update(self.ids())
        box.update(JSON(json.dumps(message.detail.raw, ensure_ascii=False), indent=2))

    def action_user(self) -> None:
        if not self.entry.user_id:
            self.notify("This log names no user.", severity="warning")
            return
        from .activity import ActivityScreen

        self.app.push_screen(ActivityScreen(user=self.entry.user_id))

    def action_session_activity(self) -> None:
        if not self.entry.session_id:
            self.notify("This log did not run in a Tool Router session.", severity="warning")
            return
        from .activity import ActivityScreen

        self.app.push_screen(ActivityScreen(session=self.entry.session_id, user=self.entry.user_id))

    def action_session(self) -> None:
        if not self.entry.session_id:
            self.notify("This log did not run in a Tool Router session.", severity="warning")
            return
        self.find_session(self.entry.session_id)

    @work(thread=True, exclusive=True, group="log-session", exit_on_error=False, description="open session")
    def find_session(self, session_id: str) -> None:
        from ..core import sessions
        from ..core.errors import ApiError

        ctx = self.app.ctx
        try:
            info = sessions.refresh(ctx.gateway, ctx.ledger, session_id)
        except ApiError as err:
            self.post_message(self.SessionFound(None, err.line()))
            return
        self.post_message(self.SessionFound(info, "" if info else
                                            f"Session {session_id} no longer exists (404); a shows what ran in it."))

    @on(SessionFound)
    def _session_found(self, message: SessionFound) -> None:
        if message.info is None:
            self.notify(message.error, severity="warning", markup=False)
            return
        from .session import SessionScreen

        self.app.push_screen(SessionScreen(message.info))

    def action_copy(self) -> None:
        self.app.copy_text(self.entry.id, "log id")

    def action_back(self) -> None:
        self.dismiss(None)
