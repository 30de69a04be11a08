"""Snapshots of the session screens at 80x24 and 120x36 (update with
`uv run pytest tests/test_snapshots_sessions.py --snapshot-update`).

Deterministic by construction: the demo API listens on a fixed port (the MCP URL shows it), its ids
come from the demo API's seeded generator (``DemoServer(seed=...)``), ledger times are fixed, and the probe's
elapsed time is pinned. Every screen is reached with keys from the catalog, as an operator would.
"""

from __future__ import annotations

import pytest

from apphelp import clear_toasts, make_app, settle, type_text
from sessionhelp import (
    create,
    open_form,
    quiet,
    screen_name,
    seed,
    session_screen,
    snapshot_server,
    text,
    wait_until,
)
from tui.demo import DEMO_API_KEY

# The MCP URLs on screen show the port, so it is fixed. It lies below Linux's ephemeral range (32768-60999)
# and macOS's (49152-65535): a port in that range can be held by any leaked client connection's source
# port (seen: a CLOSE-WAIT socket on 47832 left by an earlier test made bind() fail).
FIXED_PORT = 29832
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@pytest.fixture
def server(tmp_path, monkeypatch):
    srv = snapshot_server(tmp_path, monkeypatch, port=FIXED_PORT, seed=5)
    yield srv
    srv.stop()


def app_for(server):
    return make_app(server.base_url, DEMO_API_KEY)


@SIZES
def test_new_session_form_refusing_default(snap_compare, server, size):
    async def run_before(pilot):
        await settle(pilot)
        await open_form(pilot, "github", "gmail")
        await type_text(pilot, "default")
        await pilot.press("ctrl+s")
        await quiet(pilot)
        assert "Not sent: 'default' is a shared placeholder" in text(pilot.app, "#form-status")

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)
    assert server.sessions() == []


@SIZES
def test_session_created(snap_compare, server, size):
    async def run_before(pilot):
        await settle(pilot)
        await create(pilot, "alice", "github", "gmail")  # through the form
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)
    from tui.demo.state import Store

    assert [r.session_id for r in server.sessions()] == [Store(seed=5).new_id("trs_")]  # seeded: stable


@SIZES
def test_export_env_mode(snap_compare, server, size):
    async def run_before(pilot):
        await session_screen(pilot)
        await pilot.press("e")
        await quiet(pilot)
        assert screen_name(pilot.app) == "ExportScreen" and pilot.app.screen.key_mode == "env"

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_export_literal_key_confirmation(snap_compare, server, size):
    async def run_before(pilot):
        await session_screen(pilot)
        await pilot.press("e")
        await quiet(pilot)  # toasts under a modal screen would stay drawn
        await pilot.press("m")
        await quiet(pilot)
        assert screen_name(pilot.app) == "ConfirmScreen"

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_readiness_with_link_and_qr(snap_compare, server, size):
    async def run_before(pilot):
        await session_screen(pilot, "alice", "github", "gmail", "hackernews")
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: text(pilot.app, "#link-qr"), what="the QR code")
        # The link worker keeps polling (INITIATED) until the app exits, so no settle() here.
        await clear_toasts(pilot)
        assert f"http://127.0.0.1:{FIXED_PORT}/link/ln_" in text(pilot.app, "#link-text")

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_verify_ok(snap_compare, server, size):
    async def run_before(pilot):
        await session_screen(pilot)
        await pilot.press("v")
        await quiet(pilot)
        assert pilot.app.screen.result.ok

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_verify_failure(snap_compare, server, size):
    async def run_before(pilot):
        await session_screen(pilot)
        assert server.store.delete_session(pilot.app.screen.info.session_id)  # deleted elsewhere
        await pilot.press("v")
        await quiet(pilot)
        assert not pilot.app.screen.result.ok

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_sessions_list(snap_compare, server, size):
    async def run_before(pilot):
        from tui.core import sessions

        await settle(pilot)
        await seed(pilot, "alice", "github", "gmail", show=False)
        await seed(pilot, "bob", "slack", show=False)
        gone = await seed(pilot, "user_8c1f", "notion", "hackernews", show=False)
        sessions.delete(pilot.app.ctx.gateway, pilot.app.ctx.ledger, gone.session_id)
        await pilot.press("s")
        await quiet(pilot)
        assert screen_name(pilot.app) == "SessionsScreen"

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_confirm_delete(snap_compare, server, size):
    async def run_before(pilot):
        await session_screen(pilot)
        await quiet(pilot)  # toasts under a modal screen would stay drawn
        await pilot.press("d")
        await quiet(pilot)
        assert screen_name(pilot.app) == "ConfirmScreen"

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)
    assert len(server.sessions()) == 1  # the question alone deletes nothing
