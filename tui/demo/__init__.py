"""An embedded, Composio-compatible local API (v3.1 subset + MCP) for demos and tests.

Nothing here imports textual, composio or composio_client. Start it with
``DemoServer().start()`` (see ``tui.demo.runner``) or ``python -m tui.demo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

DEMO_API_KEY = "ak_demo_composio_tui_local"
"""The project API key the demo server accepts by default (not a secret, but masked on screen anyway)."""

if TYPE_CHECKING:
    from tui.demo.runner import DemoServer


def __getattr__(name: str):
    if name == "DemoServer":
        from tui.demo.runner import DemoServer

        return DemoServer
    raise AttributeError(name)


__all__ = ["DEMO_API_KEY", "DemoServer"]
