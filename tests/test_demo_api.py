"""Behaviour of the demo API: catalog queries, sessions, links, /_demo routes, MCP, startup."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from demo_fixtures import api, client_for, create_session, server, small_catalog  # noqa: F401  (fixtures)
from tui.demo import DEMO_API_KEY
from tui.demo.runner import DemoServer

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[1]
META = ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_GET_TOOL_SCHEMAS", "COMPOSIO_MULTI_EXECUTE_TOOL",
        "COMPOSIO_MANAGE_CONNECTIONS", "COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL"]


def slugs(body: dict) -> list[str]:
    return [item["slug"] for item in body["items"]]


# -- catalog -------------------------------------------------------------------------------

def test_toolkits_usage_order_search_and_category(api):
    assert slugs(api.get("/api/v3.1/toolkits").json()) == ["github", "gmail", "slack", "notion", "hackernews", "airtable"]
    assert slugs(api.get("/api/v3.1/toolkits", params={"search": "GIT"}).json()) == ["github"]  # slug/name
    assert slugs(api.get("/api/v3.1/toolkits", params={"search": "email"}).json()) == ["gmail"]  # description
    assert slugs(api.get("/api/v3.1/toolkits", params={"search": "communication"}).json()) == ["gmail", "slack"]
    by_id = api.get("/api/v3.1/toolkits", params={"category": "developer-tools"}).json()
    by_name = api.get("/api/v3.1/toolkits", params={"category": "Developer Tools"}).json()
    assert slugs(by_id) == slugs(by_name) == ["github", "airtable"]
    alpha = api.get("/api/v3.1/toolkits", params={"sort_by": "alphabetically"}).json()
    assert slugs(alpha) == ["airtable", "github", "gmail", "hackernews", "notion", "slack"]
    assert api.get("/api/v3.1/toolkits", params={"sort_by": "random"}).status_code == 400


def test_toolkit_item_synthesized_fields(api):
    item = api.get("/api/v3.1/toolkits").json()["items"][0]
    assert item["meta"]["logo"] == "https://logos.composio.dev/api/github"
    assert item["meta"]["tools_count"] == 2 and item["meta"]["triggers_count"] == 4
    assert item["meta"]["categories"] == [{"id": "developer-tools", "name": "Developer Tools"}]
    assert item["meta"]["app_url"] == "https://github.com" and item["deprecated"] == {"toolkitId": "tk_github"}
    slack = api.get("/api/v3.1/toolkits/slack").json()
    assert "app_url" not in slack["meta"] and slack["composio_managed_auth"][0]["mode"] == "OAUTH2"


def test_limit_is_capped_and_validated(tmp_path):
    with DemoServer(catalog=small_catalog(tmp_path), max_page_size=4) as srv, client_for(srv) as c:
        body = c.get("/api/v3.1/toolkits", params={"limit": 1000}).json()
        assert len(body["items"]) == 4 and body["total_items"] == 6 and body["total_pages"] == 2
        rest = c.get("/api/v3.1/toolkits", params={"limit": 1000, "cursor": body["next_cursor"]}).json()
        assert len(rest["items"]) == 2 and rest["next_cursor"] is None and rest["current_page"] == 2
        assert c.get("/api/v3.1/toolkits", params={"limit": 1001}).status_code == 400
        assert c.get("/api/v3.1/toolkits", params={"limit": "abc"}).status_code == 400


def test_tools_filters(api):
    assert slugs(api.get("/api/v3.1/tools", params={"toolkit_slug": "gmail,slack"}).json()) == [
        "GMAIL_SEND_EMAIL", "SLACK_SEND_MESSAGE"]
    assert slugs(api.get("/api/v3.1/tools", params={"query": "top stories"}).json()) == ["HACKERNEWS_GET_TOP_STORIES"]
    assert slugs(api.get("/api/v3.1/tools", params={"tags": "createHint"}).json()) == ["GITHUB_CREATE_AN_ISSUE"]
    assert api.get("/api/v3.1/tools", params={"toolkit_slug": "notion"}).json()["items"] == []
    tool = api.get("/api/v3.1/tools", params={"tool_slugs": "GITHUB_CREATE_AN_ISSUE"}).json()["items"][0]
    schema = tool["input_parameters"]
    assert schema["required"] == ["owner", "repo"] and schema["properties"]["labels"]["type"] == "array"


# -- sessions ------------------------------------------------------------------------------

def test_session_create_shapes(api, server):
    first = create_session(api, "alice", ["github", "slack"])
    second = create_session(api, "alice", ["github", "slack"])
    assert first["session_id"] != second["session_id"]
    assert first["mcp"] == {"type": "http", "url": f"{server.base_url}/tool_router/{first['session_id']}/mcp"}
    assert first["tool_router_tools"] == META
    assert first["config"]["toolkits"] == {"enabled": ["github", "slack"]}
    assert first["config"]["manage_connections"]["enabled"] is True
    off = create_session(api, "bob", ["gmail"], manage_connections={"enable": False, "callback_url": "https://x"})
    assert "COMPOSIO_MANAGE_CONNECTIONS" not in off["tool_router_tools"]
    assert off["config"]["manage_connections"] == {"enabled": False, "callback_url": "https://x"}
    deny = api.post("/api/v3.1/tool_router/session", json={"user_id": "c", "toolkits": {"disable": ["slack"]}}).json()
    assert deny["config"]["toolkits"] == {"disabled": ["slack"]}
    listed = {r["session_id"]: r for r in api.get("/_demo/sessions").json()["items"]}
    assert listed[deny["session_id"]]["toolkits"] == ["github", "gmail", "notion", "hackernews", "airtable"]
    assert listed[off["session_id"]]["manage_connections"] is False and len(listed) == 4


@pytest.mark.parametrize("body, fragment", [
    ({"user_id": "u", "toolkits": {"enable": ["github", "nope", "zilch"]}}, "nope, zilch"),
    ({"user_id": "u", "toolkits": {"disable": ["nope"]}}, "nope"),
    ({"user_id": "", "toolkits": {"enable": ["github"]}}, "user_id"),
    ({"user_id": "   "}, "user_id"),
    ({"toolkits": {"enable": ["github"]}}, "user_id"),
    ({"user_id": "u", "toolkits": {"enable": ["github"], "disable": ["slack"]}}, "mutually exclusive"),
    ({"user_id": "u", "toolkits": {"enable": "github"}}, "array"),
    ({"user_id": "u", "toolkit": ["github"]}, "Unrecognized key(s) in object: 'toolkit'"),
    ({"user_id": "u", "toolkits": {"enabled": ["github"]}}, "Unrecognized key(s) in object: 'enabled'"),
    ({"user_id": "u", "manage_connections": {"enable": True, "wait": 1}}, "'wait'"),
])
def test_session_create_rejects(api, body, fragment):
    """As production: a generic 400 message, the specific reasons in the envelope's ``errors``."""
    resp = api.post("/api/v3.1/tool_router/session", json=body)
    err = resp.json()["error"]
    assert resp.status_code == 400 and err["message"] == "Validation error while processing request"
    assert any(fragment in e for e in err["errors"]), err
    assert api.get("/_demo/sessions").json()["items"] == []


