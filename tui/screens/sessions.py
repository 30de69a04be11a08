"""Sessions created from this console (the ledger): filter, open, refresh, re-copy, delete."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ..core.models import SessionInfo
from ..core.states import LedgerState
from ..widgets.cells import cell, themed
from ..widgets.footer import Footer
from ..widgets.messages import SessionChanged
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table
from .guard import writes
from .session_actions import FINISHED, SessionActions

STATE_STYLE = {LedgerState.ACTIVE: "success", LedgerState.PENDING: "warning", LedgerState.UNKNOWN: "warning",
               LedgerState.FAILED: "error", LedgerState.GONE: "error", LedgerState.DELETED: "text-muted"}


def info_of(entry) -> SessionInfo:
    return SessionInfo(session_id=entry.session_id or "", user_id=entry.user_id, mcp_url=entry.mcp_url,
                       toolkits=tuple(entry.toolkits), manage_connections=entry.manage_connections)


class SessionsScreen(SessionActions, Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="sessions.filter", tooltip="Filter by user or toolkit"),
        Binding("enter", "open", "Open", id="sessions.open", show=False),
        Binding("r", "refresh", "Refresh", id="sessions.refresh", tooltip="Retrieve the session from the API"),
        Binding("c", "copy", "Copy URL", id="sessions.copy"),
        Binding("d", "delete", "Delete", id="sessions.delete"),
        Binding("escape", "back", "Back", id="sessions.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list = []

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static("[b]Sessions created here[/b] [dim](the API cannot list sessions; this is the local "
                     "ledger)[/dim]", id="sessions-title")
        yield Input(placeholder="/ filter: user id, or toolkit:slug", id="sessions-filter")
        yield Table(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("User", "Session", "Toolkits", "State", "Created (UTC)")
        table.focus()
        try:  # as `sessions list` does: a pending row whose answer never came is marked unknown
            self.app.ctx.ledger.reconcile_stale()
        except Exception:  # a broken ledger is reported by reload() below
            pass
        self.reload()

    def reload(self) -> None:
        text = self.query_one("#sessions-filter", Input).value.strip()
        user, toolkit = (None, text.split(":", 1)[1].strip()) if text.startswith("toolkit:") else (text or None, None)
        try:
            self.entries = self.app.ctx.ledger.entries(user=user, toolkit=toolkit or None,
                                                       base_url=self.app.ctx.base_url)
        except Exception as exc:  # a corrupt or foreign ledger file: say so, don't crash
            self.entries = []
            self.query_one("#sessions-empty", Static).update(f"[$error]{escape(str(exc))}[/]")
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for e in self.entries:
            table.add_row(cell(e.user_id), cell(e.session_id or "—"), cell(", ".join(e.toolkits)),
                          themed(self.app, e.state, STATE_STYLE.get(e.state, "foreground")),
                          cell(e.created_at.replace("T", " ").rstrip("Z")))
        if self.entries:
            table.move_cursor(row=min(max(row, 0), len(self.entries) - 1))
        empty = "" if self.entries else ("No session matches the filter." if text else
                                         "No sessions yet: mark toolkits in the catalog and press n.")
        self.query_one("#sessions-empty", Static).update(empty)

    @on(Input.Changed, "#sessions-filter")
    def _filter(self) -> None:
        self.reload()

    @on(Input.Submitted, "#sessions-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def current(self):
        table = self.query_one(DataTable)
        if not self.entries or not (0 <= table.cursor_row < len(self.entries)):
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        entry = self.current()
        if entry is None or not entry.session_id:
            if entry is not None:
                self.notify(f"This {entry.state} entry has no session id: {entry.note}", severity="warning")
            return
        from .session import SessionScreen

        self.app.push_screen(SessionScreen(info_of(entry), state=entry.state), callback=lambda _: self.reload())

    def action_filter(self) -> None:
        self.query_one("#sessions-filter", Input).focus()

    def action_copy(self) -> None:
        entry = self.current()
        if entry is not None and entry.mcp_url:
            self.copy_session_url(info_of(entry), f"MCP URL of {entry.user_id}")

    def action_refresh(self) -> None:
        entry = self.current()
        if entry is not None and entry.session_id:
            self.refresh_session(entry.session_id, entry.user_id)

    @writes("deleting a session")
    def action_delete(self) -> None:
        entry = self.current()
        if entry is None or not entry.session_id or entry.state in FINISHED:
            return
        self.delete_session(info_of(entry), entry.state)

    def on_session_changed(self, message: SessionChanged) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
