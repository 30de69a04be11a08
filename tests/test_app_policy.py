"""Session policy in the console, driven with keys over real HTTP: compose a policy (tool picker with
the read-only preset, auth config, sandbox off, callback URL), create and see it applied; edit a
session in place and see version 2 with the same MCP URL; apply a template."""

from __future__ import annotations

import httpx
import pytest
from textual.widgets import OptionList

from apphelp import make_app, settle
from sessionhelp import fast_polling, open_form, paste, screen_name, seed, small_server, text, wait_until
from tui.demo import DEMO_API_KEY

SIZE = (120, 36)


@pytest.fixture
def server(tmp_path):
    srv = small_server(tmp_path)
    yield srv
    srv.stop()


def posted(server) -> list[dict]:
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": DEMO_API_KEY}) as client:
        return [r for r in client.get("/_demo/requests").json()["items"]]


async def compose_github_policy(pilot) -> None:
    """In the PolicyScreen: enter on github, read-only preset, pick the custom auth config, apply."""
    app = pilot.app
    assert screen_name(app) == "PolicyScreen"
    await pilot.press("enter")  # the first toolkit line: github
    await wait_until(pilot, lambda: screen_name(app) == "ToolPickerScreen", what="tool picker")
    await wait_until(pilot, lambda: "of 2 tools" in text(app, "#tool-count"), what="tools loaded")
    await pilot.press("ctrl+r")  # read-only preset
    assert "1 of 2 tools selected" in text(app, "#tool-count")
    auth = app.screen.query_one("#auth-picker", OptionList)
    await wait_until(pilot, lambda: auth.option_count >= 3, what="auth configs loaded")
    await pilot.press("tab", "tab")  # filter -> tools -> auth configs
    assert app.focused is auth
    await pilot.press("down", "down")  # default -> ac_demo_github -> ac_custom_github
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="back on the policy")


async def open_policy(pilot, user_id: str, *slugs: str) -> None:
    """Catalog -> the form for ``slugs`` with ``user_id`` pasted -> ctrl+o: the policy screen."""
    await settle(pilot)
    await open_form(pilot, *slugs)
    await paste(pilot, "#user-id", user_id)
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: screen_name(pilot.app) == "PolicyScreen", what="policy screen")


async def test_compose_a_policy_with_the_keyboard_create_and_see_it_applied(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_policy(pilot, "alice", "github", "gmail")
        await compose_github_policy(pilot)
        await pilot.press("tab", "space")  # kits -> sandbox checkbox: off
        await paste(pilot, "#policy-callback", "https://app.example/connected")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="back on the form")
        line = text(app, "#policy-line")
        assert "github: 1 tool allowed" in line and "auth ac_custom_github" in line
        assert "sandbox: off" in line and "callback https://app.example/connected" in line
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="session screen")
        await wait_until(pilot, lambda: "config version 1" in text(app, "#session-policy"), what="policy shown")
        shown = text(app, "#session-policy")
        assert "github: 1 tool allowed" in shown and "sandbox: off" in shown
        assert "COMPOSIO_REMOTE_WORKBENCH" not in shown
    [create] = [r for r in posted(server) if r["method"] == "POST"]
    assert create["body"] == {
        "user_id": "alice", "toolkits": {"enable": ["github", "gmail"]},
        "auth_configs": {"github": "ac_custom_github"},
        "manage_connections": {"enable": True, "callback_url": "https://app.example/connected"},
        "tools": {"github": {"enable": ["GITHUB_LIST_PULL_REQUESTS"]}}, "workbench": {"enable": False}}


async def test_a_bad_policy_is_refused_on_the_form_and_nothing_is_sent(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_policy(pilot, "alice", "github")
        await paste(pilot, "#policy-callback", "/relative")
        assert "is not absolute" in text(app, "#policy-problems")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="form")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Not created" in text(app, "#form-status"), what="refusal")
        assert "is not absolute" in text(app, "#form-status")
        assert screen_name(app) == "NewSessionScreen"
    assert posted(server) == [] and server.sessions() == []


