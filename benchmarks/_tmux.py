"""A private tmux server for benchmarks and end-to-end checks (never the user's own)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time


class Tmux:
    def __init__(self, name: str, width: int = 120, height: int = 36) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed (apt-get install tmux)")
        self.base = ["tmux", "-L", f"{name}-{os.getpid()}", "-f", "/dev/null"]
        self.width, self.height = width, height
        self.run("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), "sleep 3600")
        self.run("set", "-g", "set-clipboard", "on")

    def run(self, *args: str, check: bool = True) -> str:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, check=check).stdout

    def start(self, command: str) -> float:
        """Respawn the pane with ``command``; returns the monotonic start time."""
        t0 = time.monotonic()
        self.run("respawn-pane", "-k", "-t", "main", command)
        return t0

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main", check=False)

    def wait_for(self, text: str, timeout: float = 20.0, interval: float = 0.005) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.screen():
                return time.monotonic()
            time.sleep(interval)
        raise TimeoutError(f"{text!r} did not appear within {timeout} s; screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "main", *keys)

    def buffer(self) -> str:
        return self.run("show-buffer", check=False)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)
