"""Client config export: pick a client and how the key travels; the text is shown and copied."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from ..core import export
from ..core.models import SessionInfo
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from .confirm import ConfirmScreen

LABELS = {
    "claude-code": "Claude Code (claude mcp add)",
    "mcp-json": "Claude Code .mcp.json",
    "cursor": "Cursor mcp.json",
    "vscode": "VS Code .vscode/mcp.json",
    "mcp-remote": "mcp-remote bridge (stdio clients)",
    "curl": "curl smoke test",
}
MODE_LABELS = {"placeholder": "Placeholder", "env": "Environment variable", "literal": "Literal key (secret!)"}


class ExportScreen(Screen[None]):
    BINDINGS = [
        Binding("c", "copy", "Copy", id="export.copy", tooltip="Copy the config shown"),
        Binding("m", "next_mode", "Key mode", id="export.mode", tooltip="placeholder → env → literal"),
        Binding("escape", "back", "Back", id="export.back"),
    ]

    def __init__(self, info: SessionInfo, fmt: str = "claude-code", key_mode: str | None = None) -> None:
        super().__init__()
        self.info = info
        self.fmt = fmt
        self._initial_mode = key_mode

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        mode = self._initial_mode or self.app.ctx.settings.key_mode
        if mode == "literal":
            mode = "env"  # literal is only ever chosen explicitly, with a warning
        self.key_mode = mode
        yield Static(f"[b]Export client config[/b] — session {escape(self.info.session_id)} "
                     f"for user [reverse] {escape(self.info.user_id)} [/reverse]", id="export-title")
        with Horizontal(id="export-body"):
            with Vertical(id="export-side"):
                yield OptionList(*[Option(LABELS[f], id=f) for f in export.FORMATS], id="formats")
                with RadioSet(id="modes"):
                    for m in export.KEY_MODES:
                        yield RadioButton(MODE_LABELS[m], value=m == mode, id=f"mode-{m}")
            with VerticalScroll(id="export-preview"):
                yield Static("", id="export-text", markup=False)
                yield Static("", id="export-note")
        yield Footer()

    def on_mount(self) -> None:
        formats = self.query_one("#formats", OptionList)
        formats.highlighted = list(export.FORMATS).index(self.fmt)
        formats.focus()
        self.render_config()
        self.call_after_refresh(self._sync_highlight)  # the set highlights its first button on mount

    def _sync_highlight(self) -> None:
        """Move the radio set's highlight to the chosen mode (it follows its own Changed message)."""
        radios = self.query_one("#modes", RadioSet)
        radios.post_message(RadioSet.Changed(radios, self.query_one(f"#mode-{self.key_mode}", RadioButton)))

    def text(self, reveal: bool = False) -> str:
        return self.app.ctx.export_text(self.fmt, self.info.mcp_url, self.key_mode, reveal=reveal)

    def render_config(self) -> None:
        from ..widgets.code import code, language_of  # highlighted like the tool schemas

        try:
            shown = self.text()
        except ValueError as refused:  # a foreign MCP origin: nothing to copy (issue 11.6)
            self.query_one("#export-text", Static).update(str(refused))
            self.query_one("#export-note", Static).update("[$error]Not exported.[/]")
            return
        self.query_one("#export-text", Static).update(code(shown, language_of(shown)))
        if self.key_mode == "literal":
            note = ("[$warning]This text contains your API key (shown masked). Anyone holding it can use "
                    "your Composio project. Copy it only into a private config.[/]")
        elif self.key_mode == "env":
            note = "[dim]The key stays out of the file: the client reads COMPOSIO_API_KEY.[/dim]"
        else:
            note = "[dim]Replace the placeholder with your API key before use.[/dim]"
        self.query_one("#export-note", Static).update(note)

    @on(OptionList.OptionHighlighted, "#formats")
    def _format(self, event: OptionList.OptionHighlighted) -> None:
        self.fmt = event.option.id or self.fmt
        self.render_config()

    @on(RadioSet.Changed, "#modes")
    def _mode(self, event: RadioSet.Changed) -> None:
        wanted = str(event.pressed.id).removeprefix("mode-")
        self.set_mode(wanted)

    def set_mode(self, wanted: str, declined: str | None = None) -> None:
        """``declined``: the mode to take when the literal key is refused (else the current one stays)."""
        if wanted == self.key_mode:
            return
        if wanted == "literal":
            self.app.push_screen(
                ConfirmScreen("Put the literal API key in the exported config?",
                              "Anyone who sees the copied text can use your Composio project. "
                              "Prefer the environment variable mode.", yes="Include the key"),
                callback=lambda ok: self._apply_mode("literal" if ok else declined or self.key_mode))
            return
        self._apply_mode(wanted)

    def _apply_mode(self, mode: str) -> None:
        self.key_mode = mode
        # Not under prevent(RadioSet.Changed): the set moves its highlight on that message, so the highlight
        # always follows the chosen mode; _mode ignores the echo because key_mode already equals it.
        self.query_one(f"#mode-{mode}", RadioButton).value = True
        self.render_config()

    def action_next_mode(self) -> None:
        """placeholder → env → literal (confirmed) → placeholder; declining literal moves on past it,
        so ``m`` always has a way back to the placeholder without the key."""
        modes = list(export.KEY_MODES)
        here = modes.index(self.key_mode)
        self.set_mode(modes[(here + 1) % len(modes)], declined=modes[(here + 2) % len(modes)])

    def action_copy(self) -> None:
        try:
            text = self.text(reveal=True)
        except ValueError as refused:
            self.notify(str(refused), severity="error")
            return
        self.app.copy_text(text, f"{LABELS[self.fmt]} config",
                           secret=self.key_mode == "literal")

    def action_back(self) -> None:
        self.dismiss(None)
