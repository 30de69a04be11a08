"""The core policy model without a screen: rendering to the SDK's create arguments and the PATCH
body, reading a session's config back, the rules, templates in the config file, and the gateway's
policy calls (conflict on a stale version) against the demo API."""

from __future__ import annotations

import pytest

from tui.core import editing, policy as P, policy_spec as S, templates
from tui.core.gateway import Gateway
from tui.core.states import ErrorKind, HookCheck, HookPhase
from tui.demo import DEMO_API_KEY

FULL = P.Policy(
    toolkits=("github", "gmail"), approval_toolkits=("gmail",),
    kits=(P.ToolkitPolicy("github", allow=("GITHUB_LIST_PULL_REQUESTS",), approval=("GITHUB_LIST_PULL_REQUESTS",),
                          auth_config="ac_custom_github"),
          P.ToolkitPolicy("gmail", tags=("readOnlyHint",))),
    tags=("readOnlyHint",), deny_tags=("destructiveHint",), approval_tags=("updateHint",),
    callback_url="https://app.example/cb", wait_for_connections=True, sandbox=False,
    proxy_execute=True, multi_account=True, max_accounts=3, preload=("GITHUB_LIST_PULL_REQUESTS",),
)


def test_create_kwargs_only_say_what_differs_from_the_defaults():
    assert P.create_kwargs(P.Policy(toolkits=("github",))) == {"toolkits": {"enable": ["github"]},
                                                               "manage_connections": True}
    kw = P.create_kwargs(FULL)
    assert kw["tools"] == {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS"],
                                      "require_approval": ["GITHUB_LIST_PULL_REQUESTS"]},
                           "gmail": {"tags": {"enable": ["readOnlyHint"]}}}
    assert kw["manage_connections"] == {"enable": True, "callback_url": "https://app.example/cb",
                                        "wait_for_connections": True}
    assert kw["sandbox"] == {"enable": False} and kw["multi_account"] == {"enable": True, "max_accounts_per_toolkit": 3}


def test_a_config_echo_reads_back_to_the_same_policy():
    config = {"user_id": "u", "toolkits": {"enabled": ["github", "gmail"], "require_approval": ["gmail"]},
              "tools": {"github": {"enabled": ["GITHUB_LIST_PULL_REQUESTS"],
                                   "require_approval": ["GITHUB_LIST_PULL_REQUESTS"]},
                        "gmail": {"tags": {"enabled": ["readOnlyHint"]}}},
              "tags": {"enabled": ["readOnlyHint"], "disabled": ["destructiveHint"], "require_approval": ["updateHint"]},
              "auth_configs": {"github": "ac_custom_github"},
              "manage_connections": {"enabled": True, "callback_url": "https://app.example/cb",
                                     "enable_wait_for_connections": True},
              "workbench": {"enable": False}, "proxy_execute": {"enable": True},
              "multi_account": {"enable": True, "max_accounts_per_toolkit": 3},
              "preload": {"tools": ["GITHUB_LIST_PULL_REQUESTS"]}}
    assert P.from_config(config) == FULL


def test_a_toolkit_summary_counts_in_words():
    def line(kit: P.ToolkitPolicy) -> str:
        return P.kit_summary(P.Policy(toolkits=(kit.slug,), kits=(kit,)), kit.slug)

    assert line(P.ToolkitPolicy("github", allow=("GITHUB_A",))).startswith("1 tool allowed · ")
    assert line(P.ToolkitPolicy("github", allow=("GITHUB_A", "GITHUB_B"))).startswith("2 tools allowed · ")
    assert P.kit_summary(FULL, "github") == ("1 tool allowed · only readOnlyHint · approval: 1 · "
                                             "auth ac_custom_github")


def test_patch_body_sends_only_changes_and_none_removes_a_block():
    old = FULL
    new = S.apply(old, S.Spec(remove_toolkits=["gmail"], sandbox=True))
    body = P.patch_body(old, new)
    assert body == {"toolkits": {"enable": ["github"]},
                    "tools": {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS"],
                                         "require_approval": ["GITHUB_LIST_PULL_REQUESTS"]}},
                    "sandbox": {"enable": True}}
    cleared = P.patch_body(old, P.Policy(toolkits=("github", "gmail")))
    assert cleared["auth_configs"] is None and cleared["tags"] is None
    assert cleared["manage_connections"] == {"callback_url": None}
    assert P.patch_body(old, old) == {}


