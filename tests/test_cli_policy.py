"""Session policy from the command line, against the demo API over real HTTP: the exact request body
the API received for each flag, bad policies refused before any session request, edit in place,
history, templates and provision with a template."""

from __future__ import annotations

import json

import httpx
import pytest
from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_toolkits import api, cli, json_lines  # noqa: F401  (api is a fixture)

from tui.core.paths import default_paths
from tui.demo import DEMO_API_KEY

SESSION = "/api/v3.1/tool_router/session"
BASE = {"user_id": "alice", "toolkits": {"enable": ["github", "gmail"]}, "manage_connections": {"enable": True}}
HOOK = {"type": "before_execute", "id": "guard-1", "applies_to": "all",
        "handler": {"type": "condition_check", "condition": "Sending email outside example.org", "action": "block"}}


def received(server, method: str | None = None) -> list[dict]:  # noqa: F811
    """What the session endpoints received (recorded by the demo API)."""
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": DEMO_API_KEY}) as client:
        items = client.get("/_demo/requests").json()["items"]
    return [i for i in items if method is None or i["method"] == method]


def create(capsys, *flags: str, user: str = "alice", toolkits=("github", "gmail")) -> tuple[int, str, str]:
    kit = ["--toolkit", *toolkits] if toolkits else []
    return cli(capsys, "sessions", "create", "--user", user, *kit, *flags, "--json")


