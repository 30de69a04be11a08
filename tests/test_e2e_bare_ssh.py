"""The plainest place an operator meets: a bare SSH login, inside tmux, 80x24, no D-Bus, no display,
TERM=xterm-256color and NO_COLOR=1. The whole flow (search, select, user, create, copy) works and the
URL reaches the tmux buffer; the key comes from the environment, or from the this-run-only path after
the login screen explains why the keyring cannot be used."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sessionhelp import small_server
from tmuxhelp import APP, Tmux
from tui.demo import DEMO_API_KEY


@pytest.fixture
def tmux():
    assert APP.exists(), f"{APP} is missing; run `uv sync`"
    session = Tmux("composio-bare-ssh", width=80, height=24)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def server(tmp_path):
    srv = small_server(tmp_path)
    yield srv
    srv.stop()


def bare_env(xdg: Path, **extra: str) -> dict[str, str]:
    """What `ssh host` gives: no DBUS_SESSION_BUS_ADDRESS, no DISPLAY/WAYLAND_DISPLAY, no keyring choice."""
    home = xdg.parent / "home"
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "TERM": "xterm-256color",
           "NO_COLOR": "1", "LANG": "C.UTF-8", "USER": "ops", "SHELL": "/bin/sh"}
    env |= {f"XDG_{d}_HOME": str(xdg / d.lower()) for d in ("CONFIG", "CACHE", "DATA", "STATE")}
    return env | extra


LIST_KEYS = r"space Mark"
ESCAPE_GAP = 0.2  # a lone ESC is an ESC only after ESCDELAY (0.1 s) of silence; sooner, "/" reads as alt+/


def search(tmux: Tmux, text: str, attempts: int = 3) -> None:
    """Type a search: "/" and, once the field has the focus, the text. (Textual moves the focus on its
    next turn, so letters that arrive with the "/" still go to the list, where "i" opens the details.)
    A key sent in the app's very first moment can be lost while Textual parses the terminal's answers
    to its start-up queries, so check the text reached the field, and retry if it did not."""
    for attempt in range(attempts):
        if attempt:
            tmux.keys("Escape")  # closes what stray keys opened, or clears a half-typed search
            tmux.wait_for(r"▊ +/ search toolkits", timeout=10)  # the list with an empty field again
            time.sleep(ESCAPE_GAP)  # the terminal protocol's own rule, not a wait for the app
        field = tmux.find("/ search toolkits")
        tmux.keys("/")
        try:
            tmux.wait_cursor_in(field, timeout=5)  # the field has the focus
            tmux.keys(text, literal=True)
            tmux.wait_for(r"▊ +" + re.escape(text) + r" +▎", timeout=5)  # in the field, not the list
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
            print(f"\nbare SSH: search keys not seen on attempt {attempt + 1}; retrying")


def search_select_create_copy(tmux: Tmux, user_id: str) -> None:
    tmux.wait_for(r"\b\d+ toolkits\b")
    search(tmux, "gith")
    # The footer shows the focused widget's keys: "space Mark" only while the list has the focus.
    tmux.wait_gone(LIST_KEYS)
    tmux.keys("Enter")  # filters at once (no debounce), back to the list, GitHub first
    tmux.wait_for(LIST_KEYS)  # a space sent sooner would land in the field
    tmux.keys("Space")
    tmux.wait_for(r"Selected \(1\): github")
    tmux.keys("n")
    tmux.wait_for("New Tool Router session")
    tmux.wait_cursor_in(tmux.find("a stable id"))  # the user id field has the focus
    tmux.keys(user_id, literal=True)
    tmux.wait_for(re.escape(user_id))
    tmux.keys("C-s")
    tmux.wait_for(r"Session created for user\s+" + re.escape(user_id))
    tmux.keys("c")


def check_issued(tmux: Tmux, server, user_id: str, started: float) -> None:
    buffer = tmux.buffer()
    print(f"\nbare SSH ({user_id}): 80x24, NO_COLOR, no D-Bus; created and copied in "
          f"{time.monotonic() - started:.1f} s; buffer {len(buffer)} bytes")
    records = server.sessions()
    assert [(r.user_id, r.toolkits) for r in records] == [(user_id, ("github",))]
    assert buffer == server.mcp_url(records[0].session_id)
    assert tmux.quit_app() == "0"


def test_key_from_the_environment(tmux, server, xdg):
    env = bare_env(xdg, COMPOSIO_BASE_URL=server.base_url, COMPOSIO_API_KEY=DEMO_API_KEY)
    started = time.monotonic()
    tmux.start([str(APP)], env, clean=True)
    search_select_create_copy(tmux, "ssh-user-env")
    check_issued(tmux, server, "ssh-user-env", started)


def test_key_for_this_run_only_after_the_explanation(tmux, server, xdg):
    started = time.monotonic()
    tmux.start([str(APP)], bare_env(xdg, COMPOSIO_BASE_URL=server.base_url), clean=True)
    tmux.wait_for("Composio API key")
    screen = tmux.wait_for(r"No D-Bus session bus is reachable").string
    assert "COMPOSIO_API_KEY" in screen and "this run only" in screen
    tmux.keys(DEMO_API_KEY, literal=True)
    assert DEMO_API_KEY not in tmux.screen()  # masked as it is typed
    tmux.keys("C-t")
    tmux.wait_for(r"key …\w{4} \(this run only\)")
    search_select_create_copy(tmux, "ssh-user-run")
    check_issued(tmux, server, "ssh-user-run", started)
    written = [p for p in xdg.rglob("*") if p.is_file()]
    assert written and not any(DEMO_API_KEY in p.read_bytes().decode("utf-8", "replace") for p in written)
