"""A Connect link for one user and toolkit: optional callback URL, then the link as one unwrapped line
of text (a terminal selection copies it whole; c copies it too), as a QR code, and a wait for ACTIVE.

The link is made and watched by a worker (``core.users.connect`` + ``wait_active``) that posts typed
messages; leaving the screen cancels the wait.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ..core import users
from ..core.errors import ApiError
from ..core.qr import qr_lines
from ..core.sessions import InputError
from ..core.states import WaitOutcome
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from .guard import writes

POLL_INTERVAL = 1.5


class ConnectScreen(Screen[None]):
    AUTO_FOCUS = "#connect-callback"  # declarative: a quit while the screen mounts finds nothing to query
    BINDINGS = [
        Binding("c", "copy", "Copy link", id="connect.copy", tooltip="Copy the Connect link (OSC 52)"),
        Binding("escape", "back", "Back", id="connect.back", tooltip="Back (stops waiting; the link stays valid)"),
    ]

    class Ready(Message):
        def __init__(self, made: users.Connect) -> None:
            super().__init__()
            self.made = made

    class Settled(Message):
        def __init__(self, waited: users.Waited) -> None:
            super().__init__()
            self.waited = waited

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, user_id: str, toolkit: str) -> None:
        super().__init__()
        self.user_id = user_id
        self.toolkit = toolkit
        self.made: users.Connect | None = None
        self.outcome: WaitOutcome | None = None

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(f"[b]Connect[/b] {escape(self.toolkit)} for user [reverse] {escape(self.user_id)} [/reverse]",
                     id="connect-title")
        yield Input(placeholder="callback URL (optional): where the user lands afterwards; enter creates the link",
                    id="connect-callback")
        with HorizontalScroll(id="connect-link-row"):
            yield Static("", id="connect-link")
        with Horizontal(id="connect-body"):
            yield Static("", id="connect-qr")
            yield Static("[dim]Press enter to create the link.[/dim]", id="connect-state")
        yield Footer()

    @on(Input.Submitted, "#connect-callback")
    @writes("creating a Connect link")
    def _create(self) -> None:
        if self.made is not None:
            return
        callback = self.query_one("#connect-callback", Input).value.strip() or None
        self.query_one("#connect-state", Static).update(f"Creating a Connect link for {escape(self.toolkit)}…")
        self.link_and_wait(callback)

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False, description="connect link")
    def link_and_wait(self, callback: str | None) -> None:
        ctx = self.app.ctx
        worker = get_current_worker()
        try:
            made = users.connect(ctx.gateway, ctx.ledger, self.user_id, self.toolkit, callback_url=callback)
        except (ApiError, InputError) as err:
            self.post_message(self.Failed(err.line() if isinstance(err, ApiError) else str(err)))
            return
        self.post_message(self.Ready(made))
        try:
            waited = users.wait_active(ctx.gateway, made.link.connected_account_id,
                                       timeout=ctx.settings.link_timeout, interval=POLL_INTERVAL,
                                       cancelled=lambda: worker.is_cancelled)
        except ApiError as err:
            self.post_message(self.Failed(err.line()))
            return
        if waited.outcome != WaitOutcome.CANCELLED:
            self.post_message(self.Settled(waited))

    @on(Ready)
    def _ready(self, message: Ready) -> None:
        self.made = made = message.made
        url = made.link.redirect_url
        field = self.query_one("#connect-callback", Input)
        field.disabled = True
        field.display = False  # the state below says where the user returns; the QR gets the room
        self.add_class("-linked")
        self.query_one("#connect-link", Static).update(Text(url, no_wrap=True, overflow="ignore"))
        self.query_one("#connect-link-row").focus()
        returns = escape(made.callback_url) if made.callback_url else "Composio's own page (no callback URL given)"
        self.query_one("#connect-state", Static).update(
            f"Send this link to {escape(self.user_id)} (through {escape(made.via)}); c copies it.\n"
            f"After connecting they return to: {returns}\n[dim]Waiting for the account to turn ACTIVE…[/dim]")
        self.query_one("#connect-qr", Static).update(Text("\n".join(qr_lines(url)), style="black on white"))

    @on(Settled)
    def _settled(self, message: Settled) -> None:
        waited = message.waited
        self.outcome = waited.outcome
        reason = f" ({escape(waited.reason)})" if waited.reason else ""
        if waited.outcome == WaitOutcome.ACTIVE:
            text = f"[$success]✓ {escape(self.toolkit)} is connected for {escape(self.user_id)}: ACTIVE.[/]"
            self.notify(f"{self.toolkit} is connected for {self.user_id}.", timeout=5, markup=False)
        elif waited.outcome == WaitOutcome.TIMEOUT:
            text = f"[$warning]No answer yet (still {escape(waited.status)}); the link stays valid.[/]"
        else:
            text = f"[$error]The account ended {escape(waited.status)}{reason}; esc, then l for a new link.[/]"
        self.query_one("#connect-state", Static).update(text)
        self.query_one("#connect-qr", Static).update("")

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#connect-state", Static).update(f"[$error]{escape(message.text)}[/]")

    def action_copy(self) -> None:
        if self.made is not None:
            self.app.copy_text(self.made.link.redirect_url, f"Connect link for {self.toolkit}")

    def action_back(self) -> None:
        self.workers.cancel_group(self, "connect")
        self.dismiss(None)