def test_session_get_delete_and_not_found(api):
    sid = create_session(api, "u", ["github"])["session_id"]
    assert api.get(f"/api/v3.1/tool_router/session/{sid}").json()["config"]["user_id"] == "u"
    assert api.delete(f"/api/v3.1/tool_router/session/{sid}").json() == {"session_id": sid, "deleted": True}
    for resp in (api.get(f"/api/v3.1/tool_router/session/{sid}"), api.delete(f"/api/v3.1/tool_router/session/{sid}")):
        assert resp.status_code == 404 and resp.json()["error"]["message"] == "Session not found"
    assert api.get("/_demo/sessions").json()["items"] == []


def test_session_toolkits_query(api):
    sid = create_session(api, "u", ["github", "gmail", "hackernews"])["session_id"]
    url = f"/api/v3.1/tool_router/session/{sid}/toolkits"
    assert slugs(api.get(url).json()) == ["github", "gmail", "hackernews"]
    page = api.get(url, params={"limit": 2}).json()
    assert slugs(page) == ["github", "gmail"] and page["total_pages"] == 2
    assert slugs(api.get(url, params={"cursor": page["next_cursor"]}).json()) == ["hackernews"]
    assert slugs(api.get(url, params={"toolkits": "slack,github"}).json()) == ["slack", "github"]
    assert slugs(api.get(url, params={"search": "mail"}).json()) == ["gmail"]
    assert api.get(url, params={"is_connected": "true"}).json()["items"] == []
    assert api.get(url, params={"limit": 51}).status_code == 400
    assert api.get(url, params={"limit": 0}).status_code == 400
    hn = api.get(url).json()["items"][2]
    assert hn["is_no_auth"] is True and hn["connected_account"] is None


