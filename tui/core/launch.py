"""The one seam between the core and the embedded demo API: what a demo launch hands the context.

The core never imports ``tui.demo``; a front (the console or the commands) passes a launcher, a
callable returning a :class:`DemoRun`. The context then uses the run's origin, key, cache id and
ledger path like any other API's, and calls ``stop`` when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEMO_CACHE_ID = "demo"
"""The demo's catalog cache id: fixed, so the cached catalog shows before the embedded API starts."""


@dataclass(frozen=True)
class DemoRun:
    origin: str
    key: str = field(repr=False)
    cache_id: str
    ledger_path: Path
    stop: Callable[[], None] = field(repr=False)


DemoLauncher = Callable[..., DemoRun]
