"""The console's one footer: Textual's Footer, rebuilt only when what it shows changes.

Textual's Footer recomposes after every bindings update (each focus move, each screen resume), and
each new key then restyles itself twice on mount (its `compact` starts True, the footer binds it to
False), each restyle walking the whole stylesheet for the key and its two component classes. Measured
over the test suite that was about a third of all CPU time, and it is the same work on an operator's
every keystroke over SSH. This footer:

- skips the rebuild when the keys it would show (binding, enabled, tooltip) are the ones it shows;
- gives each bound key the footer's `compact` before it mounts, so nothing restyles it twice.

What it shows is exactly what Textual's Footer shows: `compose` is Textual's own, only read through.
Every full screen yields this Footer (tests/test_architecture.py keeps it so).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """A Footer that recomposes only when its keys change and mounts keys already styled."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None

    def _wanted(self) -> tuple:
        """What compose would show now: the visible bindings and how the footer draws them."""
        if not self._bindings_ready:
            return (False,)
        keys = tuple((b.binding, b.enabled, b.tooltip) for b in self.screen.active_bindings.values())
        return (True, self.compact, self.show_command_palette, keys)

    def compose(self) -> ComposeResult:
        self._shown = self._wanted()
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # The key's own default is compact; the footer's data binding would flip it on mount.
                # (The palette key is not bound: it stays compact, as in Textual's Footer.)
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        if self.is_attached and self._wanted() == self._shown:
            return
        await super().recompose()
