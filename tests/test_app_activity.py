"""The Activity screen with Pilot over real HTTP: a user's activity, an execution made through the demo's
MCP ``tools/call`` appearing live, filtering to failures, the full log, pause, and the jumps to the
user, the session and back."""

from __future__ import annotations

import asyncio

import pytest

from apphelp import make_app, settle
from sessionhelp import screen_name, seed, small_server, text, wait_until
from tui.core.states import FollowState
from tui.demo import DEMO_API_KEY
from tui.demo import logs

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server(tmp_path):
    srv = small_server(tmp_path)
    yield srv
    srv.stop()


@pytest.fixture
def fast(monkeypatch):
    import tui.screens.activity as screen

    monkeypatch.setattr(screen, "POLL_BASE", 0.1)
    monkeypatch.setattr(screen, "POLL_IDLE_MAX", 0.3)


def mcp_call(url: str, name: str, args: dict) -> None:
    """One ``tools/call`` through the session's MCP URL, as an agent's client makes it."""

    async def call() -> None:
        import httpx2
        from mcp.client.client import Client
        from mcp.client.streamable_http import streamable_http_client

        async with httpx2.AsyncClient(headers={"x-api-key": DEMO_API_KEY}, timeout=10) as http:
            async with Client(streamable_http_client(url, http_client=http), mode="legacy",
                              read_timeout_seconds=10, cache=None) as client:
                await client.call_tool(name, args)

    asyncio.run(call())


def shown(app) -> list[str]:
    return [e.id for e in app.screen.shown]


def follow_workers(app) -> list:
    return [w for w in app.workers if w.name == "follow" and w.is_running]


async def open_user_activity(pilot, user: str):
    from tui.screens.activity import ActivityScreen

    pilot.app.push_screen(ActivityScreen(user=user))  # as the user screen (another issue) opens it
    await wait_until(pilot, lambda: screen_name(pilot.app) == "ActivityScreen" and pilot.app.screen.loaded,
                     what="the first poll")


async def test_a_users_activity_shows_an_mcp_execution_live_then_filter_and_open(server, fast):
    logs.record_execution(server.store, user_id="bob", tool="SLACK_SEND_MESSAGE")  # someone else
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        info = await seed(pilot, "alice", "github", show=False)
        await open_user_activity(pilot, "alice")
        assert shown(app) == [] and "No tool executions for user alice yet" in text(app, "#activity-status")
        assert "live" in text(app, "#activity-live")
        await asyncio.to_thread(mcp_call, info.mcp_url, "COMPOSIO_SEARCH_TOOLS",
                                {"queries": [{"use_case": "open an issue"}]})
        await asyncio.to_thread(mcp_call, info.mcp_url, "COMPOSIO_MULTI_EXECUTE_TOOL",
                                {"tools": [{"tool_slug": "GITHUB_CREATE_AN_ISSUE", "arguments": {}}]})
        await wait_until(pilot, lambda: len(shown(app)) == 3, timeout=10, what="three executions, live")
        tools = [e.tool for e in app.screen.shown]
        assert tools == ["GITHUB_CREATE_AN_ISSUE", "COMPOSIO_MULTI_EXECUTE_TOOL", "COMPOSIO_SEARCH_TOOLS"]
        assert {e.user_id for e in app.screen.shown} == {"alice"}
        assert "3 executions, 2 failed" in text(app, "#activity-status")

        await pilot.press("slash", *"failed")  # filter as you type
        await wait_until(pilot, lambda: len(shown(app)) == 2, what="only failures")
        assert all(e.failed for e in app.screen.shown)
        await pilot.press("enter")  # back to the table
        await pilot.press("enter")  # open the newest failure
        await wait_until(pilot, lambda: screen_name(app) == "LogScreen" and app.screen.detail is not None,
                         what="the full log")
        body = str(app.screen.query_one("#log-json").render())
        assert '"parent"' in body and '"trace_id"' in body and '"duration_ms"' in body
        ids = text(app, "#log-ids")
        assert "parent COMPOSIO_MULTI_EXECUTE_TOOL" in ids and f"session {info.session_id}" in ids

        await pilot.press("s")  # its session
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="the session screen")
        assert app.screen.info.session_id == info.session_id
        await pilot.press("a")  # the session's activity
        await wait_until(pilot, lambda: screen_name(app) == "ActivityScreen" and len(shown(app)) == 3,
                         what="the session's activity")
        assert app.screen.query_scope.session == info.session_id


