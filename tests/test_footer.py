"""The console's footer (tui/widgets/footer.py) shows what Textual's Footer shows, rebuilt only on change.

Deterministic: a small app with two inputs (focus moves that keep the keys) and one action whose
enabled state the test flips; the footer is read back after each step, with no timing in the checks.
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer as TextualFooter
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from apphelp import settle
from tui.widgets.footer import Footer


class Keys(App):
    BINDINGS = [Binding("f5", "go", "Go"), Binding("f6", "quit", "Quit")]

    def __init__(self, footer: type[TextualFooter]) -> None:
        super().__init__()
        self.footer = footer
        self.can_go = True

    def compose(self):
        yield Input(id="a")
        yield Input(id="b")
        yield self.footer()

    def check_action(self, action: str, parameters) -> bool | None:
        return None if action == "go" and not self.can_go else True

    def action_go(self) -> None:
        pass


def shown(app: App) -> list[tuple[str, str, bool, bool]]:
    return [(k.key, k.description, k.has_class("-disabled"), k.has_class("-compact"))
            for k in app.screen.query(FooterKey)]


async def footer_steps(kind: type[TextualFooter]) -> tuple[list, list, bool]:
    app = Keys(kind)
    async with app.run_test(size=(80, 6)) as pilot:
        await settle(pilot)
        first = shown(app)
        keys = list(app.screen.query(FooterKey))
        await pilot.press("tab")  # focus moves; the keys stay the same
        await settle(pilot)
        kept = all(k.is_attached for k in keys)
        app.can_go = False
        app.refresh_bindings()  # Go is now disabled: the footer must show it
        await settle(pilot)
        return first, shown(app), kept


async def test_the_footer_shows_what_textuals_footer_shows():
    ours = await footer_steps(Footer)
    theirs = await footer_steps(TextualFooter)
    assert ours[:2] == theirs[:2]
    assert ours[0][0] == ("f5", "Go", False, False)
    assert ours[1][0] == ("f5", "Go", True, False)  # disabled after the change, still not compact


async def test_a_focus_move_that_keeps_the_keys_keeps_the_footer_and_a_change_rebuilds_it():
    first, after, kept = await footer_steps(Footer)
    assert kept, "the footer was rebuilt although its keys did not change"
    assert first != after
    *_, textual_kept = await footer_steps(TextualFooter)
    assert not textual_kept  # what the subclass saves: Textual's footer rebuilds on every focus move
