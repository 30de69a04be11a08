"""Users: everyone with a session here or a connected account at the API, with counts; filter as you type.

The list arrives in steps (ledger first, then one step per page of accounts) through typed messages
from a worker; the UI thread only draws.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from ..core import users
from ..core.errors import ApiError
from ..widgets.cells import cell, themed
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table


class UsersScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="users.filter", tooltip="Filter users as you type"),
        Binding("enter", "open", "Open", id="users.open", show=False, tooltip="Open the user: sessions and accounts"),
        Binding("r", "reload", "Refresh", id="users.refresh", tooltip="Read the ledger and the accounts list again"),
        Binding("escape", "back", "Back", id="users.back"),
    ]

    class Loaded(Message):
        """One step of the users list: every user known so far; ``done`` after the last page."""

        def __init__(self, rows: list[users.UserSummary], done: bool) -> None:
            super().__init__()
            self.rows = rows
            self.done = done

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self.all_rows: list[users.UserSummary] = []
        self.shown: list[users.UserSummary] = []
        self.loading_done = False

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static("[b]Users[/b] [dim](sessions in the ledger, accounts from the API)[/dim]", id="users-title")
        yield Input(placeholder="/ filter by user id", id="users-filter")
        yield Table(id="users-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading users…", id="users-state")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("User", key="user")
        table.add_column("Sessions", key="sessions")
        table.add_column("Accounts", key="accounts")
        table.add_column("Broken", key="broken")
        table.focus()
        self.load()

    def action_reload(self) -> None:
        self.query_one("#users-state", Static).update("Loading users…")
        self.load()

    @work(thread=True, exclusive=True, group="users", exit_on_error=False, description="users list")
    def load(self) -> None:
        worker = get_current_worker()
        ctx = self.app.ctx
        try:
            steps = users.known_users(ctx.gateway, ctx.ledger)
            rows: list[users.UserSummary] = []
            for rows in steps:
                if worker.is_cancelled:
                    return
                self.post_message(self.Loaded(rows, done=False))
            self.post_message(self.Loaded(rows, done=True))
        except ApiError as err:
            self.post_message(self.Failed(err.line()))
        except Exception as exc:  # a broken ledger: say so, keep the screen
            self.post_message(self.Failed(str(exc)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.all_rows = message.rows
        self.loading_done = message.done
        self.redraw()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#users-state", Static).update(f"[$error]{escape(message.text)}[/]")

    def redraw(self) -> None:
        text = self.query_one("#users-filter", Input).value.strip().casefold()
        self.shown = [u for u in self.all_rows if text in u.user_id.casefold()]
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for u in self.shown:
            table.add_row(cell(u.user_id), cell(u.sessions), cell(u.accounts),
                          themed(self.app, str(u.broken), "error" if u.broken else "text-muted"), key=u.user_id)
        if self.shown:
            table.move_cursor(row=min(max(row, 0), len(self.shown) - 1))
        if not self.loading_done:
            state = f"{len(self.all_rows)} users so far; reading the accounts list…"
        elif not self.all_rows:
            state = "No users yet: no session in the ledger and no connected account at the API."
        elif not self.shown:
            state = "No user matches the filter."
        else:
            broken = sum(1 for u in self.all_rows if u.broken)
            state = f"{len(self.shown)} of {len(self.all_rows)} users; {broken} with broken accounts. enter opens one."
        self.query_one("#users-state", Static).update(state)

    @on(Input.Changed, "#users-filter")
    def _filter(self) -> None:
        self.redraw()

    @on(Input.Submitted, "#users-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#users-filter", Input).focus()

    def current(self) -> users.UserSummary | None:
        table = self.query_one(DataTable)
        if not self.shown or not (0 <= table.cursor_row < len(self.shown)):
            return None
        return self.shown[table.cursor_row]

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        row = self.current()
        if row is None:
            return
        from .user import UserScreen

        self.app.push_screen(UserScreen(row.user_id), callback=lambda _: self.action_reload())

    def action_back(self) -> None:
        self.workers.cancel_group(self, "users")
        self.dismiss(None)
