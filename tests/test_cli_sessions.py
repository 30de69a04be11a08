"""`composio-tui sessions create|list|show|delete|verify|export` against the demo API over real HTTP."""

from __future__ import annotations

import io
import json
import re
import sqlite3

import httpx
import pytest
from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_toolkits import api, cli, json_lines, run_cli, run_tty  # noqa: F401  (api is a fixture)

from tui.core import export
from tui.core.paths import default_paths
from tui.demo import DEMO_API_KEY


def ledger_rows(state: str | None = None) -> list[sqlite3.Row]:
    if not default_paths().ledger.exists():
        return []
    db = sqlite3.connect(default_paths().ledger)
    db.row_factory = sqlite3.Row
    sql = "SELECT * FROM sessions" + (" WHERE state = ?" if state else "") + " ORDER BY id"
    rows = db.execute(sql, (state,) if state else ()).fetchall()
    db.close()
    return rows


def remote(server, user: str | None = None) -> list:  # noqa: F811
    return [r for r in server.sessions() if user is None or r.user_id == user]


def create(capsys, user: str = "alice", *slugs: str) -> dict:
    rc, out, err = cli(capsys, "sessions", "create", "--user", user, "--toolkit", *(slugs or ("github", "gmail")))
    assert rc == 0, err
    return json.loads(out)


# --- create -----------------------------------------------------------------------------------------


def test_create_prints_one_json_object_and_records_it(api, capsys):
    rc, out, err = cli(capsys, "sessions", "create", "--user", "alice", "--toolkit", "github", "gmail")
    assert rc == 0
    record = json.loads(out)
    assert set(record) >= {"session_id", "user_id", "mcp_url", "toolkits", "manage_connections", "state"}
    assert record["user_id"] == "alice" and record["toolkits"] == ["github", "gmail"]
    assert record["status"] == "created" and record["state"] == "active"
    assert record["mcp_url"] == api.mcp_url(record["session_id"])
    [session] = remote(api, "alice")
    assert session.session_id == record["session_id"] and session.toolkits == ("github", "gmail")
    [row] = ledger_rows()
    assert (row["session_id"], row["state"], row["mcp_url"]) == (record["session_id"], "active", record["mcp_url"])
    assert f"Created session {record['session_id']}" in err
    assert DEMO_API_KEY not in out + err


def test_url_only_prints_just_the_url(api, capsys):
    rc, out, _ = cli(capsys, "sessions", "create", "--user", "bob", "--toolkit", "slack", "--url-only")
    assert rc == 0
    [session] = remote(api, "bob")
    assert out == api.mcp_url(session.session_id) + "\n"


def test_reuse_returns_the_active_session_instead_of_a_new_one(api, capsys):
    first = create(capsys, "carol", "github")
    rc, out, err = cli(capsys, "sessions", "create", "--user", "carol", "--toolkit", "github", "--reuse")
    assert rc == 0
    again = json.loads(out)
    assert again["session_id"] == first["session_id"] and again["status"] == "reused"
    assert len(remote(api, "carol")) == 1 and "Reusing" in err
    assert create(capsys, "carol", "github")["session_id"] != first["session_id"]  # without --reuse: new
    assert len(remote(api, "carol")) == 2


def test_bad_user_and_bad_slug_are_all_reported_before_any_request(api, capsys):
    rc, out, err = cli(capsys, "sessions", "create", "--user", "default", "--toolkit", "gihub", "Slack")
    assert rc == 2 and out == ""
    assert "'default' is a shared placeholder" in err
    assert "did you mean 'github'" in err and "'Slack' differs from the catalog slug 'slack'" in err
    assert remote(api) == [] and ledger_rows() == []


def test_email_user_gets_a_note_but_a_session(api, capsys):
    rc, out, err = cli(capsys, "sessions", "create", "--user", "dan@example.com", "--toolkit", "github")
    assert rc == 0 and json.loads(out)["user_id"] == "dan@example.com"
    assert "note: This looks like an email address" in err


