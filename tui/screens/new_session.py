"""New session: a user ID and the marked toolkits become one Tool Router session for that user."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Static

from ..core import sessions
from ..core.errors import ApiError
from ..core.models import SessionInfo
from ..core.validation import check_slugs, check_user_id
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.whole_paste import WholePasteInput
from . import policy_form


def parse_slugs(text: str) -> list[str]:
    return [s.strip() for s in text.replace(" ", ",").split(",") if s.strip()]


class NewSessionScreen(Screen[SessionInfo | None]):
    BINDINGS = [
        Binding("ctrl+s", "create", "Create", id="new_session.create", tooltip="Create the session"),
        Binding("ctrl+o", "policy", "Policy", id="new_session.policy",
                tooltip="Tools, auth config, account, sandbox, approvals, guardrails, callback URL"),
        Binding("ctrl+t", "template", "Template", id="new_session.template", tooltip="Fill the form from a template"),
        Binding("ctrl+g", "save_template", "Save template", id="new_session.save_template",
                tooltip="Save the composed policy and toolkits as [templates.NAME] in the config file"),
        Binding("escape", "cancel", "Back", id="new_session.cancel"),
    ]

    def __init__(self, toolkits: list[str], recent_users: list[str]) -> None:
        super().__init__()
        self.toolkits = toolkits
        self.recent_users = recent_users
        self.busy = False  # a create request is in flight
        self.policy = None  # policy: a tui.core.policy.Policy once ctrl+p or ctrl+t set one

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        with VerticalScroll(id="form"):
            yield Static("[b]New Tool Router session[/b] — one session per end user, never a shared user",
                         id="form-title")
            yield Static("User ID", classes="label")
            yield WholePasteInput(placeholder="a stable id from your system, e.g. user_8c1f or a UUID", id="user-id",
                        suggester=SuggestFromList(self.recent_users, case_sensitive=True) if self.recent_users else None)
            yield Static("", id="user-note", classes="note")
            if self.recent_users:
                yield Static(f"[dim]Recent: {escape(', '.join(self.recent_users[:5]))} (→ completes)[/dim]",
                             id="recent")
            yield Static("Toolkits (slugs from the catalog, comma separated)", classes="label")
            yield Input(", ".join(self.toolkits), id="toolkits")
            yield Static("", id="toolkits-note", classes="note")
            yield Checkbox("Manage connections (the session can ask the user to connect accounts)", True,
                           id="manage")
            yield Static("", id="policy-line", classes="note")
            with Horizontal(id="form-buttons"):
                yield Button("Create session (ctrl+s)", id="create", variant="primary")
            yield Static("", id="form-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#user-id", Input).focus()
        self._check_toolkits()
        policy_form.show(self)
        policy_form.default_template(self)

    @property
    def known(self) -> frozenset[str]:
        index = self.app.index
        return index.slugs if index is not None else frozenset()

    @on(Input.Changed, "#user-id")
    def _check_user(self) -> bool:
        raw = self.query_one("#user-id", Input).value
        note = self.query_one("#user-note", Static)
        if not raw:
            note.update("")
            return False
        verdict = check_user_id(raw)
        if not verdict.ok:
            note.update(f"[$error]{escape(verdict.error)}[/]")
        elif verdict.warning:
            note.update(f"[$warning]{escape(verdict.warning)}[/]")
        else:
            note.update("[$success]✓[/]")
        return verdict.ok

    @on(Input.Changed, "#toolkits")
    def _check_toolkits(self) -> bool:
        problems = check_slugs(parse_slugs(self.query_one("#toolkits", Input).value), self.known)
        note = self.query_one("#toolkits-note", Static)
        note.update(f"[$error]{escape(' '.join(problems))}[/]" if problems else "[$success]✓[/]")
        if self.is_mounted:
            policy_form.show(self)
        return not problems

    @on(Input.Submitted, "#user-id")
    def _next(self) -> None:
        self.query_one("#toolkits", Input).focus()

    @on(Input.Submitted, "#toolkits")
    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self.busy:  # ctrl+s, enter or the button again: never send a second request
            return
        user_id = self.query_one("#user-id", Input).value
        slugs = parse_slugs(self.query_one("#toolkits", Input).value)
        try:
            sessions.check(user_id, slugs, self.known)
        except sessions.InputError as err:
            self.status("Not sent: " + " ".join(err.problems), error=True)
            verdict = check_user_id(user_id)
            if not verdict.ok:  # also next to the field: in 80x24 the status line is below the fold
                self.query_one("#user-note", Static).update(f"[$error]{escape(verdict.error)}[/]")
                self.query_one("#user-id", Input).focus()
            return
        self.status(f"Creating a session for {user_id}…")
        self.busy = True
        self.query_one("#create", Button).disabled = True
        if self.policy is not None:  # policy: validated against the API, then created with it
            policy_form.create_with_policy(self, user_id, slugs)
            return
        self.create(user_id, slugs, self.query_one("#manage", Checkbox).value)

    def action_policy(self) -> None:
        policy_form.edit(self)

    def action_template(self) -> None:
        policy_form.template(self)

    def action_save_template(self) -> None:
        policy_form.save_template(self)

    def status(self, text: str, error: bool = False) -> None:
        self.query_one("#form-status", Static).update(f"[$error]{escape(text)}[/]" if error else escape(text))

    @work(thread=True, exclusive=True, group="create", exit_on_error=False, description="create session")
    def create(self, user_id: str, slugs: list[str], manage: bool) -> None:
        app = self.app  # held: once the form is closed, self.app cannot find the app from this thread
        ctx = app.ctx
        known = self.known
        try:
            info = sessions.create(ctx.gateway, ctx.ledger, user_id, slugs, known, manage_connections=manage)
        except (ApiError, sessions.InputError) as err:
            app.call_from_thread(self._failed, str(err))
            return
        except Exception as exc:  # the ledger can fail too (disk full, foreign file)
            app.call_from_thread(self._failed, str(exc))
            return
        app.call_from_thread(self._created, info)

    def _created(self, info: SessionInfo) -> None:
        self.busy = False
        if self.is_active:
            self.dismiss(info)
            return
        # The form was left (or covered) while the request was in flight: the session exists and is in
        # the ledger, so say so instead of creating it silently; never pop whatever screen is on top now.
        if self.is_attached:
            self.query_one("#create", Button).disabled = False
            self.status(f"Created {info.session_id} for {info.user_id}; it is in the sessions list (s).")
        self.app.notify(f"Session {info.session_id} was created for {info.user_id} while the form was not in "
                        "front; it is in the sessions list (s).", severity="warning", timeout=10, markup=False)

    def _failed(self, text: str) -> None:
        self.busy = False
        if not self.is_attached:  # the form was left while the request was in flight
            self.app.notify(f"Session not created: {text}", severity="error", timeout=10, markup=False)
            return
        self.query_one("#create", Button).disabled = False
        self.status(f"Not created: {text}", error=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
