"""Snapshots of the playground screens at 80x24 and 120x36 (update with
`uv run pytest tests/test_snapshots_playground.py --snapshot-update`).

Deterministic: a fixed port, seeded ids, fixed ledger times, and the shown durations pinned.
Every screen is reached with keys from a session screen, as an operator would.
"""

from __future__ import annotations

import pytest

from apphelp import make_app
from sessionhelp import fast_polling, fixed_clock, quiet, screen_name, text, wait_until
from test_app_playground import SEND, field_id, fill, highlight, open_playground, playground_catalog, search
from tui.demo import DEMO_API_KEY
from tui.demo.data import catalog_from_dict
from tui.demo.runner import DemoServer

FIXED_PORT = 29880
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@pytest.fixture
def server(monkeypatch):
    import tui.screens.playground
    import tui.screens.try_tool

    fixed_clock(monkeypatch)
    fast_polling(monkeypatch)
    monkeypatch.setattr(tui.screens.playground, "took", lambda seconds: "0.1 s")
    monkeypatch.setattr(tui.screens.try_tool, "took", lambda seconds: "12 ms")
    srv = DemoServer(catalog=catalog_from_dict(playground_catalog()), port=FIXED_PORT, seed=14).start()
    yield srv
    srv.stop()


def app_for(server):
    return make_app(server.base_url, DEMO_API_KEY)


async def results(pilot) -> None:
    await open_playground(pilot)
    await search(pilot, "send an email; post a message on slack")
    await highlight(pilot, SEND)


@SIZES
def test_playground_results(snap_compare, server, size):
    async def run_before(pilot):
        await results(pilot)
        await quiet(pilot)
        assert "gmail not connected — press l for a link" in text(pilot.app, "#pg-report")

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_tool_detail_tree(snap_compare, server, size):
    async def run_before(pilot):
        await results(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "ToolDetailScreen", what="the tool detail")
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_try_form_refusing_an_empty_required_field(snap_compare, server, size):
    async def run_before(pilot):
        await results(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "TryToolScreen" and pilot.app.screen.account_known,
                         what="the try form")
        await fill(pilot, field_id(pilot.app.screen, "body"), "hello")
        await pilot.press("ctrl+r")
        await quiet(pilot)
        assert "recipient_email is required" in text(pilot.app, "#try-status")

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_session_tools(snap_compare, server, size):
    async def run_before(pilot):
        await open_playground(pilot)
        await pilot.press("escape")  # nothing running: back to the session, then t again and s from the results
        await pilot.press("t")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "PlaygroundScreen", what="the playground")
        await search(pilot, "send an email")
        await pilot.press("s")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "SessionToolsScreen" and pilot.app.screen.tools,
                         what="the session's tools")
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)
