"""Snapshots of the catalog screen at fixed sizes (update with `uv run pytest --snapshot-update`)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from apphelp import clear_toasts, make_app, settle
from tui.demo import DEMO_API_KEY
from tui.demo.runner import DemoServer

FIXED_PORT = 29831  # the 401 snapshot shows the base URL, so its server needs a fixed port


def demo_app():
    return make_app("https://backend.composio.dev", None, demo=True)


async def quiet(pilot) -> None:
    await settle(pilot)
    await clear_toasts(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_catalog(snap_compare, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=quiet)


def test_detail_pane_with_tools(snap_compare):
    async def run_before(pilot):
        await quiet(pilot)
        await pilot.press("down", "down", "space")
        await quiet(pilot)  # waits for the debounced tools fetch too

    assert snap_compare(demo_app(), terminal_size=(120, 36), run_before=run_before)


def test_search_with_no_match(snap_compare):
    async def run_before(pilot):
        await quiet(pilot)
        pilot.app.screen.query_one("#search", Input).value = "no-such-toolkit-anywhere"
        await quiet(pilot)  # waits for the debounced filter and the server search too

    assert snap_compare(demo_app(), terminal_size=(80, 24), run_before=run_before)


def test_api_unreachable(snap_compare):
    app = make_app("http://127.0.0.1:9", DEMO_API_KEY, timeout=3)
    assert snap_compare(app, terminal_size=(80, 24), run_before=quiet)


def test_wrong_key_401(snap_compare):
    with DemoServer(port=FIXED_PORT) as server:
        app = make_app(server.base_url, "ak_this_key_is_wrong_1234")
        assert snap_compare(app, terminal_size=(80, 24), run_before=quiet)
