"""Resume: SIGKILL a real `provision` process midway, run it again, end with one session per user.

What cannot be known is asserted too: requests in flight at the kill may still create a session on
the API whose answer nobody read. The API cannot list sessions, so the re-run cannot find those; by
default it does not create for those users again (status "unknown", listed), so no user ends with two
sessions; ``--retry-unknown`` creates them knowingly. Such orphans may exist only for users whose ledger
row was "pending" at the kill.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter

import forkserver
import httpx
from demo_fixtures import server  # noqa: F401  (fixture)
from sessionhelp import wait_server_idle

from tui.core.paths import default_paths
from tui.demo import DEMO_API_KEY

USERS = [f"resume-{i:03d}" for i in range(60)]
KILL_AFTER = 15


def ledger_states(path) -> list[tuple[str, str | None, str]]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT user_id, session_id, state FROM sessions ORDER BY id").fetchall()
        finally:
            db.close()
    except sqlite3.OperationalError:  # not created yet
        return []


def provision_cmd(users_path, out_path) -> list[str]:
    return ["provision", "--users", str(users_path), "--toolkit", "github", "gmail",
            "--concurrency", "4", "--output", str(out_path)]


def demo_sessions(server) -> list[dict]:  # noqa: F811
    """The demo API's own record of every session it holds (GET /_demo/sessions)."""
    return httpx.get(f"{server.base_url}/_demo/sessions", timeout=10).json()["items"]


def test_item10_killed_run_reruns_with_no_duplicate_and_lists_the_unknown(server, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    server.set_faults(latency=(0.2, 0.2))  # slow enough that the kill lands midway on a loaded machine
    users_path = tmp_path / "users.txt"
    users_path.write_text("\n".join(USERS) + "\n")
    ledger = default_paths().ledger

    # 1. Start a real run and SIGKILL it once KILL_AFTER sessions are recorded as active.
    first_out = tmp_path / "first.json"
    with open(tmp_path / "first.err", "w") as err:
        proc = forkserver.Process(provision_cmd(users_path, first_out), stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(state == "active" for _, _, state in ledger_states(ledger)) >= KILL_AFTER:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "first.err").read_text()
    assert not first_out.exists()  # killed before writing its results
    at_kill = ledger_states(ledger)
    done_before = {user: sid for user, sid, state in at_kill if state == "active"}
    in_doubt = {user for user, _, state in at_kill if state == "pending"}
    assert KILL_AFTER <= len(done_before) < len(USERS)  # really midway
    assert in_doubt  # with 4 workers some requests were in flight
    wait_server_idle(server)  # the server has finished the requests the dead process had sent
    orphans = [r for r in server.sessions() if r.session_id not in set(done_before.values())]
    assert {r.user_id for r in orphans} <= in_doubt  # nothing unexplained: only in-flight requests

    # 2. Run the same command again: no user is created twice.
    out = tmp_path / "second.json"
    proc = forkserver.run(provision_cmd(users_path, out), timeout=120)
    assert proc.returncode == 5, proc.stderr  # some outcomes are unknown: not "all done"
    rows = json.loads(out.read_text())
    assert [r["user_id"] for r in rows] == USERS  # every user, once, in file order
    by_user = {r["user_id"]: r for r in rows}
    assert {u for u, r in by_user.items() if r["status"] == "skipped"} == set(done_before)
    assert {u: by_user[u]["session_id"] for u in done_before} == done_before
    assert {u for u, r in by_user.items() if r["status"] == "unknown"} == in_doubt
    assert all(r["status"] == "created" for u, r in by_user.items() if u not in set(done_before) | in_doubt)
    for user in in_doubt:  # the operator is told which users may have an unrecorded remote session
        assert "--retry-unknown" in by_user[user]["error"] and by_user[user]["session_id"] == ""
        assert f"unknown line {USERS.index(user) + 1}  '{user}'" in proc.stderr
    fresh = len(USERS) - len(done_before) - len(in_doubt)
    assert f"{fresh} created, {len(done_before)} skipped (already provisioned), 0 failed, {len(in_doubt)} unknown" \
        in proc.stderr
    per_user = Counter(r["user_id"] for r in demo_sessions(server))
    assert max(per_user.values()) == 1  # 0 duplicates, by the API's own account
    assert set(per_user) == set(USERS) - (in_doubt - {r.user_id for r in orphans})

    # 3. --retry-unknown creates the unknown ones knowingly, and says so.
    out = tmp_path / "third.json"
    proc = forkserver.run(provision_cmd(users_path, out) + ["--retry-unknown"], timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {r["user_id"]: r for r in json.loads(out.read_text())}
    assert {u for u, r in rows.items() if r["status"] == "created"} == in_doubt
    assert all("created again as asked (--retry-unknown)" in rows[u]["warning"] for u in in_doubt)
    active = Counter(user for user, _, state in ledger_states(ledger) if state == "active")
    assert active == Counter(USERS)