def test_link_flow_and_demo_status(api, server):
    sid = create_session(api, "carol", ["github", "hackernews"])["session_id"]
    link = api.post(f"/api/v3.1/tool_router/session/{sid}/link", json={"toolkit": "github"})
    assert link.status_code == 201
    body = link.json()
    assert body["redirect_url"] == f"{server.base_url}/link/{body['link_token']}" and body["link_token"].startswith("ln_")
    ca = body["connected_account_id"]
    assert ca.startswith("ca_") and api.get(f"/api/v3.1/connected_accounts/{ca}").json()["status"] == "INITIATED"
    item = api.get(f"/api/v3.1/tool_router/session/{sid}/toolkits").json()["items"][0]
    assert item["connected_account"]["id"] == ca and item["connected_account"]["user_id"] == "carol"
    assert item["connected_account"]["auth_config"]["is_composio_managed"] is True

    page = httpx.get(body["redirect_url"])
    assert page.status_code == 200 and "Authorize" in page.text
    assert httpx.post(body["redirect_url"]).status_code == 200
    assert api.get(f"/api/v3.1/connected_accounts/{ca}").json()["status"] == "ACTIVE"
    assert slugs(api.get(f"/api/v3.1/tool_router/session/{sid}/toolkits", params={"is_connected": "true"}).json()) == [
        "github"]

    expired = httpx.post(f"{server.base_url}/_demo/connected_accounts/{ca}/status", json={"status": "EXPIRED"})
    assert expired.status_code == 200 and expired.json()["status"] == "EXPIRED"
    assert httpx.post(f"{server.base_url}/_demo/connected_accounts/{ca}/status", json={"status": "BOGUS"}).status_code == 400
    assert httpx.post(f"{server.base_url}/_demo/connected_accounts/ca_nope/status", json={"status": "ACTIVE"}).status_code == 404


@pytest.mark.parametrize("toolkit, fragment", [("", "required"), ("nope", "Unknown"), ("slack", "not enabled"),
                                               ("hackernews", "no auth")])
def test_link_rejects(api, toolkit, fragment):
    sid = create_session(api, "u", ["github", "hackernews"])["session_id"]
    resp = api.post(f"/api/v3.1/tool_router/session/{sid}/link", json={"toolkit": toolkit})
    err = resp.json()["error"]
    assert resp.status_code == 400 and err["message"] == "Validation error while processing request"
    assert fragment in " ".join(err["errors"])


def test_link_refuses_unknown_fields(api):
    sid = create_session(api, "u", ["github"])["session_id"]
    resp = api.post(f"/api/v3.1/tool_router/session/{sid}/link", json={"toolkit": "github", "user_id": "u"})
    assert resp.status_code == 400 and "Unrecognized key(s) in object: 'user_id'" in resp.json()["error"]["errors"][0]


