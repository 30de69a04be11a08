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
    from apphelp import settle

    from tui.app import ComposioApp
    from tui.core.config import load
    from tui.core.context import Context
    from tui.core.paths import default_paths

    settings, paths = load(default_paths(), theme=theme)
    ctx = Context(settings=settings, paths=paths, demo=True)
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


async def type_user(pilot) -> None:
    for ch in "user_8c1f":
        await pilot.press(ch)


async def search_google(pilot) -> None:
    await pilot.press("slash", *"google")
    await pilot.pause(0.3)


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
        await shoot("policy", ["space space", "n", type_user, "ctrl+o", "enter", "ctrl+r"])  # tool picker
        await shoot("session-policy", [*session, "p", "tab space tab space", "ctrl+s"])  # edited: version 2


if __name__ == "__main__":
    asyncio.run(main())
