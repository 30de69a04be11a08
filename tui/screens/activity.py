"""Activity: what each user's agent did (tool-execution logs), newest first and live.

Scope comes from where it was opened: everyone (catalog ``a``), one user (``ActivityScreen(user=…)``),
one session (session ``a``). Follow mode is on by default: a thread worker runs the core's
:class:`~tui.core.activity.Follower` and posts each poll to the screen as a typed message; ``p``
pauses it (the follower keeps its place, so resuming misses nothing) and leaving the screen stops it.
The filter narrows the loaded rows as you type (words match status, toolkit, tool, user or message).
"""

from __future__ import annotations

import threading
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ..core import activity
from ..core.activity import Backoff, Follower, LogEntry, LogQuery, Poll
from ..core.states import FollowState
from ..widgets.cells import cell, themed
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table

MAX_ROWS = 500
"""Rows kept on screen; older ones drop off the bottom (``logs`` in a terminal pages further back)."""
POLL_BASE = 1.0
POLL_IDLE_MAX = 3.0
"""A new execution shows within about this many seconds even after a quiet spell."""


COLUMN_NAMES = {"time": "Time", "user": "User", "toolkit": "Toolkit", "tool": "Tool", "status": "Status",
                "duration": "Took"}


FAILED_WORDS = frozenset({"failed", "failure", "failures", "fail", "error", "errors", "✗"})
OK_WORDS = frozenset({"ok", "success", "succeeded", "successful"})


def short_message(entry: LogEntry) -> str:
    """The message without what the row already says ("GMAIL_SEND_EMAIL failed: …")."""
    text = entry.message
    for prefix in (f"{entry.tool} failed: ", f"{entry.tool} failed", f"{entry.tool} executed successfully"):
        if entry.tool and text.startswith(prefix):
            return text[len(prefix):].strip()
    return text


class ActivityScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="activity.filter", tooltip="Filter by status, toolkit or tool as you type"),
        Binding("p", "pause", "Pause", id="activity.pause", tooltip="Pause or resume following new executions"),
        Binding("f", "failures", "Failures", id="activity.failures", tooltip="Show only failed executions (again: all)"),
        Binding("enter", "open", "Open", id="activity.open", show=False, tooltip="The full log of the execution"),
        Binding("escape", "back", "Back", id="activity.back"),
    ]

    class Polled(Message):
        """A poll of the follow worker: new logs (oldest first), its state and the wait before the next."""

        def __init__(self, poll: Poll) -> None:
            super().__init__()
            self.poll = poll

    def __init__(self, *, user: str = "", session: str = "", toolkit: str = "", follow: bool = True) -> None:
        super().__init__()
        self.query_scope = LogQuery(user=user, session=session, toolkit=toolkit, limit=activity.MAX_LIMIT)
        self.entries: list[LogEntry] = []  # newest first
        self.shown: list[LogEntry] = []
        self.state = FollowState.LIVE if follow else FollowState.PAUSED
        self.loaded = False
        self.error = ""
        self.delay = 0.0
        self._stop = threading.Event()
        self._follow_lock = threading.Lock()  # one poller at a time, even across pause/resume
        self._follower: Follower | None = None
        self._follow_at_mount = follow
        self._polling = False

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        with Horizontal(id="activity-top"):
            yield Static(self.title_text(), id="activity-title")
            yield Static("", id="activity-live")
        yield Input(placeholder="/ filter: failed, a toolkit or a tool (as you type)", id="activity-filter")
        yield Table(id="activity-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading activity…", id="activity-status")
        yield Footer()

    def title_text(self) -> str:
        q = self.query_scope
        if q.session:
            scope = f"session [b]{escape(q.session)}[/b]" + (f" of {escape(q.user)}" if q.user else "")
        elif q.user:
            scope = f"user [reverse] {escape(q.user)} [/reverse]"
        else:
            scope = "every user"
        if q.toolkit:
            scope += f", toolkit {escape(q.toolkit)}"
        return f"[b]Activity[/b] · {scope}"

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        wide = self.app.size.width >= 110
        widths = {"time": 8, "user": 14 if wide else 10, "toolkit": 10, "tool": 28 if wide else 22, "status": 8,
                  "duration": 7}
        if not wide:
            del widths["toolkit"]
        for key, width in widths.items():
            table.add_column(COLUMN_NAMES[key], width=width, key=key)
        used = sum(widths.values()) + 2 * (len(widths) + 1) + 2  # cell padding and the scrollbar
        table.add_column("Message", width=max(10, self.app.size.width - used), key="message")
        table.focus()
        self.update_live()
        if not self._follow_at_mount:
            self.load_once()  # following starts when the screen is shown (ScreenResume)

    # --- following ---------------------------------------------------------------------------

    def _new_follower(self) -> Follower:
        return Follower(self.app.ctx.gateway, self.query_scope, backoff=Backoff(base=POLL_BASE, idle_max=POLL_IDLE_MAX))

    def start_follow(self) -> None:
        if not self._stop.is_set() and self._polling:
            return
        if self._follower is None:
            self._follower = self._new_follower()
        self._polling = True
        self._stop = threading.Event()
        self.state = FollowState.LIVE
        self.follow(self._follower, self._stop)
        self.update_live()

    def stop_follow(self) -> None:
        self._polling = False
        self._stop.set()

    def on_screen_resume(self) -> None:
        """Shown (first time, or back from the full log): follow unless the operator paused."""
        if self.state != FollowState.PAUSED:
            self.start_follow()

    def on_screen_suspend(self) -> None:
        """Covered by another screen: stop polling; the follower keeps its place for the return."""
        self.stop_follow()

    @work(thread=True, exclusive=True, group="activity-follow", exit_on_error=False, description="follow activity")
    def follow(self, follower: Follower, stop: threading.Event) -> None:
        from ..core.errors import ApiError
        from ..core.states import ErrorKind

        with self._follow_lock:
            try:
                follower.run(lambda poll: self.post_message(self.Polled(poll)), stop)
            except Exception as exc:  # a bug must not leave a "live" marker on a dead loop
                err = ApiError(ErrorKind.BAD_RESPONSE, f"Following stopped: {type(exc).__name__}: {exc}",
                               hint="Press p twice to start again")
                self.post_message(self.Polled(Poll((), FollowState.FAILING, 0.0, err)))

    @work(thread=True, exclusive=True, group="activity-follow", exit_on_error=False, description="load activity")
    def load_once(self) -> None:
        with self._follow_lock:
            self._follower = self._follower or self._new_follower()
            self.post_message(self.Polled(self._follower.poll()))

    def on_unmount(self) -> None:
        self.stop_follow()

    @on(Polled)
    def _polled(self, message: Polled) -> None:
        poll = message.poll
        self.loaded = True
        if poll.entries:
            self.entries = (list(reversed(poll.entries)) + self.entries)[:MAX_ROWS]
        if self.state != FollowState.PAUSED:
            self.state = poll.state
        self.error = poll.error.line() if poll.error else ""
        self.delay = poll.delay
        self.update_live()
        if poll.entries or not self.shown:
            self.render_rows()
        else:
            self.update_status()

    # --- what is shown -------------------------------------------------------------------------

    def update_live(self) -> None:
        marker = self.query_one("#activity-live", Static)
        if self.state == FollowState.LIVE:
            marker.update("[$success]● live[/]")
        elif self.state == FollowState.PAUSED:
            marker.update("[$warning]❚❚ paused[/] [dim](p resumes)[/dim]")
        elif self.state == FollowState.RATE_LIMITED:
            marker.update(f"[$warning]● rate limited, retry in {self.delay:g} s[/]")
        else:
            marker.update(f"[$error]● retrying in {self.delay:g} s[/]")

    def words(self) -> list[str]:
        return self.query_one("#activity-filter", Input).value.casefold().split()

    def matches(self, entry: LogEntry, words: list[str]) -> bool:
        """Status words pick the status ("failed" never matches a success that mentions failing);
        every other word must appear in the toolkit, tool, user or message."""
        hay = f"{entry.toolkit} {entry.tool} {entry.user_id} {entry.message}".casefold()
        for word in words:
            if word in FAILED_WORDS or word in OK_WORDS:
                if entry.failed != (word in FAILED_WORDS):
                    return False
            elif word not in hay:
                return False
        return True

    def render_rows(self) -> None:
        table = self.query_one(DataTable)
        current = self.current()
        words = self.words()
        self.shown = [e for e in self.entries if self.matches(e, words)]
        table.clear()
        keys = [c.key.value for c in table.ordered_columns]
        for entry in self.shown:
            failed = entry.failed
            values = {
                "time": cell(activity.clock_text(entry)),
                "user": cell(entry.user_id or "—"),
                "toolkit": cell(entry.toolkit or "—"),
                "tool": themed(self.app, entry.tool or "—", "error") if failed else cell(entry.tool or "—"),
                "status": themed(self.app, "✗ failed" if failed else "ok", "error" if failed else "success"),
                "duration": cell(activity.duration_text(entry)),
                "message": themed(self.app, short_message(entry), "error") if failed else cell(short_message(entry), "dim"),
            }
            table.add_row(*(values[k] for k in keys), key=entry.id)
        if current is not None and current in self.shown:
            table.move_cursor(row=self.shown.index(current), animate=False)
        self.update_status()

    def update_status(self) -> None:
        status = self.query_one("#activity-status", Static)
        failed = sum(e.failed for e in self.entries)
        if self.error and not self.entries:
            status.update(f"[$error]{escape(self.error)}[/]")
            return
        if not self.loaded:
            status.update("Loading activity…")
            return
        if not self.entries:
            scope = self.query_scope.scope()
            unknown = (" An unknown user or session has no activity, so check the ID."
                       if self.query_scope.user or self.query_scope.session else "")
            status.update(f"No tool executions for {escape(scope)} yet.{unknown} New ones appear here "
                          "as the agent runs tools.")
            return
        text = f"{len(self.entries)} executions, [$error]{failed} failed[/]" if failed else f"{len(self.entries)} executions"
        if self.words():
            text += f" · {len(self.shown)} match the filter"
        if self.error:
            text += f" · [$warning]{escape(self.error)}[/]"
        status.update(text + " · [dim]enter opens the full log[/dim]")

    def current(self) -> LogEntry | None:
        table = self.query_one(DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # --- actions -------------------------------------------------------------------------------

    @on(Input.Changed, "#activity-filter")
    def _filter(self) -> None:
        self.render_rows()

    @on(Input.Submitted, "#activity-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#activity-filter", Input).focus()

    def action_failures(self) -> None:
        box = self.query_one("#activity-filter", Input)
        box.value = "" if box.value.strip() == "failed" else "failed"

    def action_pause(self) -> None:
        if self.state == FollowState.PAUSED:
            self.start_follow()
            self.notify("Following again: nothing that happened meanwhile is missed.", timeout=3)
        else:
            self.stop_follow()
            self.state = FollowState.PAUSED
            self.update_live()

    @on(DataTable.RowSelected, "#activity-table")
    def action_open(self) -> None:
        entry = self.current()
        if entry is not None:
            from .log_detail import LogScreen

            self.app.push_screen(LogScreen(entry))

    def action_back(self) -> None:
        self.dismiss(None)
