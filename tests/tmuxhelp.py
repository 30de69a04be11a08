"""A private tmux server for end-to-end tests and benchmarks: never the user's own server or config.

Failures raise AssertionError with what the pane showed, so a missing tmux fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

APP = Path(sys.executable).with_name("composio-tui")


def fail(message: str):
    raise AssertionError(message)


class Tmux:
    """One private tmux server with one pane (120x36 unless asked), ``set-clipboard on``."""

    def __init__(self, name: str, width: int = 120, height: int = 36) -> None:
        if shutil.which("tmux") is None:
            fail("tmux is not installed; the end-to-end test needs it (apt-get install tmux)")
        self.base = ["tmux", "-L", f"{name}-{os.getpid()}", "-f", "/dev/null"]
        self.env = {**os.environ, "LANG": "C.UTF-8"}
        self.env.pop("TMUX", None)  # never talk to an enclosing tmux
        self.run("new-session", "-d", "-s", "e2e", "-x", str(width), "-y", str(height), "sleep 600")
        self.run("set-option", "-g", "set-clipboard", "on")
        self.run("set-option", "-wg", "remain-on-exit", "on")  # keep a crashed app's last screen

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, env=self.env, timeout=10)
        if check and done.returncode:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str], *, clean: bool = False) -> None:
        """Run ``argv`` in the pane with ``env`` added (``clean``: with ``env`` only, as a bare login has)."""
        words = ["env", *(["-i"] if clean else []), *(f"{k}={v}" for k, v in env.items()), *argv]
        # The shell prints the exit status after the app (tmux's own #{pane_dead_status} can stay empty
        # when the pty closes before the child is reaped).
        line = " ".join(shlex.quote(w) for w in words) + '; echo "composio-tui exited with status $?"'
        self.run("respawn-pane", "-k", "-t", "e2e", line)

    def screen(self, history: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-S", "-"] if history else []), "-t", "e2e", check=False)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "e2e", *(["-l"] if literal else []), *keys)

    def wait_for(self, pattern: str, timeout: float = 30.0, history: bool = False,
                 interval: float = 0.05) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(history)
            found = re.search(pattern, screen)
            if found:
                return found
            if time.monotonic() > deadline:
                fail(f"{pattern!r} did not appear within {timeout} s; the pane shows:\n{screen}")
            time.sleep(interval)

    def buffer(self, timeout: float = 10.0) -> str:
        """The newest paste buffer, waiting for the first one to appear."""
        deadline = time.monotonic() + timeout
        while True:
            if self.run("list-buffers", check=False).strip():
                return self.run("show-buffer")
            if time.monotonic() > deadline:
                fail(f"no tmux buffer within {timeout} s (OSC 52 not received); the pane shows:\n"
                            f"{self.screen()}")
            time.sleep(0.05)

    def wait_cursor_leaves_row(self, row: str, timeout: float = 10.0) -> None:
        """Textual parks the (hidden) terminal cursor in the focused Input, so a focus change moves it."""
        deadline = time.monotonic() + timeout
        while self.pane("#{cursor_y}") == row:
            if time.monotonic() > deadline:
                fail(f"the focus did not move within {timeout} s; the pane shows:\n{self.screen()}",
                            pytrace=False)
            time.sleep(0.02)

    def pane(self, fmt: str) -> str:
        return self.run("display-message", "-p", "-t", "e2e", fmt).strip()

    def quit_app(self, timeout: float = 15.0) -> str:
        """Press q and wait for the app to end; returns its exit status."""
        self.keys("q")
        return self.wait_for(r"composio-tui exited with status (\d+)", timeout, history=True).group(1)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env, timeout=10)