async def test_edit_a_session_in_place_and_see_version_2_with_the_same_url(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await seed(pilot, "bob", "github")
        await wait_until(pilot, lambda: "config version 1" in text(app, "#session-policy"), what="policy")
        await pilot.press("p")
        await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="policy editor")
        app.screen.query_one("#policy-toolkits").focus()
        await pilot.press("end", "ctrl+u")  # clear the field, then paste the new list
        await paste(pilot, "#policy-toolkits", "github, gmail")
        app.screen.query_one("#policy-kits").focus()
        await pilot.press("tab", "space", "tab", "space")  # sandbox off, read-only on
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="back on the session")
        await wait_until(pilot, lambda: "config version 2" in text(app, "#session-policy") or "Not applied" in
                         text(app, "#session-policy"), what="version 2")
        assert "config version 2" in text(app, "#session-policy"), text(app, "#session-policy")
        shown = text(app, "#session-policy")
        assert "Applied:" in shown and "sandbox: off" in shown and "gmail:" in shown
        assert text(app, "#mcp-url") == info.mcp_url
        await pilot.press("h")
        await wait_until(pilot, lambda: screen_name(app) == "HistoryScreen", what="history")
        await wait_until(pilot, lambda: "version 2" in text(app, "#history-list"), what="history loaded")
        history = text(app, "#history-list")
        assert history.index("version 2") < history.index("version 1") and "created" in history
        assert "toolkits:" in history and "sandbox:" in history
    [patch] = [r for r in posted(server) if r["method"] == "PATCH"]
    assert patch["body"] == {"toolkits": {"enable": ["github", "gmail"]}, "tags": {"enable": ["readOnlyHint"]},
                             "workbench": {"enable": False}, "expected_config_version": 1}
    [record] = server.sessions()
    assert record.session_id == info.session_id and record.toolkits == ("github", "gmail")


async def test_apply_a_template_to_fill_the_form(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    config = app.ctx.paths.config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[templates.support]\ndescription = "support agents"\ntoolkits = ["github", "slack"]\n'
                      'tags = ["readOnlyHint"]\nsandbox = false\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await paste(pilot, "#user-id", "carol")
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: screen_name(app) == "TemplatePickerScreen", what="template picker")
        picker = app.screen.query_one("#template-list", OptionList)
        await wait_until(pilot, lambda: picker.option_count == 2, what="local + project templates")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="form filled")
        assert app.screen.query_one("#toolkits").value == "github, slack"
        assert "only readOnlyHint" in text(app, "#policy-line") and "sandbox: off" in text(app, "#policy-line")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="created")
    [create] = [r for r in posted(server) if r["method"] == "POST"]
    assert create["body"] == {"user_id": "carol", "toolkits": {"enable": ["github", "slack"]},
                              "manage_connections": {"enable": True}, "tags": {"enable": ["readOnlyHint"]},
                              "workbench": {"enable": False}}


# --- the dashboard's readiness summary and last verify result --------------------------------------


async def test_the_dashboard_sums_up_readiness_and_keeps_the_last_verify_result(server, monkeypatch):
    fast_polling(monkeypatch)
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await seed(pilot, "dana", "github", "gmail", "hackernews")
        await wait_until(pilot, lambda: "ready 1/3" in text(app, "#session-facts"), what="readiness summary")
        facts = text(app, "#session-facts")
        assert "ready 1/3 · github, gmail need connecting  (k)" in facts
        assert "not verified yet  (v)" in facts
        await pilot.press("k")  # one key from the detail
        await wait_until(pilot, lambda: screen_name(app) == "ReadinessScreen", what="readiness screen")
        await wait_until(pilot, lambda: "1/3 ready" in text(app, "#ready-title"), what="readiness grid")
        await pilot.press("l")  # a Connect link for github (the first row); the user finishes it
        await wait_until(pilot, lambda: server.store.accounts(), what="a Connect link")
        assert server.activate(server.store.accounts()[0].id)
        await wait_until(pilot, lambda: "2/3 ready" in text(app, "#ready-title"), what="github active")
        await settle(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="back on the dashboard")
        await wait_until(pilot, lambda: "ready 2/3 · gmail needs connecting" in text(app, "#session-facts"),
                         what="readiness read again")
        await pilot.press("v")
        await wait_until(pilot, lambda: screen_name(app) == "VerifyScreen", what="verify screen")
        await wait_until(pilot, lambda: app.screen.result is not None, what="verify result")
        tools = len(app.screen.result.tools)
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen" and f"verify      ✓ {tools} tools"
                         in text(app, "#session-facts"), what="the verify result on the dashboard")
        await pilot.press("escape")  # leave and open the session again from the sessions list
        await wait_until(pilot, lambda: screen_name(app) == "CatalogScreen", what="catalog")
        await pilot.press("s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionsScreen", what="sessions list")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="dashboard again")
        assert app.screen.info.session_id == info.session_id
        assert f"✓ {tools} tools" in text(app, "#session-facts")  # kept for this run, not verified again
        await wait_until(pilot, lambda: "ready 2/3" in text(app, "#session-facts"), what="readiness")


# --- the tool picker's ctrl+a wins over the filter's "home" ------------------------------------------


