"""Log in: a masked key, verified against the API before it is stored (or held for this run only)."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from ..core.context import KeyInfo, LoginError
from ..core.states import KeepKey, LoginStep
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip


class LoginScreen(Screen[KeyInfo | None]):
    """Dismisses with the accepted key (stored or in memory), or None when the user backs out."""

    AUTO_FOCUS = "#login-key"  # declarative: a quit while the screen mounts finds nothing to query
    BINDINGS = [
        Binding("escape", "cancel", "Back", id="login.cancel", tooltip="Browse without a key (cached catalog only)"),
        Binding("ctrl+t", "this_run", "This run only", id="login.this_run",
                tooltip="Verify the key and keep it in memory; nothing is written"),
    ]

    def __init__(self, base_url: str, reason: str = "", keyring_note: str = "", keyring_usable: bool = True) -> None:
        super().__init__()
        self.base_url = base_url
        self.reason = reason
        self.keyring_note = keyring_note
        self.keyring_usable = keyring_usable

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        with Vertical(id="login-box"):
            yield Static("[b]Composio API key[/b]", id="login-title")
            yield Static(escape(self.reason or "No API key was found for this API."), id="login-reason")
            if self.keyring_note:
                yield Static(escape(self.keyring_note), id="login-keyring")
            yield Static(f"API: {escape(self.base_url)}", id="login-api", classes="muted")
            yield Input(placeholder="ak_… (project API key; hidden as you type)", password=True, id="login-key")
            with Horizontal(id="login-buttons"):
                yield Button("Verify and save to keyring", id="login-save", variant="primary",
                             disabled=not self.keyring_usable)
                yield Button("Use for this run only", id="login-run")
            yield Static("", id="login-status")
            yield Static("[dim]The key is checked with a one-item catalog request before anything is stored. "
                         "Setting COMPOSIO_API_KEY skips this screen.[/dim]", id="login-help")
        yield Footer()

    def status(self, text: str, error: bool = False) -> None:
        self.query_one("#login-status", Static).update(f"[$error]{escape(text)}[/]" if error else escape(text))

    @on(Input.Submitted, "#login-key")
    def _submitted(self) -> None:
        self.submit(store=self.keyring_usable)

    @on(Button.Pressed, "#login-save")
    def _save(self) -> None:
        self.submit(store=True)

    @on(Button.Pressed, "#login-run")
    def action_this_run(self) -> None:
        self.submit(store=False)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def submit(self, store: bool) -> None:
        key = self.query_one("#login-key", Input).value.strip()
        from ..core.secrets import key_problem

        problem = key_problem(key) if key else "it is empty"
        if problem:  # said at once, before a worker starts; Context.login checks it again
            self.status(f"That is not a usable key: {problem}.", error=True)
            return
        self.status("Checking the key with the API…")
        self.query_one("#login-key", Input).disabled = True
        self.verify_and_keep(key, store)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False, description="login")
    def verify_and_keep(self, key: str, store: bool) -> None:
        """The flow is Context.login (verify → store → read back → one KeyInfo); this only words it."""
        try:
            info, _ = self.app.ctx.login(key, KeepKey.KEYRING if store else KeepKey.MEMORY)
        except LoginError as exc:
            self.app.call_from_thread(self._failed, self.failure_text(exc))
            return
        self.app.call_from_thread(self.dismiss, info)

    def failure_text(self, exc: LoginError) -> str:
        err = exc.error
        if exc.step == LoginStep.SHAPE:
            return f"That is not a usable key: {exc.problem or 'it is empty'}."
        if exc.step == LoginStep.REJECTED:
            rid = f" (request id {err.request_id})" if getattr(err, "request_id", None) else ""
            return (f"The API rejected this key ({getattr(err, 'status', '')}); nothing was stored. Check that it "
                    f"is a project key (ak_…) for {self.base_url}.{rid}")
        if exc.step == LoginStep.UNCHECKED:
            return f"Could not check the key, so nothing was stored: {err.line()}"  # type: ignore[union-attr]
        return f"The key works but could not be stored: {exc.problem} Press ctrl+t to use it for this run only."

    def _failed(self, text: str) -> None:
        field = self.query_one("#login-key", Input)
        field.disabled = False
        field.focus()
        self.status(text, error=True)
