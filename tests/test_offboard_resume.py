"""Offboarding survives a crash: a real `users offboard` process is killed (SIGKILL) after some deletions,
run again, and finishes. At the end the API has no session and no account of that user, the ledger shows
every one of their sessions deleted, and the second user's session and account are untouched."""

from __future__ import annotations

import json
import os
import subprocess
import time

import forkserver
import pytest
from sessionhelp import small_server
from test_cli_sessions import ledger_rows

from tui.core import sessions
from tui.core.gateway import Gateway
from tui.core.ledger import Ledger
from tui.core.offboard import journal_path
from tui.core.paths import default_paths
from tui.demo import DEMO_API_KEY

pytestmark = pytest.mark.timeout(180)
SLUGS = ("github", "gmail", "slack", "notion", "airtable", "hackernews")


def offboard_process(server, user: str) -> forkserver.Process:
    """A real process (forked from the tests' zygote: see ``forkserver``), killed with SIGKILL below."""
    env = dict(os.environ, COMPOSIO_BASE_URL=server.base_url, COMPOSIO_API_KEY=DEMO_API_KEY)
    return forkserver.Process(["users", "offboard", user, "--yes", "--json"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def at_api(server, user: str) -> tuple[list, list]:
    return ([s.session_id for s in server.sessions() if s.user_id == user],
            [a.id for a in server.store.accounts() if a.user_id == user])


def test_killed_half_way_then_run_again(tmp_path):
    server = small_server(tmp_path)
    try:
        gw = Gateway(server.base_url, DEMO_API_KEY)
        known = frozenset(SLUGS)
        with Ledger(default_paths().ledger) as ledger:
            for slug in SLUGS:  # six sessions of the leaving user, each with a connected account (bar no-auth)
                info = sessions.create(gw, ledger, "leaver", [slug], known)
                if slug != "hackernews":
                    server.activate(gw.create_link(info.session_id, slug).connected_account_id)
            stay = sessions.create(gw, ledger, "stayer", ["github"], known)
            stay_account = gw.create_link(stay.session_id, "github").connected_account_id
            server.activate(stay_account)
        gw.close()
        assert [len(x) for x in at_api(server, "leaver")] == [6, 5]

        server.set_faults(latency=(0.25, 0.25))  # slow enough to kill it between two deletions
        proc = offboard_process(server, "leaver")
        deadline = time.monotonic() + 90
        while len(at_api(server, "leaver")[0]) > 3:  # three sessions deleted at the API
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the offboarding never got going"
            time.sleep(0.02)
        proc.kill()
        proc.communicate(timeout=30)
        assert proc.returncode == -9
        left_sessions, left_accounts = at_api(server, "leaver")
        assert left_sessions and len(left_accounts) == 5  # killed half way: work is left
        journal = journal_path(default_paths().ledger.parent, "leaver")
        events = [json.loads(line) for line in journal.read_text().splitlines()]
        assert events[0]["event"] == "plan" and len(events[0]["items"]) == 11
        assert sum(e["event"] == "done" for e in events) >= 2

        server.set_faults(latency=(0.0, 0.0))
        again = offboard_process(server, "leaver")
        out, err = again.communicate(timeout=90)
        assert again.returncode == 0, err
        report = json.loads(out)
        assert report["complete"] and report["sessions"] == 6 and report["accounts"] == 5
        assert any(i["earlier_run"] for i in report["items"])
        assert {i["outcome"] for i in report["items"]} <= {"deleted", "already_gone"}

        assert at_api(server, "leaver") == ([], [])
        rows = [r for r in ledger_rows() if r["user_id"] == "leaver"]
        assert len(rows) == 6 and {r["state"] for r in rows} == {"deleted"}
        assert all("offboarded by " in r["note"] for r in rows)
        assert at_api(server, "stayer") == ([stay.session_id], [stay_account])
        assert server.store.account(stay_account).status == "ACTIVE"
        assert [r["state"] for r in ledger_rows() if r["user_id"] == "stayer"] == ["active"]
        assert json.loads(journal.read_text().splitlines()[-1])["event"] == "finished"
    finally:
        server.stop()
