"""The playground endpoints of the demo API (search, session tools, execute, execute_meta, tools/{slug})
and the core flows over them (tui/core/playground.py, tui/core/schema.py), over real HTTP.

Every body is validated against composio_client's compatibility model and its OpenAPI-generated model,
with no undeclared keys (the same check as tests/test_demo_contract.py).
"""

from __future__ import annotations

import httpx
import pytest

import composio_client._generated.pydantic_gen as gen
from composio_client.types import tool_retrieve_response as tool_m
from composio_client.types.tool_router import (
    session_execute_meta_response as meta_m,
    session_execute_response as exec_m,
    session_search_response as search_m,
    session_tools_response as tools_m,
)
from demo_fixtures import client_for, create_session
from pydantic import TypeAdapter
from test_demo_contract import check, check_error
from tui.core import playground as pg
from tui.core import schema as sch
from tui.core.gateway import Gateway
from tui.core.sessions import InputError
from tui.demo import DEMO_API_KEY
from tui.demo.data import load_catalog
from tui.demo.runner import DemoServer

pytestmark = pytest.mark.timeout(90)

SEARCH = (search_m.SessionSearchResponse, gen.PostV31ToolRouterSessionBySessionIdSearchResponse)
TOOLS = (tools_m.SessionToolsResponse, gen.GetV31ToolRouterSessionBySessionIdToolsResponse)
TOOL = (tool_m.ToolRetrieveResponse, gen.GetV31ToolsByToolSlugResponse)
EXECUTE = (gen.PostV31ToolRouterSessionBySessionIdExecuteResponse,)
META = (gen.PostV31ToolRouterSessionBySessionIdExecuteMetaResponse,)
STAR = "GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER"


def check_union(body: dict, alias) -> None:
    TypeAdapter(alias).validate_python(body)


@pytest.fixture(scope="module")
def srv():
    with DemoServer(catalog=load_catalog()) as server:  # the bundled catalog: the demo's own story
        yield server


@pytest.fixture
def api(srv):
    with client_for(srv) as client:
        yield client


@pytest.fixture
def gw(srv):
    gateway = Gateway(srv.base_url, DEMO_API_KEY)
    yield gateway
    gateway.close()


def session(api, toolkits=("github", "slack", "hackernews"), user="pg-user", **extra) -> str:
    return create_session(api, user, list(toolkits), **extra)["session_id"]


def base(sid: str) -> str:
    return f"/api/v3.1/tool_router/session/{sid}"


def connect(api, srv, sid: str, toolkit: str) -> str:
    account = api.post(f"{base(sid)}/link", json={"toolkit": toolkit}).json()["connected_account_id"]
    assert srv.activate(account, "ACTIVE")
    return account


# --- contract ----------------------------------------------------------------------------------------


def test_search_bodies_and_a_cached_plan(api):
    sid = session(api)
    body = check(api.post(f"{base(sid)}/search", json={"queries": [
        {"use_case": "star the repo and tell the team on Slack"}, {"use_case": "latest hacker news posts"},
        {"use_case": "translate a poem into klingon", "known_fields": "language:klingon"}]}), 200, *SEARCH)
    star, news, nothing = body["results"]
    assert star["primary_tool_slugs"] == [STAR, "SLACK_SEND_MESSAGE"]
    assert star["recommended_plan_steps"] and star["known_pitfalls"] and star["toolkits"] == ["github", "slack"]
    assert news["toolkits"] == ["hackernews"] and news["recommended_plan_steps"] is None
    assert nothing["primary_tool_slugs"] == [] and "No tool" in nothing["execution_guidance"]
    statuses = {s["toolkit"]: s for s in body["toolkit_connection_statuses"]}
    assert not statuses["slack"]["has_active_connection"] and statuses["hackernews"]["has_active_connection"]
    assert body["tool_schemas"][STAR]["hasFullSchema"] is True
    assert body["tool_schemas"]["SLACK_LIST_ALL_CHANNELS"]["schemaRef"]["tool"] == "COMPOSIO_GET_TOOL_SCHEMAS"
    again = check(api.post(f"{base(sid)}/search", json={"queries": [{"use_case": "star the repo and tell the team on Slack"}]}),
                  200, *SEARCH)
    assert again["results"][0] == star  # deterministic


def test_search_after_a_connection_reports_it(api, srv):
    sid = session(api, user="pg-connected")
    connect(api, srv, sid, "slack")
    body = check(api.post(f"{base(sid)}/search", json={"queries": [{"use_case": "send a slack message"}]}), 200, *SEARCH)
    [status] = body["toolkit_connection_statuses"]
    assert status["has_active_connection"] and status["connection_details"]["connected_account_id"]


