"""`composio-tui provision` and its engine (tui.core.provision) against the demo API over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections import Counter

import pytest
from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_sessions import ledger_rows, remote
from test_cli_toolkits import api, cli, json_lines, run_tty  # noqa: F401  (api is a fixture)

from tui.core import provision
from tui.core.gateway import Gateway
from tui.core.ledger import Ledger
from tui.core.paths import default_paths
from tui.demo import DEMO_API_KEY
from tui.demo.faults import FaultEngine, Faults


def users_file(tmp_path, text: str, name: str = "users.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def per_user(server) -> Counter:  # noqa: F811
    return Counter(r.user_id for r in server.sessions())


def warm_catalog(capsys) -> None:
    """Cache the catalog so a run sends only session requests (the fault knobs then hit only those)."""
    assert cli(capsys, "toolkits", "list")[0] == 0


# --- reading and validating ---------------------------------------------------------------------------


def test_parse_plain_and_csv_rows():
    rows = provision.parse_users("alice\r\nbob\n\n carol\n", as_csv=False)
    assert [(r.line, r.user_id) for r in rows] == [(1, "alice"), (2, "bob"), (4, " carol")]
    rows = provision.parse_users('email,User_ID\na@x.io,u1\n"b,@x.io",u2\nc@x.io\n', as_csv=True)
    assert [(r.line, r.user_id, bool(r.error)) for r in rows] == [(2, "u1", False), (3, "u2", False), (4, "", True)]
    rows = provision.parse_users("u1,extra\nu2,extra\n", as_csv=True)  # no header: the first column
    assert [r.user_id for r in rows] == ["u1", "u2"]


def test_check_rows_reports_bad_ids_and_repeats():
    rows = provision.check_rows(provision.parse_users("alice\ndefault\nalice\n{user}\nbo\tb\nx@y.io\n", as_csv=False))
    errors = {r.line: r.error for r in rows}
    assert errors[1] == "" and errors[6] == ""
    assert "shared placeholder" in errors[2]
    assert errors[3] == "The same user ID as line 1; each user gets one session."
    assert "placeholder or an unexpanded template" in errors[4]
    assert "a tab at position 3" in errors[5]
    assert "email address" in rows[5].warning


# --- the command ------------------------------------------------------------------------------------


def test_bad_rows_are_reported_and_the_rest_provisioned(api, capsys, tmp_path):
    path = users_file(tmp_path, "alice\ndefault\nbob\nalice\n carol\ndan@example.com\n")
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github", "gmail")
    assert rc == 2  # only rows that were never sent failed
    rows = json_lines(out)  # stdout is a pipe: JSON Lines, one per row, in file order
    assert [(r["line"], r["user_id"], r["status"]) for r in rows] == [
        (1, "alice", "created"), (2, "default", "failed"), (3, "bob", "created"), (4, "alice", "failed"),
        (5, " carol", "failed"), (6, "dan@example.com", "created")]
    assert set(rows[0]) == set(provision.FIELDS)
    for row in rows:
        if row["status"] == "created":
            assert row["mcp_url"] == api.mcp_url(row["session_id"]) and row["error"] == ""
        else:
            assert row["session_id"] == "" and row["error"]
    assert per_user(api) == {"alice": 1, "bob": 1, "dan@example.com": 1}
    assert "3 created, 0 skipped (already provisioned), 3 failed" in err
    assert "line 2  'default'" in err and "line 5  ' carol'" in err and "email address" in err
    assert DEMO_API_KEY not in out + err


def test_a_bad_slug_stops_everything_before_any_request(api, capsys, tmp_path):
    path = users_file(tmp_path, "alice\nbob\n")
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github", "gmial")
    assert rc == 2 and out == ""
    assert "did you mean 'gmail'" in err
    assert remote(api) == [] and ledger_rows() == []


def test_missing_users_file_and_no_key(api, capsys, tmp_path, monkeypatch):
    rc, out, err = cli(capsys, "provision", "--users", str(tmp_path / "nope.txt"), "--toolkit", "github")
    assert rc == 2 and out == "" and "does not exist" in err
    monkeypatch.delenv("COMPOSIO_API_KEY")
    rc, out, err = cli(capsys, "provision", "--users", users_file(tmp_path, "alice\n"), "--toolkit", "github")
    assert rc == 3 and out == "" and "COMPOSIO_API_KEY" in err and "composio-tui login" in err
    assert remote(api) == []


def test_csv_in_csv_and_json_out(api, capsys, tmp_path):
    path = users_file(tmp_path, "email,user_id\na@x.io,u1\nb@x.io,u2\n", "people.csv")
    out_csv = tmp_path / "out" / "result.csv"
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "slack", "--output", str(out_csv))
    assert rc == 0 and out == "" and f"Results written to {out_csv} (csv)" in err
    rows = list(csv.DictReader(out_csv.open()))
    assert list(rows[0]) == list(provision.FIELDS)
    assert [(r["user_id"], r["status"]) for r in rows] == [("u1", "created"), ("u2", "created")]
    assert {r["session_id"] for r in rows} == {s.session_id for s in api.sessions()}
    rc, out, _ = cli(capsys, "provision", "--users", path, "--toolkit", "slack", "--json")
    assert rc == 0
    data = json.loads(out)
    assert [(r["user_id"], r["status"], r["session_id"]) for r in data] == [
        (r["user_id"], "skipped", r["session_id"]) for r in rows]


def test_users_from_stdin(api, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s1\ns2\n"))
    rc, out, err = cli(capsys, "provision", "--users", "-", "--toolkit", "github", "--format", "csv")
    assert rc == 0 and "2 users in standard input" in err
    assert [r["user_id"] for r in csv.DictReader(io.StringIO(out))] == ["s1", "s2"]
    assert per_user(api) == {"s1": 1, "s2": 1}


def test_rerun_skips_provisioned_users_unless_force(api, capsys, tmp_path):
    path = users_file(tmp_path, "alice\nbob\n")
    assert cli(capsys, "provision", "--users", path, "--toolkit", "github")[0] == 0
    first = {r.user_id: r.session_id for r in api.sessions()}
    path = users_file(tmp_path, "alice\nbob\ncarol\n")
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
    rows = json_lines(out)
    assert rc == 0 and [r["status"] for r in rows] == ["skipped", "skipped", "created"]
    assert {r["user_id"]: r["session_id"] for r in rows[:2]} == first
    assert "1 created, 2 skipped" in err
    rc, out, _ = cli(capsys, "provision", "--users", path, "--toolkit", "github", "gmail")  # other toolkits: new
    assert [r["status"] for r in json_lines(out)] == ["created"] * 3
    rc, out, _ = cli(capsys, "provision", "--users", path, "--toolkit", "github", "--force")
    assert [r["status"] for r in json_lines(out)] == ["created"] * 3
    assert per_user(api) == {"alice": 3, "bob": 3, "carol": 3}
    assert len(ledger_rows("active")) == 9


# --- retries and failures -------------------------------------------------------------------------------


def test_429_and_5xx_are_retried_and_every_user_gets_exactly_one_session(api, capsys, tmp_path):
    warm_catalog(capsys)
    # Only the session creates (the run's POSTs) draw faults: the run also reads each new session back
    # (GET), and with four threads which request draws which fault would depend on arrival order.
    faults = Faults(seed=3, error_rate=0.2, error_status=503, rate_limit_rate=0.1, rate_limit_burst=2, retry_after=1,
                    methods="POST")
    engine = FaultEngine(faults)
    decisions = [engine.decide(method="POST").action for _ in range(12)]
    assert "rate_limit" in decisions and "error" in decisions  # this seed really injects both early
    api.set_faults(faults)
    users = [f"user-{i:02d}" for i in range(12)]
    started = time.monotonic()
    rc, out, err = cli(capsys, "provision", "--users", users_file(tmp_path, "\n".join(users)),
                       "--toolkit", "github", "--concurrency", "4")
    elapsed = time.monotonic() - started
    assert rc == 0, err
    rows = json_lines(out)
    assert [r["status"] for r in rows] == ["created"] * 12
    assert per_user(api) == {u: 1 for u in users}
    assert {r["session_id"] for r in rows} == {s.session_id for s in api.sessions()}
    assert {r["session_id"] for r in ledger_rows("active")} == {r["session_id"] for r in rows}
    assert elapsed >= 1.0  # the 429's retry-after: 1 was waited out
    assert "retries after 429/5xx" in err


def test_persistent_5xx_fails_each_user_with_a_reason(api, capsys, tmp_path):
    warm_catalog(capsys)
    api.set_faults(error_rate=1.0, error_status=500)
    rc, out, err = cli(capsys, "provision", "--users", users_file(tmp_path, "alice\nbob\n"), "--toolkit", "github",
                       "--retries", "1")
    assert rc == 5
    rows = json_lines(out)
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert all("internal error (500)" in r["error"] for r in rows)
    assert remote(api) == []
    assert [r["state"] for r in ledger_rows()] == ["failed", "failed"]
    assert "0 created, 0 skipped (already provisioned), 2 failed" in err


def test_a_rejected_key_stops_the_run(api, capsys, tmp_path, monkeypatch):
    warm_catalog(capsys)  # a fresh cache: the first request that sees the key is a session create
    monkeypatch.setenv("COMPOSIO_API_KEY", "ak_wrong_key_0000")
    users = "\n".join(f"u{i}" for i in range(10))
    rc, out, err = cli(capsys, "provision", "--users", users_file(tmp_path, users), "--toolkit", "github",
                       "--concurrency", "2")
    assert rc == 3
    rows = json_lines(out)
    assert all(r["status"] == "failed" for r in rows)
    assert sum("not attempted" in r["error"] for r in rows) >= 8
    assert "stopped early" in err and "401" in err and "ak_wrong_key_0000" not in out + err
    assert remote(api) == []


def test_item10_a_dropped_answer_is_unknown_and_the_rerun_lists_it(api, capsys, tmp_path):
    warm_catalog(capsys)
    path = users_file(tmp_path, "alice\n")
    api.set_faults(drop_rate=1.0)
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
    [row] = json_lines(out)
    assert rc == 5 and row["status"] == "unknown" and "outcome is unknown" in row["error"]
    assert [r["state"] for r in ledger_rows()] == ["unknown"]  # never claimed to have failed
    api.set_faults(drop_rate=0.0)
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
    [row] = json_lines(out)  # by default: listed, not created again
    assert rc == 5 and row["status"] == "unknown" and "--retry-unknown" in row["error"]
    assert "unknown line 1  'alice'" in err and "1 unknown (not created again)" in err
    assert remote(api) == []
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github", "--retry-unknown")
    [row] = json_lines(out)
    assert rc == 0 and row["status"] == "created"
    assert "created again as asked (--retry-unknown)" in row["warning"]
    assert "note    line 1  'alice'" in err
    assert len(remote(api, "alice")) == 1


def test_issue9_3_a_malformed_create_answer_is_an_unknown_outcome(api, capsys, tmp_path):
    """One rule for "the session may exist" (ApiError.outcome_unknown): an unreadable 2xx is one."""
    warm_catalog(capsys)
    api.set_faults(malformed_rate=1.0)
    rc, out, err = cli(capsys, "provision", "--users", users_file(tmp_path, "alice\n"), "--toolkit", "github")
    [row] = json_lines(out)
    assert rc == 5 and row["status"] == "unknown" and "outcome is unknown" in row["error"]
    assert [r["state"] for r in ledger_rows()] == ["unknown"]


def test_one_run_per_ledger_at_a_time(api, capsys, tmp_path):
    with provision.exclusive(default_paths().ledger):
        rc, out, err = cli(capsys, "provision", "--users", users_file(tmp_path, "alice\n"), "--toolkit", "github")
    assert rc == 6 and out == "" and "Another provisioning run is using the ledger" in err
    assert remote(api) == []


# --- the engine: bounded concurrency -------------------------------------------------------------------


class Counting:
    """The real gateway, counting how many session creations are in flight at once."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway, self.now, self.peak, self.lock = gateway, 0, 0, threading.Lock()

    def __getattr__(self, name):
        return getattr(self.gateway, name)

    def create_session(self, *args, **kwargs):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            return self.gateway.create_session(*args, **kwargs)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("concurrency", [1, 4])
