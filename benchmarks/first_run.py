"""First run: how long until the catalog's first rows are on screen on a fresh install (no cache).

Against a local Composio-compatible API (the embedded demo API, 1,234 toolkits in pages of 200, as
production has), in a real terminal (tmux): each run starts composio-tui with empty XDG dirs and a
key in ``COMPOSIO_API_KEY`` and polls the pane until the toolkit count is in the top bar (the table
is filled in the same refresh). Also: ``--demo`` with a warm cache (the cached catalog should show
before the embedded API has started). Prints the medians, the absolute figures and the ratio to a
bare Textual hello-world's first frame measured in the same run (goal: first rows within 2.5 s).

    uv run python benchmarks/first_run.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from tmuxhelp import Tmux  # noqa: E402

from tui.demo import DEMO_API_KEY  # noqa: E402
from tui.demo.data import synthetic_catalog  # noqa: E402
from tui.demo.runner import DemoServer  # noqa: E402

HELLO = '''
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("hello-first-frame")
Hello().run()
'''
COUNT = 1234


def fresh_env(root: Path, n: int) -> dict[str, str]:
    home = root / f"run{n}"
    return {f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "CACHE", "DATA", "STATE")}


def timed(tmux: Tmux, argv: list[str], env: dict[str, str], marker: str, timeout: float = 60.0) -> float:
    t0 = time.monotonic()
    tmux.start(argv, env)
    tmux.wait_for(marker, timeout=timeout, interval=0.005)
    elapsed = time.monotonic() - t0
    tmux.keys("q")
    tmux.start(["sleep", "3600"], {})
    return elapsed


def line(label: str, times: list[float]) -> str:
    return f"{label:<34} median {statistics.median(times) * 1000:7.1f} ms  (runs: " + \
        ", ".join(f"{t * 1000:.0f}" for t in times) + ")"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp, \
            DemoServer(catalog=synthetic_catalog(COUNT), max_page_size=200) as server:
        root = Path(tmp)
        hello = root / "hello.py"
        hello.write_text(HELLO)
        tmux = Tmux("bench-first-run")
        try:
            timed(tmux, [py, str(hello)], {}, "hello-first-frame")  # warm the disk cache
            bare = [timed(tmux, [py, str(hello)], {}, "hello-first-frame") for _ in range(args.runs)]
            first = []
            for n in range(args.runs):
                env = fresh_env(root, n) | {"COMPOSIO_API_KEY": DEMO_API_KEY}
                first.append(timed(tmux, [py, "-m", "tui", "--base-url", server.base_url], env,
                                   f"{COUNT:,} toolkits"))
            warm_env = fresh_env(root, 999)
            timed(tmux, [py, "-m", "tui", "--demo"], warm_env, r"\d+ toolkits")  # fills the demo cache
            demo = [timed(tmux, [py, "-m", "tui", "--demo"], warm_env, r"\d+ toolkits") for _ in range(args.runs)]
        finally:
            tmux.close()
    b = statistics.median(bare)
    f = statistics.median(first)
    d = statistics.median(demo)
    print(line("bare Textual first frame", bare))
    print(line(f"first run, no cache ({COUNT:,} tk)", first))
    print(line("--demo, warm cache", demo))
    print(f"ratio first run / bare first frame: {f / b:.2f}x   (first rows after {f:.2f} s; goal <= 2.5 s)")
    print(f"ratio --demo warm / bare first frame: {d / b:.2f}x")


if __name__ == "__main__":
    main()
