"""Issue 16 on every console screen: the profile strip names the profile in use on every full screen,
and a read-only profile refuses every write key up front (one message naming the profile, no confirm,
no form, no request), through the one guard ``tui.screens.guard.writes``."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil

import pytest
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable

import tui.screens
from apphelp import record_notifications, settle, wait_until
from sessionhelp import record_requests, screen_name, small_server, text
from tui.app import ComposioApp
from tui.core import playground as pg
from tui.core import policy as P
from tui.core.activity import LogEntry
from tui.core.context import Context
from tui.core.ledger import Ledger
from tui.core.models import SessionInfo
from tui.core.paths import Paths
from tui.demo.state import SessionRecord
from tui.widgets.profile_strip import ProfileStrip

KEY = "ak_profile_console_rrrr"
USER = "ro-user"
SID = "trs_readonly_seeded"
TOOL = pg.ToolDetail(slug="GITHUB_GET_A_REPOSITORY", name="Get a repository", toolkit="github")


def full_screens() -> set[type]:
    """Every full (non-modal) screen class defined in tui/screens."""
    found: set[type] = set()
    for mod in pkgutil.iter_modules(tui.screens.__path__):
        module = importlib.import_module(f"tui.screens.{mod.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Screen) and not issubclass(cls, ModalScreen):
                found.add(cls)
    return found


def screens(info: SessionInfo) -> dict[str, object]:
    """One instance of every full screen but the catalog (whose top bar carries the mark)."""
    from tui.screens.activity import ActivityScreen
    from tui.screens.connect import ConnectScreen
    from tui.screens.export import ExportScreen
    from tui.screens.history import HistoryScreen
    from tui.screens.log_detail import LogScreen
    from tui.screens.login import LoginScreen
    from tui.screens.new_session import NewSessionScreen
    from tui.screens.offboard import OffboardScreen
    from tui.screens.playground import LinkScreen, PlaygroundScreen
    from tui.screens.policy import PolicyScreen
    from tui.screens.readiness import ReadinessScreen
    from tui.screens.session import SessionScreen
    from tui.screens.session_tools import SessionToolsScreen
    from tui.screens.sessions import SessionsScreen
    from tui.screens.tool_detail import ToolDetailScreen
    from tui.screens.tool_picker import ToolPickerScreen
    from tui.screens.try_tool import TryToolScreen
    from tui.screens.user import UserScreen
    from tui.screens.users import UsersScreen
    from tui.screens.verify import VerifyScreen

    entry = LogEntry(id="log_1", timestamp="2025-01-31T12:00:00Z", at_ms=0, user_id=USER, session_id=SID,
                     toolkit="github", tool=TOOL.slug)
    return {
        "activity": lambda: ActivityScreen(follow=False), "connect": lambda: ConnectScreen(USER, "gmail"),
        "export": lambda: ExportScreen(info), "history": lambda: HistoryScreen(SID),
        "log": lambda: LogScreen(entry), "login": lambda: LoginScreen("http://127.0.0.1"),
        "new_session": lambda: NewSessionScreen(["github"], []), "offboard": lambda: OffboardScreen(USER),
        "link": lambda: LinkScreen(info, "gmail"), "playground": lambda: PlaygroundScreen(info),
        "policy": lambda: PolicyScreen(P.Policy(toolkits=("github",)), USER),
        "readiness": lambda: ReadinessScreen(info), "session": lambda: SessionScreen(info),
        "session_tools": lambda: SessionToolsScreen(info), "sessions": lambda: SessionsScreen(),
        "tool_detail": lambda: ToolDetailScreen(TOOL, info), "try_tool": lambda: TryToolScreen(info, TOOL),
        "tool_picker": lambda: ToolPickerScreen("github", P.ToolkitPolicy("github"), USER),
        "user": lambda: UserScreen(USER), "users": lambda: UsersScreen(), "verify": lambda: VerifyScreen(info),
    }


@pytest.fixture
def readonly(tmp_path, monkeypatch):
    """A console on read-only profile "ro" (loopback API recording requests) with one seeded session of
    USER (API + ledger) and one ACTIVE github account of USER; no write of the test goes through it."""
    log, _ = record_requests(monkeypatch, {KEY: "ro"})
    server = small_server(tmp_path, api_keys=(KEY,))
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    monkeypatch.delenv("COMPOSIO_TUI_PROFILE", raising=False)
    monkeypatch.setenv("RO_KEY", KEY)
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.ro]\nbase_url = "{server.base_url}"\nlabel = "Customer A"\ncolour = "magenta"\n'
                      'key_env = "RO_KEY"\nread_only = true\n')
    paths = Paths(config_file=config, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                  log_dir=tmp_path / "log")
    ctx = Context(paths=paths)
    info = SessionInfo(session_id=SID, user_id=USER, mcp_url=server.mcp_url(SID), toolkits=("github", "gmail"))
    server.store.add_session(SessionRecord(SID, USER, ("github", "gmail"), {}, ("COMPOSIO_SEARCH_TOOLS",), True))
    server.store.create_account(USER, "github", "OAUTH2", True, server.base_url, status="ACTIVE")
    with Ledger(ctx.ledger_path, profile="ro") as ledger:
        ledger.complete(ledger.begin(USER, ["github", "gmail"], server.base_url), info)
    yield record_notifications(ComposioApp(ctx)), info, log
    server.stop()


READS = ("/logs/tool_execution", "/search", "/mcp")
"""Requests that send a body but change nothing: the logs query, the playground search, MCP (verify)."""


def writes(requests) -> list[tuple[str, str, str]]:
    return [r for r in requests if r[0] != "GET" and not r[1].endswith(READS)]


async def booted(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: len(app.catalog.toolkits) == 6 and not app.refreshing, what="the catalog")
    await settle(pilot)


def test_every_full_screen_shows_the_profile_strip(readonly):
    app, info, log = readonly
    made = screens(info)
    from tui.screens.catalog import CatalogScreen

    walked = {type(f()) for f in made.values()} | {CatalogScreen}
    assert walked == full_screens(), "a new full screen: add it here (and yield ProfileStrip() in its compose)"

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await booted(pilot)
            assert "ro" in text(app, "#topbar") and "read-only" in text(app, "#topbar")
            for name, factory in made.items():
                app.push_screen(factory())
                await wait_until(pilot, lambda: app.screen.query(ProfileStrip) and
                                 app.screen.query_one(ProfileStrip).display, what=f"the strip on {name}")
                strip = app.screen.query_one(ProfileStrip)
                shown = str(strip.render())
                assert "ro" in shown and "read-only" in shown and "Customer A" in shown, (name, shown)
                assert strip.region.y == 0 and strip.region.height == 1, (name, strip.region)
                await settle(pilot)
                await app.pop_screen()
                await pilot.pause()
            assert writes(log["ro"]) == []
    asyncio.run(scenario())


def test_the_strip_takes_no_space_without_profiles(tmp_path, monkeypatch):
    from apphelp import make_app

    server = small_server(tmp_path, api_keys=(KEY,))
    try:
        app = make_app(server.base_url, KEY)

        async def scenario() -> None:
            async with app.run_test(size=(80, 24)) as pilot:
                await booted(pilot)
                await pilot.press("s")
                await wait_until(pilot, lambda: screen_name(app) == "SessionsScreen", what="sessions")
                strip = app.screen.query_one(ProfileStrip)
                assert not strip.display and strip.region.height == 0
                assert app.screen.query_one("#sessions-title").region.y == 0
                app.clear_notifications()
                await pilot.press("p")  # the switcher key exists and says how to add a profile
                await pilot.pause()
                assert screen_name(app) == "SessionsScreen"
                assert any("profiles add NAME" in n for n in app.notified), app.notified
        asyncio.run(scenario())
    finally:
        server.stop()


def _highlight_account(pilot):
    screen = pilot.app.screen
    row = [t for t, _ in screen.rows].index("github")
    screen.query_one("#user-accounts", DataTable).move_cursor(row=row)


def _leave_task(pilot):  # the task field has the focus (l and x would be typed into it)
    pilot.app.screen.query_one("#pg-results").focus()


async def _type_user(pilot):
    await wait_until(pilot, lambda: not pilot.app.screen.query_one("#offboard-confirm").disabled, what="dry run")
    await pilot.press(*USER)


# (screen to open, the guarded method the key reaches, keys, an optional step before the keys)
WRITE_KEYS = [
    ("catalog", "action_new_session", ["space", "n"], None),
    ("sessions", "action_delete", ["d"], None),
    ("session", "action_delete", ["d"], None),
    ("session", "action_edit_policy", ["p"], None),
    ("user", "action_link", ["l"], _highlight_account),
    ("user", "action_disable", ["x"], _highlight_account),
    ("user", "action_enable", ["e"], _highlight_account),
    ("user", "action_refresh_account", ["f"], _highlight_account),
    ("user", "action_delete", ["d"], _highlight_account),
    ("user", "action_offboard", ["o"], _highlight_account),
    ("connect", "_create", ["enter"], None),
    ("offboard", "_confirmed", ["enter"], _type_user),
    ("readiness", "action_link", ["l"], None),
    ("link", "action_link", ["l"], None),
    ("playground", "action_link", ["l"], _leave_task),
    ("playground", "action_try_tool", ["x"], _leave_task),
    ("session_tools", "action_try_tool", ["x"], None),
    ("tool_detail", "action_try_it", ["x"], None),
    ("try_tool", "action_run", ["ctrl+r"], None),
]


def guarded_methods() -> set[tuple[type, str]]:
    """Every (class, method) in tui/screens that carries @writes."""
    found: set[tuple[type, str]] = set()
    for mod in pkgutil.iter_modules(tui.screens.__path__):
        module = importlib.import_module(f"tui.screens.{mod.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                found |= {(cls, n) for n, f in vars(cls).items() if hasattr(f, "writes")}
    return found


def owner(cls: type, method: str) -> type:
    return next(c for c in cls.__mro__ if method in vars(c))


def test_a_read_only_profile_refuses_every_write_key_before_asking(readonly):
    app, info, log = readonly
    made = screens(info)
    from tui.screens.catalog import CatalogScreen

    made["catalog"] = CatalogScreen
    covered = {(owner(type(made[s]()), m), m) for s, m, _, _ in WRITE_KEYS}
    assert covered == guarded_methods(), "every @writes method needs a row in WRITE_KEYS"

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await booted(pilot)
            for where, method, keys, before in WRITE_KEYS:
                if where != "catalog":
                    app.push_screen(made[where]())
                    await settle(pilot)
                screen = app.screen
                if before is not None:
                    await before(pilot) if inspect.iscoroutinefunction(before) else before(pilot)
                    await settle(pilot)
                depth, sent = len(app.screen_stack), len(log["ro"])
                app.clear_notifications()
                await pilot.press(*keys)
                await settle(pilot)
                action = getattr(type(screen), method).writes
                assert app.screen is screen and len(app.screen_stack) == depth, (where, keys, screen_name(app))
                assert any("Profile 'ro' is read-only" in n and action in n and "press p" in n
                           for n in app.notified), (where, keys, app.notified)
                assert writes(log["ro"][sent:]) == [], (where, keys)
                if where != "catalog":
                    await app.pop_screen()
                    await settle(pilot)
            assert writes(log["ro"]) == []
            assert [(s.session_id, s.user_id) for s in app.ctx.ledger.entries()] == [(SID, USER)]
    asyncio.run(scenario())
