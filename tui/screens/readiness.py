"""Readiness: each toolkit's connection state for the session's user, Connect links and polling."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ..core import sessions
from ..core.errors import ApiError
from ..core.models import ConnectLink, SessionInfo, ToolkitConnection
from ..core.qr import qr_lines
from ..core.states import ConnectionState as CS
from ..widgets.cells import cell, themed
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table
from .confirm import ConfirmScreen
from .guard import writes

# Every state by its API name, with what to do about it.
STATE_TEXT = {
    CS.ACTIVE: ("● active", "success"),
    CS.NO_AUTH: ("● no auth needed", "success"),
    CS.INITIALIZING: ("◐ initializing (being set up)", "warning"),
    CS.INITIATED: ("◐ initiated (waiting for the user)", "warning"),
    CS.EXPIRED: ("✗ expired — reconnect", "error"),
    CS.FAILED: ("✗ failed — reconnect", "error"),
    CS.INACTIVE: ("◌ inactive — disabled, can be re-enabled", "warning"),
    CS.REVOKED: ("✗ revoked — reconnect", "error"),
    CS.NOT_CONNECTED: ("○ not connected", "warning"),
}


def state_label(conn: ToolkitConnection) -> str:
    label = STATE_TEXT.get(conn.state, (str(conn.state), ""))[0]
    if conn.is_disabled and conn.state != CS.INACTIVE:
        label += " (disabled)"
    return f"{label}: {conn.status_reason}" if conn.status_reason else label


POLL_INTERVAL = 1.5


class ReadinessScreen(Screen[None]):
    BINDINGS = [
        Binding("l", "link", "Connect link", id="readiness.link",
                tooltip="Create a Connect link for the highlighted toolkit and wait for it"),
        Binding("r", "refresh", "Refresh", id="readiness.refresh"),
        Binding("escape", "back", "Back", id="readiness.back"),
    ]

    def __init__(self, info: SessionInfo) -> None:
        super().__init__()
        self.info = info
        self.rows: list[ToolkitConnection] = []

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(f"[b]Readiness[/b] of session {escape(self.info.session_id)} for user "
                     f"[reverse] {escape(self.info.user_id)} [/reverse]", id="ready-title")
        with Horizontal(id="ready-body"):
            yield Table(id="ready-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="ready-link"):
                yield Static("[dim]Highlight a toolkit that is not connected and press l for a Connect link."
                             "[/dim]", id="link-text")
                yield Static("", id="link-qr", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Toolkit", "Name", "State", "Account")
        table.loading = True
        table.focus()
        self.load()

    def action_refresh(self) -> None:
        self.query_one(DataTable).loading = True
        self.load()

    @work(thread=True, exclusive=True, group="readiness", exit_on_error=False, description="readiness")
    def load(self) -> None:
        try:
            rows = sessions.readiness(self.app.ctx.gateway, self.info)
        except ApiError as err:
            self.app.call_from_thread(self._failed, err.line())
            return
        self.app.call_from_thread(self._show, rows)

    def _failed(self, text: str) -> None:
        self.query_one(DataTable).loading = False
        self.query_one("#link-text", Static).update(f"[$error]{escape(text)}[/]")

    def _show(self, rows: list[ToolkitConnection]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        table.loading = False
        row = table.cursor_row
        table.clear()
        for conn in rows:
            colour = STATE_TEXT.get(conn.state, ("", "foreground"))[1]
            table.add_row(cell(conn.slug), cell(conn.name), themed(self.app, state_label(conn), colour),
                          cell(conn.connected_account_id or "—"), key=conn.slug)
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))
        ready = sum(1 for c in rows if c.ready)
        self.sub_title = f"{ready}/{len(rows)} ready"
        self.query_one("#ready-title", Static).update(
            f"[b]Readiness[/b] of session {escape(self.info.session_id)} for user "
            f"[reverse] {escape(self.info.user_id)} [/reverse] — {ready}/{len(rows)} ready")

    def current(self) -> ToolkitConnection | None:
        table = self.query_one(DataTable)
        if not self.rows or not (0 <= table.cursor_row < len(self.rows)):
            return None
        return self.rows[table.cursor_row]

    @writes("creating a Connect link")
    def action_link(self) -> None:
        conn = self.current()
        if conn is None:
            return
        if conn.ready:
            self.notify(f"{conn.slug} is already usable ({state_label(conn)}).", timeout=3)
            return
        self.query_one("#link-text", Static).update(f"Creating a Connect link for {escape(conn.slug)}…")
        self.link_and_wait(conn.slug)

    @work(thread=True, exclusive=True, group="link", exit_on_error=False, description="connect link")
    def link_and_wait(self, slug: str, again: bool = False) -> None:
        gw = self.app.ctx.gateway
        worker = get_current_worker()
        try:
            link = sessions.connect_link(gw, self.info, slug, again=again)
        except sessions.LinkWaiting as waiting:
            self.app.call_from_thread(self._ask_again, slug, str(waiting))
            return
        except ApiError as err:
            self.app.call_from_thread(self._failed, err.line())
            return
        self.app.call_from_thread(self._show_link, link)
        try:
            outcome = sessions.wait_active(gw, link, timeout=self.app.ctx.settings.link_timeout,
                                           interval=POLL_INTERVAL, cancelled=lambda: worker.is_cancelled)
        except ApiError as err:
            self.app.call_from_thread(self._failed, err.line())
            return
        if outcome.state != "CANCELLED":
            self.app.call_from_thread(self._link_done, link, outcome)

    def _ask_again(self, slug: str, why: str) -> None:
        """A link for ``slug`` already waits: a second one only when the operator says so."""
        self.query_one("#link-text", Static).update(f"[$warning]{escape(why)}[/]")

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#link-text", Static).update(f"Creating another Connect link for {escape(slug)}…")
                self.link_and_wait(slug, again=True)

        self.app.push_screen(ConfirmScreen(f"Make another Connect link for {slug}?", why, yes="New link"), answered)

    def _show_link(self, link: ConnectLink) -> None:
        self.add_class("-linking")  # narrow terminals give the QR code the whole height
        again = " [dim](the one made earlier, still waiting)[/dim]" if link.reused else ""
        self.query_one("#link-text", Static).update(
            f"[b]Connect link for {escape(link.toolkit)}[/b]{again} (send it to {escape(self.info.user_id)}):\n"
            f"{escape(link.redirect_url)}\n[dim]Waiting for the connection to turn active…[/dim]")
        self.query_one("#link-qr", Static).update(Text("\n".join(qr_lines(link.redirect_url)),
                                                       style="black on white"))

    def _link_done(self, link: ConnectLink, outcome: sessions.LinkOutcome) -> None:
        self.remove_class("-linking")
        state = outcome.state
        if state == CS.ACTIVE:
            self.notify(f"{link.toolkit} is connected for {self.info.user_id}.", timeout=5)
            text = f"[$success]{escape(link.toolkit)} is now ACTIVE.[/]"
        elif state == "TIMEOUT":
            text = (f"[$warning]No answer yet for {escape(link.toolkit)}; the link stays valid. "
                    "Press r to refresh later.[/]")
        else:
            why = f" ({outcome.reason})" if outcome.reason else ""
            text = f"[$error]{escape(link.toolkit)} ended {escape(state)}{escape(why)}; press l for a new link.[/]"
        self.query_one("#link-text", Static).update(text + f"\n{escape(link.redirect_url)}")
        self.load()

    def action_back(self) -> None:
        self.workers.cancel_group(self, "link")
        self.dismiss(None)