@pytest.mark.parametrize("bad", [
    None, [], {}, {"queries": []}, {"queries": "star"}, {"queries": [{}]}, {"queries": [{"use_case": ""}]},
    {"queries": [{"use_case": "x" * 5000}]}, {"queries": [{"use_case": "a"}] * 8},
    {"queries": [{"use_case": "a", "extra": 1}]}, {"queries": [{"use_case": "a"}], "nope": True},
    {"queries": [{"use_case": "a"}], "search_strategy": "magic"},
])
def test_bad_search_bodies_are_400_with_errors(api, bad):
    sid = session(api)
    resp = api.post(f"{base(sid)}/search", content=b"{not json" if bad is None else httpx._content.json_dumps(bad))
    err = check_error(resp, 400)
    assert err["message"] == "Validation error while processing request" and err["errors"]


def test_session_tools_honour_the_policy(api):
    sid = session(api, ("github", "slack"), tools={"github": {"enable": ["GITHUB_CREATE_AN_ISSUE", STAR]}},
                  tags={"disable": ["destructiveHint"]})
    body = check(api.get(f"{base(sid)}/tools", params={"limit": 500}), 200, *TOOLS)
    slugs = [i["slug"] for i in body["items"]]
    assert "COMPOSIO_SEARCH_TOOLS" in slugs
    assert [s for s in slugs if s.startswith("GITHUB_")] == ["GITHUB_CREATE_AN_ISSUE", STAR]
    assert "SLACK_SEND_MESSAGE" in slugs and not any(s.startswith("GMAIL_") for s in slugs)
    page = check(api.get(f"{base(sid)}/tools", params={"limit": 3}), 200, *TOOLS)
    check(api.get(f"{base(sid)}/tools", params={"limit": 3, "cursor": page["next_cursor"]}), 200, *TOOLS)
    tagged = session(api, ("github",), tags=["readOnlyHint"])
    items = check(api.get(f"{base(tagged)}/tools", params={"limit": 500}), 200, *TOOLS)["items"]
    assert all("readOnlyHint" in i["tags"] for i in items if i["toolkit"]["slug"] == "github")


def test_tool_retrieve_has_input_and_output_schemas(api):
    body = check(api.get("/api/v3.1/tools/GITHUB_LIST_REPOSITORY_ISSUES"), 200, *TOOL)
    assert body["input_parameters"]["properties"]["state"]["enum"] == ["open", "closed", "all"]
    assert body["input_parameters"]["required"] == ["owner", "repo"]
    assert body["output_parameters"]["properties"]["data"]["properties"]["items"]["type"] == "array"
    mail = check(api.get("/api/v3.1/tools/GMAIL_SEND_EMAIL"), 200, *TOOL)
    assert mail["input_parameters"]["properties"]["attachment"]["required"] == ["name", "s3key"]
    check(api.get("/api/v3.1/tools/COMPOSIO_SEARCH_TOOLS"), 200, *TOOL)
    check_error(api.get("/api/v3.1/tools/NO_SUCH_TOOL"), 404)


def test_execute_bodies(api, srv):
    sid = session(api, user="pg-exec")
    url = f"{base(sid)}/execute"
    news = check(api.post(url, json={"tool_slug": "HACKERNEWS_SEARCH_POSTS", "arguments": {"query": "tui"}}), 200, *EXECUTE)
    check_union(news, exec_m.SessionExecuteResult)
    assert news["result_type"] == "completed" and news["data"]["count"] == 3
    unconnected = check(api.post(url, json={"tool_slug": STAR, "arguments": {"owner": "o", "repo": "r"}}), 200, *EXECUTE)
    assert unconnected["result_type"] == "failed" and "No active connection for github" in unconnected["error"]
    connect(api, srv, sid, "github")
    starred = check(api.post(url, json={"tool_slug": STAR, "arguments": {"owner": "o", "repo": "r"}}), 200, *EXECUTE)
    assert starred["result_type"] == "completed" and starred["data"]["status"] == "done"
    invalid = check(api.post(url, json={"tool_slug": "GITHUB_LIST_REPOSITORY_ISSUES",
                                        "arguments": {"owner": "o", "state": "bogus"}}), 200, *EXECUTE)
    assert invalid["result_type"] == "failed" and "repo: required" in invalid["error"]
    meta = check(api.post(f"{base(sid)}/execute_meta", json={"slug": "COMPOSIO_MANAGE_CONNECTIONS",
                                                               "arguments": {"toolkits": ["slack"]}}), 200, *META)
    check_union(meta, meta_m.SessionExecuteMetaResult)
    assert meta["data"]["results"]["slack"]["status"] == "initiated"


def test_execute_refusals(api):
    sid = session(api, ("github",))
    url = f"{base(sid)}/execute"
    outside = check_error(api.post(url, json={"tool_slug": "SLACK_SEND_MESSAGE", "arguments": {}}), 400)
    # production's 400: a generic message, the reason in `errors`
    assert any("not available in this session" in e for e in [outside["message"], *outside.get("errors", [])])
    check_error(api.post(url, json={"tool_slug": "NO_SUCH_TOOL"}), 404)
    for bad in ({}, {"tool_slug": ""}, {"tool_slug": STAR, "arguments": []}, {"tool_slug": STAR, "nope": 1}):
        assert check_error(api.post(url, json=bad), 400)["errors"]
    check_error(api.post(url, content=b"{oops"), 400)
    check_error(api.post(f"{base(sid)}/execute_meta", json={"slug": "COMPOSIO_NOPE"}), 400)
    check_error(api.post("/api/v3.1/tool_router/session/trs_missing/execute", json={"tool_slug": STAR}), 404)