def test_concurrency_is_bounded(server, tmp_path, concurrency):  # noqa: F811
    server.set_faults(latency=(0.05, 0.05))
    gateway = Counting(Gateway(server.base_url, DEMO_API_KEY, max_retries=0))
    rows = provision.check_rows([provision.UserRow(i + 1, f"u{i}") for i in range(12)])
    seen: list[str] = []
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        report = provision.provision(gateway, ledger, rows, ["github"], {"github", "gmail"},
                                     concurrency=concurrency, on_outcome=lambda o: seen.append(o.status))
        assert len(ledger.entries(states=["active"])) == 12
    assert gateway.peak == concurrency
    assert report.count("created") == 12 and seen == ["created"] * 12
    assert [o.user_id for o in report.outcomes] == [f"u{i}" for i in range(12)]


# --- a terminal versus a pipe ------------------------------------------------------------------------


def test_progress_bar_and_table_on_a_terminal_only(api, capsys, tmp_path):
    warm_catalog(capsys)
    path = users_file(tmp_path, "\n".join(f"p{i}" for i in range(30)))
    rc, screen = run_tty("provision", "--users", path, "--toolkit", "github")
    assert rc == 0
    assert "] 30/30  created 30  skipped 0  failed 0" in screen and "\r[" in screen
    assert "USER" in screen and "STATUS" in screen and "{" not in screen
    path = users_file(tmp_path, "q1\nq2\n", "more.txt")
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
    assert rc == 0 and "\r" not in err and "#" not in err and len(json_lines(out)) == 2


