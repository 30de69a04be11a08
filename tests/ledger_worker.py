"""Subprocess entry point for the ledger tests: real separate processes sharing one ledger file.

    python tests/ledger_worker.py write <db> <tag> <count> <ready-file> <go-file>
    python tests/ledger_worker.py crash <db>
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tui.core.ledger import Ledger
from tui.core.models import SessionInfo

BASE_URL = "https://backend.composio.dev"


def write(db: str, tag: str, count: int, ready: str, go: str) -> None:
    ledger = Ledger(db)
    Path(ready).touch()
    deadline = time.monotonic() + 30
    while not Path(go).exists():  # start together with the other worker
        if time.monotonic() > deadline:
            sys.exit("no go signal")
        time.sleep(0.005)
    started = time.time()
    for n in range(count):
        row = ledger.begin(f"{tag}-user-{n}", ["github", "slack"], BASE_URL)
        session_id = f"trs_{tag}_{n}"
        ledger.complete(row, SessionInfo(session_id, f"{tag}-user-{n}", f"{BASE_URL}/tool_router/{session_id}/mcp"))
        time.sleep(0.001)  # like a real console, not a tight loop: lets the two writers interleave
    print(started, time.time(), flush=True)  # the test checks that both windows overlap
    ledger.close()


def crash(db: str) -> None:
    ledger = Ledger(db)
    row = ledger.begin("crash-user", ["gmail"], BASE_URL)
    print(row, flush=True)
    os._exit(9)  # dies between the intent and the API answer: no complete(), no close()


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
    elif sys.argv[1] == "crash":
        crash(sys.argv[2])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
