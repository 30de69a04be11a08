"""End to end in a real terminal: tmux runs `composio-tui`, keys create a session and copy its MCP URL,
and tmux's own paste buffer (filled by the app's OSC 52 write, `set-clipboard on`) holds exactly the URL
the API issued.

Each test uses a private tmux server (`-L <name> -f /dev/null`, never the user's), private XDG dirs and
HOME, and kills that server at the end. A missing tmux is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sessionhelp import small_server
from tmuxhelp import APP, Tmux
from tui.core.ledger import Ledger
from tui.core.paths import default_paths
from tui.core.probe import verify_sync
from tui.demo import DEMO_API_KEY

URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/tool_router/(trs_[A-Za-z0-9]+)/mcp")


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
    tmux.press_until("Space", r"Selected \(1\)")  # a second Space would show "Selected (2)", not pass
    tmux.keys("n")
    tmux.wait_for("New Tool Router session")
    tmux.wait_cursor_in(tmux.find("a stable id"))  # the user id field has the focus
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
