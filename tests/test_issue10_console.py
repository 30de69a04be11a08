"""Issue 10, the console's share: a pasted multi-line user id, and `m` in the export screen."""

from __future__ import annotations

from textual.widgets import Input

from apphelp import settle
from sessionhelp import create, open_form, paste, screen_name, text, visible_text
from test_app_sessions import app_for, server  # noqa: F401  (fixture)

from tui.demo import DEMO_API_KEY

SIZE = (100, 30)


async def test_item12_a_pasted_multi_line_user_id_is_refused_not_cut(server):  # noqa: F811
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await paste(pilot, "#user-id", "alice\nbob\n")
        assert app.screen.query_one("#user-id", Input).value == "alice\nbob\n"  # not silently "alice"
        assert "a line feed (newline) at position 6" in visible_text(app, "#user-note")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "NewSessionScreen"
        assert text(app, "#form-status").startswith("Not sent:")
    assert server.sessions() == []


async def test_item12_declining_the_literal_key_leaves_m_a_way_back_to_placeholder(server):  # noqa: F811
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await create(pilot, "alice", "github")
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.key_mode == "env"
        seen = []
        for _ in range(3):  # env -> literal? no -> ... must reach placeholder without the key
            await pilot.press("m")
            await pilot.pause()
            if screen_name(app) == "ConfirmScreen":
                await pilot.press("n")
                await pilot.pause()
            seen.append(app.screen.key_mode)
        assert "placeholder" in seen and "literal" not in seen
        assert "<COMPOSIO_API_KEY>" in text(app, "#export-text") or app.screen.key_mode != "placeholder"
        assert DEMO_API_KEY not in text(app, "#export-text")