def test_auto_activate_after(tmp_path, monkeypatch):
    import types

    import tui.demo.state

    now = [1000.0]  # the store's own clock, moved by the test: no race with a loaded machine
    monkeypatch.setattr(tui.demo.state, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    with DemoServer(catalog=small_catalog(tmp_path), auto_activate_after=0.2) as srv, client_for(srv) as c:
        sid = create_session(c, "u", ["gmail"])["session_id"]
        ca = c.post(f"/api/v3.1/tool_router/session/{sid}/link", json={"toolkit": "gmail"}).json()["connected_account_id"]
        now[0] += 0.1
        assert c.get(f"/api/v3.1/connected_accounts/{ca}").json()["status"] == "INITIATED"
        now[0] += 0.2
        assert c.get(f"/api/v3.1/connected_accounts/{ca}").json()["status"] == "ACTIVE"


# -- auth and request ids ------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v3.1/toolkits"), ("GET", "/api/v3.1/toolkits/categories"), ("GET", "/api/v3.1/toolkits/github"),
    ("GET", "/api/v3.1/tools"), ("POST", "/api/v3.1/tool_router/session"), ("GET", "/api/v3.1/tool_router/session/x"),
    ("DELETE", "/api/v3.1/tool_router/session/x"), ("GET", "/api/v3.1/tool_router/session/x/toolkits"),
    ("POST", "/api/v3.1/tool_router/session/x/link"), ("GET", "/api/v3.1/connected_accounts/x"),
    ("POST", "/tool_router/trs_x/mcp"),
])
@pytest.mark.parametrize("key", [None, "ak_wrong"])
def test_every_guarded_route_needs_the_key(server, method, path, key):
    with client_for(server, key) as c:
        resp = c.request(method, path, json={})
    assert resp.status_code == 401
    assert resp.json()["error"]["request_id"] == resp.headers["x-request-id"]


