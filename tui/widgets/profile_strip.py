"""The profile strip: one line docked at the top of every full screen naming the profile in use (issue 16).

It shows the app's ``shown_profile`` (watched, so a switch or the boot resolving the profile updates
every strip at once): the name in the profile's colour, ``read-only`` when it is, its label and base
URL; a production-looking profile gets the reversed ``NAME · PRODUCTION`` mark on a red strip. With
no profiles configured, with an explicit base URL or in the demo it is hidden and takes no space, so
those screens look exactly as before profiles. The catalog does not carry it: its top bar already
starts with the same mark (``ComposioApp.profile_badge``).

``badge`` and ``mark`` are the one rendering of a profile's mark (the switcher uses ``badge`` too).
"""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import Static


def badge(profile) -> str:
    """The header's profile mark (markup): its colour; production-looking ones stand out."""
    name = escape(profile.name)
    if profile.production:
        return f"[b reverse $error] {name} · PRODUCTION [/]"
    colour = profile.colour or "$accent"
    return f"[b {colour}]{name}[/]"


def mark(profile) -> str:
    """The badge plus a bold ``read-only`` for a read-only profile: what every header shows."""
    return badge(profile) + (" [b]read-only[/b]" if profile.read_only else "")


class ProfileStrip(Static):
    DEFAULT_CSS = """
    ProfileStrip {
        dock: top;
        height: 1;
        padding: 0 1;
        background: $panel;
        display: none;
    }
    ProfileStrip.-shown { display: block; }
    ProfileStrip.-production { background: $error 30%; }
    """

    def __init__(self) -> None:
        super().__init__("", id="profile-strip")

    def on_mount(self) -> None:
        self.watch(self.app, "shown_profile", self.show_profile)

    def show_profile(self, profile) -> None:
        self.set_class(profile is not None, "-shown")
        self.set_class(profile is not None and profile.production, "-production")
        if profile is None:
            self.update("")
            return
        label = f" · {escape(profile.label)}" if profile.label else ""
        self.update(f"Profile {mark(profile)}{label} · {escape(profile.base_url)}")
