"""Resume: SIGKILL a real `provision` process midway, run it again, end with one session per user.

What cannot be known is asserted too: requests in flight at the kill may still create a session on
the API whose answer nobody read. The API cannot list sessions, so the re-run cannot find those; it
creates the user's session again and names the user in a note. Such orphans may exist only for users
whose ledger row was "pending" at the kill.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

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
    return [sys.executable, "-m", "tui", "provision", "--users", str(users_path), "--toolkit", "github", "gmail",
            "--concurrency", "4", "--output", str(out_path)]


def test_killed_run_resumes_to_exactly_one_session_per_user(server, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    server.set_faults(latency=(0.1, 0.1))
    users_path = tmp_path / "users.txt"
    users_path.write_text("\n".join(USERS) + "\n")
    ledger = default_paths().ledger

    # 1. Start a real run and SIGKILL it once KILL_AFTER sessions are recorded as active.
    first_out = tmp_path / "first.json"
    with open(tmp_path / "first.err", "w") as err:
        proc = subprocess.Popen(provision_cmd(users_path, first_out), stdout=subprocess.DEVNULL, stderr=err)
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

    # 2. Run the same command again.
    out = tmp_path / "second.json"
    proc = subprocess.run(provision_cmd(users_path, out), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(out.read_text())
    assert [r["user_id"] for r in rows] == USERS  # every user, once, in file order
    by_user = {r["user_id"]: r for r in rows}
    assert {u for u, r in by_user.items() if r["status"] == "skipped"} == set(done_before)
    assert {u: by_user[u]["session_id"] for u in done_before} == done_before
    assert all(r["status"] == "created" for u, r in by_user.items() if u not in done_before)
    for user in in_doubt:  # the operator is told which users may have an unrecorded remote session
        assert "An earlier attempt for this user never got its answer" in by_user[user]["warning"]
    assert f"{len(USERS) - len(done_before)} created, {len(done_before)} skipped" in proc.stderr

    # 3. Exactly one active session per user in the ledger, the same as the results and present remotely.
    active = Counter(user for user, _, state in ledger_states(ledger) if state == "active")
    assert active == Counter(USERS)
    active_ids = {sid for _, sid, state in ledger_states(ledger) if state == "active"}
    assert active_ids == {r["session_id"] for r in rows}
    remote = {r.session_id: r.user_id for r in server.sessions()}
    assert active_ids <= set(remote)
    extra = Counter(remote[sid] for sid in set(remote) - active_ids)
    assert set(extra) <= in_doubt and all(n == 1 for n in extra.values())
    assert len(remote) == len(USERS) + len(orphans)  # the re-run itself made no duplicate
