"""`composio-tui logs [filters] [--follow]` and `logs show ID` against the demo API over real HTTP."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time

import forkserver
import pytest
from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_toolkits import api, cli, json_lines, run_tty  # noqa: F401  (api is a fixture)

from tui.demo import DEMO_API_KEY
from tui.demo import logs

pytestmark = pytest.mark.timeout(90)


def record(srv, n: int = 1, **kw) -> list[str]:
    base = {"user_id": "alice", "tool": "GITHUB_CREATE_AN_ISSUE", "session_id": "trs_a"}
    return [logs.record_execution(srv.store, **(base | kw)) for _ in range(n)]


def test_logs_in_a_pipe_are_json_lines_newest_first(api, capsys):
    ids = record(api, 3)
    failed = record(api, 1, user_id="bob", tool="GMAIL_SEND_EMAIL", status="failed", message="invalid recipient")
    rc, out, err = cli(capsys, "logs")
    assert rc == 0, err
    rows = json_lines(out)
    assert [r["id"] for r in rows] == failed + ids[::-1]
    assert rows[0] | {"duration_ms": None} == rows[0] | {
        "user_id": "bob", "toolkit": "gmail", "tool": "GMAIL_SEND_EMAIL", "status": "failed",
        "message": "invalid recipient", "duration_ms": None}
    assert DEMO_API_KEY not in out + err


def test_filters_combine(api, capsys):
    record(api, 2)
    mine = record(api, 1, status="failed", message="boom")
    record(api, 1, user_id="bob", status="failed")
    rc, out, _ = cli(capsys, "logs", "--user", "alice", "--status", "failed", "--toolkit", "GitHub",
                     "--tool", "github_create_an_issue", "--session", "trs_a", "--since", "1h")
    assert rc == 0
    assert [r["id"] for r in json_lines(out)] == mine
    rc, out, _ = cli(capsys, "logs", "--limit", "2", "--json")
    assert rc == 0 and len(json.loads(out)) == 2


def test_unknown_user_or_session_is_an_empty_result_said_plainly(api, capsys):
    record(api, 2)
    rc, out, err = cli(capsys, "logs", "--user", "nobody")
    assert rc == 0 and out == ""
    assert "No tool executions for user nobody." in err and "unknown user or session has no activity" in err
    rc, out, err = cli(capsys, "logs", "--session", "trs_nope", "--json")
    assert rc == 0 and json.loads(out) == [] and "session trs_nope" in err


@pytest.mark.parametrize("args, said", [
    (("--since", "yesterday"), "neither a duration (15m, 2h, 1d) nor an ISO-8601 time"),
    (("--limit", "0"), "--limit must be between 1 and 100"),
    (("--limit", "101"), "--limit must be between 1 and 100"),
    (("--user", "default"), "'default' is a shared placeholder"),
    (("--status", "broken"), "--status 'broken' is not a log status"),
])
def test_bad_input_is_one_clear_line_and_exit_2(api, capsys, args, said):
    rc, out, err = cli(capsys, "logs", *args)
    assert rc == 2 and out == ""
    assert said in err and "Traceback" not in err


def test_show_prints_the_whole_log(api, capsys):
    [log_id] = record(api, 1, status="failed", message="invalid recipient", request_id="req_x",
                      parent={"log_id": "log_parent", "tool_slug": "COMPOSIO_MULTI_EXECUTE_TOOL"})
    rc, out, _ = cli(capsys, "logs", "show", log_id)
    assert rc == 0
    body = json.loads(out)
    assert body["id"] == log_id and body["context"]["request_id"] == "req_x"
    assert body["parent"]["tool_slug"] == "COMPOSIO_MULTI_EXECUTE_TOOL" and "timings" in body
    rc, _, err = cli(capsys, "logs", "show", "log_missing")
    assert rc == 4 and "Log not found" in err


def test_a_terminal_gets_a_table_and_labelled_detail(api):
    [log_id] = record(api, 1, status="failed", message="invalid recipient")
    rc, screen = run_tty("logs", "--user", "alice")
    assert rc == 0, screen
    assert "TIME (UTC)" in screen and "GITHUB_CREATE_AN_ISSUE" in screen and "invalid recipient" in screen
    rc, screen = run_tty("logs", "show", log_id)
    assert rc == 0, screen
    assert "parent call" in screen and "trace id" in screen and "metrics:" in screen


def _read_until(proc, wanted: int, timeout: float = 30.0) -> list[str]:
    lines: list[str] = []
    buffer = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while len(lines) < wanted and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buffer += chunk
            *done, buffer = buffer.split(b"\n")
            lines.extend(x.decode() for x in done if x.strip())
    return lines


def test_follow_streams_until_ctrl_c_then_exits_130_without_a_traceback(api):
    before = record(api, 2)
    proc = forkserver.Process(["logs", "--follow", "--user", "alice"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        first = _read_until(proc, 2)
        assert [json.loads(x)["id"] for x in first] == before
        later = record(api, 2, status="failed")
        record(api, 1, user_id="bob")  # out of scope
        more = _read_until(proc, 2)
        assert [json.loads(x)["id"] for x in more] == later
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read().decode()
    assert rc == 130, err
    assert "Traceback" not in err and "interrupted" in err
