"""The real console against an API that accepts connections and never answers; quit once the catalog
request is in flight. Prints one JSON line: when quit was pressed and how far the app got.

Run as ``python quit_while_hanging.py`` with private XDG dirs; the parent times the process exit.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def hanging_server() -> tuple[str, list]:
    """Accept on 127.0.0.1 and hold every connection open without a byte of answer (daemon thread)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list = []

    def serve() -> None:
        while True:
            conn, _ = sock.accept()
            held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}", held


def main() -> None:
    from tui.app import ComposioApp
    from tui.core.config import load
    from tui.core.context import Context, KeyInfo
    from tui.core.states import KeySource

    url, held = hanging_server()
    settings, paths = load(base_url=url, timeout=60, max_retries=3)
    ctx = Context(settings=settings, paths=paths)
    ctx.use_key(KeyInfo("ak_quit_test_0123456789", KeySource.ENV))
    app = ComposioApp(ctx)
    report: dict = {}

    def check() -> None:
        if held and "quit_at" not in report:  # the catalog request is on the wire and will never return
            report["quit_at"] = time.time()
            report["screen"] = type(app.screen).__name__
            app.call_later(app.run_action, "quit")

    app.call_after_refresh(lambda: app.set_interval(0.02, check))
    app.run(headless=True)
    report["returned_at"] = time.time()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