@pytest.mark.parametrize("flags, extra", [
    ((), {}),
    (("--tools", "github=GITHUB_LIST_PULL_REQUESTS"), {"tools": {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS"]}}}),
    (("--deny-tools", "github=GITHUB_CREATE_AN_ISSUE"), {"tools": {"github": {"disable": ["GITHUB_CREATE_AN_ISSUE"]}}}),
    (("--read-only",), {"tags": {"enable": ["readOnlyHint"]}}),
    (("--tags", "readOnlyHint,createHint"), {"tags": {"enable": ["readOnlyHint", "createHint"]}}),
    (("--require-approval", "gmail"), {"toolkits": {"enable": ["github", "gmail"], "require_approval": ["gmail"]}}),
    (("--require-approval", "GITHUB_CREATE_AN_ISSUE"),
     {"tools": {"github": {"require_approval": ["GITHUB_CREATE_AN_ISSUE"]}}}),
    (("--require-approval", "destructiveHint"), {"tags": {"require_approval": ["destructiveHint"]}}),
    (("--auth-config", "github=ac_custom_github"), {"auth_configs": {"github": "ac_custom_github"}}),
    (("--callback-url", "https://app.example/cb"),
     {"manage_connections": {"enable": True, "callback_url": "https://app.example/cb"}}),
    (("--callback-url", "http://localhost:8080/done"),
     {"manage_connections": {"enable": True, "callback_url": "http://localhost:8080/done"}}),
    (("--no-sandbox",), {"workbench": {"enable": False}}),
    (("--guard", "Sending email outside example.org"), {"hooks": [HOOK]}),
    (("--prompt-injection-check",), {"hooks": [{"type": "after_execute", "id": "prompt-injection", "applies_to": "all",
                                                "handler": {"type": "prompt_injection_check", "action": "block"}}]}),
    (("--no-manage-connections", "--read-only"), {"manage_connections": {"enable": False},
                                                  "tags": {"enable": ["readOnlyHint"]}}),
])
def test_each_flag_sends_exactly_this_body(api, capsys, flags, extra):
    rc, out, err = create(capsys, *flags)
    assert rc == 0, err
    [seen] = received(api, "POST")
    assert seen["path"] == SESSION
    assert seen["body"] == BASE | extra
    record = json.loads(out)
    assert record["status"] == "created"
    if flags:  # the plain create (no flag) is sessions_cmd's and prints no policy
        assert record["config_version"] == 1 and record["policy"]["toolkits"] == ["github", "gmail"]
    assert DEMO_API_KEY not in out + err


def test_account_flag_sends_the_users_account(api, capsys):
    account = api.store.create_account("alice", "github", "OAUTH2", True, api.base_url)
    rc, out, err = create(capsys, "--account", f"github={account.id}")
    assert rc == 0, err
    [seen] = received(api, "POST")
    assert seen["body"] == BASE | {"connected_accounts": {"github": [account.id]}}


def test_exclude_toolkit_sends_a_disable_list(api, capsys):
    rc, out, err = create(capsys, "--exclude-toolkit", "slack", toolkits=())
    assert rc == 0, err
    [seen] = received(api, "POST")
    assert seen["body"] == {"user_id": "alice", "toolkits": {"disable": ["slack"]}, "manage_connections": {"enable": True}}
    [session] = api.sessions()
    assert "slack" not in session.toolkits and "github" in session.toolkits


BAD = [
    (("--tools", "github=GITHUB_NOPE"), "unknown tool GITHUB_NOPE for github"),
    (("--tools", "github=GMAIL_SEND_EMAIL"), "tool GMAIL_SEND_EMAIL belongs to gmail, not github"),
    (("--auth-config", "github=ac_nope"), "auth config ac_nope is not one of the project's github auth configs"),
    (("--auth-config", "github=ac_demo_gmail"), "auth config ac_demo_gmail is for gmail, not github"),
    (("--account", "github=ca_of_bob"), "account ca_of_bob is not one of user 'alice''s github accounts"),
    (("--callback-url", "/after-connect"), "is not absolute"),
    (("--callback-url", "http://app.example/cb"), "must use https"),
    (("--callback-url", "ftp://app.example/cb"), "must use https"),
    (("--tools", "github=GITHUB_LIST_PULL_REQUESTS", "--deny-tools", "github=GITHUB_CREATE_AN_ISSUE"),
     "github: give allowed tools or denied tools, not both"),
    (("--tools", "github="), "github: the allow list is empty"),
    (("--require-approval", "SLACK_SEND_MESSAGE"), "approval on tool SLACK_SEND_MESSAGE, which is not in the session"),
    (("--require-approval", "slack"), "approval on toolkit slack, which is not in the session"),
    (("--tools", "github=GITHUB_LIST_PULL_REQUESTS", "--require-approval", "GITHUB_CREATE_AN_ISSUE"),
     "approval on GITHUB_CREATE_AN_ISSUE, which the github allow list leaves out"),
    (("--tags", "readOnly"), "unknown tag 'readOnly'"),
    (("--tools", "slack=SLACK_SEND_MESSAGE"), "settings for toolkit slack, which is not in the session"),
    (("--guard", "  "), "has an empty condition"),
    (("--tools", "github"), "--tools 'github' is not SLUG=VALUE"),
    (("--auth-config", "github=ac_a,ac_b"), "takes one value"),
    (("--exclude-toolkit", "slack"), "give toolkits to enable or toolkits to exclude, not both"),
    (("--callback-url", "https://app.example/cb", "--no-manage-connections"), "a callback URL needs manage connections"),
    (("--template", "nope"), "no template 'nope'"),
]


@pytest.mark.parametrize("flags, message", BAD, ids=[m for _, m in BAD])
def test_bad_policies_are_refused_before_any_session_request(api, capsys, flags, message):
    api.store.create_account("bob", "github", "OAUTH2", True, api.base_url)
    rc, out, err = create(capsys, *flags)
    assert rc == 2, err
    assert out == ""
    assert message in err
    assert received(api) == []  # not one request reached the session endpoints
    assert api.sessions() == []


def test_several_problems_are_reported_together(api, capsys):
    rc, _, err = create(capsys, "--tools", "github=GITHUB_NOPE", "--callback-url", "/x", "--tags", "bogus")
    assert rc == 2
    assert "unknown tag 'bogus'" in err and "is not absolute" in err
    assert received(api) == []


# --- edit in place and history -------------------------------------------------------------------


def test_update_keeps_the_id_and_url_and_sends_only_the_change(api, capsys):
    _, out, _ = create(capsys)
    created = json.loads(out)
    sid = created["session_id"]
    rc, out, err = cli(capsys, "sessions", "update", sid, "--add-toolkit", "slack", "--no-sandbox",
                       "--tools", "github=GITHUB_LIST_PULL_REQUESTS", "--json")
    assert rc == 0, err
    record = json.loads(out)
    assert record["session_id"] == sid and record["mcp_url"] == created["mcp_url"]
    assert (record["previous_version"], record["config_version"]) == (1, 2)
    assert "COMPOSIO_REMOTE_WORKBENCH" not in record["tool_router_tools"]
    [patch] = received(api, "PATCH")
    assert patch["path"] == f"{SESSION}/{sid}"
    assert patch["body"] == {"toolkits": {"enable": ["github", "gmail", "slack"]},
                             "tools": {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS"]}},
                             "workbench": {"enable": False}, "expected_config_version": 1}
    assert "config version 1 → 2" in err
    import sqlite3

    db = sqlite3.connect(default_paths().ledger)
    assert db.execute("SELECT version FROM session_versions WHERE session_id = ?", (sid,)).fetchall() == [(2,)]
    db.close()

    rc, out, err = cli(capsys, "sessions", "update", sid, "--remove-toolkit", "slack", "--sandbox", "--json")
    assert rc == 0, err
    assert json.loads(out)["config_version"] == 3
    assert received(api, "PATCH")[-1]["body"] == {"toolkits": {"enable": ["github", "gmail"]},
                                                  "workbench": {"enable": True}, "expected_config_version": 2}

    rc, out, err = cli(capsys, "sessions", "history", sid, "--json")
    assert rc == 0, err
    history = json.loads(out)
    assert [(h["version"], h["current"]) for h in history] == [(3, True), (2, False), (1, False)]
    assert history[-1]["changes"] == ["created"]
    assert any(c.startswith("sandbox: default → enable=False") for c in history[1]["changes"])

    rc, out, err = cli(capsys, "sessions", "show", sid, "--json")
    assert rc == 0, err
    shown = json.loads(out)
    assert shown["config_version"] == 3 and shown["policy"]["sandbox"] is True
    assert shown["policy"]["tools"]["github"]["allow"] == ["GITHUB_LIST_PULL_REQUESTS"]


def test_update_refuses_bad_changes_and_dry_run_sends_nothing(api, capsys):
    _, out, _ = create(capsys)
    sid = json.loads(out)["session_id"]
    rc, _, err = cli(capsys, "sessions", "update", sid, "--tools", "gmail=GITHUB_CREATE_AN_ISSUE")
    assert rc == 2 and "tool GITHUB_CREATE_AN_ISSUE belongs to github, not gmail" in err
    rc, _, err = cli(capsys, "sessions", "update", sid)
    assert rc == 2 and "nothing to change" in err
    rc, _, err = cli(capsys, "sessions", "update", sid, "--add-toolkit", "github")
    assert rc == 2 and "already has this policy" in err
    rc, out, err = cli(capsys, "sessions", "update", sid, "--read-only", "--dry-run")
    assert rc == 0, err
    assert json.loads(out)["patch"] == {"tags": {"enable": ["readOnlyHint"]}}
    assert received(api, "PATCH") == []
    rc, _, err = cli(capsys, "sessions", "update", "trs_missing", "--read-only")
    assert rc == 4, err


# --- templates and provision -----------------------------------------------------------------------


def test_templates_save_list_show_and_create_from_one(api, capsys):
    config = default_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('theme = "textual-light"\n', encoding="utf-8")
    rc, out, err = cli(capsys, "templates", "save", "support", "--toolkit", "github", "gmail", "--read-only",
                       "--auth-config", "github=ac_custom_github", "--callback-url", "https://app.example/cb",
                       "--no-sandbox", "--description", "support agents", "--json")
    assert rc == 0, err
    text = config.read_text()
    assert text.startswith('theme = "textual-light"\n') and "[templates.support]" in text
    assert DEMO_API_KEY not in text
    rc, out, err = cli(capsys, "templates", "list", "--json")
    assert rc == 0, err
    assert [(t["name"], t["source"]) for t in json.loads(out)] == [("support", "local"),
                                                                    ("read-only-support", "project")]
    rc, out, err = cli(capsys, "templates", "show", "support", "--json")
    assert rc == 0, err
    assert json.loads(out)["template"]["auth_configs"] == {"github": "ac_custom_github"}

    rc, out, err = cli(capsys, "sessions", "create", "--user", "carol", "--template", "support", "--json")
    assert rc == 0, err
    assert received(api, "POST")[-1]["body"] == {
        "user_id": "carol", "toolkits": {"enable": ["github", "gmail"]}, "auth_configs": {"github": "ac_custom_github"},
        "manage_connections": {"enable": True, "callback_url": "https://app.example/cb"},
        "tags": {"enable": ["readOnlyHint"]}, "workbench": {"enable": False}}
    assert json.loads(out)["template"] == "support"

    # --toolkit wins over the template's toolkits; the project's saved config is a template too
    rc, out, err = cli(capsys, "sessions", "create", "--user", "dave", "--template", "read-only-support",
                       "--toolkit", "github", "--json")
    assert rc == 0, err
    assert received(api, "POST")[-1]["body"] == {"user_id": "dave", "toolkits": {"enable": ["github"]},
                                                 "manage_connections": {"enable": True},
                                                 "tags": {"enable": ["readOnlyHint"]}}


def test_templates_never_store_accounts_or_secret_urls(api, capsys):
    rc, _, err = cli(capsys, "templates", "save", "bad", "--toolkit", "github",
                     "--callback-url", "https://app.example/cb?token=abc")
    assert rc == 2 and "never store" in err
    rc, _, err = cli(capsys, "templates", "save", "no spaces", "--toolkit", "github")
    assert rc == 2 and "template name" in err
    assert not default_paths().config_file.exists()


def test_provision_with_a_template(api, capsys, tmp_path):
    config = default_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[templates.ro]\ntoolkits = ["github"]\ntags = ["readOnlyHint"]\nsandbox = false\n')
    users = tmp_path / "users.txt"
    users.write_text("u1\nu2\n")
    rc, out, err = cli(capsys, "provision", "--users", str(users), "--template", "ro", "--json")
    assert rc == 0, err
    assert {r["user_id"] for r in json.loads(out)} == {"u1", "u2"}
    bodies = [r["body"] for r in received(api, "POST")]
    assert sorted(b["user_id"] for b in bodies) == ["u1", "u2"]
    assert all(b | {"user_id": "x"} == {"user_id": "x", "toolkits": {"enable": ["github"]},
                                         "manage_connections": {"enable": True}, "tags": {"enable": ["readOnlyHint"]},
                                         "workbench": {"enable": False}} for b in bodies)
    rc, _, err = cli(capsys, "provision", "--users", str(users), "--template", "ro", "--tools", "github=NOPE_X")
    assert rc == 2 and "unknown tool NOPE_X" in err


def test_plain_create_is_unchanged(api, capsys):
    rc, _, err = cli(capsys, "sessions", "create", "--user", "erin")
    assert rc == 2 and "--toolkit" in err
    rc, out, err = cli(capsys, "sessions", "create", "--user", "erin", "--toolkit", "github")
    assert rc == 0, err
    assert "policy" not in json.loads(out)
