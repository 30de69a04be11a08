"""``python -m tui.demo``: run the demo API in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from tui.core.redact import mask
from tui.demo import DEMO_API_KEY
from tui.demo.data import load_catalog
from tui.demo.runner import DemoServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.demo", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--catalog", help="path to a toolkits.json (default: the bundled one)")
    parser.add_argument("--auto-activate", type=float, default=None, metavar="SECONDS",
                        help="turn INITIATED connections ACTIVE after this many seconds")
    args = parser.parse_args(argv)
    server = DemoServer(catalog=load_catalog(args.catalog), port=args.port, auto_activate_after=args.auto_activate)
    try:  # Ctrl-C at any moment from here on (even before the banner is out) stops cleanly
        server.start()
        print(f"Composio demo API: {server.base_url}", flush=True)
        print(f"API key: {DEMO_API_KEY[:3]}{mask(DEMO_API_KEY)} (tui.demo.DEMO_API_KEY)", flush=True)
        print(f"Toolkits: {len(server.catalog.toolkits)}. Press Ctrl-C to stop.", flush=True)
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
