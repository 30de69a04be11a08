"""Every screen at 80x24 with NO_COLOR=1 (monochrome), as in a bare SSH login; reached with keys.

Update with `uv run pytest tests/test_snapshots_no_color.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from apphelp import clear_toasts, make_app, settle
from sessionhelp import (
    back_to_catalog,
    open_form,
    quiet,
    session_screen,
    snapshot_server,
    text,
    wait_until,
)
from tui.demo import DEMO_API_KEY

FIXED_PORT = 29834  # URLs on screen show it (below the ephemeral port range)


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is built
    srv = snapshot_server(tmp_path, monkeypatch, port=FIXED_PORT, seed=11)
    yield srv
    srv.stop()


async def catalog(pilot):
    await quiet(pilot)


async def toolkit(pilot):
    await settle(pilot)
    await pilot.press("enter")
    await quiet(pilot)


async def help_screen(pilot):
    await settle(pilot)
    await pilot.press("question_mark")
    await quiet(pilot)


async def new_session(pilot):
    await settle(pilot)
    await open_form(pilot, "github", "gmail")
    await quiet(pilot)


async def session(pilot):
    await session_screen(pilot)
    await quiet(pilot)


async def export(pilot):
    await session_screen(pilot)
    await pilot.press("e")
    await quiet(pilot)


async def confirm(pilot):
    await session_screen(pilot)
    await quiet(pilot)  # a toast left under a modal screen would stay drawn
    await pilot.press("d")
    await quiet(pilot)


async def readiness(pilot):
    await session_screen(pilot, "alice", "github", "hackernews")
    await pilot.press("k")
    await settle(pilot)
    await pilot.press("l")
    await wait_until(pilot, lambda: text(pilot.app, "#link-qr"), what="the QR code")
    await clear_toasts(pilot)


async def verify(pilot):
    await session_screen(pilot)
    await pilot.press("v")
    await quiet(pilot)


async def sessions(pilot):
    await session_screen(pilot)
    await back_to_catalog(pilot)
    await pilot.press("s")
    await quiet(pilot)


SCREENS = [catalog, toolkit, help_screen, new_session, session, export, confirm, readiness, verify, sessions]


@pytest.mark.parametrize("steps", SCREENS, ids=[f.__name__ for f in SCREENS])
def test_screen_no_color(snap_compare, server, steps):
    app = make_app(server.base_url, DEMO_API_KEY)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


def test_login_no_color(snap_compare, server):
    app = make_app(server.base_url, None)  # no key, no keyring (the test environment's fail backend)
    assert snap_compare(app, terminal_size=(80, 24), run_before=quiet)
