"""Helpers for the per-user session tests: a small demo API, deterministic ids and clock, UI steps.

The steps drive the real screens with keys (mark in the catalog, ``n``, type, ``ctrl+s``); they only
read widget state to find where to go, never to change it.
"""

from __future__ import annotations

import dataclasses

import asyncio
import time
from pathlib import Path

from textual.events import Paste
from textual.widgets import Input, Static

from apphelp import TIMEOUT, clear_toasts, settle, wait_until  # noqa: F401  (wait_until: re-exported for the tests)
from demo_fixtures import small_catalog
from tui.demo.runner import DemoServer
from tui.widgets.toolkit_table import ToolkitTable

LEDGER_TIME = "2025-01-31T12:00:00Z"


def small_server(directory: Path, port: int = 0, **options) -> DemoServer:
    """A started demo API over the six-toolkit catalog (github, gmail, slack, notion, hackernews, airtable)."""
    return DemoServer(catalog=small_catalog(directory), port=port, **options).start()


def record_requests(monkeypatch, names: dict[str, str]) -> tuple[dict[str, list[tuple[str, str, str]]], dict[str, int]]:
    """Demo APIs started from now on record every request: ``log[server]`` gets (method, path, whose key)
    and ``inflight[server]`` counts the requests being answered. A server is named after the first of
    its ``api_keys`` found in ``names`` (key -> name); a request's key is named the same way ("other")."""
    import tui.demo.runner as runner

    log: dict[str, list[tuple[str, str, str]]] = {}
    inflight: dict[str, int] = {}
    real = runner.create_app

    def recording(*args, **kwargs):
        app = real(*args, **kwargs)
        name = next(names[k] for k in args[3] if k in names)
        mine = log.setdefault(name, [])
        inflight[name] = 0

        async def wrapped(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            key = dict(scope["headers"]).get(b"x-api-key", b"").decode()
            mine.append((scope["method"], scope["path"], names.get(key, "other")))
            inflight[name] += 1
            try:
                await app(scope, receive, send)
            finally:
                inflight[name] -= 1
        return wrapped

    monkeypatch.setattr(runner, "create_app", recording)
    return log, inflight


def wait_server_idle(server: DemoServer, timeout: float = TIMEOUT) -> None:
    """Until the demo API holds no client connection and runs no request (e.g. after a client died with
    requests in flight: whatever the server does with them is then done). Reads uvicorn's own state."""
    state = server._server.server_state
    deadline = time.monotonic() + timeout
    while state.connections or state.tasks:
        if time.monotonic() > deadline:
            raise AssertionError(f"the demo API still had {len(state.connections)} connection(s) and "
                                 f"{len(state.tasks)} request(s) running after {timeout} s")
        time.sleep(0.01)


def fixed_clock(monkeypatch) -> None:
    """Ledger timestamps (shown in the sessions list) at one fixed instant."""
    import tui.core.ledger

    monkeypatch.setattr(tui.core.ledger, "_now", lambda: LEDGER_TIME)


def fast_polling(monkeypatch, interval: float = 0.05) -> None:
    """The readiness screen polls a Connect link every 1.5 s; tests need not wait that long."""
    import tui.screens.readiness

    monkeypatch.setattr(tui.screens.readiness, "POLL_INTERVAL", interval)


# --- reading the screen ------------------------------------------------------------------------


def text(app, selector: str) -> str:
    """The plain text a Static on the current screen shows."""
    return str(app.screen.query_one(selector, Static).render())


def visible_text(app, selector: str) -> str:
    """Like ``text`` but also asserts the widget is displayed inside the terminal, not scrolled away."""
    widget = app.screen.query_one(selector, Static)
    region = widget.region
    assert widget.display and region.height > 0, f"{selector} is not displayed"
    assert region.y >= 0 and region.bottom <= app.size.height, f"{selector} is outside the screen: {region}"
    return str(widget.render())


def notes(app) -> list[str]:
    """The notifications posted since the last clear (apps from ``make_app`` record them all; toasts
    already expired count too), else the ones currently shown."""
    if hasattr(app, "notified"):
        return list(app.notified)
    return [n.message for n in app._notifications]


def screen_name(app) -> str:
    return type(app.screen).__name__


# --- steps -------------------------------------------------------------------------------------


async def mark(pilot, *slugs: str) -> None:
    """Mark toolkits in the catalog: move the cursor to each row and press space (once the row is there)."""
    table = pilot.app.screen.query_one(ToolkitTable)
    for slug in slugs:
        await wait_until(pilot, lambda: slug in [t.slug for t in table.shown], what=f"the {slug!r} row")
        row = [t.slug for t in table.shown].index(slug)
        table.move_cursor(row=row)
        await pilot.press("space")
    assert list(slugs) == [s for s in pilot.app.marked if s in slugs]


async def open_form(pilot, *slugs: str) -> None:
    """From the catalog: mark ``slugs`` (when given) and press n."""
    if slugs:
        await mark(pilot, *slugs)
    await pilot.press("n")
    await pilot.pause()
    assert screen_name(pilot.app) == "NewSessionScreen"


async def paste(pilot, selector: str, value: str) -> None:
    """Paste into an Input the way a terminal delivers it (bracketed paste)."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.post_message(Paste(value))
    await pilot.pause()


async def create(pilot, user_id: str, *slugs: str):
    """Catalog -> form (the user id pasted) -> ctrl+s -> session screen. Returns the screen's SessionInfo."""
    await open_form(pilot, *slugs)
    await paste(pilot, "#user-id", user_id)
    await pilot.press("ctrl+s")
    await settle(pilot)
    app = pilot.app
    if screen_name(app) == "NewSessionScreen":
        raise AssertionError("the form did not create a session: " + text(app, "#form-status"))
    assert screen_name(app) == "SessionScreen"
    return app.screen.info


async def back_to_catalog(pilot) -> None:
    while screen_name(pilot.app) != "CatalogScreen":
        await pilot.press("escape")
        await pilot.pause()


async def seed(pilot, user_id: str, *slugs: str, show: bool = True):
    """A session made by the real core (``sessions.create``: API over HTTP + ledger row), without the
    form's key presses; with ``show`` its session screen is pushed as after a create."""
    from tui.core import sessions
    from tui.screens.session import SessionScreen

    app = pilot.app
    ctx = app.ctx
    known = app.index.slugs if app.index is not None else frozenset()
    info = await asyncio.to_thread(sessions.create, ctx.gateway, ctx.ledger, user_id, list(slugs), known)
    if show:
        app.push_screen(SessionScreen(info, created=True))
        await pilot.pause()
    return info


def pin_probe_time(monkeypatch) -> None:
    """The verify screen shows how long the probe took; pin it to 0.05 s."""
    import tui.core.probe

    real = tui.core.probe.verify_sync

    def verify_sync(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), seconds=0.05)

    monkeypatch.setattr(tui.core.probe, "verify_sync", verify_sync)


async def quiet(pilot) -> None:
    """No worker running, no toast, no blinking cursor."""
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await clear_toasts(pilot)


async def session_screen(pilot, user_id: str = "alice", *slugs: str) -> None:
    """The session screen of a session the API issued (the form itself has its own snapshots)."""
    await settle(pilot)
    await seed(pilot, user_id, *(slugs or ("github", "gmail")))


def snapshot_server(tmp_path, monkeypatch, *, port: int, seed: int) -> DemoServer:
    """A demo API whose screens are the same every run: fixed port (URLs show it), seeded ids, fixed
    ledger times, fast link polling and a pinned probe time."""
    fixed_clock(monkeypatch)
    fast_polling(monkeypatch)
    pin_probe_time(monkeypatch)
    return small_server(tmp_path, port=port, seed=seed)
