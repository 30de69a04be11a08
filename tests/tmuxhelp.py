"""A private tmux server for end-to-end tests and benchmarks: never the user's own server or config.

Failures raise AssertionError with what the pane showed, so a missing tmux fails instead of skipping.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

APP = Path(sys.executable).with_name("composio-tui")
_serial = itertools.count(1)


def fail(message: str):
    raise AssertionError(message)


class Tmux:
    """One private tmux server with one pane (120x36 unless asked), ``set-clipboard on``."""

    def __init__(self, name: str, width: int = 120, height: int = 36) -> None:
        if shutil.which("tmux") is None:
            fail("tmux is not installed; the end-to-end test needs it (apt-get install tmux)")
        # A socket name of its own per instance: a server just killed under the same name can still be
        # going away ("server exited unexpectedly"), and parallel workers or runs must never share one.
        self.socket = f"{name}-{os.getpid()}-{next(_serial)}-{secrets.token_hex(3)}"
        self.base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
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

    def press_until(self, key: str, pattern: str, attempts: int = 3, timeout: float = 10.0) -> re.Match:
        """Send ``key`` and wait for ``pattern``; send it again (at most ``attempts`` times) only if the
        pane never showed the effect. Use it for keys whose repeat is harmless or visible (a key sent
        in the app's very first moment can be lost while Textual parses the terminal's answers to its
        start-up queries)."""
        for attempt in range(1, attempts + 1):
            self.keys(key)
            try:
                return self.wait_for(pattern, timeout)
            except AssertionError:
                if attempt == attempts:
                    raise
                print(f"\ntmux: {key!r} showed no {pattern!r} on attempt {attempt}; sending it again")
        raise AssertionError("unreachable")

    def wait_gone(self, pattern: str, timeout: float = 30.0) -> None:
        """Until ``pattern`` is no longer on the pane."""
        deadline = time.monotonic() + timeout
        while re.search(pattern, self.screen()):
            if time.monotonic() > deadline:
                fail(f"{pattern!r} was still shown after {timeout} s; the pane shows:\n{self.screen()}")
            time.sleep(0.05)

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

    def wait_cursor_leaves_row(self, row: int | str, timeout: float = 10.0) -> None:
        """Textual parks the (hidden) terminal cursor in the focused Input, so a focus change moves it."""
        deadline = time.monotonic() + timeout
        while self.cursor()[0] == int(row):
            if time.monotonic() > deadline:
                fail(f"the focus did not move within {timeout} s; the pane shows:\n{self.screen()}")
            time.sleep(0.02)

    def find(self, text: str) -> tuple[int, range]:
        """(row, columns) of ``text`` on the pane (fails if it is not shown)."""
        for row, line in enumerate(self.screen().splitlines()):
            if text in line:
                start = line.index(text)
                return row, range(start, start + len(text))
        fail(f"{text!r} is not on the pane:\n{self.screen()}")

    def cursor(self) -> tuple[int, int]:
        """(row, column) of the terminal cursor."""
        x, y = self.pane("#{cursor_x} #{cursor_y}").split()
        return int(y), int(x)

    def wait_cursor_in(self, where: tuple[int, range], timeout: float = 10.0) -> None:
        """Until the (hidden) terminal cursor is on row ``where[0]`` within columns ``where[1]``: Textual
        parks it in the focused Input, so this is how a test in a real terminal knows a field has the
        focus (give the columns the field's text covers, e.g. from ``find``)."""
        row, columns = where
        deadline = time.monotonic() + timeout
        while True:
            at_row, at_column = self.cursor()
            if at_row == row and at_column in columns:
                return
            if time.monotonic() > deadline:
                fail(f"the cursor is at row {at_row} column {at_column}, not in row {row} columns "
                     f"{columns.start}-{columns.stop - 1}, after {timeout} s; the pane shows:\n{self.screen()}")
            time.sleep(0.02)

    def pane(self, fmt: str) -> str:
        return self.run("display-message", "-p", "-t", "e2e", fmt).strip()

    def quit_app(self, timeout: float = 15.0) -> str:
        """Press q and wait for the app to end; returns its exit status."""
        self.keys("q")
        return self.wait_for(r"composio-tui exited with status (\d+)", timeout, history=True).group(1)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env, timeout=10)


