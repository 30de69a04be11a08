"""Regenerate screenshots/*.svg from the real app on its embedded demo API.

    uv run python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


async def shoot(name: str, steps, *, size=(120, 36), theme: str | None = None, wait: bool = True) -> None:
    """Run ``steps`` (keys, or coroutines taking the pilot); ``wait=False`` shoots while work runs."""
    if ONLY and name not in ONLY:  # `screenshots.py NAME…` regenerates only those
        return
    from apphelp import settle

    from tui.app import ComposioApp
    from tui.core.config import load
    from tui.core.context import Context
    from tui.core.paths import default_paths
    settings, paths = load(default_paths(), theme=theme)
    ctx = Context(settings=settings, paths=paths, demo=launch_keeping_the_server)
    ctx.start_demo(seed=7, auto_activate_after=None)
    app = ComposioApp(ctx)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.4)
        await settle(pilot)
        for i, step in enumerate(steps):
            if isinstance(step, str):
                await pilot.press(*step.split())
            else:
                await step(pilot)
            if wait or i < len(steps) - 1:
                await pilot.pause(0.4)  # debounced work (search, details) starts after a pause
                await settle(pilot)
            else:
                await pilot.pause(0.6)
        app.clear_notifications()
        await pilot.pause()
        svg = app.export_screenshot(title=f"composio-tui — {name}")
    (OUT / f"{name}.svg").write_text(svg)
    print(f"screenshots/{name}.svg")


ONLY = {name for name in sys.argv[1:] if name != "--only"}
SERVERS: list = []
"""The embedded API of the app being shot (some shots populate it before they start)."""


def launch_keeping_the_server(**options):
    """The demo launcher, keeping a handle on its server for the shots that populate it."""
    from tui.demo import runner

    started = runner.DemoServer.start

    def start(server):
        SERVERS.append(server)
        return started(server)

    runner.DemoServer.start = start
    try:
        return runner.launch(**options)
    finally:
        runner.DemoServer.start = started


async def users_of_the_demo(pilot) -> None:
    """Three users with sessions and accounts (one EXPIRED, one INACTIVE), then the Users screen."""
    from usershelp import populate

    await populate(pilot, SERVERS[-1])


async def type_user(pilot) -> None:
    for ch in "user_8c1f":
        await pilot.press(ch)


async def search_google(pilot) -> None:
    await pilot.press("slash", *"google")
    await pilot.pause(0.3)


async def ask_playground(pilot) -> None:
    """From a session: t, type a task, enter; wait for the answer (the search runs in a worker)."""
    await pilot.press("t")
    await pilot.pause(0.3)
    for ch in "star the repo and tell the team on Slack":
        await pilot.press(ch if ch != " " else "space")
    await pilot.press("enter")
    await settle_playground(pilot)


async def settle_playground(pilot) -> None:
    from apphelp import settle

    await settle(pilot)
    for _ in range(200):
        if not getattr(pilot.app.screen, "searching", False):
            return
        await pilot.pause(0.05)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[var] = f"{tmp}/{var.lower()}"
        for name in ("COMPOSIO_API_KEY", "COMPOSIO_BASE_URL", "NO_COLOR"):
            os.environ.pop(name, None)
        session = ["space space space", "n", type_user, "ctrl+s"]
        await shoot("catalog", ["down space down space"])
        await shoot("catalog-light", ["down space"], theme="textual-light")
        await shoot("catalog-search", [search_google, "enter"])
        await shoot("catalog-80x24", [], size=(80, 24))
        await shoot("new-session", ["space space", "n", type_user])
        await shoot("session", session)
        await shoot("export", [*session, "e"])
        await shoot("readiness", [*session, "k", "l"], wait=False)
        await shoot("verify", [*session, "v"])
        await shoot("sessions", [*session, "escape", "s"])
        await shoot("playground", [*session, ask_playground])  # issue 14
        await shoot("playground-tool", [*session, ask_playground, "enter"])
        await shoot("playground-try", [*session, ask_playground, "x"])
        await shoot("playground-80x24", [*session, ask_playground], size=(80, 24))
        await shoot("activity", [activity_failures], wait=False)  # the follow loop never settles
        await shoot("user", [users_of_the_demo, "u", "enter", "down"])
        await shoot("policy", ["space space", "n", type_user, "ctrl+o", "enter", "ctrl+r"])  # tool picker
        await shoot("session-policy", [*session, "p", "tab space tab space", "ctrl+s"])  # edited: version 2


async def activity_failures(pilot) -> None:
    """Catalog a -> Activity (the demo's sample story, live), cursor on the newest failure."""
    import time

    await pilot.press("a")
    deadline = time.monotonic() + 10
    while not getattr(pilot.app.screen, "shown", None) and time.monotonic() < deadline:
        await pilot.pause(0.05)
    failures = [i for i, e in enumerate(pilot.app.screen.shown) if e.failed]
    if failures:
        pilot.app.screen.query_one("#activity-table").move_cursor(row=failures[0])


if __name__ == "__main__":
    # `screenshots.py NAME …` (or `--only NAME …`) regenerates just those screenshots
    asyncio.run(main())