async def test_ctrl_a_selects_all_tools_while_the_filter_has_the_focus(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="policy screen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "ToolPickerScreen", what="tool picker")
        await wait_until(pilot, lambda: "of 2 tools" in text(app, "#tool-count"), what="tools loaded")
        await pilot.press("ctrl+r")
        assert "1 of 2 tools selected" in text(app, "#tool-count")
        field = app.screen.query_one("#tool-filter")
        await pilot.press("g", "i", "t")
        assert app.focused is field and field.cursor_position == 3
        await pilot.press("ctrl+a")
        assert "2 of 2 tools selected" in text(app, "#tool-count")
        assert field.value == "git" and field.cursor_position == 3  # the filter did not take it as "home"


def test_the_readiness_line_names_what_is_not_ready_by_state():
    from tui.core.models import ToolkitConnection as T
    from tui.core.sessions import readiness_line
    from tui.core.states import ConnectionState as CS

    assert readiness_line([]) == "ready 0/0"
    assert readiness_line([T("github", "GitHub", CS.ACTIVE), T("hn", "HN", CS.NO_AUTH)]) == "ready 2/2"
    rows = [T("github", "GitHub", CS.NOT_CONNECTED), T("gmail", "Gmail", CS.INITIATED),
            T("slack", "Slack", CS.EXPIRED), T("notion", "Notion", CS.INACTIVE), T("a", "A", CS.NOT_CONNECTED),
            T("b", "B", CS.NOT_CONNECTED), T("c", "C", CS.NOT_CONNECTED)]
    assert readiness_line(rows) == ("ready 0/7 · github, a, b and 1 more need connecting · gmail waits for the "
                                    "user · slack needs reconnecting · notion is disabled")


# --- guardrails scoped to some toolkits ---------------------------------------------------------------


async def test_a_guardrail_scoped_to_one_toolkit_reaches_the_create_request(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await open_policy(pilot, "erin", "github", "gmail")
        await paste(pilot, "#policy-guard", "Sending email outside example.org")
        await pilot.press("tab", "space")  # guard -> prompt-injection check: on
        await pilot.press("tab")  # -> the scope list: github, gmail
        scope = app.screen.query_one("#policy-guard-scope")
        assert app.focused is scope and scope.option_count == 2
        await pilot.press("down", "space")  # tick gmail only
        assert scope.selected == ["gmail"]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="back on the form")
        assert "guardrails: 2 (guard-1 on gmail; prompt-injection on gmail)" in text(app, "#policy-line")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="created")
    [create] = [r for r in posted(server) if r["method"] == "POST"]
    assert create["body"]["hooks"] == [
        {"type": "before_execute", "id": "guard-1", "applies_to": {"toolkits": ["gmail"]},
         "handler": {"type": "condition_check", "condition": "Sending email outside example.org", "action": "block"}},
        {"type": "after_execute", "id": "prompt-injection", "applies_to": {"toolkits": ["gmail"]},
         "handler": {"type": "prompt_injection_check", "action": "block"}}]


# --- save the form's policy as a template ------------------------------------------------------------


async def test_save_the_composed_policy_as_a_template_from_the_form(server):
    import tomllib

    app = make_app(server.base_url, DEMO_API_KEY)
    config = app.ctx.paths.config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('# mine\ntheme = "textual-dark"\n')
    async with app.run_test(size=SIZE) as pilot:
        await open_policy(pilot, "frank", "github", "gmail")
        await compose_github_policy(pilot)
        await pilot.press("tab", "space")  # sandbox off
        await paste(pilot, "#policy-callback", "https://app.example/connected")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="back on the form")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: screen_name(app) == "TemplateNameScreen", what="name prompt")
        await paste(pilot, "#template-name", "bad name!")
        await pilot.press("enter")
        assert "template name 'bad name!': use letters, digits, - and _" in text(app, "#template-note")
        assert screen_name(app) == "TemplateNameScreen"
        await pilot.press("end", "ctrl+u")  # clear the name, then paste a good one
        await paste(pilot, "#template-name", "support")
        await paste(pilot, "#template-description", "support agents")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Saved template support" in text(app, "#form-status"), what="saved")
        table = tomllib.loads(config.read_text())
        assert table["theme"] == "textual-dark" and config.read_text().startswith("# mine\n")
        assert table["templates"]["support"] == {
            "description": "support agents", "toolkits": ["github", "gmail"],
            "tools": {"github": ["GITHUB_LIST_PULL_REQUESTS"]}, "auth_configs": {"github": "ac_custom_github"},
            "callback_url": "https://app.example/connected", "sandbox": False}
        assert DEMO_API_KEY not in config.read_text()
        # the same name again: asked first; no keeps the file as it was, yes replaces the template
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: screen_name(app) == "TemplateNameScreen", what="name prompt")
        await paste(pilot, "#template-name", "support")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="replace?")
        before = config.read_text()
        await pilot.press("n")
        await wait_until(pilot, lambda: "kept as it was" in text(app, "#form-status"), what="kept")
        assert config.read_text() == before
        app.screen.query_one("#toolkits").focus()
        await pilot.press("end", "ctrl+u")
        await paste(pilot, "#toolkits", "github")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: screen_name(app) == "TemplateNameScreen", what="name prompt")
        await paste(pilot, "#template-name", "support")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="replace?")
        await pilot.press("y")
        await wait_until(pilot, lambda: "Saved template support" in text(app, "#form-status"), what="replaced")
        assert tomllib.loads(config.read_text())["templates"]["support"]["toolkits"] == ["github"]
    assert [r for r in posted(server) if r["method"] in ("POST", "PATCH")] == []  # saving creates nothing


