"""Help from the active bindings, palette entries for every action, remembered theme, narrow details."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Static

from apphelp import make_app, settle, wait_until
from tui.demo import DEMO_API_KEY
from tui.demo.runner import DemoServer
from tui.screens.catalog import CatalogScreen
from tui.screens.help import HelpScreen
from tui.screens.toolkit import ToolkitScreen


@pytest.fixture(scope="module")
def server():
    with DemoServer() as s:
        yield s


async def test_help_lists_every_binding_of_the_screen(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for binding in CatalogScreen.BINDINGS:
            assert binding.description in text, binding.description
        assert "Command palette" in text and "Quit" in text
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogScreen)


async def test_palette_offers_every_catalog_action(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for binding in CatalogScreen.BINDINGS:
            if binding.description and binding.action != "back":
                assert f"catalog: {binding.description}" in titles, binding.description
        assert "sessions: Sessions created here" in titles
        # a palette command really runs the action: sort order flips
        screen = app.screen
        command = next(c for c in app.get_system_commands(screen) if c.title == "catalog: Sort")
        command.callback()
        await wait_until(pilot, lambda: screen.order == "alpha", what="the sort order to flip")


async def test_theme_choice_is_remembered(server, xdg):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.theme = "nord"
        await pilot.pause()
    state = json.loads(app.ctx.paths.state_file.read_text())
    assert state["theme"] == "nord"
    again = make_app(server.base_url, DEMO_API_KEY)
    assert again.theme == "nord"
    explicit = make_app(server.base_url, DEMO_API_KEY, theme="gruvbox")
    assert explicit.theme == "gruvbox"  # an explicit setting beats the remembered one


async def test_enter_opens_details_on_a_narrow_terminal(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-narrow")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ToolkitScreen)
        body = str(app.screen.query_one("#detail-tools", Static).render())
        assert "GITHUB_" in body
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogScreen)
