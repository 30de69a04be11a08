"""The login screen: masked entry, verification before storage, this-run-only keys, headless reasons."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from apphelp import make_app, settle
from keyring_helpers import MemoryKeyring
from tui.core import keytext, secrets
from tui.demo import DEMO_API_KEY
from tui.demo.runner import DemoServer
from tui.screens.login import LoginScreen

FIXED_PORT = 29833
GOOD = DEMO_API_KEY


@pytest.fixture(scope="module")
def server():
    with DemoServer() as s:
        yield s


def status(app) -> str:
    return str(app.screen.query_one("#login-status", Static).render())


async def open_login(pilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, LoginScreen)


async def type_key(pilot, key: str) -> None:
    field = pilot.app.screen.query_one("#login-key", Input)
    field.focus()
    field.value = ""
    for ch in key:
        await pilot.press(ch)


async def test_no_key_opens_login_and_input_is_masked(server, memory_keyring):
    app = make_app(server.base_url, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        field = app.screen.query_one("#login-key", Input)
        assert field.password
        await type_key(pilot, "ak_visible_secret_9876")
        assert field.value == "ak_visible_secret_9876"
        svg = app.export_screenshot()
        assert "visible_secret" not in svg and "•" in svg


async def test_rejected_key_is_never_stored(server, memory_keyring):
    app = make_app(server.base_url, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await type_key(pilot, "ak_wrong_key_123456")
        await pilot.press("enter")
        await settle(pilot)
        assert "rejected this key (401); nothing was stored" in status(app)
        assert memory_keyring.items == {} and not any(c[0] == "set" for c in memory_keyring.calls)
        assert isinstance(app.screen, LoginScreen)


async def test_good_key_is_verified_stored_and_read_back(server, memory_keyring):
    app = make_app(server.base_url, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await type_key(pilot, GOOD)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, LoginScreen)
        assert list(memory_keyring.items.values()) == [GOOD]
        assert [c[0] for c in memory_keyring.calls][-2:] == ["set", "get"]  # written, then read back
        assert app.ctx.key.source == "keyring" and len(app.catalog.toolkits) >= 150
        topbar = str(app.screen.query_one("#topbar", Static).render())
        assert f"key {GOOD[-4:]}" not in topbar and f"…{GOOD[-4:]} (keyring: MemoryKeyring)" in topbar


async def test_this_run_only_writes_nothing(server, memory_keyring):
    app = make_app(server.base_url, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await type_key(pilot, GOOD)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.ctx.key.source == "memory" and memory_keyring.items == {}
        assert len(app.catalog.toolkits) >= 150


async def test_wrong_key_never_replaces_a_stored_good_key(server, memory_keyring):
    secrets.store_key(server.base_url, GOOD)
    secrets.reset()
    secrets.use_backend(memory_keyring)
    stored = dict(memory_keyring.items)
    app = make_app(server.base_url, "ak_wrong_env_key_000", source="memory")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(pilot)  # the key in use was rejected: the login screen says why
        assert "stopped working" in str(app.screen.query_one("#login-reason", Static).render())
        await type_key(pilot, "ak_another_wrong_key_1")
        await pilot.press("enter")
        await settle(pilot)
        assert memory_keyring.items == stored


class DroppingKeyring(MemoryKeyring):
    """Looks healthy, silently keeps nothing (as some backends do)."""

    def set_password(self, service, username, password):
        self.calls.append(("set", service, username))


async def test_a_keyring_that_drops_writes_offers_this_run(server):
    secrets.reset()
    secrets.use_backend(DroppingKeyring())
    try:
        app = make_app(server.base_url, None)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_login(pilot)
            await type_key(pilot, GOOD)
            await pilot.press("enter")
            await settle(pilot)
            text = status(app)
            assert "could not be stored" in text and "ctrl+t" in text
    finally:
        secrets.use_backend(None)
        secrets.reset()


STATES = ["missing", "no-bus", "no-secret-service", "locked", "no-collection", "misconfigured", "timeout",
          "no-keyring"]


@pytest.mark.parametrize("state", STATES)
def test_snapshot_headless_explanations(snap_compare, state):
    """Each keyring situation as the login screen explains it, at 80x24."""
    reason = keytext.sentence(state, "SecretService" if state in ("locked", "timeout", "missing") else "",
                              "PYTHON_KEYRING_BACKEND", "https://backend.composio.dev", 3.0)
    app = make_app("https://backend.composio.dev", None)
    app._boot = False

    async def run_before(pilot):
        app.push_screen(LoginScreen("https://backend.composio.dev", reason=reason,
                                    keyring_usable=state in ("missing",)))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_login_after_a_rejected_key(snap_compare):
    with DemoServer(port=FIXED_PORT) as fixed:
        app = make_app(fixed.base_url, None)

        async def run_before(pilot):
            await settle(pilot)
            await type_key(pilot, "ak_wrong_key_123456")
            await pilot.press("enter")
            await settle(pilot)
            app.clear_notifications()

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_demo_mode_never_touches_the_keyring(memory_keyring):
    from apphelp import make_app as build

    app = build("https://backend.composio.dev", None, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.ctx.key.source == "demo" and len(app.catalog.toolkits) >= 150
    assert memory_keyring.calls == []  # not read, not written