async def test_a_template_never_takes_what_may_be_a_secret(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    config = app.ctx.paths.config_file
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "github")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: screen_name(app) == "PolicyScreen", what="policy screen")
        await paste(pilot, "#policy-callback", "https://app.example/connected?token=s3cr3t")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "NewSessionScreen", what="form")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: screen_name(app) == "TemplateNameScreen", what="name prompt")
        await paste(pilot, "#template-name", "leaky")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "not saved" in text(app, "#form-status"), what="refusal")
        assert "never store what may be a secret" in text(app, "#form-status")
    assert not config.exists() or "leaky" not in config.read_text()


# --- issue 16: a profile's default template fills the form -------------------------------------------


def staging_app(server, tmp_path, monkeypatch, rest: str):
    """A console on profile ``staging`` (the test API, key from STAGING_KEY); ``rest`` follows its table."""
    from tui.app import ComposioApp
    from tui.core.context import Context
    from tui.core.paths import Paths

    monkeypatch.setenv("STAGING_KEY", DEMO_API_KEY)
    config = tmp_path / "profiles.toml"
    config.write_text(f'[profiles.staging]\nbase_url = "{server.base_url}"\nkey_env = "STAGING_KEY"\n' + rest)
    paths = Paths(config_file=config, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                  log_dir=tmp_path / "log")
    return ComposioApp(Context(paths=paths))


async def form_of_staging(pilot) -> None:
    """Catalog loaded, then the new-session form with gmail marked."""
    app = pilot.app
    await wait_until(pilot, lambda: len(app.catalog.toolkits) == 6 and not app.refreshing, what="catalog")
    await settle(pilot)
    await open_form(pilot, "gmail")


async def test_the_profiles_default_template_fills_the_form_when_it_opens(server, tmp_path, monkeypatch):
    app = staging_app(server, tmp_path, monkeypatch, 'default_template = "support"\n\n[templates.support]\n'
                      'toolkits = ["github", "slack"]\ntags = ["readOnlyHint"]\nsandbox = false\n')
    async with app.run_test(size=SIZE) as pilot:
        await form_of_staging(pilot)
        await wait_until(pilot, lambda: "Template support applied" in text(app, "#form-status"), what="applied")
        assert "the default of profile staging" in text(app, "#form-status")
        assert app.screen.query_one("#toolkits").value == "github, slack"
        line = text(app, "#policy-line")
        assert "only readOnlyHint" in line and "sandbox: off" in line
        app.screen.query_one("#toolkits").focus()  # the operator can still change it
        await pilot.press("end", "ctrl+u")
        await paste(pilot, "#toolkits", "github")
        await paste(pilot, "#user-id", "gina")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_name(app) == "SessionScreen", what="created")
        await settle(pilot)
    [create] = [r for r in posted(server) if r["method"] == "POST"]
    assert create["body"] == {"user_id": "gina", "toolkits": {"enable": ["github"]},
                              "manage_connections": {"enable": True}, "tags": {"enable": ["readOnlyHint"]},
                              "workbench": {"enable": False}}


async def test_an_unknown_default_template_is_said_in_one_line(server, tmp_path, monkeypatch):
    app = staging_app(server, tmp_path, monkeypatch, 'default_template = "nope"\n')
    async with app.run_test(size=SIZE) as pilot:
        await form_of_staging(pilot)
        await wait_until(pilot, lambda: "not applied" in text(app, "#form-status"), what="refusal")
        assert "Default template nope of profile staging not applied: no template 'nope'" in text(app, "#form-status")
        assert app.screen.query_one("#toolkits").value == "gmail" and app.screen.policy is None
