"""Helpers for Pilot tests: build the real app against a real (loopback) API and wait for conditions.

The one rule for waiting: never wait a fixed time for something to happen. ``settle`` waits until the
app is quiet (no worker pending or running, no debounce timer still to fire, no message queued);
``wait_until`` waits for a condition the test names. Both poll with a bounded deadline (``TIMEOUT``,
generous because the machine may be loaded; a passing test never waits it out) and fail with what the
app was still doing, so a slow machine makes a test slower, never red.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.worker import WorkerState

from tui.app import ComposioApp
from tui.core.config import load
from tui.core.context import Context, KeyInfo
from tui.core.paths import default_paths

TIMEOUT = 30.0
# One-shot timers up to this long are debounces (search 0.12 s, detail 0.25 s, Textual's own short
# ones) that start work when they fire; longer ones (toasts expiring, tooltips) are not work to wait for.
SHORT_TIMER = 1.0
POLL = 0.01


def make_app(base_url: str, key: str | None, *, source: str = "env", demo: bool = False, **settings) -> ComposioApp:
    config, paths = load(default_paths(), base_url=base_url, **settings)
    ctx = Context(settings=config, paths=paths, demo=demo)
    if key is not None:
        ctx.use_key(KeyInfo(key, source, "from COMPOSIO_API_KEY" if source == "env" else source))
    return record_notifications(ComposioApp(ctx))


def record_notifications(app: ComposioApp) -> ComposioApp:
    """``app.notified``: every notification message since the last ``clear_notifications()``. A toast
    expires after its timeout, so what is still shown depends on how fast the machine got there."""
    app.notified = []
    notify, clear = app.notify, app.clear_notifications

    def recording_notify(message, *args, **kwargs):
        app.notified.append(str(message))
        return notify(message, *args, **kwargs)

    def recording_clear() -> None:
        app.notified.clear()
        clear()

    app.notify = recording_notify
    app.clear_notifications = recording_clear
    return app


def busy(app) -> list[str]:
    """What the app still has to do: workers not finished, short one-shot timers not yet fired, messages
    not yet handled (a worker's answer), callbacks waiting for the next refresh (``call_after_refresh``)."""
    doing = [f"worker {w.name!r} ({w.state.name})" for w in app.workers
             if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
    nodes = [app]
    for screen in app.screen_stack:
        nodes.extend(screen.walk_children(with_self=True))
    for node in nodes:
        queued = node._message_queue.qsize()  # e.g. a worker's result posted, not yet handled
        if queued:
            doing.append(f"{queued} message(s) queued for {node!r}")
        for timer in list(node._timers):
            task = timer._task
            if timer._repeat == 0 and timer._interval <= SHORT_TIMER and task is not None and not task.done():
                doing.append(f"timer {timer.name} ({timer._interval} s) on {node!r}")
    for screen in app.screen_stack:  # call_after_refresh callbacks (the boot starts from one)
        if screen._callbacks:
            doing.append(f"{len(screen._callbacks)} callback(s) waiting for the next refresh of {screen!r}")
    return doing


async def settle(pilot, timeout: float = TIMEOUT) -> None:
    """Wait until the app is quiet twice in a row (a finished worker or timer may start the next one).
    Failed or cancelled workers count as finished: the tests assert on what they left behind."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    while True:
        # Handle what is queued (call_from_thread answers, key events), then look again a moment later.
        await pilot.pause(POLL)
        doing = busy(app)
        quiet = quiet + 1 if not doing else 0
        if quiet >= 2:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"app did not settle within {timeout} s; still busy: {doing}")


async def wait_until(pilot, predicate: Callable[[], object], timeout: float = TIMEOUT,
                     what: str = "condition") -> None:
    """Wait until ``predicate()`` is true, handling the app's messages in between."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; app busy with: {busy(pilot.app)}")
        await pilot.pause(POLL)


async def wait_for_worker(pilot, group: str, state: WorkerState = WorkerState.RUNNING,
                          timeout: float = TIMEOUT) -> None:
    """Wait until a worker of ``group`` is in ``state`` (e.g. a request is in flight)."""
    await wait_until(pilot, lambda: any(w.group == group and w.state == state for w in pilot.app.workers),
                     timeout, what=f"a {group!r} worker {state.name}")


async def clear_toasts(pilot, timeout: float = TIMEOUT) -> None:
    """Dismiss every notification and wait until no toast is drawn (screenshots must not show one)."""
    from textual.widgets._toast import Toast

    pilot.app.clear_notifications()
    await wait_until(pilot, lambda: not pilot.app.screen.query(Toast), timeout, what="the toasts to go")


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch if ch != " " else "space")
