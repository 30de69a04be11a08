"""One user: their sessions (ledger) and connected accounts (API), joined by toolkit, and the actions on
the highlighted account — connect, disable, enable, refresh, delete (confirmed) — and offboarding.

Every request runs in a worker that posts a typed message; the UI thread only draws.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ..core import users
from ..core.errors import ApiError
from ..core.models import ConnectedAccount
from ..core.sessions import InputError
from ..core.states import AccountStatus
from ..widgets.cells import cell, themed
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table
from .guard import writes
from .sessions import STATE_STYLE, info_of

STATUS_TEXT = {
    AccountStatus.ACTIVE: ("● ACTIVE", "success"),
    AccountStatus.INITIALIZING: ("◐ INITIALIZING", "warning"),
    AccountStatus.INITIATED: ("◐ INITIATED", "warning"),
    AccountStatus.INACTIVE: ("⏸ INACTIVE", "warning"),
    AccountStatus.EXPIRED: ("✗ EXPIRED", "error"),
    AccountStatus.FAILED: ("✗ FAILED", "error"),
    AccountStatus.REVOKED: ("✗ REVOKED", "error"),
}


def when(stamp: str) -> str:
    """``2026-12-02T04:14:50.123Z`` -> ``2026-12-02 04:14`` (UTC)."""
    return stamp.replace("T", " ")[:16] if stamp else "—"


REASON_WIDTH = 28
MEANING = {AccountStatus.INITIATED: "waiting for the user to finish the Connect link",
           AccountStatus.INITIALIZING: "being set up", AccountStatus.INACTIVE: "disabled; e enables it again",
           AccountStatus.EXPIRED: "needs the user again: f re-authenticates, or l for a new link",
           AccountStatus.FAILED: "never worked: l for a new link", AccountStatus.REVOKED: "revoked: l for a new link",
           AccountStatus.ACTIVE: "usable"}


def status_text(account: ConnectedAccount) -> str:
    return STATUS_TEXT.get(account.status, (str(account.status), ""))[0]


def detail(toolkit: str, account: ConnectedAccount | None) -> str:
    """One line about the highlighted row: status with its reason, auth config and times."""
    if account is None:
        return f"{escape(toolkit)}: a session enables it, but there is no account yet; l makes a Connect link."
    reason = f" — {escape(account.status_reason)}" if account.status_reason else ""
    return (f"[b]{escape(toolkit)}[/b] {escape(account.id)}: {escape(str(account.status))}{reason} "
            f"({MEANING.get(account.status, '')}); auth config {escape(account.auth_config_id or '—')}, "
            f"created {when(account.created_at)}, updated {when(account.updated_at)}")


class UserScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open session", id="user.open", show=False,
                tooltip="Open the highlighted session"),
        Binding("l", "link", "Connect link", id="user.link",
                tooltip="A Connect link for the highlighted toolkit, shown as text and QR; waits for ACTIVE"),
        Binding("x", "disable", "Disable", id="user.disable", tooltip="Disable the highlighted account (INACTIVE)"),
        Binding("e", "enable", "Enable", id="user.enable", tooltip="Enable the highlighted account again"),
        Binding("f", "refresh_account", "Re-auth", id="user.refresh",
                tooltip="Refresh the highlighted account (a new Connect link for OAuth)"),
        Binding("d", "delete", "Delete", id="user.delete", tooltip="Delete the highlighted account (asks first)"),
        Binding("o", "offboard", "Offboard", id="user.offboard",
                tooltip="Remove every session and account of this user (dry run first)"),
        Binding("r", "reload", "Reload", id="user.reload", tooltip="Read the ledger and the API again"),
        Binding("a", "activity", "Activity", id="user.activity", show=False,
                tooltip="What this user's agent did: tool executions, live"),
        Binding("escape", "back", "Back", id="user.back"),
    ]

    class Loaded(Message):
        def __init__(self, view: users.UserView) -> None:
            super().__init__()
            self.view = view

    class Said(Message):
        """A worker's outcome: one line, with a severity; ``reload`` reads the user again."""

        def __init__(self, text: str, severity: str = "information", reload: bool = True) -> None:
            super().__init__()
            self.text = text
            self.severity = severity
            self.reload = reload

    def __init__(self, user_id: str) -> None:
        super().__init__()
        self.user_id = user_id
        self.view: users.UserView | None = None
        self.rows: list[tuple[str, ConnectedAccount | None]] = []

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(self.title_text(), id="user-title")
        yield Static("[b]Sessions[/b] [dim](enter opens one)[/dim]", classes="label")
        yield Table(id="user-sessions", cursor_type="row", zebra_stripes=True)
        yield Static("[b]Connected accounts[/b] [dim](by toolkit)[/dim]", classes="label")
        yield Table(id="user-accounts", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="user-state")
        yield Footer()

    def title_text(self) -> str:
        head = f"[b]User[/b] [reverse] {escape(self.user_id)} [/reverse]"
        v = self.view
        if v is None:
            return head
        return (f"{head}  {len(v.live_sessions)} live sessions, {len(v.accounts)} accounts, "
                f"{len(v.broken)} broken")

    def on_mount(self) -> None:
        sessions = self.query_one("#user-sessions", DataTable)
        sessions.add_columns("Session", "Toolkits", "State", "Created (UTC)")
        accounts = self.query_one("#user-accounts", DataTable)
        accounts.add_column("Toolkit")
        accounts.add_column("Status")
        accounts.add_column("Reason", width=REASON_WIDTH)  # the whole reason is on the detail line
        accounts.add_columns("Updated (UTC)", "Auth config", "Created", "Account")
        accounts.focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="user", exit_on_error=False, description="user")
    def load(self) -> None:
        ctx = self.app.ctx
        try:
            self.post_message(self.Loaded(users.view(ctx.gateway, ctx.ledger, self.user_id, require=False)))
        except (ApiError, InputError) as err:
            self.post_message(self.Said(_line(err), "error", reload=False))
        except Exception as exc:  # a broken ledger
            self.post_message(self.Said(str(exc), "error", reload=False))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        v = self.view = message.view
        self.query_one("#user-title", Static).update(self.title_text())
        sessions = self.query_one("#user-sessions", DataTable)
        sessions.clear()
        for e in v.sessions:
            sessions.add_row(cell(e.session_id or "—"), cell(", ".join(e.toolkits)),
                             themed(self.app, e.state, STATE_STYLE.get(e.state, "foreground")),
                             cell(when(e.created_at)))
        table = self.query_one("#user-accounts", DataTable)
        at = table.cursor_row
        table.clear()
        self.rows = []
        for row in v.toolkits():
            for account in sorted(row.accounts, key=lambda a: a.created_at) or [None]:
                self.rows.append((row.toolkit, account))
        for toolkit, a in self.rows:
            if a is None:
                table.add_row(cell(toolkit), themed(self.app, "○ not connected", "warning"), cell("—"), cell("—"),
                              cell("—"), cell("—"), cell("—"))
                continue
            colour = STATUS_TEXT.get(a.status, ("", "foreground"))[1]
            table.add_row(cell(toolkit), themed(self.app, status_text(a), colour), cell(a.status_reason or "—"),
                          cell(when(a.updated_at)), cell(a.auth_config_id or "—"), cell(when(a.created_at)[:10]),
                          cell(a.id))
        if self.rows:
            table.move_cursor(row=min(max(at, 0), len(self.rows) - 1))
        self.show_detail()

    def show_detail(self) -> None:
        if self.view is not None and self.view.empty:
            state = (f"No sessions or accounts for user {escape(self.user_id)}: the ledger has none of their "
                     "sessions and the API no connected account.")
        elif (row := self.current()) is not None:
            state = detail(*row)
        else:
            state = "[dim]No toolkit yet: create a session for this user from the catalog.[/dim]"
        self.query_one("#user-state", Static).update(state)

    @on(DataTable.RowHighlighted, "#user-accounts")
    def _highlighted(self) -> None:
        self.show_detail()

    @on(Said)
    def _said(self, message: Said) -> None:
        self.notify(message.text, severity=message.severity, markup=False, timeout=5)
        if message.severity == "error":
            self.query_one("#user-state", Static).update(f"[$error]{escape(message.text)}[/]")
        if message.reload:
            self.load()

    # --- the highlighted row --------------------------------------------------------------------

    def current(self) -> tuple[str, ConnectedAccount | None] | None:
        table = self.query_one("#user-accounts", DataTable)
        if not self.rows or not (0 <= table.cursor_row < len(self.rows)):
            return None
        return self.rows[table.cursor_row]

    def current_account(self) -> ConnectedAccount | None:
        row = self.current()
        if row is None or row[1] is None:
            self.notify("Highlight a connected account first.", severity="warning")
            return None
        return row[1]

    def action_open(self) -> None:
        if self.focused is not self.query_one("#user-sessions", DataTable) or self.view is None:
            return
        table = self.query_one("#user-sessions", DataTable)
        if not (0 <= table.cursor_row < len(self.view.sessions)):
            return
        entry = self.view.sessions[table.cursor_row]
        if not entry.session_id:
            self.notify(f"This {entry.state} entry has no session id.", severity="warning")
            return
        from .session import SessionScreen

        self.app.push_screen(SessionScreen(info_of(entry), state=entry.state), callback=lambda _: self.load())

    @on(DataTable.RowSelected, "#user-sessions")
    def _session_selected(self) -> None:
        self.action_open()

    @writes("creating a Connect link")
    def action_link(self) -> None:
        row = self.current()
        if row is None:
            return
        from .connect import ConnectScreen

        self.app.push_screen(ConnectScreen(self.user_id, row[0]), callback=lambda _: self.load())

    @writes("enabling or disabling a connected account")
    def action_disable(self) -> None:
        if (a := self.current_account()) is not None:
            self.act("disable", a)

    @writes("enabling or disabling a connected account")
    def action_enable(self) -> None:
        if (a := self.current_account()) is not None:
            self.act("enable", a)

    @writes("refreshing a connected account")
    def action_refresh_account(self) -> None:
        if (a := self.current_account()) is not None:
            self.act("refresh", a)

    @writes("deleting a connected account")
    def action_delete(self) -> None:
        a = self.current_account()
        if a is None:
            return
        from .confirm import ConfirmScreen

        def answered(ok: bool | None) -> None:
            if ok:
                self.act("delete", a)

        self.app.push_screen(ConfirmScreen(f"Delete the {a.toolkit} account of {self.user_id}?",
                                           f"{a.id} is removed at the API; agents of this user lose the "
                                           "connection. This cannot be undone.", yes="Delete"), callback=answered)

    @work(thread=True, group="user-action", exit_on_error=False, description="account action")
    def act(self, what: str, account: ConnectedAccount) -> None:
        gw = self.app.ctx.gateway
        try:
            if what == "disable":
                after = users.disable(gw, account.id, self.user_id)
                text = f"Disabled the {account.toolkit} account: now {after.status}."
            elif what == "enable":
                after = users.enable(gw, account.id, self.user_id)
                text = f"Enabled the {account.toolkit} account: now {after.status}."
            elif what == "refresh":
                done = users.refresh(gw, account.id, self.user_id)
                text = f"Refreshed the {account.toolkit} account: now {done.account.status}."
                if done.link is not None:
                    text += " The user must reconnect: press l for the link."
            else:
                users.delete(gw, account.id, self.user_id)
                text = f"Deleted the {account.toolkit} account {account.id}."
        except (ApiError, InputError) as err:
            self.post_message(self.Said(f"Not done: {_line(err)}", "error"))
            return
        self.post_message(self.Said(text))

    @writes("offboarding a user")
    def action_offboard(self) -> None:
        from .offboard import OffboardScreen

        self.app.push_screen(OffboardScreen(self.user_id), callback=lambda _: self.load())

    def action_activity(self) -> None:
        from .activity import ActivityScreen

        self.app.push_screen(ActivityScreen(user=self.user_id))

    def action_back(self) -> None:
        self.workers.cancel_group(self, "user")
        self.dismiss(None)


def _line(err: Exception) -> str:
    return err.line() if isinstance(err, ApiError) else str(err)