@pytest.mark.parametrize("url, ok", [
    ("https://app.example/cb", True), ("http://localhost:3000/cb", True), ("http://127.0.0.1/cb", True),
    ("http://[::1]:8080/", True), ("http://app.example/cb", False), ("/cb", False), ("app.example/cb", False),
    ("javascript:alert(1)", False),
])
def test_callback_urls(url, ok):
    assert (P.callback_problem(url) == "") is ok


def test_templates_rewrite_only_their_own_section(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "nord"\n\n[templates.old]\ntoolkits = ["slack"]\n\n[keymap]\nrefresh = "f5"\n')
    policy = S.apply(P.Policy(), S.Spec(toolkits=["github"], read_only=True, accounts={"github": ["ca_1"]}))
    table, notes = templates.save(config, "old", policy, "desc")
    assert notes and "accounts" in notes[0] and "ca_1" not in config.read_text()
    text = config.read_text()
    assert text.startswith('theme = "nord"\n') and '[keymap]\nrefresh = "f5"' in text and "slack" not in text
    found = templates.local(config)["old"]
    assert found.description == "desc" and found.policy().tags == ("readOnlyHint",)
    templates.save(config, "new", policy)
    assert set(templates.local(config)) == {"old", "new"}
    config.write_text('[templates.bad]\ntoolkits = "github"\nsurprise = 1\n')
    with pytest.raises(P.PolicyError) as err:
        templates.local(config)
    assert "unknown key 'surprise'" in " ".join(err.value.problems)


def test_templates_keep_a_guardrail_scope(tmp_path):
    config = tmp_path / "config.toml"
    scoped = (P.Guard(condition="No mail outside example.org", id="guard-1", toolkits=("gmail",)),
              P.Guard(condition="Nothing destructive", id="guard-2"),
              P.Guard(check=HookCheck.PROMPT_INJECTION, phase=HookPhase.AFTER, toolkits=("gmail",)))
    policy = P.Policy(toolkits=("github", "gmail"), guards=scoped)
    templates.save(config, "guarded", policy)
    text = config.read_text()
    assert 'guards = [{ condition = "No mail outside example.org", toolkits = ["gmail"] }, "Nothing destructive"]' \
        in text and 'prompt_injection_check = ["gmail"]' in text
    assert templates.local(config)["guarded"].policy().guards == scoped
    for bad in ('guards = [{ condition = "x", where = "gmail" }]', "guards = [1]", "prompt_injection_check = 3",
                "prompt_injection_check = [1]"):
        config.write_text(f"[templates.bad]\n{bad}\n")
        with pytest.raises(P.PolicyError):
            templates.local(config)


def test_store_checks_like_a_create_and_refuses_a_bad_name_before_anything(tmp_path):
    config = tmp_path / "config.toml"
    with pytest.raises(P.PolicyError) as err:
        templates.store(config, "no spaces", P.Policy(toolkits=("github",)))
    assert "use letters, digits" in err.value.problems[0]
    with pytest.raises(P.PolicyError) as err:
        templates.store(config, "ok", P.Policy(toolkits=("github",), callback_url="/relative"))
    assert "is not absolute" in " ".join(err.value.problems) and not config.exists()
    pinned = P.Policy(toolkits=("github",)).with_kit(P.ToolkitPolicy("github", accounts=("ca_1",)))
    _, notes = templates.store(config, "ok", pinned)  # accounts are not saved, so not checked
    assert notes and "ca_1" not in config.read_text()


def test_gateway_update_history_and_a_stale_version(tmp_path):
    from sessionhelp import small_server

    srv = small_server(tmp_path)
    try:
        gw = Gateway(srv.base_url, DEMO_API_KEY, max_retries=0)
        info = gw.create_session("u", ["github"], policy=P.Policy(toolkits=("github",), sandbox=False))
        applied = gw.session_policy(info.session_id)
        assert applied.config_version == 1 and applied.policy.sandbox is False
        after = gw.update_session(info.session_id, {"sandbox": {"enable": True}}, expected_version=1)
        assert after.config_version == 2 and after.mcp_url == info.mcp_url
        with pytest.raises(Exception) as err:
            gw.update_session(info.session_id, {"sandbox": {"enable": False}}, expected_version=1)
        assert err.value.kind == ErrorKind.CONFLICT and "version 1" in err.value.line()
        rows = editing.history(gw, info.session_id)
        assert [(r.version, r.current) for r in rows] == [(2, True), (1, False)]
        assert rows[0].changes == ("sandbox: enable=False → enable=True",)
        assert [c.id for c in gw.auth_configs("gmail")] == ["ac_demo_gmail", "ac_custom_gmail"]
        gw.close()
    finally:
        srv.stop()
