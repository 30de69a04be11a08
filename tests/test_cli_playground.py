"""`sessions search|tools|execute` and `tools show` against the demo API over real HTTP."""

from __future__ import annotations

import json

from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_toolkits import api, cli, json_lines  # noqa: F401  (api is a fixture)

from tui.demo import DEMO_API_KEY


def new_session(capsys, *slugs: str, user: str = "alice") -> str:
    rc, out, err = cli(capsys, "sessions", "create", "--user", user, "--toolkit", *(slugs or ("github", "slack", "hackernews")))
    assert rc == 0, err
    return json.loads(out)["session_id"]



def test_search_prints_json_and_names_what_is_missing(api, capsys):
    sid = new_session(capsys)
    rc, out, err = cli(capsys, "sessions", "search", sid, "create an issue", "--query", "top stories")
    assert rc == 0, err
    body = json.loads(out)
    assert [r["use_case"] for r in body["results"]] == ["create an issue", "top stories"]
    assert body["results"][0]["primary_tool_slugs"] == ["GITHUB_CREATE_AN_ISSUE"]
    assert "github" in body["missing"] and "github not connected" in err
    assert DEMO_API_KEY not in out + err


def test_bad_queries_exit_2(api, capsys):
    sid = new_session(capsys)
    for query, words in (("", "Type a task first"), ("x" * 5000, "5,000 characters")):
        rc, out, err = cli(capsys, "sessions", "search", sid, query)
        assert rc == 2 and out == "" and words in err and "Traceback" not in err


def test_unknown_session_exits_4(api, capsys):
    rc, out, err = cli(capsys, "sessions", "search", "trs_missing", "anything")
    assert rc == 4 and "Session not found" in err


def test_tools_lists_the_session_tools(api, capsys):
    sid = new_session(capsys, "github")
    rc, out, _ = cli(capsys, "sessions", "tools", sid)
    assert rc == 0
    slugs = [r["slug"] for r in json_lines(out)]
    assert "GITHUB_CREATE_AN_ISSUE" in slugs and "SLACK_SEND_MESSAGE" not in slugs
    rc, out, _ = cli(capsys, "sessions", "tools", sid, "--json")
    assert isinstance(json.loads(out), list)


def test_tools_show_prints_both_schemas(api, capsys):
    rc, out, _ = cli(capsys, "tools", "show", "GITHUB_CREATE_AN_ISSUE")
    assert rc == 0
    body = json.loads(out)
    assert body["input_schema"]["required"] == ["owner", "repo"] and body["output_schema"]["properties"]["data"]
    rc, out, _ = cli(capsys, "tools", "show", "GITHUB_CREATE_AN_ISSUE", "--tree")
    assert rc == 0 and "* owner: string" in out
    rc, _, err = cli(capsys, "tools", "show", "NO_SUCH_TOOL")
    assert rc == 4 and "not found" in err


def test_execute_needs_yes_and_valid_arguments(api, capsys, tmp_path):
    sid = new_session(capsys, "github", "hackernews")
    rc, out, err = cli(capsys, "sessions", "execute", sid, "HACKERNEWS_GET_TOP_STORIES")
    assert rc == 2 and out == "" and "--yes" in err
    rc, out, err = cli(capsys, "sessions", "execute", sid, "GITHUB_CREATE_AN_ISSUE", "--args", "{owner: 1}", "--yes")
    assert rc == 2 and "not valid JSON" in err
    rc, out, err = cli(capsys, "sessions", "execute", sid, "GITHUB_CREATE_AN_ISSUE", "--args", '{"owner": 5}', "--yes")
    assert rc == 2 and out == "" and "repo is required" in err and "owner must be string" in err
    rc, out, err = cli(capsys, "sessions", "execute", sid, "GITHUB_CREATE_AN_ISSUE", "--args", "@/nonexistent.json", "--yes")
    assert rc == 2 and "cannot read the arguments file" in err
    rc, out, err = cli(capsys, "sessions", "execute", sid, "SLACK_SEND_MESSAGE", "--args",
                       '{"channel": "C1", "text": "hi"}', "--yes")
    assert rc == 2 and "not available in this session" in err and "Traceback" not in err
    args = tmp_path / "args.json"
    args.write_text("{}")
    rc, out, err = cli(capsys, "sessions", "execute", sid, "HACKERNEWS_GET_TOP_STORIES", "--args", f"@{args}", "--yes")
    assert rc == 0, err
    result = json.loads(out)
    assert result["ok"] and result["result_type"] == "completed" and result["log_id"].startswith("log_")
    rc, out, err = cli(capsys, "sessions", "execute", sid, "GITHUB_CREATE_AN_ISSUE", "--args",
                       '{"owner": "o", "repo": "r"}', "--yes")
    assert rc == 5 and json.loads(out)["result_type"] == "failed" and "No active connection for github" in err
