"""The demo's tool-execution logs: both endpoints validate against composio_client's models, bad bodies
get production's generic 400 with the details in ``errors``, keyset paging never repeats or hides a
log, and every MCP ``tools/call`` is recorded."""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel

import composio_client._generated.pydantic_gen as gen
from composio_client.types import log_create_tool_execution_response as list_m
from composio_client.types import log_retrieve_tool_execution_response as detail_m
from demo_fixtures import api, create_session, server  # noqa: F401  (fixtures)
from tui.demo import logs

pytestmark = pytest.mark.timeout(60)

LIST = "/api/v3.1/logs/tool_execution"
# Open objects the API documents: metadata carries "tool, toolkit, user_id, connected_account_id, …".
META_KEYS = {"user_id", "toolkit_slug", "tool_slug", "session_id", "connected_account_id", "auth_config_id",
             "request_id"}


def _declared_only(value: object, where: str = "$") -> None:
    if isinstance(value, BaseModel):
        extra = set(value.model_extra or {})
        if where.endswith(".metadata"):
            extra -= META_KEYS
        assert not extra, f"undeclared keys at {where}: {sorted(extra)}"
        for name in type(value).model_fields:
            if name not in ("metrics", "data"):  # free-form by the spec
                _declared_only(value.__dict__.get(name), f"{where}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _declared_only(item, f"{where}[{i}]")


def check(resp: httpx.Response, status: int, *models: type[BaseModel]) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    for model in models:
        _declared_only(model.model_validate(body))
    return body


def record(srv, **kw) -> str:
    base = {"user_id": "u1", "tool": "GITHUB_CREATE_AN_ISSUE", "session_id": "trs_1"}
    return logs.record_execution(srv.store, **(base | kw))


def test_list_and_detail_validate_against_the_client_models(server, api):
    first = record(server, status="success", duration_ms=120, request_id="req_a")
    second = record(server, user_id="u2", tool="GMAIL_SEND_EMAIL", status="failed", message="invalid recipient",
                    parent={"log_id": first, "tool_slug": "COMPOSIO_MULTI_EXECUTE_TOOL"})
    body = check(api.post(LIST, json={"limit": 10}), 200, list_m.LogCreateToolExecutionResponse,
                 gen.PostV31LogsToolExecutionResponse)
    assert [log["id"] for log in body["logs"]] == [second, first]  # newest first
    assert body["next_cursor"] is None
    failed = body["logs"][0]
    assert failed["status"] == "failed" and failed["level"] == "error" and failed["message"] == "invalid recipient"
    assert failed["metadata"]["toolkit_slug"] == "gmail" and failed["metadata"]["user_id"] == "u2"
    assert failed["parent"] == {"log_id": first, "tool_slug": "COMPOSIO_MULTI_EXECUTE_TOOL"}
    assert "timings" not in failed and "data" not in failed
    detail = check(api.get(f"{LIST}/{first}"), 200, detail_m.LogRetrieveToolExecutionResponse,
                   gen.GetV31LogsToolExecutionByIdResponse)
    assert detail["metrics"]["duration_ms"] == 120
    assert detail["timings"]["end_time"] - detail["timings"]["start_time"] == 120
    assert detail["context"]["request_id"] == "req_a" and detail["context"]["session_id"] == "trs_1"
    assert detail["context"]["trace_id"].startswith("trc_")


def test_an_unknown_log_is_a_404_envelope(api):
    resp = api.get(f"{LIST}/log_nope")
    assert resp.status_code == 404
    gen.Error.model_validate(resp.json())
    assert resp.json()["error"]["message"] == "Log not found"


@pytest.mark.parametrize("body, detail", [
    ({"limit": 0}, "limit: must be between 1 and 100"),
    ({"limit": 101}, "limit: must be between 1 and 100"),
    ({"limit": "ten"}, "limit: must be a whole number"),
    ({"filters": [{"field": "owner", "operator": "==", "value": "x"}]}, "filters[0].field: must be one of"),
    ({"filters": [{"field": "user_id", "operator": "~", "value": "x"}]}, "filters[0].operator: must be one of"),
    ({"filters": [{"field": "user_id", "operator": "==", "value": 3}]}, "filters[0].value: must be a string"),
    ({"filters": [{"field": "user_id", "operator": "==", "value": "x", "hmm": 1}]}, "filters[0].hmm: unknown"),
    ({"filters": "user_id"}, "filters: must be a list"),
    ({"time_range": {"from": 5}}, "time_range: must be {from, to}"),
    ({"time_range": {"from": 9, "to": 1}}, "time_range: from must not be after to"),
    ({"cursor": "garbage"}, "cursor: not a cursor"),
    ({"page": 2}, "page: unknown field"),
])
def test_bad_bodies_are_a_generic_400_with_details_in_errors(api, body, detail):
    resp = api.post(LIST, json=body)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["message"] == "Invalid request body" and error["status"] == 400
    assert any(line.startswith(detail) for line in error["errors"]), error["errors"]


def test_every_problem_is_listed_at_once(api):
    resp = api.post(LIST, json={"limit": 0, "filters": [{"field": "x", "operator": "y", "value": "z"}]})
    assert len(resp.json()["error"]["errors"]) == 3


def test_filters_and_time_range(server, api):
    a = record(server, user_id="alice", tool="GITHUB_CREATE_AN_ISSUE", at_ms=1_000)
    b = record(server, user_id="bob", tool="SLACK_SEND_MESSAGE", status="failed", at_ms=2_000)
    c = record(server, user_id="alice", tool="GMAIL_SEND_EMAIL", session_id="trs_2", at_ms=3_000)

    def ids(*filters, **extra):
        body = {"filters": [dict(zip(("field", "operator", "value"), f)) for f in filters]} | extra
        return [log["id"] for log in check(api.post(LIST, json=body), 200, list_m.LogCreateToolExecutionResponse)["logs"]]

    assert ids(("user_id", "==", "alice")) == [c, a]
    assert ids(("user_id", "!=", "alice")) == [b]
    assert ids(("status", "==", "failed")) == [b]
    assert ids(("toolkit_slug", "==", "gmail")) == [c]
    assert ids(("tool_slug", "contains", "send")) == [c, b]
    assert ids(("tool_slug", "not_contains", "SEND")) == [a]
    assert ids(("session_id", "==", "trs_2")) == [c]
    assert ids(("log_id", "==", b)) == [b]
    assert ids(("user_id", "==", "alice"), ("toolkit_slug", "==", "github")) == [a]  # AND
    assert ids(("user_id", "==", "nobody")) == []
    assert ids(time_range={"from": 1_500, "to": 3_000}) == [c, b]


def test_keyset_paging_neither_repeats_nor_hides_logs_recorded_between_pages(server, api):
    made = [record(server, at_ms=10_000 + i) for i in range(5)]
    page1 = api.post(LIST, json={"limit": 2}).json()
    record(server, at_ms=20_000)  # a new log arrives between pages: it is newer, so not in this walk
    page2 = api.post(LIST, json={"limit": 2, "cursor": page1["next_cursor"]}).json()
    page3 = api.post(LIST, json={"limit": 2, "cursor": page2["next_cursor"]}).json()
    walked = [log["id"] for page in (page1, page2, page3) for log in page["logs"]]
    assert walked == made[::-1]
    assert page3["next_cursor"] is None


def test_every_mcp_tools_call_is_recorded(server, api):
    import asyncio

    session = create_session(api, "mcp-user", ["github"])

    async def call() -> None:
        import httpx2
        from mcp.client.client import Client
        from mcp.client.streamable_http import streamable_http_client

        async with httpx2.AsyncClient(headers={"x-api-key": api.headers["x-api-key"]}, timeout=10) as http:
            transport = streamable_http_client(session["mcp"]["url"], http_client=http)
            async with Client(transport, mode="legacy", read_timeout_seconds=10, cache=None) as mcp:
                await mcp.call_tool("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "open an issue"}]})
                await mcp.call_tool("COMPOSIO_MULTI_EXECUTE_TOOL",
                                    {"tools": [{"tool_slug": "GITHUB_CREATE_AN_ISSUE", "arguments": {"owner": "o"}}]})

    asyncio.run(call())
    body = check(api.post(LIST, json={"filters": [{"field": "user_id", "operator": "==", "value": "mcp-user"}]}),
                 200, list_m.LogCreateToolExecutionResponse, gen.PostV31LogsToolExecutionResponse)
    got = [(log["metadata"]["tool_slug"], log["status"]) for log in body["logs"]]
    assert got == [("GITHUB_CREATE_AN_ISSUE", "failed"), ("COMPOSIO_MULTI_EXECUTE_TOOL", "failed"),
                   ("COMPOSIO_SEARCH_TOOLS", "success")]
    child, parent = body["logs"][0], body["logs"][1]
    assert child["parent"] == {"log_id": parent["id"], "tool_slug": "COMPOSIO_MULTI_EXECUTE_TOOL"}
    assert child["metadata"]["session_id"] == session["session_id"]
    assert all(log["metrics"]["duration_ms"] > 0 for log in body["logs"])
    assert body["logs"][2]["metadata"]["request_id"].startswith("req_demo_")


def test_the_demo_knobs_record_seed_and_clear(server, api):
    resp = api.post("/_demo/logs", json={"user_id": "knob", "tool": "SLACK_SEND_MESSAGE", "status": "failed"})
    assert resp.status_code == 201
    assert api.post("/_demo/logs", json={"user_id": "knob", "tool": "X", "status": "meh"}).status_code == 400
    seeded = api.post("/_demo/logs/seed", json={"now_ms": 1_767_225_600_000}).json()["ids"]
    assert len(seeded) == 8 and seeded[0] == "log_sample0001"
    body = check(api.post(LIST, json={"limit": 100}), 200, list_m.LogCreateToolExecutionResponse,
                 gen.PostV31LogsToolExecutionResponse)
    assert len(body["logs"]) == 9
    assert sum(log["status"] == "failed" for log in body["logs"]) == 3
    assert api.delete("/_demo/logs").json() == {"cleared": True}
    assert api.post(LIST, json={}).json() == {"logs": [], "next_cursor": None}


def test_the_execute_endpoints_entry_is_recorded_with_its_log_id(server, api):
    """The shape tui/demo/playground.py hands over at its marked call site."""
    logs.record_entry(server.store, {
        "user_id": "pg-user", "session_id": "trs_pg", "toolkit": "github", "tool_slug": "GITHUB_CREATE_AN_ISSUE",
        "connected_account_id": None, "status": "failed", "duration_ms": 0.4,
        "message": "No active connection for github", "arguments_bytes": 12, "log_id": "log_fromexecute"})
    logs.record_entry(server.store, {
        "user_id": "pg-user", "session_id": "trs_pg", "toolkit": "gmail", "tool_slug": "GMAIL_SEND_EMAIL",
        "connected_account_id": "ca_1", "status": "completed", "duration_ms": 0.2, "message": "ok",
        "arguments_bytes": 30, "log_id": "log_fromexecute2"})
    body = check(api.post(LIST, json={"filters": [{"field": "session_id", "operator": "==", "value": "trs_pg"}]}),
                 200, list_m.LogCreateToolExecutionResponse, gen.PostV31LogsToolExecutionResponse)
    ok, failed = body["logs"]
    assert (ok["id"], ok["status"], ok["message"]) == ("log_fromexecute2", "success", "GMAIL_SEND_EMAIL executed successfully")
    assert ok["metadata"]["connected_account_id"] == "ca_1" and ok["metrics"]["arguments_bytes"] == 30
    assert (failed["id"], failed["status"]) == ("log_fromexecute", "failed")
    assert failed["message"] == "GITHUB_CREATE_AN_ISSUE failed: No active connection for github"
    assert failed["metrics"]["duration_ms"] >= 20  # plausible, not the in-memory 0.4 ms
    check(api.get(f"{LIST}/log_fromexecute"), 200, detail_m.LogRetrieveToolExecutionResponse,
          gen.GetV31LogsToolExecutionByIdResponse)


def test_a_session_execute_is_recorded_as_its_log(server, api):  # noqa: F811
    """The playground's execute endpoint writes the activity log it names (issue 14 meets issue 15)."""
    sid = create_session(api, "pg-user", ["hackernews"])["session_id"]
    resp = api.post(f"/api/v3.1/tool_router/session/{sid}/execute",
                    json={"tool_slug": "HACKERNEWS_GET_TOP_STORIES", "arguments": {}})
    assert resp.status_code == 200, resp.text
    done = resp.json()
    assert done["result_type"] == "completed" and done["log_id"]
    body = check(api.post(LIST, json={"filters": [{"field": "session_id", "operator": "==", "value": sid}]}),
                 200, list_m.LogCreateToolExecutionResponse, gen.PostV31LogsToolExecutionResponse)
    assert [entry["id"] for entry in body["logs"]] == [done["log_id"]]
    assert body["logs"][0]["status"] == "success"
    one = check(api.get(f"{LIST}/{done['log_id']}"), 200, detail_m.LogRetrieveToolExecutionResponse,
                gen.GetV31LogsToolExecutionByIdResponse)
    assert one["id"] == done["log_id"]
