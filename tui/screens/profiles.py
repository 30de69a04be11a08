"""The profile switcher (``p`` and the palette): pick one of the configured profiles.

Dismisses with the chosen profile's name, or None. It only shows what the core knows (name, label,
base URL, read-only, production); the app does the switch (``ComposioApp.switch_profile``).
"""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.profile_strip import badge


class ProfileScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "close", "Close", id="profiles.close")]

    def __init__(self, profiles, current: str) -> None:
        super().__init__()
        self.profiles = profiles
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="profiles-box"):
            yield Static("[b]Switch profile[/b]  (enter picks, escape closes)", id="profiles-title")
            options = []
            for prof in self.profiles.profiles.values():
                flags = [f for f, on in (("in use", prof.name == self.current), ("read-only", prof.read_only),
                                         ("PRODUCTION", prof.production)) if on]
                text = f"{badge(prof)}  {escape(prof.label)}  {escape(prof.base_url)}"
                options.append(Option(text + (f"  ({', '.join(flags)})" if flags else ""), id=prof.name))
            yield OptionList(*options, id="profiles-list")

    def on_mount(self) -> None:
        listing = self.query_one("#profiles-list", OptionList)
        names = list(self.profiles.profiles)
        listing.highlighted = names.index(self.current) if self.current in names else 0
        listing.focus()

    @on(OptionList.OptionSelected, "#profiles-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
