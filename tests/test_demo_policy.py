"""The demo API's session policy: every option checked as strictly as production, PATCH with config
versions and history, auth configs, connected accounts and session configs lists, and every body
validated against composio_client's own response models."""

from __future__ import annotations

import pytest

import composio_client._generated.pydantic_gen as gen
from composio_client import _models as owned
from composio_client.types import auth_config_list_response as acl, connected_account_list_response as cal
from composio_client.types.tool_router import (
    session_config_history_response as hist_m,
    session_create_response as create_m,
    session_patch_response as patch_m,
    session_retrieve_response as retrieve_m,
)
from demo_fixtures import api, create_session, server  # noqa: F401  (fixtures)
from test_demo_contract import _no_extras, check, check_error

pytestmark = pytest.mark.timeout(60)

SESSION = "/api/v3.1/tool_router/session"
CREATED = (create_m.SessionCreateResponse, gen.PostV31ToolRouterSessionResponse)
RETRIEVED = (retrieve_m.SessionRetrieveResponse, gen.GetV31ToolRouterSessionBySessionIdResponse)
PATCHED = (patch_m.SessionPatchResponse, gen.PatchV31ToolRouterSessionBySessionIdResponse)
HISTORY = (hist_m.SessionConfigHistoryResponse, gen.GetV31ToolRouterSessionBySessionIdConfigHistoryResponse)

FULL = {
    "user_id": "u-policy",
    "toolkits": {"enable": ["github", "gmail", "hackernews"], "require_approval": ["gmail"]},
    "tools": {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS", "GITHUB_CREATE_AN_ISSUE"],
                         "require_approval": ["GITHUB_CREATE_AN_ISSUE"]},
              "gmail": {"tags": {"enable": ["openWorldHint"]}},
              "hackernews": {"disable": ["HACKERNEWS_GET_TOP_STORIES"]}},
    "tags": {"enable": ["readOnlyHint"], "disable": ["destructiveHint"], "require_approval": ["updateHint"]},
    "auth_configs": {"github": "ac_custom_github"},
    "manage_connections": {"enable": True, "callback_url": "https://app.example/cb",
                           "enable_wait_for_connections": True},
    "workbench": {"enable": False, "sandbox_size": "medium"},
    "multi_account": {"enable": True, "max_accounts_per_toolkit": 3, "require_explicit_selection": True},
    "proxy_execute": {"enable": True},
    "preload": {"tools": ["GITHUB_LIST_PULL_REQUESTS"]},
    "hooks": [{"type": "before_execute", "id": "no-mail", "applies_to": {"toolkits": ["gmail"]},
               "handler": {"type": "condition_check", "condition": "Email outside example.org", "action": "block"}},
              {"type": "after_execute", "id": "pi", "applies_to": "all",
               "handler": {"type": "prompt_injection_check", "action": "block"}}],
}


def test_every_option_is_echoed_in_a_valid_config(api):
    created = check(api.post(SESSION, json=FULL), 201, *CREATED)
    config = created["config"]
    assert config["toolkits"] == {"enabled": ["github", "gmail", "hackernews"], "require_approval": ["gmail"]}
    assert config["tools"]["github"] == {"enabled": ["GITHUB_LIST_PULL_REQUESTS", "GITHUB_CREATE_AN_ISSUE"],
                                         "require_approval": ["GITHUB_CREATE_AN_ISSUE"]}
    assert config["tools"]["gmail"] == {"tags": {"enabled": ["openWorldHint"]}}
    assert config["tools"]["hackernews"] == {"disabled": ["HACKERNEWS_GET_TOP_STORIES"]}
    assert config["tags"] == {"enabled": ["readOnlyHint"], "disabled": ["destructiveHint"],
                              "require_approval": ["updateHint"]}
    assert config["manage_connections"] == {"enabled": True, "callback_url": "https://app.example/cb",
                                            "enable_wait_for_connections": True}
    assert config["workbench"] == {"enable": False, "sandbox_size": "medium"}
    assert config["auth_configs"] == {"github": "ac_custom_github"}
    assert created["config_version"] == 1
    assert "COMPOSIO_REMOTE_WORKBENCH" not in created["tool_router_tools"]
    assert "COMPOSIO_REMOTE_BASH_TOOL" not in created["tool_router_tools"]
    check(api.get(f"{SESSION}/{created['session_id']}"), 200, *RETRIEVED)