# --- issue 10: local storage is checked before the first request ---------------------------------------


def test_item2_an_output_path_that_is_a_directory_stops_before_any_request(api, capsys, tmp_path):
    path = users_file(tmp_path, "alice\nbob\n")
    target = tmp_path / "results"
    target.mkdir()
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github", "-o", str(target))
    assert rc == 2 and out == "" and f"The results path {target} is a directory" in err
    assert "Traceback" not in err and remote(api) == [] and ledger_rows() == []


def test_item2_an_unwritable_output_path_stops_before_any_request(api, capsys, tmp_path):
    import mounthelp

    path = users_file(tmp_path, "alice\nbob\n")
    with mounthelp.tmpfs(tmp_path / "ro") as mnt, mounthelp.read_only(mnt):
        rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github", "-o", str(mnt / "r.csv"))
    assert rc == 6 and out == "" and f"Cannot write the results file {mnt / 'r.csv'}" in err
    assert "nothing was sent" in err and "Traceback" not in err
    assert remote(api) == [] and ledger_rows() == []


@pytest.mark.parametrize("how", ["read-only", "immutable"])
def test_item3_a_read_only_or_immutable_data_dir_is_a_storage_error(api, capsys, tmp_path, monkeypatch, how):
    import mounthelp

    path = users_file(tmp_path, "alice\nbob\n")
    with mounthelp.tmpfs(tmp_path / "data") as mnt:
        monkeypatch.setenv("XDG_DATA_HOME", str(mnt))
        assert cli(capsys, "sessions", "create", "--user", "zed", "--toolkit", "github")[0] == 0  # a healthy ledger
        before = len(remote(api))
        guard = mounthelp.read_only(mnt) if how == "read-only" else mounthelp.immutable(mnt / "composio-tui")
        with guard:
            rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
            assert rc == 6 and out == ""
            assert "Cannot write to the session ledger" in err and "intact" in err
            assert "move it aside" not in err and "Traceback" not in err and "OSError" not in err
            assert len(err.strip().splitlines()) == 1
            rc, out, err = cli(capsys, "sessions", "create", "--user", "amy", "--toolkit", "github")
            assert rc == 6 and "Cannot write to the session ledger" in err  # the same sentence
        assert len(remote(api)) == before  # nothing was sent


