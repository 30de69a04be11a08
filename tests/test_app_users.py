"""The users and connections console over real HTTP, driven with Pilot: the users list, one user's
sessions and accounts with statuses, a Connect link turning ACTIVE, disable and enable, delete (confirmed),
and offboarding (dry run, the id typed again, for real)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from apphelp import make_app, settle, type_text
from sessionhelp import screen_name, small_server, text, wait_until
from tui.demo import DEMO_API_KEY
from usershelp import highlight, open_user, open_users, populate, status_of, table_rows

SIZE = (120, 36)
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server(tmp_path, monkeypatch):
    import tui.screens.connect

    monkeypatch.setattr(tui.screens.connect, "POLL_INTERVAL", 0.05)
    srv = small_server(tmp_path)
    yield srv
    srv.stop()


def app_for(server):
    return make_app(server.base_url, DEMO_API_KEY)


def at_api(server, user):
    return ([s for s in server.sessions() if s.user_id == user],
            [a for a in server.store.accounts() if a.user_id == user])


async def test_users_list_counts_and_filters(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await populate(pilot, server)
        await open_users(pilot)
        rows = table_rows(pilot.app, "#users-table")
        assert rows == [["alice", "2", "3", "2"], ["bob", "1", "1", "0"], ["carol", "0", "1", "1"]]
        await pilot.press("slash")
        await type_text(pilot, "BO")
        assert table_rows(pilot.app, "#users-table") == [["bob", "1", "1", "0"]]
        assert "1 of 3 users" in text(pilot.app, "#users-state")


async def test_user_screen_shows_statuses_disable_enable_and_delete(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = await populate(pilot, server)
        await open_users(pilot)
        await open_user(pilot, "alice")
        assert "2 live sessions, 3 accounts, 2 broken" in text(pilot.app, "#user-title")
        assert len(table_rows(pilot.app, "#user-sessions")) == 2
        assert status_of(pilot.app, "github").startswith("● ACTIVE")
        rows = {r[0]: r for r in table_rows(pilot.app, "#user-accounts")}
        assert rows["gmail"][1:3] == ["✗ EXPIRED", "Permanent auth error during token refresh"]
        assert rows["slack"][1:3] == ["⏸ INACTIVE", "Connection status updated by user"]
        await highlight(pilot, "gmail")
        assert "EXPIRED — Permanent auth error during token refresh" in text(pilot.app, "#user-state")
        assert "auth config ac_demo_gmail" in text(pilot.app, "#user-state")

        await highlight(pilot, "github")
        await pilot.press("x")
        await wait_until(pilot, lambda: status_of(pilot.app, "github").startswith("⏸ INACTIVE"), what="disabled")
        assert server.store.account(ids[("alice", "github")]).status == "INACTIVE"
        await pilot.press("e")
        await wait_until(pilot, lambda: status_of(pilot.app, "github").startswith("● ACTIVE"), what="enabled")
        assert server.store.account(ids[("alice", "github")]).status == "ACTIVE"

        await highlight(pilot, "slack")
        await pilot.press("d")
        await pilot.pause()
        assert screen_name(pilot.app) == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause()
        assert server.store.account(ids[("alice", "slack")]) is not None  # the question alone deletes nothing
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: server.store.account(ids[("alice", "slack")]) is None, what="deleted")
        await wait_until(pilot, lambda: status_of(pilot.app, "slack").startswith("○ not connected"), what="redraw")
        assert server.store.account(ids[("bob", "github")]).status == "ACTIVE"


async def test_connect_link_turns_active(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await populate(pilot, server)
        await open_users(pilot)
        await open_user(pilot, "alice")
        await highlight(pilot, "gmail")  # EXPIRED: reconnect
        await pilot.press("l")
        await pilot.pause()
        assert screen_name(pilot.app) == "ConnectScreen"
        await type_text(pilot, "https://app.example/back")
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.screen.made is not None, what="the link")
        url = pilot.app.screen.made.link.redirect_url
        assert text(pilot.app, "#connect-link") == url and url.startswith(f"{server.base_url}/link/ln_")
        assert "return to: https://app.example/back" in text(pilot.app, "#connect-state")
        assert text(pilot.app, "#connect-qr")
        account_id = pilot.app.screen.made.link.connected_account_id
        assert server.store.account(account_id).callback_url == "https://app.example/back"
        await pilot.press("c")
        assert any("Copied the Connect link" in n.message for n in pilot.app._notifications)
        server.activate(account_id)  # the user authorises on the link page
        await wait_until(pilot, lambda: pilot.app.screen.outcome is not None, what="ACTIVE")
        assert "is connected for alice: ACTIVE" in text(pilot.app, "#connect-state")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "UserScreen", what="back")
        await settle(pilot)
        assert sum(1 for r in table_rows(pilot.app, "#user-accounts") if r[0] == "gmail") == 2


async def test_link_for_a_toolkit_no_session_enables_is_explained(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await populate(pilot, server)
        await open_users(pilot)
        await open_user(pilot, "bob")
        from tui.screens.connect import ConnectScreen

        pilot.app.push_screen(ConnectScreen("bob", "slack"))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert "No session of 'bob' enables 'slack'" in text(pilot.app, "#connect-state")
        assert at_api(server, "bob")[1][0].toolkit == "github"


async def test_offboard_dry_run_then_for_real(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await populate(pilot, server)
        await open_users(pilot)
        await open_user(pilot, "alice")
        await pilot.press("o")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "OffboardScreen"
                         and pilot.app.screen.report is not None, what="the dry run")
        assert "removes 2 sessions and 3 connected accounts" in text(pilot.app, "#offboard-state")
        assert {r[3] for r in table_rows(pilot.app, "#offboard-table")} == {"planned"}
        assert [len(x) for x in at_api(server, "alice")] == [2, 3]
        await type_text(pilot, "alic")
        await pilot.press("enter")
        await pilot.pause()
        assert [len(x) for x in at_api(server, "alice")] == [2, 3]  # a wrong id removes nothing
        await type_text(pilot, "e")
        assert pilot.app.screen.query_one("#offboard-confirm", Input).value == "alice"
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.screen.report is not None and pilot.app.screen.report.done,
                         what="offboarding")
        assert "Offboarded alice" in text(pilot.app, "#offboard-state")
        assert {r[3] for r in table_rows(pilot.app, "#offboard-table")} == {"deleted"}
        assert at_api(server, "alice") == ([], [])
        assert [len(x) for x in at_api(server, "bob")] == [1, 1]
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "UserScreen", what="back")
        await settle(pilot)
        assert {r[2] for r in table_rows(pilot.app, "#user-sessions")} == {"deleted"}
        assert "No sessions or accounts" not in text(pilot.app, "#user-state")  # the rows stay, marked deleted


async def test_open_a_session_from_the_user(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await populate(pilot, server)
        await open_users(pilot)
        await open_user(pilot, "bob")
        await pilot.press("shift+tab")
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot.app) == "SessionScreen"
        assert pilot.app.screen.info.user_id == "bob"


async def test_unknown_user_screen_says_so(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        from tui.screens.user import UserScreen

        pilot.app.push_screen(UserScreen("nobody"))
        await settle(pilot)
        assert "No sessions or accounts for user nobody" in text(pilot.app, "#user-state")


async def test_users_key_and_palette_entry_from_the_catalog(server):
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert "catalog: Users" in titles
        await pilot.press("u")
        await settle(pilot)
        assert screen_name(pilot.app) == "UsersScreen"
        assert "No users yet" in text(pilot.app, "#users-state")


async def test_a_users_activity_is_one_key_away(server):
    """From a user, `a` opens the Activity screen scoped to that user (issue 15)."""
    from tui.demo import logs

    logs.record_execution(server.store, user_id="bob", tool="GITHUB_CREATE_AN_ISSUE", toolkit="github")
    logs.record_execution(server.store, user_id="alice", tool="GMAIL_SEND_EMAIL", toolkit="gmail")
    async with app_for(server).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await populate(pilot, server)
        await open_users(pilot)
        await open_user(pilot, "bob")
        await pilot.press("a")
        await wait_until(pilot, lambda: screen_name(pilot.app) == "ActivityScreen" and bool(pilot.app.screen.shown),
                         what="bob's activity")
        assert {entry.user_id for entry in pilot.app.screen.shown} == {"bob"}
