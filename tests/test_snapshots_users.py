"""Snapshots of the users and connections screens at 80x24 and 120x36 (update with
`uv run pytest tests/test_snapshots_users.py --snapshot-update`).

Deterministic: a fixed port (links show it), seeded ids, fixed ledger and demo API times, fast polling.
"""

from __future__ import annotations

import pytest

from apphelp import make_app, settle, type_text
from sessionhelp import quiet, screen_name, snapshot_server, text, wait_until
from tui.demo import DEMO_API_KEY
from usershelp import highlight, open_user, open_users, populate

FIXED_PORT = 29910
DEMO_TIME = "2025-01-31T12:00:00.000Z"
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@pytest.fixture
def server(tmp_path, monkeypatch):
    import tui.demo.state
    import tui.screens.connect

    monkeypatch.setattr(tui.demo.state, "iso_now", lambda: DEMO_TIME)
    monkeypatch.setattr(tui.screens.connect, "POLL_INTERVAL", 0.05)
    srv = snapshot_server(tmp_path, monkeypatch, port=FIXED_PORT, seed=13)
    yield srv
    srv.stop()


def app_for(server):
    return make_app(server.base_url, DEMO_API_KEY)


async def users_screen(pilot, server) -> None:
    await settle(pilot)
    await populate(pilot, server)
    await open_users(pilot)


@SIZES
def test_users_list(snap_compare, server, size):
    async def run_before(pilot):
        await users_screen(pilot, server)
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_user_with_broken_accounts(snap_compare, server, size):
    async def run_before(pilot):
        await users_screen(pilot, server)
        await open_user(pilot, "alice")
        await highlight(pilot, "gmail")
        await quiet(pilot)
        assert "EXPIRED" in str(pilot.app.screen.rows)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_connect_link_with_qr_and_callback(snap_compare, server, size):
    async def run_before(pilot):
        await users_screen(pilot, server)
        await open_user(pilot, "alice")
        await highlight(pilot, "gmail")
        await pilot.press("l")
        await pilot.pause()
        await type_text(pilot, "https://app.example/back")
        await pilot.press("enter")
        await wait_until(pilot, lambda: text(pilot.app, "#connect-qr"), what="the QR code")
        # The wait keeps polling (INITIATED) until the app exits, so no settle() here.
        pilot.app.clear_notifications()
        await pilot.pause(0.1)
        assert f"http://127.0.0.1:{FIXED_PORT}/link/ln_" in text(pilot.app, "#connect-link")

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_offboard_dry_run(snap_compare, server, size):
    async def run_before(pilot):
        await users_screen(pilot, server)
        await open_user(pilot, "alice")
        await pilot.press("o")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "OffboardScreen"
                         and pilot.app.screen.report is not None, what="the dry run")
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)
    assert len([s for s in server.sessions() if s.user_id == "alice"]) == 2  # the dry run removed nothing


# --- NO_COLOR (a bare SSH login): the status symbols carry the meaning -----------------------------

NO_COLOR_PORT = 29911


@pytest.fixture
def mono_server(tmp_path, monkeypatch):
    import tui.demo.state

    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is built
    monkeypatch.setattr(tui.demo.state, "iso_now", lambda: DEMO_TIME)
    srv = snapshot_server(tmp_path, monkeypatch, port=NO_COLOR_PORT, seed=13)
    yield srv
    srv.stop()


@pytest.mark.parametrize("screen", ["users", "user"])
def test_no_color_80x24(snap_compare, mono_server, screen):
    async def run_before(pilot):
        await users_screen(pilot, mono_server)
        if screen == "user":
            await open_user(pilot, "alice")
        await quiet(pilot)

    assert snap_compare(app_for(mono_server), terminal_size=(80, 24), run_before=run_before)
