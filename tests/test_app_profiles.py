"""Issue 16 in the console: the header names the profile, `p` switches, and after a switch mid-flight
nothing more reaches the old profile's API (its worker is cancelled, its gateway and store dropped)."""

from __future__ import annotations

import asyncio
import time

import pytest

from apphelp import settle
from sessionhelp import mark, record_requests, screen_name, small_server, text
from tui.app import ComposioApp
from tui.core.context import Context
from tui.core.paths import Paths
from tui.demo.faults import Faults
from textual.widgets import Static

KEYS = {"alpha": "ak_alpha_console_aaaa", "beta": "ak_beta_console_bbbb"}


@pytest.fixture
def apis(tmp_path, monkeypatch):
    log, inflight = record_requests(monkeypatch, {v: k for k, v in KEYS.items()})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    servers = {"alpha": small_server(tmp_path / "a", api_keys=(KEYS["alpha"],), faults=Faults(latency=(0.4, 0.4))),
               "beta": small_server(tmp_path / "b", api_keys=(KEYS["beta"],))}
    yield servers, log, inflight
    for srv in servers.values():
        srv.stop()


async def until(pilot, condition, timeout: float = 30.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def test_switch_mid_flight_sends_nothing_to_the_old_api(tmp_path, apis, monkeypatch):
    servers, log, inflight = apis
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    monkeypatch.delenv("COMPOSIO_TUI_PROFILE", raising=False)
    monkeypatch.setenv("ALPHA_KEY", KEYS["alpha"])
    monkeypatch.setenv("BETA_KEY", KEYS["beta"])
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.alpha]\nbase_url = "{servers["alpha"].base_url}"\nkey_env = "ALPHA_KEY"\n\n'
                      f'[profiles.beta]\nbase_url = "{servers["beta"].base_url}"\nkey_env = "BETA_KEY"\n'
                      'colour = "green"\nread_only = true\n')
    paths = Paths(config_file=config, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                  log_dir=tmp_path / "log")
    ctx = Context(paths=paths, overrides={"page_size": 2})
    from tui.core.ledger import Ledger

    with Ledger(ctx.ledger_path, profile="alpha") as other:  # a session of alpha, made by another console
        other.begin("alpha-user", ["github"], servers["alpha"].base_url)

    async def scenario() -> None:
        app = ComposioApp(ctx)
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: len(app.catalog.toolkits) == 6 and not app.refreshing, what="alpha catalog")
            topbar = app.screen.query_one("#topbar", Static)
            assert "alpha" in str(topbar.render())
            await pilot.press("s")  # alpha's ledger view has alpha's session
            await until(pilot, lambda: screen_name(app) == "SessionsScreen", what="sessions screen")
            await settle(pilot)
            assert [e.user_id for e in app.screen.entries] == ["alpha-user"]
            await pilot.press("escape")
            await until(pilot, lambda: screen_name(app) == "CatalogScreen", what="catalog")
            before = len(log["alpha"])
            await pilot.press("r")  # a paged refresh (2 a page, 0.4 s each) on alpha
            await until(pilot, lambda: len(log["alpha"]) > before and inflight["alpha"] > 0, what="alpha request")
            await pilot.press("p")
            await until(pilot, lambda: type(app.screen).__name__ == "ProfileScreen", what="switcher")
            await pilot.press("down", "enter")
            await until(pilot, lambda: ctx.profile.name == "beta", what="switch")
            at_switch = len(log["alpha"])
            await until(pilot, lambda: len(app.catalog.toolkits) == 6 and app.ctx.catalogs.current.base_url
                        == servers["beta"].base_url and not app.refreshing, what="beta catalog")
            await until(pilot, lambda: inflight["alpha"] == 0, what="alpha's last answer")
            await asyncio.sleep(0)  # let a cancelled worker reach its between-pages check
            await until(pilot, lambda: not any(w.is_running for w in app.workers), what="workers")
            await settle(pilot)
            assert len(log["alpha"]) == at_switch, log["alpha"][at_switch:]
            assert {who for _, _, who in log["beta"]} == {"beta"} and log["beta"]
            bar = str(app.screen.query_one("#topbar", Static).render())
            assert "beta" in bar and "read-only" in bar and "…bbbb" in bar
            assert (tmp_path / "cache" / "catalog" / "profiles" / "beta").is_dir()
            await pilot.press("s")  # beta's ledger view: alpha's session is not there
            await until(pilot, lambda: screen_name(app) == "SessionsScreen", what="sessions screen")
            await settle(pilot)
            assert app.screen.entries == []
            strip = text(app, "#profile-strip")  # every screen's header names the profile now in use
            assert "beta" in strip and "read-only" in strip and "alpha" not in strip
            await pilot.press("escape")
            await until(pilot, lambda: screen_name(app) == "CatalogScreen", what="catalog")
            # a new session in the read-only profile: refused at `n`, before the form opens; nothing is written
            app.clear_notifications()
            await mark(pilot, "github")
            await pilot.press("n")
            await settle(pilot)
            assert screen_name(app) == "CatalogScreen"
            said = [n.message for n in app._notifications]
            assert any("'beta' is read-only" in m and "creating a session" in m for m in said), said
            assert [m for m, _, _ in log["beta"] if m != "GET"] == [] and servers["beta"].store.sessions() == []
            assert [e.user_id for e in ctx.ledger.entries()] == ["alpha-user"]
    asyncio.run(scenario())
