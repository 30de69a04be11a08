"""Connected accounts as production reports them (issue 11.3), over real HTTP to the demo API.

Readiness reads the connected accounts list (user + toolkits) as the source of truth; the session
toolkits endpoint is only a hint (it can say ``connected_account: null`` for a connected user,
ComposioHQ/composio#3118). Every status keeps its name and reason; a second Connect link for a toolkit
with a link still waiting is not made blindly.
"""

from __future__ import annotations

import json

import httpx
import pytest

from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_toolkits import cli

from tui.core import sessions
from tui.core.gateway import Gateway
from tui.core.states import ConnectionState
from tui.demo import DEMO_API_KEY
from tui.demo.faults import Faults

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def gw(server):  # noqa: F811
    gateway = Gateway(server.base_url, DEMO_API_KEY)
    yield gateway
    gateway.close()


def _session(gw, user: str = "ada", *slugs: str):
    return gw.create_session(user, list(slugs or ("github", "notion", "hackernews")))


def _link(gw, info, slug: str):
    return gw.create_link(info.session_id, slug)


def test_readiness_trusts_the_accounts_list_when_the_hint_says_null(server, gw):  # noqa: F811
    info = _session(gw)
    server.activate(_link(gw, info, "github").connected_account_id)
    server.set_faults(Faults(hide_session_accounts=True))  # the endpoint forgets the account (#3118)
    hints = {c.slug: c.state for c in gw.session_toolkits(info.session_id)}
    assert hints["github"] == ConnectionState.NOT_CONNECTED  # what the hint alone would say
    rows = {c.slug: c for c in sessions.readiness(gw, info)}
    assert rows["github"].state == ConnectionState.ACTIVE and rows["github"].ready
    assert rows["notion"].state == ConnectionState.NOT_CONNECTED
    assert rows["hackernews"].state == ConnectionState.NO_AUTH


@pytest.mark.parametrize("status, reason", [
    ("INACTIVE", "Connection status updated by user"), ("EXPIRED", "Permanent auth error during token refresh"),
    ("REVOKED", "Revoked via user-initiated revoke endpoint"), ("FAILED", "OAuth callback failed during token exchange"),
    ("INITIALIZING", ""),
])
def test_every_status_keeps_its_name_and_reason(server, gw, status, reason):  # noqa: F811
    info = _session(gw)
    server.activate(_link(gw, info, "github").connected_account_id, status)
    [row] = [c for c in sessions.readiness(gw, info) if c.slug == "github"]
    assert row.state == ConnectionState(status) and row.status_reason == reason
    assert row.is_disabled == (status == "INACTIVE") and not row.ready


def test_an_active_account_wins_over_a_newer_failed_one(server, gw):  # noqa: F811
    info = _session(gw)
    first = _link(gw, info, "github").connected_account_id
    server.activate(first)
    again = gw.create_link(info.session_id, "github").connected_account_id
    server.activate(again, "FAILED")
    [row] = [c for c in sessions.readiness(gw, info) if c.slug == "github"]
    assert (row.state, row.connected_account_id) == (ConnectionState.ACTIVE, first)


def test_a_link_still_waiting_is_reused_not_piled_up(server, gw):  # noqa: F811
    info = _session(gw)
    first = sessions.connect_link(gw, info, "github")
    second = sessions.connect_link(gw, info, "github")
    assert not first.reused and second.reused
    assert (second.connected_account_id, second.redirect_url) == (first.connected_account_id, first.redirect_url)
    assert len(server.store.accounts()) == 1


def test_a_waiting_link_without_a_url_asks_first(server, gw):  # noqa: F811
    """An API-key account's state shows no redirect URL: refuse a second link until asked for one."""
    info = _session(gw)
    first = sessions.connect_link(gw, info, "notion")
    with pytest.raises(sessions.LinkWaiting) as waiting:
        sessions.connect_link(gw, info, "notion")
    assert first.connected_account_id in str(waiting.value) and "still waiting" in str(waiting.value)
    assert len(server.store.accounts()) == 1
    again = sessions.connect_link(gw, info, "notion", again=True)
    assert again.connected_account_id != first.connected_account_id and len(server.store.accounts()) == 2


def test_an_old_or_finished_link_does_not_block_a_new_one(server, gw):  # noqa: F811
    info = _session(gw)
    first = sessions.connect_link(gw, info, "notion")
    server.activate(first.connected_account_id, "EXPIRED")
    assert sessions.connect_link(gw, info, "notion").connected_account_id != first.connected_account_id
    late = sessions.connect_link(gw, info, "github", now=lambda: 4_000_000_000.0)  # far in the future
    assert not sessions.connect_link(gw, info, "github", now=lambda: 4_000_000_000.0).reused
    assert late.connected_account_id


def test_wait_active_ends_on_inactive_with_its_reason(server, gw):  # noqa: F811
    info = _session(gw)
    link = _link(gw, info, "github")
    server.activate(link.connected_account_id, "INACTIVE")
    outcome = sessions.wait_active(gw, link, timeout=5, interval=0.01)
    assert (outcome.state, outcome.reason) == (ConnectionState.INACTIVE, "Connection status updated by user")


def test_the_authorize_knob_reaches_every_status(server, gw):  # noqa: F811
    info = _session(gw)
    server.set_faults(Faults(link_status="INITIALIZING", authorize_status="FAILED"))
    link = _link(gw, info, "github")
    assert gw.account(link.connected_account_id).status == "INITIALIZING"
    page = httpx.post(link.redirect_url)
    assert page.status_code == 200
    assert gw.account(link.connected_account_id).status == "FAILED"


# --- the command line: `sessions show` ------------------------------------------------------------------


@pytest.fixture
def api(server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    return server


def test_sessions_show_names_inactive_and_expired_with_reasons(api, capsys):
    rc, out, err = cli(capsys, "sessions", "create", "--user", "cli-user", "--toolkit", "github", "notion", "gmail")
    assert rc == 0, err
    sid = json.loads(out)["session_id"]
    gw = Gateway(api.base_url, DEMO_API_KEY)
    info = gw.retrieve_session(sid)
    api.activate(gw.create_link(sid, "github").connected_account_id, "INACTIVE")
    api.activate(gw.create_link(sid, "notion").connected_account_id, "EXPIRED")
    api.set_faults(Faults(hide_session_accounts=True))
    rc, out, err = cli(capsys, "sessions", "show", sid)
    assert rc == 0, err
    shown = json.loads(out)
    states = {c["toolkit"]: (c["state"], c["status_reason"], c["is_disabled"]) for c in shown["connections"]}
    assert states == {"github": ("INACTIVE", "Connection status updated by user", True),
                      "notion": ("EXPIRED", "Permanent auth error during token refresh", False),
                      "gmail": ("NOT_CONNECTED", "", False)}
    assert shown["tool_router_tools"] and info.toolkits == ("github", "notion", "gmail")


def test_sessions_show_of_a_disable_list_session_says_what_it_excludes(api, capsys):
    created = httpx.post(f"{api.base_url}/api/v3.1/tool_router/session", headers={"x-api-key": DEMO_API_KEY},
                         json={"user_id": "deny-user", "toolkits": {"disable": ["slack"]}}).json()
    rc, out, err = cli(capsys, "sessions", "show", created["session_id"])
    assert rc == 0, err
    shown = json.loads(out)
    assert shown["excluded"] == ["slack"] and shown["toolkits"] == []
    assert "slack" not in {c["toolkit"] for c in shown["connections"]}
