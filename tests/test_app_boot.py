"""Boot through the core's seams: the demo launcher, the catalog store's announcements, the screen's
"what it waits for" line, and the TUI sessions list reconciling stale pending rows."""

from __future__ import annotations

import threading
import time

from textual.widgets import Static

from apphelp import make_app, settle
from tui.app import ComposioApp
from tui.core import catalog as catalog_mod
from tui.core.catalog_store import CatalogEventKind
from tui.core.config import load
from tui.core.context import Context
from tui.core.launch import DEMO_CACHE_ID
from tui.core.models import Catalog, Toolkit
from tui.core.paths import default_paths
from tui.demo import DEMO_API_KEY
from tui.demo.data import synthetic_catalog
from tui.demo.runner import DemoServer, launch
from tui.widgets.messages import CatalogProgress
from tui.widgets.toolkit_table import ToolkitTable


async def wait_until(pilot, condition, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def test_demo_shows_the_cached_catalog_before_the_embedded_api_starts():
    """11.7: the demo's cache id is fixed, so the cache paints while the launcher is still busy."""
    release = threading.Event()
    started: list = []

    def slow_launcher(**options):
        release.wait(120)  # the embedded API "takes" as long as the test wants (set below)
        run = launch(**options)
        started.append(run)
        return run

    settings, paths = load(default_paths())
    ctx = Context(settings=settings, paths=paths, demo=slow_launcher)
    catalog_mod.save(Catalog(toolkits=[Toolkit(slug="cached_only", name="Cached Only")], base_url=DEMO_CACHE_ID,
                             fetched_at=time.time()), ctx.cache_dir)
    app = ComposioApp(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one(ToolkitTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        assert not started  # the rows are on screen, the demo API is not up yet
        release.set()
        await wait_until(pilot, lambda: bool(started) and app.ctx.key.source == "demo")
        await settle(pilot)
        assert app.ctx.base_url == started[0].origin


async def test_refresh_announces_waiting_progress_and_change(xdg):
    with DemoServer(catalog=synthetic_catalog(450), max_page_size=200) as server:
        app = make_app(server.base_url, DEMO_API_KEY, page_size=200)
        events = []
        app.ctx.catalogs.subscribe(events.append)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            kinds = [e.kind for e in events]
            assert kinds[0] == CatalogEventKind.WAITING and kinds[-1] == CatalogEventKind.CHANGED
            progress = [(e.pages, e.count, e.total) for e in events if e.kind == CatalogEventKind.PROGRESS]
            assert progress == [(1, 200, 450), (2, 400, 450), (3, 450, 450)]
            assert app.screen.query_one(ToolkitTable).row_count == 450


async def test_loading_line_says_what_it_waits_for(xdg):
    app = make_app("http://127.0.0.1:9", DEMO_API_KEY)
    app._boot = False
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        screen.post_message(CatalogProgress(2, 400, 1234))
        state = screen.query_one("#state", Static)
        await wait_until(pilot, lambda: "page 2" in str(state.render()))
        assert "400 of 1,234 toolkits" in str(state.render()) and state.display


async def test_sessions_list_reconciles_stale_pending_rows(xdg):
    """9.4: as `sessions list` does, the console marks a pending row whose process died 'unknown'."""
    app = make_app("http://127.0.0.1:9", DEMO_API_KEY)
    app._boot = False
    ledger = app.ctx.ledger
    row = ledger.begin("user_stale", ["github"], base_url=app.ctx.base_url)
    ledger._run(lambda db: db.execute("UPDATE sessions SET updated_at = '2000-01-01T00:00:00Z'"), write=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SessionsScreen")
        await pilot.pause()
        assert [e.state for e in app.screen.entries] == ["unknown"], row