def test_item6_a_rerun_asks_the_api_and_recreates_sessions_gone_there(api, capsys, tmp_path):
    path = users_file(tmp_path, "alice\nbob\ncarol\n")
    assert cli(capsys, "provision", "--users", path, "--toolkit", "github")[0] == 0
    first = {r.user_id: r.session_id for r in api.sessions()}
    api.store.delete_session(first["alice"])  # deleted elsewhere; the ledger still says active
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
    rows = {r["user_id"]: r for r in json_lines(out)}
    assert rc == 0, err
    assert rows["alice"]["status"] == "created" and rows["alice"]["session_id"] != first["alice"]
    assert [rows[u]["status"] for u in ("bob", "carol")] == ["skipped", "skipped"]
    assert {u: rows[u]["session_id"] for u in ("bob", "carol")} == {u: first[u] for u in ("bob", "carol")}
    states = {r["session_id"]: r["state"] for r in ledger_rows()}
    assert states[first["alice"]] == "gone" and states[rows["alice"]["session_id"]] == "active"
    assert per_user(api) == {"alice": 1, "bob": 1, "carol": 1}
    assert "1 created, 2 skipped" in err


def test_item6_a_rerun_that_cannot_ask_the_api_creates_nothing_twice(api, capsys, tmp_path):
    path = users_file(tmp_path, "alice\n")
    assert cli(capsys, "provision", "--users", path, "--toolkit", "github")[0] == 0
    api.set_faults(error_rate=1.0, error_status=503)
    rc, out, err = cli(capsys, "provision", "--users", path, "--toolkit", "github")
    [row] = json_lines(out)
    assert rc == 5 and row["status"] == "failed" and "could not confirm" in row["error"]
    assert per_user(api) == {"alice": 1}
