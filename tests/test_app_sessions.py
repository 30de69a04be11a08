"""The per-user session flow against the embedded API over real HTTP, driven with Pilot:
create, copy, export, readiness + Connect link, verify, delete, the sessions list and the ledger."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from apphelp import make_app, settle, type_text, wait_for_worker
from demo_fixtures import client_for
from sessionhelp import (
    back_to_catalog,
    create,
    fast_polling,
    mark,
    notes,
    open_form,
    paste,
    screen_name,
    small_server,
    text,
    visible_text,
    wait_until,
)
from tui.core import export
from tui.core.redact import mask
from tui.demo import DEMO_API_KEY

SIZE = (120, 36)
META_TOOLS = ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_GET_TOOL_SCHEMAS", "COMPOSIO_MULTI_EXECUTE_TOOL",
              "COMPOSIO_MANAGE_CONNECTIONS", "COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL")


@pytest.fixture
def server(tmp_path):
    srv = small_server(tmp_path)
    yield srv
    srv.stop()


def app_for(server, **settings):
    return make_app(server.base_url, DEMO_API_KEY, **settings)


def only_session(server):
    records = server.sessions()
    assert len(records) == 1, records
    return records[0]


# --- create, copy, ledger --------------------------------------------------------------------------


async def test_create_shows_the_issued_url_copies_it_and_writes_one_ledger_row(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await create(pilot, "user_8c1f", "github", "gmail")

        record = only_session(server)
        assert record.user_id == "user_8c1f" and record.toolkits == ("github", "gmail")
        url = server.mcp_url(record.session_id)
        assert info.session_id == record.session_id and info.mcp_url == url
        assert "Session created for user" in text(app, "#session-user") and "user_8c1f" in text(app, "#session-user")
        assert visible_text(app, "#mcp-url") == url
        facts = text(app, "#session-facts")
        assert record.session_id in facts and "github, gmail" in facts and "active" in facts

        await pilot.press("c")
        assert app.clipboard == url
        assert any("Copied the MCP URL" in n for n in notes(app))

        rows = app.ctx.ledger.entries()
        assert len(rows) == 1
        row = rows[0]
        assert (row.user_id, row.session_id, row.mcp_url, row.toolkits, row.state) == (
            "user_8c1f", record.session_id, url, ("github", "gmail"), "active")
        assert row.base_url == server.base_url and row.manage_connections


async def test_the_form_suggests_recent_users_from_the_ledger(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await create(pilot, "alice", "github")
        await back_to_catalog(pilot)
        await open_form(pilot)
        assert "Recent: alice" in text(app, "#recent")
        await pilot.press("a", "right")  # the suggester completes the recent id
        assert app.screen.query_one("#user-id", Input).value == "alice"


# --- isolation: one session per user, never reused ------------------------------------------------


async def test_two_users_get_two_sessions_each_screen_shows_its_own_user(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        alice = await create(pilot, "alice", "github")
        assert "alice" in text(app, "#session-user") and "bob" not in text(app, "#session-user")
        assert text(app, "#mcp-url") == alice.mcp_url
        await back_to_catalog(pilot)
        bob = await create(pilot, "bob")  # github stays marked
        assert "bob" in text(app, "#session-user") and "alice" not in text(app, "#session-user")
        assert text(app, "#mcp-url") == bob.mcp_url

        by_user = {r.user_id: r for r in server.sessions()}
        assert set(by_user) == {"alice", "bob"}
        assert alice.session_id == by_user["alice"].session_id != bob.session_id == by_user["bob"].session_id
        assert alice.mcp_url != bob.mcp_url
        ledger = {e.user_id: e for e in app.ctx.ledger.entries()}
        assert ledger["alice"].session_id == alice.session_id and ledger["bob"].session_id == bob.session_id


async def test_creating_twice_for_the_same_user_gives_two_sessions(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await create(pilot, "alice", "github", "gmail")
        await back_to_catalog(pilot)
        second = await create(pilot, "alice")
        assert first.session_id != second.session_id and first.mcp_url != second.mcp_url
        records = server.sessions()
        assert len(records) == 2 and {r.user_id for r in records} == {"alice"}
        assert {r.session_id for r in records} == {first.session_id, second.session_id}
        rows = app.ctx.ledger.entries(user="alice")
        assert [r.session_id for r in rows] == [second.session_id, first.session_id]
        assert all(r.state == "active" for r in rows)


async def test_a_double_submit_sends_one_request(server):
    """ctrl+s pressed again (or enter) while the first request is in flight must not make a second session."""
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await type_text(pilot, "alice")
        server.set_faults(latency=(0.4, 0.4))
        await pilot.press("ctrl+s", "ctrl+s")
        await pilot.press("tab", "enter")  # the toolkits field submits too
        await settle(pilot)
        assert screen_name(app) == "SessionScreen"
        assert len(server.sessions()) == 1
        assert len(app.ctx.ledger.entries()) == 1


async def test_leaving_the_form_while_creating_still_reports_the_session(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await type_text(pilot, "alice")
        server.set_faults(latency=(0.4, 0.4))
        await pilot.press("ctrl+s")
        await wait_for_worker(pilot, "create")  # the request is in flight (it takes 0.4 s)
        await pilot.press("escape")
        assert screen_name(app) == "CatalogScreen"
        await wait_until(pilot, lambda: server.sessions(), what="the session to be created")
        record = only_session(server)
        # the create reads the session back (meta tools) before it reports: wait for the report itself
        await wait_until(pilot, lambda: any(record.session_id in n and "alice" in n for n in notes(app)),
                         what="the report of the session")
        await settle(pilot)
        assert screen_name(app) == "CatalogScreen"  # nothing popped behind the operator's back
        assert app.ctx.ledger.get(record.session_id).state == "active"

        await open_form(pilot)  # again, and this time the help screen covers the form meanwhile
        await paste(pilot, "#user-id", "bob")
        await pilot.press("ctrl+s")
        app.action_help()  # what ? does where no field takes the key
        await wait_until(pilot, lambda: len(server.sessions()) == 2, what="the second session")
        await settle(pilot)
        assert screen_name(app) == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "NewSessionScreen"
        bob = next(r for r in server.sessions() if r.user_id == "bob")
        assert f"Created {bob.session_id} for bob" in text(app, "#form-status")
        assert not app.screen.query_one("#create").disabled


# --- the form refuses bad input before any request ------------------------------------------------

BAD_USERS = [  # (value, typed or pasted, the sentence the operator must see)
    ("", "typed", "Enter a user ID; it cannot be empty."),
    ("default", "typed", "'default' is a shared placeholder"),
    (" alice", "typed", "The user ID starts with whitespace"),
    ("al\x07ice", "pasted", "contains a control character (U+0007) at position 3"),
    ("u" * 257, "pasted", "The user ID is 257 characters long; the limit is 256."),
    ("None", "typed", "what a missing value looks like as text"),
]
BAD_SLUGS = [  # (value, typed or pasted, the sentence the operator must see)
    ("githubb", "typed", "'githubb' is not in the toolkit catalog; did you mean 'github'?"),
    ("GitHub", "typed", "'GitHub' differs from the catalog slug 'github' only in letter case"),
    ("github, github", "pasted", "'github' is listed twice"),
    ("no_such_kit", "pasted", "'no_such_kit' is not in the toolkit catalog; pick toolkits from the catalog"),
    ("", "typed", "Pick at least one toolkit."),
]


async def test_the_form_refuses_bad_user_ids_with_a_visible_message_and_sends_nothing(server):
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:  # the smallest supported terminal
        await settle(pilot)
        await open_form(pilot, "github")
        user = app.screen.query_one("#user-id", Input)
        for value, how, message in BAD_USERS:
            assert user.has_focus, value  # a refused id gets the focus back for the fix
            await pilot.press("end", "ctrl+u")
            if how == "typed":
                await type_text(pilot, value)
            else:
                await paste(pilot, "#user-id", value)
            assert user.value == value
            if value:
                assert message in visible_text(app, "#user-note"), value  # said while typing
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen_name(app) == "NewSessionScreen", value
            assert message in visible_text(app, "#user-note"), value  # next to the field, on screen
            status = text(app, "#form-status")
            assert status.startswith("Not sent:") and message in status, (value, status)
        assert server.sessions() == []  # no request was ever sent
        assert app.ctx.ledger.entries() == []


async def test_the_form_refuses_slugs_typed_by_hand_and_sends_nothing(server):
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await paste(pilot, "#user-id", "alice")
        await pilot.press("tab")
        toolkits = app.screen.query_one("#toolkits", Input)
        assert toolkits.has_focus and toolkits.value == "github"
        for typed, how, message in BAD_SLUGS:
            await pilot.press("end", "ctrl+u")  # clear the field, then type by hand (or paste)
            if how == "typed":
                await type_text(pilot, typed)
            else:
                await paste(pilot, "#toolkits", typed)
            assert toolkits.value == typed
            assert message in visible_text(app, "#toolkits-note"), typed
            await pilot.press("enter")  # submitting the toolkits field creates
            await settle(pilot)
            assert screen_name(app) == "NewSessionScreen"
            assert message in visible_text(app, "#toolkits-note"), typed
            assert message in text(app, "#form-status"), typed
            assert toolkits.has_focus
        assert server.sessions() == [] and app.ctx.ledger.entries() == []


# --- export ---------------------------------------------------------------------------------------


async def test_export_copies_every_client_format_and_the_literal_key_needs_a_yes(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await create(pilot, "alice", "github")
        await pilot.press("e")
        await pilot.pause()
        assert screen_name(app) == "ExportScreen" and app.screen.key_mode == "env"
        assert "COMPOSIO_API_KEY" in text(app, "#export-note")
        copied = []
        for i, fmt in enumerate(export.FORMATS):
            if i:
                await pilot.press("down")
            expected = export.render(fmt, info.mcp_url, key_mode="env")
            assert app.screen.fmt == fmt and text(app, "#export-text") == expected
            await pilot.press("c")
            assert app.clipboard == expected
            assert info.mcp_url in app.clipboard and DEMO_API_KEY not in app.clipboard
            copied.append(app.clipboard)
        assert len(set(copied)) == len(export.FORMATS)

        await pilot.press("home", "m")  # claude-code again; env -> literal asks first
        await pilot.pause()
        assert screen_name(app) == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause()
        assert screen_name(app) == "ExportScreen" and app.screen.key_mode == "placeholder"  # moved past literal
        assert app.screen.query_one("#mode-placeholder").value and not app.screen.query_one("#mode-literal").value

        await pilot.press("m", "m")  # placeholder -> env -> literal asks again
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.key_mode == "literal" and app.screen.query_one("#mode-literal").value
        shown = text(app, "#export-text")
        assert DEMO_API_KEY not in shown and mask(DEMO_API_KEY) in shown  # masked on screen
        assert "contains your API key" in text(app, "#export-note")
        await pilot.press("c")
        assert app.clipboard == export.render("claude-code", info.mcp_url, key_mode="literal", key=DEMO_API_KEY)
        assert any("It contains your API key" in n for n in notes(app))

        await pilot.press("m")  # literal -> placeholder needs no question
        await pilot.pause()
        assert app.screen.key_mode == "placeholder" and "<COMPOSIO_API_KEY>" in text(app, "#export-text")


# --- readiness, Connect link, polling --------------------------------------------------------------


def grid(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_readiness_grid_link_and_poll_to_active_or_failed(server, monkeypatch):
    fast_polling(monkeypatch)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await create(pilot, "alice", "github", "gmail", "hackernews")
        await pilot.press("k")
        await settle(pilot)
        assert screen_name(app) == "ReadinessScreen"
        assert grid(app) == [["github", "GitHub", "○ not connected", "—"],
                             ["gmail", "Gmail", "○ not connected", "—"],
                             ["hackernews", "Hacker News", "● no auth needed", "—"]]
        assert "1/3 ready" in text(app, "#ready-title")

        await pilot.press("ctrl+end", "l")  # no link for a toolkit that needs no auth
        assert any("hackernews is already usable" in n for n in notes(app))
        assert server.store.accounts() == []

        await pilot.press("ctrl+home", "l")
        await wait_until(pilot, lambda: server.store.accounts(), what="the Connect link")
        account = server.store.accounts()[0]
        assert (account.user_id, account.toolkit, account.status) == ("alice", "github", "INITIATED")
        await wait_until(pilot, lambda: account.redirect_url in text(app, "#link-text"), what="the link on screen")
        assert "send it to alice" in text(app, "#link-text")
        qr = text(app, "#link-qr").splitlines()
        assert len(qr) > 10 and all(set(line) <= set("█▀▄ ") for line in qr) and any("█" in ln for ln in qr)
        assert grid(app)[0][2] == "○ not connected"  # still waiting for the user

        assert server.activate(account.id)  # the end user finished the Connect flow
        await wait_until(pilot, lambda: "github is now ACTIVE" in text(app, "#link-text"), what="ACTIVE")
        await settle(pilot)
        assert grid(app)[0] == ["github", "GitHub", "● active", account.id]
        assert "2/3 ready" in text(app, "#ready-title")
        assert any("github is connected for alice" in n for n in notes(app))

        await pilot.press("down", "l")
        await wait_until(pilot, lambda: len(server.store.accounts()) == 2, what="the gmail link")
        gmail = next(a for a in server.store.accounts() if a.toolkit == "gmail")
        assert server.activate(gmail.id, "FAILED")
        await wait_until(pilot, lambda: "gmail ended FAILED" in text(app, "#link-text"), what="FAILED")
        await settle(pilot)
        assert grid(app)[1][2] == "✗ failed — reconnect: OAuth callback failed during token exchange"
        assert "2/3 ready" in text(app, "#ready-title")


# --- verify ---------------------------------------------------------------------------------------


async def test_verify_lists_the_meta_tools_and_explains_a_404(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await create(pilot, "alice", "github")
        record = only_session(server)
        await pilot.press("v")
        await settle(pilot)
        assert screen_name(app) == "VerifyScreen"
        result = app.screen.result
        assert result.ok and result.tools == record.tool_router_tools == META_TOOLS
        shown = text(app, "#verify-text")
        assert "✓ The MCP endpoint answers" in shown and f"with {len(META_TOOLS)} tools" in shown
        assert all(f"• {name}" in shown for name in META_TOOLS)

        with client_for(server) as api:  # deleted behind the console's back
            assert api.delete(f"/api/v3.1/tool_router/session/{info.session_id}").status_code == 200
        await pilot.press("r")
        await settle(pilot)
        assert not app.screen.result.ok
        shown = text(app, "#verify-text")
        assert "✗ session not found" in shown and "HTTP 404" in shown and "r runs the check again" in shown
        assert DEMO_API_KEY not in shown


# --- delete ---------------------------------------------------------------------------------------


async def test_delete_asks_first_then_deletes_remotely_and_in_the_ledger(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await create(pilot, "alice", "github")
        await pilot.press("d")
        await pilot.pause()
        assert screen_name(app) == "ConfirmScreen"
        assert "Delete the session of alice?" in text(app, "#confirm-question")
        await pilot.press("enter")  # the focused default is Cancel
        await settle(pilot)
        assert screen_name(app) == "SessionScreen" and len(server.sessions()) == 1

        await pilot.press("d", "y")
        await settle(pilot)
        assert server.sessions() == []
        assert app.ctx.ledger.get(info.session_id).state == "deleted"
        assert "state       deleted" in text(app, "#session-facts")
        assert any("Deleted the session of alice" in n for n in notes(app))

        app.clear_notifications()
        await pilot.press("d")  # already deleted: no question, no request, the ledger keeps "deleted"
        await settle(pilot)
        assert screen_name(app) == "SessionScreen"
        assert app.ctx.ledger.get(info.session_id).state == "deleted"
        assert any("already deleted" in n for n in notes(app))


# --- the sessions list --------------------------------------------------------------------------


async def alice_and_bob_listed(pilot):
    """Two sessions made through the form (alice: github, bob: gmail), then the sessions list."""
    await settle(pilot)
    alice = await create(pilot, "alice", "github")
    await back_to_catalog(pilot)
    bob = await create(pilot, "bob", "gmail")
    await back_to_catalog(pilot)
    await pilot.press("s")
    await pilot.pause()
    return alice, bob


async def test_sessions_list_filters_opens_and_copies(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        alice, bob = await alice_and_bob_listed(pilot)
        assert screen_name(app) == "SessionsScreen"
        assert [r[:4] for r in grid(app)] == [
            ["bob", bob.session_id, "github, gmail", "active"], ["alice", alice.session_id, "github", "active"]]

        await pilot.press("c")
        assert app.clipboard == bob.mcp_url
        await pilot.press("slash")
        await paste(pilot, "#sessions-filter", "ali")
        await pilot.press("enter")
        assert [r[0] for r in grid(app)] == ["alice"]
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(app) == "SessionScreen"
        assert "alice" in text(app, "#session-user") and text(app, "#mcp-url") == alice.mcp_url
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash", "end", "ctrl+u")
        await paste(pilot, "#sessions-filter", "toolkit:gmail")
        assert [r[0] for r in grid(app)] == ["bob"]
        await pilot.press("end", "ctrl+u")
        await paste(pilot, "#sessions-filter", "carol")
        assert grid(app) == [] and "No session matches" in text(app, "#sessions-empty")


async def test_refresh_keeps_a_live_session_and_marks_a_404_gone_but_listed(server):
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        alice, bob = await alice_and_bob_listed(pilot)
        await pilot.press("r")  # bob, the newest, is live
        await settle(pilot)
        assert [r[3] for r in grid(app)] == ["active", "active"]
        assert any("Session of bob is live: github, gmail" in n for n in notes(app))

        with client_for(server) as api:  # alice's session deleted behind the console's back
            assert api.delete(f"/api/v3.1/tool_router/session/{alice.session_id}").status_code == 200
        await pilot.press("down", "r")
        await settle(pilot)
        rows = grid(app)
        assert [r[:2] for r in rows] == [["bob", bob.session_id], ["alice", alice.session_id]]
        assert [r[3] for r in rows] == ["active", "gone"]
        entry = app.ctx.ledger.get(alice.session_id)
        assert entry.state == "gone" and "404" in entry.note
        assert app.ctx.ledger.get(bob.session_id).state == "active"
        assert any("Session of alice was deleted elsewhere (404): marked gone." in n for n in notes(app))
        await pilot.press("d")  # nothing left to delete: no question
        await pilot.pause()
        assert screen_name(app) == "SessionsScreen"


async def test_a_corrupt_ledger_is_a_clear_message_not_a_crash(server):
    app = app_for(server)
    path = app.ctx.ledger_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database\n" * 50)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert screen_name(app) == "SessionsScreen"
        shown = visible_text(app, "#sessions-empty")
        assert str(path) in shown and "is not a SQLite database" in shown and "move it aside" in shown
        assert app.screen.query_one(DataTable).row_count == 0
        await pilot.press("r", "c", "d", "enter")  # nothing to act on: no crash
        await pilot.press("escape")
        await pilot.pause()

        await mark(pilot, "github")
        await pilot.press("n")
        await pilot.pause()
        assert screen_name(app) == "CatalogScreen"
        assert any("is not a SQLite database" in n for n in notes(app))
        assert server.sessions() == []
        assert app.is_running
    assert path.read_bytes().startswith(b"this is not a database")  # never overwritten
