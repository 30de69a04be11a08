"""Benchmark: `composio-tui provision` for 500 users against the embedded API with 50 ms latency.

    uv run python benchmarks/provision.py [--users 500] [--concurrency 32] [--latency 0.05]

1. baseline: a plain sequential loop over ``composio.Composio(...).create(user_id=..., toolkits=[...])``
   in this process (SDK import and client construction not timed);
2. provision: the real CLI in a subprocess. Reported twice: the provisioning phase (the CLI's own
   "Done in X s") and the whole process wall time, which includes Python start-up, the ~4-5 s import
   of the composio SDK and the catalog fetch;
3. faults: the same run for new users with injected 5xx and 429 bursts (``retry-after``). Checks that
   every user ends with exactly one session or a reported failure, and that the ledger and the API
   (``DemoServer.sessions()``) agree: no lost and no duplicate sessions.

Prints the figures; exits 1 if a correctness check fails.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.demo import DEMO_API_KEY  # noqa: E402
from tui.demo.faults import Faults  # noqa: E402
from tui.demo.runner import DemoServer  # noqa: E402

TOOLKITS = ["github", "gmail"]


def baseline(base_url: str, users: list[str]) -> float:
    import composio

    client = composio.Composio(api_key=DEMO_API_KEY, base_url=base_url, allow_tracking=False, timeout=30,
                               max_retries=0)
    client.create(user_id="warm-up", toolkits=TOOLKITS)  # first call builds the HTTP client: not timed
    started = time.perf_counter()
    for user in users:
        client.create(user_id=user, toolkits=TOOLKITS)
    return time.perf_counter() - started


def run_cli(base_url: str, home: Path, users: list[str], concurrency: int, tag: str) -> dict:
    users_file = home / f"{tag}.txt"
    users_file.write_text("\n".join(users) + "\n")
    out = home / f"{tag}.csv"
    env = dict(os.environ, COMPOSIO_BASE_URL=base_url, COMPOSIO_API_KEY=DEMO_API_KEY,
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
               COMPOSIO_TUI_MAX_RETRIES="5", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    cmd = [sys.executable, "-m", "tui", "provision", "--users", str(users_file), "--toolkit", *TOOLKITS,
           "--concurrency", str(concurrency), "--output", str(out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    done = re.search(r"Done in ([\d.]+) s", proc.stderr)
    retries = re.search(r"(\d+) retries after 429/5xx", proc.stderr)
    rows = list(csv.DictReader(io.StringIO(out.read_text()))) if out.exists() else []
    return {"rc": proc.returncode, "wall": wall, "engine": float(done.group(1)) if done else float("nan"),
            "retries": int(retries.group(1)) if retries else 0, "rows": rows, "stderr": proc.stderr,
            "ledger": home / "data" / "composio-tui" / "ledger.sqlite3"}


def check(server: DemoServer, result: dict, users: list[str]) -> list[str]:
    """Every user: one API session that the ledger and the results name, or a reported failure and none."""
    problems: list[str] = []
    wanted = set(users)
    api: dict[str, list[str]] = {}
    for record in server.sessions():
        if record.user_id in wanted:
            api.setdefault(record.user_id, []).append(record.session_id)
    db = sqlite3.connect(f"file:{result['ledger']}?mode=ro", uri=True)
    ledger: dict[str, list[tuple[str, str]]] = {}
    for user_id, session_id, state in db.execute("SELECT user_id, session_id, state FROM sessions"):
        if user_id in wanted:
            ledger.setdefault(user_id, []).append((session_id, state))
    db.close()
    rows = {r["user_id"]: r for r in result["rows"]}
    if set(rows) != wanted:
        problems.append(f"results name {len(rows)} users, expected {len(wanted)}")
    for user in users:
        row = rows.get(user, {})
        remote = api.get(user, [])
        active = [s for s, state in ledger.get(user, []) if state == "active"]
        if row.get("status") == "created":
            if remote != [row["session_id"]] or active != [row["session_id"]]:
                problems.append(f"{user}: API {remote}, ledger active {active}, results {row['session_id']}")
        elif row.get("status") == "failed":
            if remote or active or not row.get("error"):
                problems.append(f"{user}: failed ({row.get('error')!r}) but API {remote}, ledger active {active}")
        else:
            problems.append(f"{user}: status {row.get('status')!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32],
                        help="one clean run per value (8 is the CLI default); the fault run uses the last")
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    latency = (args.latency, args.latency)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="provision-bench-") as tmp, \
            DemoServer(faults=Faults(latency=latency)) as server:
        home = Path(tmp)
        print(f"{args.users} users, toolkits {TOOLKITS}, {args.latency * 1000:.0f} ms latency per request")

        seq = baseline(server.base_url, [f"seq-{i:04d}" for i in range(args.users)])
        print(f"  sequential SDK loop      {seq:7.2f} s  ({args.users / seq:6.1f} sessions/s)")

        for concurrency in args.concurrency:
            users = [f"fast{concurrency}-{i:04d}" for i in range(args.users)]
            fast = run_cli(server.base_url, home, users, concurrency, f"fast{concurrency}")
            created = Counter(r["status"] for r in fast["rows"])
            print(f"  provision --concurrency {concurrency}:")
            print(f"    provisioning phase     {fast['engine']:7.2f} s  ({args.users / fast['engine']:6.1f} sessions/s)"
                  f"  -> {seq / fast['engine']:.1f}x the sequential loop")
            print(f"    whole CLI process      {fast['wall']:7.2f} s  -> {seq / fast['wall']:.1f}x "
                  "(includes interpreter start, composio import, catalog fetch)")
            print(f"    exit {fast['rc']}, {dict(created)}")
            failures += [f"clean run: {p}" for p in check(server, fast, users)]
            if fast["rc"] != 0:
                failures.append(f"clean run exited {fast['rc']}: {fast['stderr'][-500:]}")

        server.set_faults(Faults(seed=11, latency=latency, error_rate=0.05, error_status=503,
                                 rate_limit_rate=0.01, rate_limit_burst=3, retry_after=1))
        users = [f"fault-{i:04d}" for i in range(args.users)]
        faulty = run_cli(server.base_url, home, users, args.concurrency[-1], "faults")
        counts = Counter(r["status"] for r in faulty["rows"])
        remote = sum(1 for r in server.sessions() if r.user_id.startswith("fault-"))
        print(f"  faults, --concurrency {args.concurrency[-1]}: 5% 503s and 1% 429 bursts of 3 (retry-after 1 s)")
        print(f"    {faulty['engine']:.2f} s provisioning, "
              f"{faulty['wall']:.2f} s wall, {faulty['retries']} retries, exit {faulty['rc']}")
        print(f"    results {dict(counts)}; API sessions for these users: {remote}")
        problems = check(server, faulty, users)
        failures += [f"fault run: {p}" for p in problems]
        verdict = "agree (no lost, no duplicate sessions)" if not problems else problems[:5]
        print(f"    ledger vs API vs results: {verdict}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
