"""First frame of composio-tui vs a bare Textual hello-world, both in a real terminal (tmux).

Each run starts a fresh process in a tmux pane and polls the pane until the app's first text is on
screen. Prints the medians and the ratio (goal: <= 2x). Also checks that `import composio` has not
happened before the first frame.

    uv run python benchmarks/first_frame.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from tmuxhelp import Tmux  # noqa: E402

HELLO = '''
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("hello-first-frame")
Hello().run()
'''


def measure(tmux: Tmux, argv: list[str], env: dict[str, str], marker: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        tmux.start(argv, env)
        tmux.wait_for(marker, interval=0.005)
        times.append(time.monotonic() - t0)
        tmux.keys("q")
        tmux.start(["sleep", "3600"], {})
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        env = {f"XDG_{d}_HOME": f"{tmp}/{d.lower()}" for d in ("CONFIG", "CACHE", "DATA", "STATE")}
        tmux = Tmux("bench-first-frame")
        try:
            measure(tmux, [py, str(hello)], {}, "hello-first-frame", 1)  # warm the disk cache
            bare = measure(tmux, [py, str(hello)], {}, "hello-first-frame", args.runs)
            ours = measure(tmux, [py, "-m", "tui", "--demo"], env, "composio-tui", args.runs)
        finally:
            tmux.close()
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"bare Textual hello-world  median {b * 1000:7.1f} ms  (runs: {', '.join(f'{t*1000:.0f}' for t in bare)})")
    print(f"composio-tui --demo       median {o * 1000:7.1f} ms  (runs: {', '.join(f'{t*1000:.0f}' for t in ours)})")
    print(f"ratio composio-tui / bare: {o / b:.2f}x  (goal <= 2x)")
    check = ("import sys, tui.__main__, tui.app; "
             "print('composio' in sys.modules or 'composio_client' in sys.modules)")
    import subprocess
    loaded = subprocess.run([py, "-c", check], capture_output=True, text=True).stdout.strip()
    print(f"composio imported on the path to the first frame: {loaded}")


if __name__ == "__main__":
    main()
