"""Snapshots of the Activity screen and one full log at 80x24 and 120x36 (update with
`uv run pytest tests/test_snapshots_activity.py --snapshot-update`).

Deterministic by construction: the logs are the demo's sample story at a fixed instant
(``logs.SAMPLE_NOW_MS``) with fixed ids, the demo API listens on a fixed port with seeded ids, and
the screens are reached with keys from the catalog. The follow loop keeps polling while the snapshot
is taken; nothing new arrives, so the screen does not change.
"""

from __future__ import annotations

import pytest

from apphelp import make_app, settle
from sessionhelp import screen_name, snapshot_server, wait_until
from tui.demo import DEMO_API_KEY
from tui.demo import logs

FIXED_PORT = 29890
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@pytest.fixture
def server(tmp_path, monkeypatch):
    srv = snapshot_server(tmp_path, monkeypatch, port=FIXED_PORT, seed=5)
    logs.seed_sample(srv.store, srv.catalog)
    yield srv
    srv.stop()


async def activity(pilot) -> None:
    await settle(pilot)
    await pilot.press("a")
    await wait_until(pilot, lambda: screen_name(pilot.app) == "ActivityScreen" and len(pilot.app.screen.shown) == 8,
                     what="the sample story")
    pilot.app.clear_notifications()
    await pilot.pause()


@SIZES
def test_activity_everyone_live(snap_compare, server, size):
    assert snap_compare(make_app(server.base_url, DEMO_API_KEY), terminal_size=size, run_before=activity)


@SIZES
def test_activity_failed_log_opened(snap_compare, server, size):
    async def run_before(pilot):
        await activity(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: len(pilot.app.screen.shown) == 2, what="failures only")
        await pilot.press("down", "enter")  # the older failure: GMAIL_SEND_EMAIL
        await wait_until(pilot, lambda: screen_name(pilot.app) == "LogScreen" and pilot.app.screen.detail is not None,
                         what="the full log")
        assert pilot.app.screen.entry.id == "log_sample0004"
        await pilot.pause()

    assert snap_compare(make_app(server.base_url, DEMO_API_KEY), terminal_size=size, run_before=run_before)