# --- core flows through the SDK ------------------------------------------------------------------------


def test_core_search_tools_detail_and_execute(api, srv, gw):
    sid = session(api, user="pg-core")
    outcome = pg.search(gw, sid, pg.split_tasks("star the repo and tell the team on Slack; latest hacker news"))
    assert [r.index for r in outcome.results] == [1, 2]
    assert outcome.results[0].plan_steps and [s.toolkit for s in outcome.missing()] == ["github", "slack"]
    assert outcome.statuses["hackernews"].connected and outcome.seconds > 0
    tools = pg.session_tools(gw, sid)
    assert STAR in [t.slug for t in tools] and all(t.toolkit for t in tools)
    detail = pg.tool_detail(gw, "GITHUB_LIST_REPOSITORY_ISSUES")
    assert detail.toolkit == "github" and detail.input_schema["required"] == ["owner", "repo"]
    with pytest.raises(InputError) as refused:
        pg.execute(gw, sid, detail, {"owner": "o", "state": "bogus"})
    assert any("repo is required" in p for p in refused.value.problems)
    assert any('state must be one of "open"' in p for p in refused.value.problems)
    connect(api, srv, sid, "github")
    done = pg.execute(gw, sid, detail, {"owner": "o", "repo": "r", "state": "open"})
    assert done.ok and done.data["count"] == 3 and done.log_id.startswith("log_") and "completed" in done.line()


@pytest.mark.parametrize("queries, words", [
    ([""], "Type a task first"), (["   "], "Type a task first"), (["x" * 5000], "5,000 characters"),
    (["a"] * 8, "at most 7"), (["ok", ""], "Query 2 is empty"),
])
def test_bad_queries_are_refused_before_any_request(queries, words):
    with pytest.raises(InputError) as refused:
        pg.check_queries(queries)
    assert words in " ".join(refused.value.problems)


def test_outside_the_policy_is_one_plain_line(api, gw):
    sid = session(api, ("github",))
    detail = pg.tool_detail(gw, "SLACK_SEND_MESSAGE")
    with pytest.raises(Exception) as err:
        pg.execute(gw, sid, detail, {"channel": "C1", "text": "hi"})
    assert "not available in this session" in str(err.value) and "\n" not in str(err.value)


# --- schema form model -------------------------------------------------------------------------------


SCHEMA = {"type": "object", "required": ["to", "priority"], "properties": {
    "subject": {"type": "string", "description": "Subject line."},
    "to": {"type": "string"},
    "priority": {"type": "string", "enum": ["low", "high"]},
    "count": {"type": "integer"}, "ratio": {"type": "number"}, "html": {"type": "boolean"},
    "labels": {"type": "array", "items": {"type": "string"}},
    "attachment": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "size": {"type": "integer"}}},
    "extra": {"anyOf": [{"type": "string"}, {"type": "object"}]},
}}


def test_form_fields_required_first_with_kinds():
    fields = sch.form_fields(SCHEMA)
    assert [f.name for f in fields][:2] == ["to", "priority"]
    kinds = {f.dotted: f.kind for f in sch.leaves(fields)}
    assert kinds == {"to": "string", "priority": "enum", "subject": "string", "count": "integer", "ratio": "number",
                     "html": "boolean", "labels": "array", "attachment.name": "string", "attachment.size": "integer",
                     "extra": "json"}
    rows = sch.tree(SCHEMA)
    assert [(r.depth, r.name) for r in rows if r.depth] == [(1, "name"), (1, "size")]
    assert "* priority: string — one of \"low\", \"high\"" in sch.tree_text(SCHEMA)


def test_build_refuses_blank_required_and_bad_values():
    fields = sch.form_fields(SCHEMA)
    built = sch.build(fields, {"to": "", "priority": "high", "count": "3.5", "attachment.size": "9",
                               "extra": "{nope"}, SCHEMA)
    text = " ".join(built.problems)
    assert "to is required" in text and "count must be a whole number" in text
    assert "extra is not valid JSON" in text and "attachment.name is required" in text
    good = sch.build(fields, {"to": "a@b.c", "priority": "low", "labels": "x, y", "html": True,
                              "attachment.name": "f.pdf", "ratio": "0.5", "extra": '{"k": 1}'}, SCHEMA)
    assert good.problems == []
    assert good.arguments == {"to": "a@b.c", "priority": "low", "ratio": 0.5, "html": True, "labels": ["x", "y"],
                              "attachment": {"name": "f.pdf"}, "extra": {"k": 1}}


def test_arguments_text():
    assert pg.read_arguments('{"a": 1}') == {"a": 1}
    for bad, words in (("{a: 1}", "not valid JSON"), ("[1]", "must be a JSON object")):
        with pytest.raises(InputError) as refused:
            pg.read_arguments(bad)
        assert words in refused.value.problems[0]
