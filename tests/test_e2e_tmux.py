"""End to end in a real terminal: tmux runs `composio-tui`, keys create a session and copy its MCP URL,
and tmux's own paste buffer (filled by the app's OSC 52 write, `set-clipboard on`) holds exactly the URL
the API issued.

Each test uses a private tmux server (`-L <name> -f /dev/null`, never the user's), private XDG dirs and
HOME, and kills that server at the end. A missing tmux is a failure, not a skip.
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

import pytest

from sessionhelp import small_server
from tui.core.ledger import Ledger
from tui.core.paths import default_paths
from tui.core.probe import verify_sync
from tui.demo import DEMO_API_KEY

WIDTH, HEIGHT = 120, 36
URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/tool_router/(trs_[A-Za-z0-9]+)/mcp")
APP = Path(sys.executable).with_name("composio-tui")


class Tmux:
    """One private tmux server with one 120x36 pane."""

    def __init__(self, name: str) -> None:
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed; the end-to-end test needs it (apt-get install tmux)", pytrace=False)
        self.base = ["tmux", "-L", f"{name}-{os.getpid()}", "-f", "/dev/null"]
        self.env = {**os.environ, "LANG": "C.UTF-8"}
        self.env.pop("TMUX", None)  # never talk to an enclosing tmux
        self.run("new-session", "-d", "-s", "e2e", "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 600")
        self.run("set-option", "-g", "set-clipboard", "on")
        self.run("set-option", "-wg", "remain-on-exit", "on")  # keep a crashed app's last screen

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, env=self.env, timeout=10)
        if check and done.returncode:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        words = ["env", *(f"{k}={v}" for k, v in env.items()), *argv]
        # The shell prints the exit status after the app (tmux's own #{pane_dead_status} can stay empty
        # when the pty closes before the child is reaped).
        line = " ".join(shlex.quote(w) for w in words) + '; echo "composio-tui exited with status $?"'
        self.run("respawn-pane", "-k", "-t", "e2e", line)

    def screen(self, history: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-S", "-"] if history else []), "-t", "e2e", check=False)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "e2e", *(["-l"] if literal else []), *keys)

    def wait_for(self, pattern: str, timeout: float = 30.0, history: bool = False) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(history)
            found = re.search(pattern, screen)
            if found:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"{pattern!r} did not appear within {timeout} s; the pane shows:\n{screen}", pytrace=False)
            time.sleep(0.05)

    def buffer(self, timeout: float = 10.0) -> str:
        """The newest paste buffer, waiting for the first one to appear."""
        deadline = time.monotonic() + timeout
        while True:
            if self.run("list-buffers", check=False).strip():
                return self.run("show-buffer")
            if time.monotonic() > deadline:
                pytest.fail(f"no tmux buffer within {timeout} s (OSC 52 not received); the pane shows:\n"
                            f"{self.screen()}", pytrace=False)
            time.sleep(0.05)

    def wait_cursor_leaves_row(self, row: str, timeout: float = 10.0) -> None:
        """Textual parks the (hidden) terminal cursor in the focused Input, so a focus change moves it."""
        deadline = time.monotonic() + timeout
        while self.pane("#{cursor_y}") == row:
            if time.monotonic() > deadline:
                pytest.fail(f"the focus did not move within {timeout} s; the pane shows:\n{self.screen()}",
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


@pytest.fixture
def tmux():
    if not APP.exists():
        pytest.fail(f"{APP} is missing; run `uv sync` so the composio-tui script is installed", pytrace=False)
    session = Tmux("composio-e2e")
    try:
        yield session
    finally:
        session.close()


def pane_env(xdg: Path, **extra: str) -> dict[str, str]:
    home = xdg.parent / "home"
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "LANG": "C.UTF-8", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env |= {var: os.environ[var] for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    return env | extra


def create_and_copy(tmux: Tmux, user_id: str, submit: str) -> str:
    """Catalog -> mark the first toolkit -> n -> type the user -> create -> c; returns the session screen.

    ``submit`` "enter": enter moves to the toolkits field, enter there creates; "ctrl+s": the binding.
    """
    tmux.wait_for(r"\b\d[\d,]* toolkits\b")
    tmux.keys("Space")
    tmux.wait_for(r"Selected \(1\)")
    tmux.keys("n")
    tmux.wait_for("New Tool Router session")
    tmux.keys(user_id, literal=True)
    tmux.wait_for(re.escape(user_id))
    if submit == "enter":
        row = tmux.pane("#{cursor_y}")
        tmux.keys("Enter")
        tmux.wait_cursor_leaves_row(row)  # a second enter before the focus moved would land in the same field
        tmux.keys("Enter")
    else:
        tmux.keys("C-s")
    tmux.wait_for(r"Session created for user\s+" + re.escape(user_id))
    screen = tmux.screen()
    tmux.keys("c")
    return screen


def test_demo_mode_copies_the_issued_url_into_the_tmux_buffer(tmux, xdg):
    tmux.start([str(APP), "--demo"], pane_env(xdg))
    screen = create_and_copy(tmux, "e2e-user-1", "enter")
    buffer = tmux.buffer()

    shown = URL_RE.search(screen)
    assert shown, screen
    assert buffer == shown.group(0)  # exactly the URL on screen, nothing more
    session_id = shown.group(2)
    assert re.search(r"session id\s+" + session_id, screen)
    # The embedded API lives inside the app; it answers MCP on this URL, so it issued this session.
    probe = verify_sync(buffer, {"x-api-key": DEMO_API_KEY}, timeout=10)
    assert probe.ok and "COMPOSIO_SEARCH_TOOLS" in probe.tools, probe.diagnosis
    assert tmux.quit_app() == "0"


def test_against_an_api_the_test_runs_the_buffer_holds_the_issued_url(tmux, xdg, tmp_path):
    server = small_server(tmp_path)
    try:
        env = pane_env(xdg, COMPOSIO_BASE_URL=server.base_url, COMPOSIO_API_KEY=DEMO_API_KEY)
        tmux.start([str(APP)], env)
        screen = create_and_copy(tmux, "e2e-user-2", "ctrl+s")
        buffer = tmux.buffer()

        records = server.sessions()
        assert len(records) == 1 and records[0].user_id == "e2e-user-2"
        issued = server.mcp_url(records[0].session_id)
        assert buffer == issued
        assert issued in screen
        assert tmux.quit_app() == "0"
    finally:
        server.stop()

    with Ledger(default_paths().ledger) as ledger:  # the pane used the same private XDG dirs
        rows = ledger.entries()
    assert [(r.user_id, r.session_id, r.mcp_url, r.state) for r in rows] == [
        ("e2e-user-2", records[0].session_id, issued, "active")]