async def test_follow_appears_within_a_few_seconds_with_the_real_intervals(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        info = await seed(pilot, "carol", "gmail", show=False)
        await open_user_activity(pilot, "carol")
        await wait_until(pilot, lambda: app.screen._follower.backoff.current > 1.0, what="an idle follower")
        await asyncio.to_thread(mcp_call, info.mcp_url, "COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["gmail"]})
        started = asyncio.get_running_loop().time()
        await wait_until(pilot, lambda: len(shown(app)) == 1, timeout=5, what="the execution within 5 s")
        assert asyncio.get_running_loop().time() - started < 5
        assert app.screen.shown[0].tool == "COMPOSIO_MANAGE_CONNECTIONS"


async def test_catalog_a_opens_everyones_activity_and_pause_holds_new_rows(server, fast):
    logs.seed_sample(server.store, server.catalog)
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: screen_name(app) == "ActivityScreen" and len(shown(app)) == 8,
                         what="the sample story")
        assert shown(app)[0] == "log_sample0008"  # newest first
        await pilot.press("p")
        assert app.screen.state is FollowState.PAUSED and "paused" in text(app, "#activity-live")
        await wait_until(pilot, lambda: not follow_workers(app), what="the follow worker to stop")
        new = logs.record_execution(server.store, user_id="dave", tool="SLACK_SEND_MESSAGE")
        await pilot.pause()  # no poller runs, so nothing can arrive
        assert new not in shown(app)
        await pilot.press("p")
        await wait_until(pilot, lambda: shown(app)[:1] == [new], what="the held execution after resuming")
        assert "live" in text(app, "#activity-live")
        await pilot.press("f")
        await wait_until(pilot, lambda: len(shown(app)) == 2, what="failures only")
        await pilot.press("f")
        await wait_until(pilot, lambda: len(shown(app)) == 9, what="everything again")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "CatalogScreen", what="the catalog")
        await wait_until(pilot, lambda: not follow_workers(app), what="leaving stops the follow loop")


async def test_log_keys_jump_to_the_users_activity_and_a_gone_session_is_said(server, fast):
    logs.seed_sample(server.store, server.catalog)
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: screen_name(app) == "ActivityScreen" and len(shown(app)) == 8,
                         what="the sample story")
        app.screen.query_one("#activity-table").move_cursor(row=4)  # GMAIL_SEND_EMAIL failed, user_8c1f
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "LogScreen" and app.screen.detail is not None,
                         what="the full log")
        assert app.screen.entry.id == "log_sample0004"
        await pilot.press("s")  # the sample's session does not exist at the API
        await wait_until(pilot, lambda: any("no longer exists" in str(n.message) for n in app._notifications),
                         what="the 404 said plainly")
        await pilot.press("u")
        await wait_until(pilot, lambda: screen_name(app) == "ActivityScreen" and len(shown(app)) == 4,
                         what="user_8c1f's activity")
        assert {e.user_id for e in app.screen.shown} == {"user_8c1f"}


async def test_an_unknown_user_is_an_empty_list_said_plainly(server, fast):
    logs.seed_sample(server.store, server.catalog)
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_user_activity(pilot, "nobody")
        status = text(app, "#activity-status")
        assert "No tool executions for user nobody yet" in status and "check the ID" in status


async def test_a_covered_activity_screen_stops_polling_and_catches_up_when_shown_again(server, fast):
    first = logs.record_execution(server.store, user_id="erin", tool="GMAIL_SEND_EMAIL", status="failed")
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_user_activity(pilot, "erin")
        await wait_until(pilot, lambda: shown(app) == [first], what="the first execution")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "LogScreen", what="the full log")
        await wait_until(pilot, lambda: not follow_workers(app), what="the covered screen to stop polling")
        meanwhile = logs.record_execution(server.store, user_id="erin", tool="GMAIL_SEND_EMAIL")
        await pilot.press("escape")
        await wait_until(pilot, lambda: shown(app) == [meanwhile, first], what="the catch-up after returning")
        assert "live" in text(app, "#activity-live")