def test_create_without_a_key_exits_3_and_sends_nothing(server, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    rc, out, err = cli(capsys, "sessions", "create", "--user", "eve", "--toolkit", "github")
    assert rc == 3 and out == ""
    assert "COMPOSIO_API_KEY" in err and "composio-tui login" in err
    assert remote(server) == []


# --- list / show ------------------------------------------------------------------------------------


def test_list_is_json_lines_newest_first_with_filters(api, capsys):
    a = create(capsys, "alice", "github")
    b = create(capsys, "bob", "gmail")
    rc, out, _ = cli(capsys, "sessions", "list")
    assert rc == 0
    rows = json_lines(out)
    assert [r["session_id"] for r in rows] == [b["session_id"], a["session_id"]]
    assert rows[0]["state"] == "active" and rows[0]["toolkits"] == ["gmail"] and rows[0]["user_id"] == "bob"
    rc, out, _ = cli(capsys, "sessions", "list", "--json", "--toolkit", "github")
    assert [r["user_id"] for r in json.loads(out)] == ["alice"]
    rc, out, _ = cli(capsys, "sessions", "list", "--user", "BO")
    assert [r["user_id"] for r in json_lines(out)] == ["bob"]
    rc, out, _ = cli(capsys, "sessions", "list", "--state", "deleted")
    assert rc == 0 and out == ""


def test_list_is_a_table_on_a_terminal(api, capsys):
    made = create(capsys, "alice", "github", "gmail")
    rc, screen = run_tty("sessions", "list")
    assert rc == 0
    header, row = screen.strip().splitlines()[:2]
    assert header.split() == ["SESSION", "USER", "TOOLKITS", "STATE", "CREATED", "MCP", "URL"]
    assert row.split()[:5] == [made["session_id"], "alice", "github,", "gmail", "active"]
    assert made["mcp_url"] in row and "{" not in screen


def test_show_has_each_toolkits_connection(api, capsys):
    made = create(capsys, "alice", "github", "hackernews")
    rc, out, _ = cli(capsys, "sessions", "show", made["session_id"])
    assert rc == 0
    record = json.loads(out)
    assert record["session_id"] == made["session_id"] and record["state"] == "active"
    states = {c["toolkit"]: (c["state"], c["ready"]) for c in record["connections"]}
    assert states == {"github": ("NOT_CONNECTED", False), "hackernews": ("NO_AUTH", True)}


def test_show_unknown_and_deleted_elsewhere_exit_4(api, capsys):
    rc, out, err = cli(capsys, "sessions", "show", "trs_doesnotexist")
    assert rc == 4 and out == "" and "no session trs_doesnotexist" in err
    made = create(capsys, "alice", "github")
    httpx.delete(f"{api.base_url}/api/v3.1/tool_router/session/{made['session_id']}",
                 headers={"x-api-key": DEMO_API_KEY})
    rc, out, err = cli(capsys, "sessions", "show", made["session_id"])
    assert rc == 4 and "deleted elsewhere" in err
    assert ledger_rows()[0]["state"] == "gone"


# --- delete -----------------------------------------------------------------------------------------


def test_delete_never_prompts_without_a_terminal(api, capsys, monkeypatch):
    made = create(capsys, "alice", "github")
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # input is there, but stdin is not a TTY
    rc, out, err = cli(capsys, "sessions", "delete", made["session_id"])
    assert rc == 2 and out == ""
    assert "stdin is not a terminal" in err and "--yes" in err and "[y/N]" not in err
    assert len(remote(api, "alice")) == 1 and ledger_rows()[0]["state"] == "active"
    proc = run_cli("sessions", "delete", made["session_id"])  # a real process, stdin from /dev/null
    assert proc.returncode == 2 and "--yes" in proc.stderr and "[y/N]" not in proc.stderr
    assert len(remote(api, "alice")) == 1


def test_delete_yes_deletes_remotely_and_in_the_ledger(api, capsys):
    made = create(capsys, "alice", "github")
    rc, out, err = cli(capsys, "sessions", "delete", made["session_id"], "--yes")
    assert rc == 0
    assert json.loads(out) == {"session_id": made["session_id"], "deleted": True, "state": "deleted"}
    assert remote(api) == [] and ledger_rows()[0]["state"] == "deleted"
    rc, out, err = cli(capsys, "sessions", "delete", made["session_id"], "--yes")  # known, already gone
    assert rc == 0 and json.loads(out)["state"] == "gone" and "already deleted" in err
    rc, out, err = cli(capsys, "sessions", "delete", "trs_never", "--yes")
    assert rc == 4 and out == "" and "no session trs_never" in err


def test_delete_on_a_terminal_asks_first(api, capsys):
    keep, drop = create(capsys, "alice", "github"), create(capsys, "bob", "github")
    rc, screen = run_tty("sessions", "delete", keep["session_id"], answer="n")
    assert rc == 0 and "[y/N]" in screen and "of user alice (github)" in screen and "Nothing deleted" in screen
    rc, screen = run_tty("sessions", "delete", drop["session_id"], answer="y")
    assert rc == 0 and f"Deleted session {drop['session_id']}" in screen
    assert [s.session_id for s in remote(api)] == [keep["session_id"]]


# --- verify -----------------------------------------------------------------------------------------


def test_verify_runs_the_mcp_check(api, capsys):
    made = create(capsys, "alice", "github")
    rc, out, err = cli(capsys, "sessions", "verify", made["session_id"])
    assert rc == 0
    record = json.loads(out)
    assert record["ok"] is True and record["diagnosis"] == "ok" and record["mcp_url"] == made["mcp_url"]
    assert "COMPOSIO_SEARCH_TOOLS" in record["tools"]
    assert "✓ The MCP endpoint answers" in err and DEMO_API_KEY not in out + err


def test_verify_maps_failures_to_exit_codes(api, capsys, monkeypatch):
    made = create(capsys, "alice", "github")
    monkeypatch.setenv("COMPOSIO_API_KEY", "ak_not_the_right_key")  # the MCP endpoint refuses it
    rc, out, err = cli(capsys, "sessions", "verify", made["session_id"])
    assert rc == 3 and json.loads(out)["ok"] is False and "wrong or missing API key" in err
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    httpx.delete(f"{api.base_url}/api/v3.1/tool_router/session/{made['session_id']}",
                 headers={"x-api-key": DEMO_API_KEY})
    rc, out, err = cli(capsys, "sessions", "verify", made["session_id"])
    assert rc == 4 and "session not found" in err
    rc, out, err = cli(capsys, "sessions", "verify", "trs_never")
    assert rc == 4 and out == ""


# --- export -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_export_prints_the_consoles_config_with_the_settings_key_mode(api, capsys, fmt):
    made = create(capsys, "alice", "github")
    rc, out, err = cli(capsys, "sessions", "export", made["session_id"], "--format", fmt)
    assert rc == 0
    assert out == export.render(fmt, made["mcp_url"], key_mode="env")  # key_mode setting defaults to env
    assert DEMO_API_KEY not in out + err


def test_export_placeholder_and_literal_only_with_the_extra_flag(api, capsys):
    made = create(capsys, "alice", "github")
    sid = made["session_id"]
    rc, out, _ = cli(capsys, "sessions", "export", sid, "--format", "mcp-json", "--key", "placeholder")
    assert rc == 0 and json.loads(out)["mcpServers"]["composio"]["headers"] == {"x-api-key": "<COMPOSIO_API_KEY>"}
    rc, out, err = cli(capsys, "sessions", "export", sid, "--key", "literal")
    assert rc == 2 and out == "" and "--i-know-this-prints-the-key" in err and DEMO_API_KEY not in err
    rc, out, err = cli(capsys, "sessions", "export", sid, "--format", "cursor", "--key", "literal",
                       "--i-know-this-prints-the-key")
    assert rc == 0 and out == export.render("cursor", made["mcp_url"], key_mode="literal", key=DEMO_API_KEY)
    assert "contains the API key" in err and DEMO_API_KEY not in err


def test_a_literal_key_mode_setting_is_not_a_default(api, capsys, xdg):
    made = create(capsys, "alice", "github")
    config = default_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('key_mode = "literal"\n')
    rc, out, err = cli(capsys, "sessions", "export", made["session_id"], "--format", "curl")
    assert rc == 0 and DEMO_API_KEY not in out
    assert out == export.render("curl", made["mcp_url"], key_mode="env") and "using 'env'" in err
    config.write_text('key_mode = "placeholder"\n')
    rc, out, _ = cli(capsys, "sessions", "export", made["session_id"], "--format", "curl")
    assert out == export.render("curl", made["mcp_url"], key_mode="placeholder")


def test_export_of_a_session_missing_from_the_ledger_asks_the_api(api, capsys):
    body = httpx.post(f"{api.base_url}/api/v3.1/tool_router/session", headers={"x-api-key": DEMO_API_KEY},
                      json={"user_id": "zoe", "toolkits": {"enable": ["github"]}}).json()
    rc, out, _ = cli(capsys, "sessions", "export", body["session_id"], "--format", "mcp-json")
    assert rc == 0 and json.loads(out)["mcpServers"]["composio"]["url"] == body["mcp"]["url"]
    rc, out, err = cli(capsys, "sessions", "export", "trs_never")
    assert rc == 4 and out == ""


def test_list_reads_the_ledger_without_a_key(api, capsys, monkeypatch):
    made = create(capsys, "alice", "github")
    monkeypatch.delenv("COMPOSIO_API_KEY")
    rc, out, err = cli(capsys, "sessions", "list")
    assert rc == 0 and [r["session_id"] for r in json_lines(out)] == [made["session_id"]] and err == ""


def test_create_show_and_verify_read_as_text_on_a_terminal(api, capsys):
    rc, screen = run_tty("sessions", "create", "--user", "tina", "--toolkit", "github", "hackernews")
    assert rc == 0 and "{" not in screen
    [session] = remote(api, "tina")
    sid = session.session_id
    assert re.search(rf"^session\s+{sid}$", screen, re.M)
    assert re.search(rf"^MCP URL\s+{re.escape(api.mcp_url(sid))}$", screen, re.M)
    assert re.search(r"^toolkits\s+github, hackernews$", screen, re.M)
    rc, screen = run_tty("sessions", "show", sid)
    assert rc == 0 and "{" not in screen
    assert re.search(r"^user\s+tina$", screen, re.M)
    assert re.search(r"^TOOLKIT\s+CONNECTION\s+READY\s+ACCOUNT\s+REASON$", screen, re.M)
    assert re.search(r"^github\s+NOT_CONNECTED\s+no\s+—\s+—$", screen, re.M)
    assert re.search(r"^hackernews\s+NO_AUTH\s+yes\s+—\s+—$", screen, re.M)
    rc, screen = run_tty("sessions", "verify", sid)
    assert rc == 0 and "{" not in screen
    assert "✓ The MCP endpoint answers" in screen and "  • COMPOSIO_SEARCH_TOOLS" in screen
