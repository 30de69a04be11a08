"""Snapshots of issue 16: the profile switcher over the catalog (whose top bar names the profile), and
the profile strip on top of another screen (a production-looking, read-only profile)."""

from __future__ import annotations

import pytest

from apphelp import settle
from sessionhelp import small_server
from tui.app import ComposioApp
from tui.core.context import Context
from tui.core.paths import Paths

FIXED_PORT = 29920  # the switcher shows base URLs, so the server has a fixed port (conftest: one worker)
PORT = FIXED_PORT
KEY = "ak_snapshot_profiles_7777"


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_profile_switcher(snap_compare, tmp_path, monkeypatch, size):
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    monkeypatch.delenv("COMPOSIO_TUI_PROFILE", raising=False)
    monkeypatch.setenv("STAGING_KEY", KEY)
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.staging]\nbase_url = "http://127.0.0.1:{PORT}"\nlabel = "Staging"\n'
                      'colour = "green"\nkey_env = "STAGING_KEY"\n\n'
                      '[profiles.prod]\nbase_url = "https://backend.composio.dev"\nlabel = "Production"\n'
                      'read_only = true\n')
    paths = Paths(config_file=config, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                  log_dir=tmp_path / "log")

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("p")
        await pilot.pause()
        await settle(pilot)

    server = small_server(tmp_path, port=PORT, api_keys=(KEY,))
    try:
        assert snap_compare(ComposioApp(Context(paths=paths)), terminal_size=size, run_before=run_before)
    finally:
        server.stop()


STRIP_PORT = FIXED_PORT + 1  # the strip shows the base URL


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_profile_strip_on_the_sessions_screen(snap_compare, tmp_path, monkeypatch, size):
    """A production-looking, read-only profile: the strip on top of a non-catalog screen stands out."""
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    monkeypatch.delenv("COMPOSIO_TUI_PROFILE", raising=False)
    monkeypatch.setenv("PROD_KEY", KEY)
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.prod-eu]\nbase_url = "http://127.0.0.1:{STRIP_PORT}"\nlabel = "Customer A"\n'
                      'key_env = "PROD_KEY"\nread_only = true\n')
    paths = Paths(config_file=config, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                  log_dir=tmp_path / "log")

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    server = small_server(tmp_path, port=STRIP_PORT, api_keys=(KEY,))
    try:
        assert snap_compare(ComposioApp(Context(paths=paths)), terminal_size=size, run_before=run_before)
    finally:
        server.stop()
