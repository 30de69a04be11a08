"""Snapshots of the session policy screens at 80x24 and 120x36: the policy screen, the tool picker
(read-only preset), the template picker, the session dashboard after an edit, and the history.

Deterministic: the demo API listens on a fixed port, its ids are seeded, and the times it reports for
sessions and config versions are pinned."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from apphelp import make_app, settle
from sessionhelp import open_form, paste, quiet, screen_name, seed, snapshot_server, text, wait_until
from tui.demo import DEMO_API_KEY

FIXED_PORT = 29900
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
PINNED = "2025-01-31T12:00:00.000Z"


@pytest.fixture
def server(tmp_path, monkeypatch):
    import tui.demo.policy
    import tui.demo.sessions

    monkeypatch.setattr(tui.demo.sessions, "iso_now", lambda: PINNED)
    monkeypatch.setattr(tui.demo.policy, "iso_now", lambda: PINNED)
    srv = snapshot_server(tmp_path, monkeypatch, port=FIXED_PORT, seed=7)
    yield srv
    srv.stop()


def app_for(server):
    return make_app(server.base_url, DEMO_API_KEY)


async def policy_screen(pilot) -> None:
    await settle(pilot)
    await open_form(pilot, "github", "gmail")
    await paste(pilot, "#user-id", "alice")
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: screen_name(pilot.app) == "PolicyScreen", what="policy screen")


@SIZES
def test_policy_screen(snap_compare, server, size):
    async def run_before(pilot):
        await policy_screen(pilot)
        await pilot.press("tab", "space")  # sandbox off
        await paste(pilot, "#policy-approval", "GITHUB_CREATE_AN_ISSUE")
        await paste(pilot, "#policy-callback", "https://app.example/connected")
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_tool_picker_read_only(snap_compare, server, size):
    async def run_before(pilot):
        await policy_screen(pilot)
        await pilot.press("enter")
        app = pilot.app
        await wait_until(pilot, lambda: screen_name(app) == "ToolPickerScreen", what="tool picker")
        await wait_until(pilot, lambda: "of 2 tools" in text(app, "#tool-count"), what="tools")
        auth = app.screen.query_one("#auth-picker", OptionList)
        await wait_until(pilot, lambda: auth.option_count >= 3, what="auth configs")
        await pilot.press("ctrl+r")
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_template_picker(snap_compare, server, size):
    app = app_for(server)
    config = app.ctx.paths.config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[templates.support]\ndescription = "support agents, read-only"\ntoolkits = ["github"]\n'
                      'tags = ["readOnlyHint"]\n')

    async def run_before(pilot):
        await settle(pilot)
        await open_form(pilot, "github")
        await quiet(pilot)  # no catalog toast (it shows a timing) behind the modal
        await pilot.press("ctrl+t")
        picker = pilot.app.screen.query_one("#template-list", OptionList)
        await wait_until(pilot, lambda: picker.option_count == 2, what="templates")
        await quiet(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def edited(pilot) -> None:
    await settle(pilot)
    await seed(pilot, "bob", "github")
    app = pilot.app
    await wait_until(pilot, lambda: "config version 1" in text(app, "#session-policy"), what="policy")
    await pilot.press("p")
    await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="editor")
    await pilot.press("tab", "space", "tab", "space")  # sandbox off, read-only on
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: "config version 2" in text(app, "#session-policy"), what="version 2")


@SIZES
def test_session_dashboard_after_an_edit(snap_compare, server, size):
    async def run_before(pilot):
        await edited(pilot)
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@SIZES
def test_history(snap_compare, server, size):
    async def run_before(pilot):
        await edited(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: "version 2" in text(pilot.app, "#history-list"), what="history")
        await quiet(pilot)

    assert snap_compare(app_for(server), terminal_size=size, run_before=run_before)


@pytest.fixture
def server_with_reads(tmp_path, monkeypatch):
    """The snapshot API with a read-only gmail tool besides GMAIL_SEND_EMAIL (a read-only preset that
    leaves a toolkit some tools but not all)."""
    import copy

    import demo_fixtures

    catalog = copy.deepcopy(demo_fixtures.SMALL_CATALOG)
    gmail = next(t for t in catalog["toolkits"] if t["slug"] == "gmail")
    gmail["tools"].append({"slug": "GMAIL_FETCH_EMAILS", "name": "Fetch emails", "description": "List emails.",
                           "tags": ["readOnlyHint"], "params": {"query": "string"}, "required": []})
    monkeypatch.setattr(demo_fixtures, "SMALL_CATALOG", catalog)
    import tui.demo.policy
    import tui.demo.sessions

    monkeypatch.setattr(tui.demo.sessions, "iso_now", lambda: PINNED)
    monkeypatch.setattr(tui.demo.policy, "iso_now", lambda: PINNED)
    srv = snapshot_server(tmp_path, monkeypatch, port=FIXED_PORT, seed=7)
    yield srv
    srv.stop()


async def open_picker(pilot, tools: int) -> None:
    """Enter on the highlighted toolkit of the policy screen; wait for its tools and auth configs."""
    app = pilot.app
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen_name(app) == "ToolPickerScreen", what="tool picker")
    await wait_until(pilot, lambda: f"of {tools} tools" in text(app, "#tool-count"), what="tools")
    auth = app.screen.query_one("#auth-picker", OptionList)
    await wait_until(pilot, lambda: auth.option_count >= 2, what="auth configs")


@SIZES
def test_new_session_form_with_a_composed_policy(snap_compare, server_with_reads, size):
    """github: an allow list picked by hand; gmail: the read-only preset; a callback URL; sandbox off."""
    async def run_before(pilot):
        app = pilot.app
        await policy_screen(pilot)
        await open_picker(pilot, 2)  # github
        await pilot.press("tab")  # filter -> the tool checklist
        tools = app.screen.query_one("#tool-picker")
        if tools.highlighted is None:
            await pilot.press("down")
        await pilot.press("down", "space")  # untick GITHUB_LIST_PULL_REQUESTS
        assert "1 of 2 tools selected" in text(app, "#tool-count")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="policy screen")
        await pilot.press("down")  # gmail
        await open_picker(pilot, 2)
        await pilot.press("ctrl+r")
        assert "1 of 2 tools selected" in text(app, "#tool-count")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="policy screen")
        await pilot.press("tab", "space")  # sandbox off
        await paste(pilot, "#policy-callback", "https://app.example/connected")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="the form")
        line = text(app, "#policy-line")
        assert "github: 1 tool allowed" in line and "gmail: 1 tool allowed" in line and "sandbox: off" in line
        policy = app.screen.policy
        assert policy.kit("github").allow == ("GITHUB_CREATE_AN_ISSUE",)
        assert policy.kit("gmail").allow == ("GMAIL_FETCH_EMAILS",)
        await quiet(pilot)

    assert snap_compare(app_for(server_with_reads), terminal_size=size, run_before=run_before)