def test_connected_account_of_the_user_is_accepted(api, server):
    mine = server.store.create_account("u-policy", "github", "OAUTH2", True, server.base_url)
    created = check(api.post(SESSION, json={"user_id": "u-policy", "toolkits": {"enable": ["github"]},
                                            "connected_accounts": {"github": mine.id}}), 201, *CREATED)
    assert created["config"]["connected_accounts"] == {"github": [mine.id]}


@pytest.mark.parametrize("extra, reason", [
    ({"tools": {"github": {"enable": ["GITHUB_NOPE"]}}}, "unknown tool GITHUB_NOPE"),
    ({"tools": {"github": {"enable": ["GMAIL_SEND_EMAIL"]}}}, "tool GMAIL_SEND_EMAIL belongs to toolkit gmail"),
    ({"tools": {"slack": {"enable": ["SLACK_SEND_MESSAGE"]}}}, "toolkit slack is not in the session"),
    ({"tools": {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS"], "disable": ["GITHUB_CREATE_AN_ISSUE"]}}},
     "enable and disable are mutually exclusive"),
    ({"tags": ["readOnly"]}, "unknown tag readOnly"),
    ({"auth_configs": {"github": "ac_nope"}}, "auth config ac_nope not found"),
    ({"auth_configs": {"github": "ac_demo_gmail"}}, "auth config ac_demo_gmail belongs to toolkit gmail"),
    ({"connected_accounts": {"github": ["ca_nope"]}}, "account ca_nope not found"),
    ({"manage_connections": {"callback_url": "/relative"}}, "callback_url must be an absolute"),
    ({"workbench": {"sandbox_size": "huge"}}, "sandbox_size must be one of"),
    ({"multi_account": {"enable": True, "max_accounts_per_toolkit": 50}}, "between 2 and 10"),
    ({"toolkits": {"enable": ["github"], "require_approval": ["slack"]}}, "slack is not in the session"),
    ({"hooks": [{"type": "before_execute", "id": "x", "applies_to": "all",
                 "handler": {"type": "prompt_injection_check", "action": "block"}}]}, "after_execute only"),
    ({"hooks": [{"type": "before_execute", "id": "x", "applies_to": "all",
                 "handler": {"type": "condition_check", "condition": " ", "action": "block"}}]}, "condition is required"),
    ({"surprise": True}, "Unrecognized key(s) in object: 'surprise'"),  # the body's shape: one wording
])
def test_bad_options_get_a_generic_400_with_reasons(api, server, extra, reason):
    body = {"user_id": "u-policy", "toolkits": {"enable": ["github"]}} | extra
    err = check_error(api.post(SESSION, json=body), 400)
    assert err["message"] == "Validation error while processing request"
    assert any(reason in e for e in err["errors"]), err["errors"]
    assert server.sessions() == []


def test_account_of_another_user_or_toolkit_is_refused(api, server):
    theirs = server.store.create_account("someone-else", "github", "OAUTH2", True, server.base_url)
    gmail = server.store.create_account("u-policy", "gmail", "OAUTH2", True, server.base_url)
    err = check_error(api.post(SESSION, json={"user_id": "u-policy", "toolkits": {"enable": ["github"]},
                                              "connected_accounts": {"github": [theirs.id, gmail.id]}}), 400)
    assert f"account {theirs.id} belongs to another user" in " ".join(err["errors"])
    assert f"account {gmail.id} is a gmail account" in " ".join(err["errors"])


def test_patch_versions_history_and_conflicts(api):
    created = create_session(api, "u-edit", ["github"])
    sid, url = created["session_id"], created["mcp"]["url"]
    patched = check(api.patch(f"{SESSION}/{sid}", json={"toolkits": {"enable": ["github", "gmail"]},
                                                        "workbench": {"enable": False},
                                                        "expected_config_version": 1}), 200, *PATCHED)
    assert patched["session_id"] == sid and patched["mcp"]["url"] == url and patched["config_version"] == 2
    assert patched["config"]["toolkits"] == {"enabled": ["github", "gmail"]}
    assert "COMPOSIO_REMOTE_WORKBENCH" not in patched["tool_router_tools"]
    again = check(api.get(f"{SESSION}/{sid}"), 200, *RETRIEVED)
    assert again["config_version"] == 2
    stale = check_error(api.patch(f"{SESSION}/{sid}", json={"workbench": None, "expected_config_version": 1}), 409)
    assert "version 2" in stale["message"]
    bad = check_error(api.patch(f"{SESSION}/{sid}", json={"tools": {"gmail": {"enable": ["GITHUB_CREATE_AN_ISSUE"]}}}), 400)
    assert any("belongs to toolkit github" in e for e in bad["errors"])
    check(api.patch(f"{SESSION}/{sid}", json={"workbench": None}), 200, *PATCHED)  # None removes the block
    history = check(api.get(f"{SESSION}/{sid}/config_history"), 200, *HISTORY)
    assert [(i["version"], i["is_current"]) for i in history["items"]] == [(3, True), (2, False), (1, False)]
    assert "workbench" not in history["items"][0]["config"]
    assert history["items"][1]["config"]["workbench"] == {"enable": False}
    page = check(api.get(f"{SESSION}/{sid}/config_history", params={"limit": 1}), 200, *HISTORY)
    assert len(page["items"]) == 1 and page["next_cursor"]
    check_error(api.patch(f"{SESSION}/trs_missing", json={}), 404)


def test_auth_configs_accounts_and_session_configs_lists(api, server):
    configs = check(api.get("/api/v3.1/auth_configs", params={"toolkit_slug": "github"}), 200,
                    acl.AuthConfigListResponse, gen.GetV31AuthConfigsResponse)
    assert [(c["id"], c["is_composio_managed"]) for c in configs["items"]] == [
        ("ac_demo_github", True), ("ac_custom_github", False)]
    everything = check(api.get("/api/v3.1/auth_configs"), 200, acl.AuthConfigListResponse)
    assert "ac_demo_hackernews" not in {c["id"] for c in everything["items"]}  # no auth, no config
    server.store.create_account("u-acc", "github", "OAUTH2", True, server.base_url)
    server.store.create_account("u-other", "github", "OAUTH2", True, server.base_url)
    accounts = check(api.get("/api/v3.1/connected_accounts", params={"user_ids": "u-acc", "toolkit_slugs": "github"}),
                     200, cal.ConnectedAccountListResponse, gen.GetV31ConnectedAccountsResponse)
    assert [a["user_id"] for a in accounts["items"]] == ["u-acc"]
    listed = check(api.get("/api/v3.1/session_configs"), 200, owned.SessionConfigsListResponse)
    assert [c["id"] for c in listed["items"]] == ["sc_demo_readonly"]
    one = check(api.get("/api/v3.1/session_configs/sc_demo_readonly"), 200, owned.SessionConfigsRetrieveResponse)
    assert one["config"]["tags"] == {"enable": ["readOnlyHint"]}
    check_error(api.get("/api/v3.1/session_configs/sc_nope"), 404)


def test_requests_are_recorded_for_tests(api):
    api.delete("/_demo/requests")
    create_session(api, "u-rec", ["github"])
    [seen] = api.get("/_demo/requests").json()["items"]
    assert seen == {"method": "POST", "path": SESSION, "body": {"user_id": "u-rec", "toolkits": {"enable": ["github"]}}}


def test_mcp_tools_list_follows_the_sandbox_switch(server):
    from tui.core import probe
    from tui.demo import DEMO_API_KEY
    from demo_fixtures import client_for

    with client_for(server) as api:
        sid = create_session(api, "u-mcp", ["github"], workbench={"enable": False})["session_id"]
        result = probe.verify_sync(server.mcp_url(sid), {"x-api-key": DEMO_API_KEY}, timeout=10)
        assert result.ok and "COMPOSIO_REMOTE_WORKBENCH" not in result.tools and "COMPOSIO_SEARCH_TOOLS" in result.tools
        api.patch(f"{SESSION}/{sid}", json={"workbench": {"enable": True}})
        result = probe.verify_sync(server.mcp_url(sid), {"x-api-key": DEMO_API_KEY}, timeout=10)
        assert "COMPOSIO_REMOTE_WORKBENCH" in result.tools and "COMPOSIO_REMOTE_BASH_TOOL" in result.tools


def test_no_undeclared_keys_in_history_items(api):
    sid = create_session(api, "u-keys", ["github"], tags={"enable": ["readOnlyHint"]})["session_id"]
    body = api.get(f"{SESSION}/{sid}/config_history").json()
    _no_extras(hist_m.SessionConfigHistoryResponse.model_validate(body))
