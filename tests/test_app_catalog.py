"""The catalog screen against the embedded API over real HTTP, driven with Pilot."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Input, Select, Static

from apphelp import make_app, settle
from tui.core import catalog as catalog_mod
from tui.core.models import Catalog, Toolkit
from tui.demo import DEMO_API_KEY
from tui.demo.data import synthetic_catalog
from tui.demo.faults import Faults
from tui.demo.runner import DemoServer
from tui.screens.catalog import CatalogScreen
from tui.widgets.toolkit_table import ToolkitTable

SIZE = (120, 36)


@pytest.fixture(scope="module")
def big_server():
    """450 toolkits, pages capped at 200 by the server: three pages to follow."""
    with DemoServer(catalog=synthetic_catalog(450), max_page_size=200) as server:
        yield server


@pytest.fixture(scope="module")
def real_server():
    with DemoServer() as server:
        yield server


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_catalog_follows_every_page(big_server):
    app = make_app(big_server.base_url, DEMO_API_KEY, page_size=500)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ToolkitTable)
        assert table.row_count == 450
        assert len({t.slug for t in table.shown}) == 450
        assert "450 toolkits" in text_of(app, "#topbar")


async def test_search_ranks_and_category_filters(real_server):
    app = make_app(real_server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ToolkitTable)
        total = table.row_count
        assert total >= 150
        await pilot.press("slash")
        for ch in "google":
            await pilot.press(ch)
        await settle(pilot)  # the debounced filter has run
        names = [t.name for t in table.shown]
        assert names and all("google" in (t.slug + t.name + t.description + t.category_names).lower()
                              for t in table.shown)
        assert names[0].startswith("Google")
        await pilot.press("escape")
        await settle(pilot)
        assert table.row_count == total and app.screen.query_one("#search", Input).value == ""
        select = app.screen.query_one("#category", Select)
        cat_id = app.catalog.categories[0].id
        select.value = cat_id
        await settle(pilot)
        assert 0 < table.row_count < total
        assert all(cat_id in {c.id for c in t.categories} for t in table.shown)


async def test_space_marks_and_selection_is_visible(real_server):
    app = make_app(real_server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        assert app.marked == ["github", "gmail"]
        assert "Selected (2): github, gmail" in text_of(app, "#selection")
        await pilot.press("up", "space")
        assert app.marked == ["github"]
        await pilot.press("x")
        assert app.marked == []
        assert "No toolkits marked" in text_of(app, "#selection")


@pytest.mark.parametrize("query", ["(", "[a-z]+$", ".*\\", "é日本😀", "x" * 500, "zzzz-no-such-toolkit"])
async def test_hostile_search_gets_an_answer_not_a_crash(real_server, query):
    app = make_app(real_server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#search", Input).value = query
        await settle(pilot)  # the debounced filter and any server search have run
        state = app.screen.query_one("#state", Static)
        table = app.screen.query_one(ToolkitTable)
        assert table.display or (state.display and "No toolkit matches" in str(state.render()))
        assert app.is_running


async def test_starts_from_cache_then_refreshes(xdg, monkeypatch):
    slow = DemoServer(faults=Faults(latency=(0.4, 0.4)))  # the refresh takes a visible moment
    slow.start()
    app = make_app(slow.base_url, DEMO_API_KEY)
    cached = Catalog(toolkits=[Toolkit(slug="cached_only", name="Cached Only", usage_rank=0)],
                     fetched_at=time.time() - 3 * 3600, base_url=slow.base_url)
    catalog_mod.save(cached, app.ctx.cache_dir)
    shown: list[list[str]] = []  # what the table showed after each catalog the screen was given, in order
    catalog_changed = CatalogScreen.catalog_changed

    def recording_catalog_changed(screen):
        catalog_changed(screen)
        shown.append([t.slug for t in screen.query_one(ToolkitTable).shown])

    monkeypatch.setattr(CatalogScreen, "catalog_changed", recording_catalog_changed)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ToolkitTable)
        await settle(pilot)
        assert shown[0] == ["cached_only"] and len(shown) == 2  # the cached catalog first, then the refresh
        assert table.row_count >= 150 and "updated just now" in text_of(app, "#topbar")
    slow.stop()
    again = catalog_mod.load(app.ctx.cache_dir, slow.base_url)
    assert again is not None and len(again.toolkits) >= 150


async def test_fresh_cache_needs_no_network_and_r_refreshes(real_server):
    app = make_app(real_server.base_url, DEMO_API_KEY)
    cached = Catalog(toolkits=[Toolkit(slug="cached_only", name="Cached Only")],
                     fetched_at=time.time() - 300, base_url=real_server.base_url)
    catalog_mod.save(cached, app.ctx.cache_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ToolkitTable)
        assert [t.slug for t in table.shown] == ["cached_only"]
        assert "updated 5 min ago" in text_of(app, "#topbar")
        await pilot.press("r")
        await settle(pilot)
        assert table.row_count >= 150


async def test_unreachable_api_is_a_message(xdg):
    app = make_app("http://127.0.0.1:9", DEMO_API_KEY, timeout=3)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        state = str(app.screen.query_one("#state", Static).render())
        assert "Cannot reach http://127.0.0.1:9" in state and "r to try again" in state
        assert app.is_running


async def test_wrong_key_is_a_message(real_server):
    app = make_app(real_server.base_url, "ak_wrong_key_000000")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        state = str(app.screen.query_one("#state", Static).render())
        assert "rejected the API key (401)" in state and "request id" in state
        assert "ak_wrong_key_000000" not in state


async def test_toolkit_missing_optional_fields_shows_dashes(real_server):
    app = make_app(real_server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#search", Input).value = "composio_search"
        await settle(pilot)  # the debounced filter, then the debounced tools fetch, have run
        table = app.screen.query_one(ToolkitTable)
        assert table.current.slug == "composio_search" and table.current.app_url == ""
        body = text_of(app, "#detail-body")
        assert "App         —" in body and "no auth needed" in body
        assert "COMPOSIO_SEARCH_" in text_of(app, "#detail-tools")
