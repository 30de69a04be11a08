"""Help built from the bindings that are active where it was opened, so it cannot drift."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows(screen, app) -> list[tuple[str, str, str]]:
    """(keys, description, binding id) for every binding reachable from ``screen``."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        b = active.binding
        label = b.description or b.action
        ident = b.id or b.action
        if ident in seen or b.system:
            continue
        seen.add(ident)
        rows.append((app.get_key_display(b), label, ident))
    rows.append(("ctrl+p", "Command palette", "app.command_palette"))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, under) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        rows = binding_rows(self.under, self.app)
        width = max((len(k) for k, _, _ in rows), default=4) + 2
        text = "\n".join(f"[b]{escape(k).ljust(width)}[/b]{escape(d)}" for k, d, _ in rows)
        with VerticalScroll(id="help-box"):
            yield Static(f"[b]Keys on this screen[/b]\n\n{text}\n\n[dim]esc closes · bindings can be remapped by id "
                         f"in the config file (\\[keymap])[/dim]", id="help-text")
