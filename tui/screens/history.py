"""A session's config history: every version (newest first) with what changed, from the API."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ..core import editing
from ..core.errors import ApiError
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip


class HistoryLoaded(Message):
    def __init__(self, rows: list, error: str = "") -> None:
        super().__init__()
        self.rows, self.error = rows, error


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "reload", "Reload", id="history.reload"),
        Binding("escape", "back", "Back", id="history.back"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        with VerticalScroll(id="history-box"):
            yield Static(f"[b]Config history[/b] of {escape(self.session_id)}", id="history-title")
            yield Static("loading…", id="history-list")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.fetch()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def fetch(self) -> None:
        try:
            self.post_message(HistoryLoaded(editing.history(self.app.ctx.gateway, self.session_id)))
        except ApiError as err:
            self.post_message(HistoryLoaded([], err.line()))

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        if message.error:
            self.query_one("#history-list", Static).update(f"[$error]{escape(message.error)}[/]")
            return
        lines = []
        for row in message.rows:
            mark = "[b]current[/b]" if row.current else ""
            lines.append(f"[b]version {row.version}[/b]  [dim]{escape(row.created_at)}[/dim]  {mark}")
            lines += [f"  • {escape(change)}" for change in row.changes]
        self.query_one("#history-list", Static).update("\n".join(lines) or "no versions")

    def action_back(self) -> None:
        self.dismiss(None)
