"""`composio-tui toolkits list|search|info` against the demo API over real HTTP.

Also holds the helpers the other CLI tests import: in-process runs (``cli``) and real subprocesses on
a pipe (``run_cli``) or on a pseudo-terminal (``run_tty``), forked from ``forkserver``'s zygote so
that each does not pay the SDK's import again.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time

import forkserver
import pytest
from demo_fixtures import SMALL_CATALOG, server  # noqa: F401  (fixture)

from tui.__main__ import main
from tui.core.catalog import CatalogIndex
from tui.core.models import Toolkit
from tui.demo import DEMO_API_KEY

SLUGS_BY_USAGE = [t["slug"] for t in SMALL_CATALOG["toolkits"]]


# --- helpers shared with the other CLI test files -------------------------------------------------


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; stdout/stderr are pipes (not TTYs) under capsys."""
    try:
        rc = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_cli(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """A real subprocess with stdout and stderr on pipes; the environment (XDG dirs, key, base URL)
    is the test's, set with monkeypatch."""
    return forkserver.run(list(args), input=stdin, timeout=timeout,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def run_tty(*args: str, answer: str | None = None, after: bytes = b"[y/N]", timeout: float = 60,
            columns: int = 200) -> tuple[int, str]:
    """A real subprocess whose stdin, stdout and stderr are one pseudo-terminal; returns (rc, screen).
    ``answer`` is typed once ``after`` appears."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS=str(columns), LINES="50")
    proc = forkserver.Process(list(args), stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output, sent, deadline = b"", answer is None, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            if not sent and after in output:
                os.write(master, answer.encode() + b"\n")
                sent = True
            if proc.poll() is not None and not ready:
                break
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return rc, output.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture
def api(server, monkeypatch):  # noqa: F811
    """The demo server, with the environment pointing the CLI at it."""
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    return server


# --- toolkits list / search ---------------------------------------------------------------------------


def test_list_in_a_pipe_is_json_lines_in_usage_order(api, capsys):
    rc, out, err = cli(capsys, "toolkits", "list")
    assert rc == 0
    rows = json_lines(out)
    assert [r["slug"] for r in rows] == SLUGS_BY_USAGE
    github = rows[0]
    assert github["name"] == "GitHub" and github["auth_schemes"] == ["OAUTH2", "API_KEY"]
    assert github["categories"] == [{"id": "developer-tools", "name": "Developer Tools"}]
    assert rows[SLUGS_BY_USAGE.index("hackernews")]["no_auth"] is True
    assert err == ""
    assert DEMO_API_KEY not in out + err


def test_json_flag_prints_one_array_sorted_and_limited(api, capsys):
    rc, out, _ = cli(capsys, "toolkits", "list", "--json", "--sort", "alpha", "--limit", "3")
    assert rc == 0
    data = json.loads(out)
    assert [t["name"] for t in data] == ["Airtable", "GitHub", "Gmail"]


def test_search_ranks_like_the_console(api, capsys):
    rc, out, _ = cli(capsys, "toolkits", "search", "mail")
    assert rc == 0
    toolkits = [Toolkit(slug=t["slug"], name=t["name"], description=t["description"], usage_rank=i)
                for i, t in enumerate(SMALL_CATALOG["toolkits"])]
    expected = [t.slug for t in CatalogIndex(toolkits).search("mail")]
    assert [r["slug"] for r in json_lines(out)] == expected == ["gmail"]


def test_category_filter_and_unknown_category(api, capsys):
    rc, out, _ = cli(capsys, "toolkits", "list", "--category", "Communication")
    assert rc == 0
    assert [r["slug"] for r in json_lines(out)] == ["gmail", "slack"]
    rc, out, err = cli(capsys, "toolkits", "search", "a", "--category", "nope")
    assert rc == 2 and out == ""
    assert "No category 'nope'" in err and "communication" in err


def test_search_without_words_is_a_usage_error(api, capsys):
    rc, out, err = cli(capsys, "toolkits", "search", "   ")
    assert rc == 2 and out == "" and "words" in err


# --- toolkits info ------------------------------------------------------------------------------------


def test_info_has_detail_and_tools(api, capsys):
    rc, out, _ = cli(capsys, "toolkits", "info", "github")
    assert rc == 0
    record = json.loads(out)
    assert record["slug"] == "github" and record["managed_auth"] == ["OAUTH2"]
    assert [t["slug"] for t in record["tools"]] == ["GITHUB_CREATE_AN_ISSUE", "GITHUB_LIST_PULL_REQUESTS"]
    assert record["tools"][0]["tags"] == ["createHint"]


def test_info_unknown_slug_is_not_found_with_a_suggestion(api, capsys):
    rc, out, err = cli(capsys, "toolkits", "info", "githb")
    assert rc == 4 and out == ""
    assert "did you mean 'github'" in err


# --- keys, errors, cache --------------------------------------------------------------------------


def test_no_key_exits_3_with_one_sentence(server, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    rc, out, err = cli(capsys, "toolkits", "list")
    assert rc == 3 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "COMPOSIO_API_KEY" in lines[0] and "composio-tui login" in lines[0]


def test_rejected_key_exits_3(server, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    monkeypatch.setenv("COMPOSIO_API_KEY", "ak_wrong_key_123456")
    rc, out, err = cli(capsys, "toolkits", "list")
    assert rc == 3 and out == ""
    assert "401" in err and "ak_wrong_key_123456" not in err


def test_unreachable_api_exits_5(monkeypatch, capsys):
    import socket

    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("COMPOSIO_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    monkeypatch.setenv("COMPOSIO_TUI_MAX_RETRIES", "0")
    rc, out, err = cli(capsys, "toolkits", "list")
    assert rc == 5 and out == ""
    assert "Cannot reach" in err


def test_fresh_cache_serves_without_the_api_and_refresh_goes_live(api, capsys):
    assert cli(capsys, "toolkits", "list")[0] == 0
    api.stop()
    rc, out, _ = cli(capsys, "toolkits", "list")
    assert rc == 0 and [r["slug"] for r in json_lines(out)] == SLUGS_BY_USAGE
    rc, out, err = cli(capsys, "toolkits", "list", "--refresh")
    assert rc == 5 and out == "" and "Cannot reach" in err


def test_group_without_action_is_a_usage_error(capsys):
    rc, out, err = cli(capsys, "toolkits")
    assert rc == 2 and out == "" and "ACTION" in err


def test_demo_flag_uses_the_embedded_api(capsys):
    from tui.demo.data import load_catalog

    rc, out, _ = cli(capsys, "--demo", "toolkits", "list")
    assert rc == 0
    assert len(json_lines(out)) == len(load_catalog().toolkits)


# --- a terminal versus a pipe (real subprocesses) -----------------------------------------------------


def test_tty_gets_a_table_and_a_pipe_gets_json_lines(api, capsys):
    assert cli(capsys, "toolkits", "list")[0] == 0  # warm the cache: the subprocesses skip the SDK import
    rc, screen = run_tty("toolkits", "list")
    assert rc == 0
    lines = screen.strip().splitlines()
    assert lines[0].split() == ["SLUG", "NAME", "CATEGORIES", "AUTH", "TOOLS", "DESCRIPTION"]
    assert lines[1].startswith("github ") and "{" not in screen
    piped = run_cli("toolkits", "list")
    assert piped.returncode == 0 and piped.stderr == ""
    assert [r["slug"] for r in json_lines(piped.stdout)] == SLUGS_BY_USAGE


def test_search_and_info_on_a_terminal(api, capsys):
    assert cli(capsys, "toolkits", "list")[0] == 0
    rc, screen = run_tty("toolkits", "search", "chat")
    assert rc == 0 and "{" not in screen
    lines = screen.strip().splitlines()
    assert lines[0].split()[:2] == ["SLUG", "NAME"] and lines[1].split()[:2] == ["slack", "Slack"]
    rc, screen = run_tty("toolkits", "info", "github")
    assert rc == 0 and "{" not in screen
    assert re.search(r"^managed auth\s+OAUTH2$", screen, re.M)
    assert re.search(r"^TOOL\s+NAME\s+DESCRIPTION$", screen, re.M)
    assert re.search(r"^GITHUB_CREATE_AN_ISSUE\s+Create an issue\s+Open a new issue\.$", screen, re.M)
