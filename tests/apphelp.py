"""Helpers for Pilot tests: build the real app against a real (loopback) API and wait for it to settle."""

from __future__ import annotations

from tui.app import ComposioApp
from tui.core.config import load
from tui.core.context import Context, KeyInfo
from tui.core.paths import default_paths


def make_app(base_url: str, key: str | None, *, source: str = "env", demo: bool = False, **settings) -> ComposioApp:
    config, paths = load(default_paths(), base_url=base_url, **settings)
    ctx = Context(settings=config, paths=paths, demo=demo)
    if key is not None:
        ctx.use_key(KeyInfo(key, source, "from COMPOSIO_API_KEY" if source == "env" else source))
    return ComposioApp(ctx)


async def settle(pilot, rounds: int = 200) -> None:
    """Wait until no worker runs and no message is pending (workers may start other workers)."""
    app = pilot.app
    quiet = 0
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(rounds):
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            pass  # exclusive workers cancel older ones; failures are asserted by the tests themselves
        await pilot.pause(0.02)
        running = [w for w in app.workers if w.is_running]
        quiet = quiet + 1 if not running else 0
        if quiet >= 3:
            return
    raise AssertionError(f"app did not settle; running: {[w.name for w in app.workers if w.is_running]}")


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch if ch != " " else "space")
