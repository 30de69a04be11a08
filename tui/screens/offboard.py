"""Offboard one user: the dry run first (exactly what will be removed), then the user id typed again,
then every item's outcome as it happens, and the final report.

Both steps are ``core.offboard`` calls in workers that post typed messages.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ..core import offboard
from ..core.errors import ApiError
from ..core.sessions import InputError
from ..core.states import OffboardOutcome
from ..widgets.cells import cell, themed
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table
from .guard import writes

OUTCOME_STYLE = {OffboardOutcome.PLANNED: "warning", OffboardOutcome.DELETED: "success",
                 OffboardOutcome.ALREADY_GONE: "text-muted", OffboardOutcome.FAILED: "error"}


class OffboardScreen(Screen[bool]):
    BINDINGS = [Binding("escape", "back", "Back", id="offboard.back")]

    class Planned(Message):
        def __init__(self, report: offboard.Report) -> None:
            super().__init__()
            self.report = report

    class Progress(Message):
        def __init__(self, item: offboard.Item) -> None:
            super().__init__()
            self.item = item

    class Finished(Message):
        def __init__(self, report: offboard.Report) -> None:
            super().__init__()
            self.report = report

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, user_id: str) -> None:
        super().__init__()
        self.user_id = user_id
        self.report: offboard.Report | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(f"[b]Offboard user[/b] [reverse] {escape(self.user_id)} [/reverse] [dim]— deletes every "
                     "session of theirs in the ledger and every connected account[/dim]", id="offboard-title")
        yield Table(id="offboard-table", cursor_type="row", zebra_stripes=True)
        yield Static("Dry run: listing what would be removed…", id="offboard-state")
        yield Input(placeholder="type the user id again to remove all of this", id="offboard-confirm", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Kind", key="kind")
        table.add_column("Id", key="id")
        table.add_column("What", key="what")
        table.add_column("Outcome", key="outcome")
        self.dry_run()

    @work(thread=True, exclusive=True, group="offboard", exit_on_error=False, description="offboard dry run")
    def dry_run(self) -> None:
        ctx = self.app.ctx
        try:
            self.post_message(self.Planned(offboard.plan(ctx.gateway, ctx.ledger, self.user_id)))
        except (ApiError, InputError) as err:
            self.post_message(self.Failed(err.line() if isinstance(err, ApiError) else str(err)))

    def _fill(self, report: offboard.Report) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for item in report.items:
            table.add_row(cell(item.kind), cell(item.id), cell(item.label), self._outcome(item),
                          key=f"{item.kind}:{item.id}")

    def _outcome(self, item: offboard.Item):
        text = str(item.outcome).replace("_", " ") + (" (earlier run)" if item.earlier else "")
        if item.note and item.outcome == OffboardOutcome.FAILED:
            text += f": {item.note}"
        return themed(self.app, text, OUTCOME_STYLE.get(item.outcome, "foreground"))

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        self.report = report = message.report
        self._fill(report)
        self.query_one("#offboard-state", Static).update(
            f"[b]Dry run:[/b] this removes {report.count(offboard.SESSION)} sessions and "
            f"{report.count(offboard.ACCOUNT)} connected accounts; nothing is removed yet.\n"
            f"Type [b]{escape(self.user_id)}[/b] below and press enter to remove them, or esc to keep everything.")
        field = self.query_one("#offboard-confirm", Input)
        field.disabled = False
        field.focus()

    @on(Input.Submitted, "#offboard-confirm")
    @writes("offboarding a user")
    def _confirmed(self, event: Input.Submitted) -> None:
        if self.running or self.report is None or not self.report.dry_run:
            return
        if event.value != self.user_id:
            self.notify("That is not the user id; nothing was removed.", severity="warning", markup=False)
            return
        self.running = True
        event.input.disabled = True
        self.query_one("#offboard-state", Static).update(f"Offboarding {escape(self.user_id)}…")
        self.run_offboard()

    @work(thread=True, exclusive=True, group="offboard", exit_on_error=False, description="offboard")
    def run_offboard(self) -> None:
        ctx = self.app.ctx
        try:
            report = offboard.run(ctx.gateway, ctx.ledger, self.user_id, ctx.ledger_path.parent,
                                  progress=lambda item: self.post_message(self.Progress(item)))
        except (ApiError, InputError) as err:
            self.post_message(self.Failed(err.line() if isinstance(err, ApiError) else str(err)))
            return
        except Exception as exc:  # the ledger or the journal could not be written
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Finished(report))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        item = message.item
        table = self.query_one(DataTable)
        try:
            table.update_cell(f"{item.kind}:{item.id}", "outcome", self._outcome(item))
        except Exception:  # an item the dry run did not list (appeared meanwhile): add it
            table.add_row(cell(item.kind), cell(item.id), cell(item.label), self._outcome(item),
                          key=f"{item.kind}:{item.id}")

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.running = False
        self.report = report = message.report
        self._fill(report)
        if report.done:
            text = (f"[$success]Offboarded {escape(self.user_id)}: {report.count(offboard.SESSION)} sessions and "
                    f"{report.count(offboard.ACCOUNT)} accounts removed; the ledger marks the sessions deleted.[/]")
            self.notify(f"Offboarded {self.user_id}.", markup=False)
        else:
            text = (f"[$error]Not complete: {len(report.failed)} items failed. Open this again (o) to finish; "
                    "what is done stays done.[/]")
        self.query_one("#offboard-state", Static).update(text)
        self.query_one(DataTable).focus()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.running = False
        self.query_one("#offboard-state", Static).update(f"[$error]{escape(message.text)}[/]")

    def action_back(self) -> None:
        if self.running:
            self.notify("Offboarding is running; it finishes on its own.", severity="warning")
            return
        self.dismiss(bool(self.report and self.report.done))