def test_request_ids_everywhere_and_demo_routes_open(server, api):
    ids = {api.get("/api/v3.1/toolkits").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert httpx.get(f"{server.base_url}/_demo/faults").status_code == 200
    assert httpx.get(f"{server.base_url}/_demo/sessions").headers["x-request-id"].startswith("req_")


def test_other_api_keys(tmp_path):
    with DemoServer(catalog=small_catalog(tmp_path), api_keys=("ak_one", "ak_two")) as srv:
        for key, status in (("ak_one", 200), ("ak_two", 200), (DEMO_API_KEY, 401)):
            with client_for(srv, key) as c:
                assert c.get("/api/v3.1/toolkits").status_code == status


# -- MCP -----------------------------------------------------------------------------------

async def _mcp(url: str, key: str, call: tuple[str, dict] | None = None):
    import httpx2
    from mcp.client.client import Client
    from mcp.client.streamable_http import streamable_http_client

    async with httpx2.AsyncClient(headers={"x-api-key": key}, timeout=10) as http:
        async with Client(streamable_http_client(url, http_client=http), mode="legacy", cache=None) as client:
            listed = await client.list_tools()
            result = await client.call_tool(*call) if call else None
    return listed, result


def test_mcp_lists_meta_tools_and_searches_session_toolkits(api):
    session = create_session(api, "u", ["github", "gmail"])
    listed, result = asyncio.run(_mcp(session["mcp"]["url"], DEMO_API_KEY,
                                      ("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "send an email"}]})))
    assert [t.name for t in listed.tools] == session["tool_router_tools"] == META
    assert all(t.input_schema["type"] == "object" and t.description for t in listed.tools)
    data = json.loads(result.content[0].text)
    found = [t["tool_slug"] for t in data["data"]["results"][0]["tools"]]
    assert found[0] == "GMAIL_SEND_EMAIL" and "SLACK_SEND_MESSAGE" not in found  # slack is not in the session
    assert not result.is_error


def test_mcp_respects_manage_connections_and_other_meta_tools(api):
    session = create_session(api, "u", ["github"], manage_connections={"enable": False})
    listed, schemas = asyncio.run(_mcp(session["mcp"]["url"], DEMO_API_KEY,
                                       ("COMPOSIO_GET_TOOL_SCHEMAS", {"tool_slugs": ["GITHUB_CREATE_AN_ISSUE", "X"]})))
    assert "COMPOSIO_MANAGE_CONNECTIONS" not in [t.name for t in listed.tools]
    data = json.loads(schemas.content[0].text)["data"]
    assert data["tool_schemas"]["GITHUB_CREATE_AN_ISSUE"]["input_schema"]["required"] == ["owner", "repo"]
    assert data["not_found"] == ["X"]
    manage = create_session(api, "dave", ["github", "hackernews"])
    _, result = asyncio.run(_mcp(manage["mcp"]["url"], DEMO_API_KEY,
                                 ("COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["github", "hackernews"]})))
    results = json.loads(result.content[0].text)["data"]["results"]
    assert results["hackernews"]["status"] == "no_auth" and results["github"]["status"] == "initiated"
    assert results["github"]["redirect_url"].startswith(manage["mcp"]["url"].split("/tool_router/")[0] + "/link/")


def test_mcp_unknown_or_deleted_session_is_404(api, server):
    session = create_session(api, "u", ["github"])
    api.delete(f"/api/v3.1/tool_router/session/{session['session_id']}")
    for url in (session["mcp"]["url"], server.mcp_url("trs_never")):
        resp = api.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                        headers={"accept": "application/json, text/event-stream"})
        assert resp.status_code == 404 and resp.json()["error"]["message"] == "Session not found"


# -- process-level -------------------------------------------------------------------------

def test_start_is_fast_and_stop_frees_the_port(tmp_path):
    catalog = small_catalog(tmp_path)
    started = time.perf_counter()
    srv = DemoServer(catalog=catalog).start()
    elapsed = time.perf_counter() - started
    base = srv.base_url
    try:
        assert elapsed < 1.0, f"start took {elapsed:.2f} s"
        assert base.startswith("http://127.0.0.1:") and httpx.get(f"{base}/").status_code == 200
    finally:
        srv.stop()
    assert not srv.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/", timeout=2)


def test_demo_package_imports_no_sdk_or_textual():
    code = ("import sys, tui.demo.runner, tui.demo.server, tui.demo.mcp_endpoint, tui.core.probe;"
            "bad=[m for m in sys.modules if m.split('.')[0] in ('composio','composio_client','textual')];"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_python_m_tui_demo_prints_url_and_masked_key(tmp_path):
    from demo_fixtures import write_small_catalog

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # what the child inherits, reported on a hang
    # A suite started in the background of a script (`cmd &`) runs with SIGINT ignored, and an ignored
    # signal stays ignored across exec: the child would never see the Ctrl-C sent below. Start it as a
    # terminal would, with SIGINT at its default (a Python handler becomes the default across exec).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tui.demo", "--catalog", str(write_small_catalog(tmp_path))],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    finally:
        signal.signal(signal.SIGINT, inherited)
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        url = first.split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/api/v3.1/toolkits", headers={"x-api-key": DEMO_API_KEY}).json()["total_items"] == 6
        assert "ak_" in second and DEMO_API_KEY not in first + second
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, err = proc.communicate(timeout=40)  # a hang guard (a loaded cold clone took over 10 s once)
        except subprocess.TimeoutExpired:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            seen = " ".join(line for line in status.splitlines()
                            if line.split(":")[0] in ("State", "Threads", "SigBlk", "SigIgn", "SigCgt"))
            proc.kill()
            rest, err = proc.communicate()
            pytest.fail(f"python -m tui.demo still running 40 s after Ctrl-C ({seen}; the test process: SIGINT "
                        f"handler {inherited!r}, blocked {sorted(blocked)}); "
                        f"stderr: {err[-2000:]}")
    assert proc.returncode == 0 and DEMO_API_KEY not in rest, err[-2000:]
