"""Run the demo API in-process: uvicorn on 127.0.0.1 in a daemon thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

import uvicorn

from tui.demo import DEMO_API_KEY
from tui.demo.data import DemoCatalog, load_catalog
from tui.demo.faults import FaultEngine, Faults
from tui.demo.server import create_app
from tui.demo.state import SessionRecord, Store

if TYPE_CHECKING:
    from tui.core.launch import DemoRun

# Libraries log through these; a NullHandler keeps Python's last-resort stderr printer (which would
# scribble over a full-screen terminal UI) out of the way while still propagating to real handlers.
for _name in ("uvicorn", "mcp"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


class DemoServer:
    """The embedded Composio-compatible API. ``start()`` returns once it accepts connections."""

    def __init__(
        self,
        catalog: DemoCatalog | None = None,
        api_keys: Iterable[str] = (DEMO_API_KEY,),
        faults: Faults | None = None,
        max_page_size: int = 200,
        auto_activate_after: float | None = None,
        port: int = 0,
        seed: int | None = None,
    ) -> None:
        self.catalog = catalog if catalog is not None else load_catalog()
        self.api_keys = tuple(api_keys)
        self.store = Store(auto_activate_after=auto_activate_after, seed=seed)
        self.engine = FaultEngine(faults)
        self.max_page_size = max_page_size
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> DemoServer:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else ~40 ms per response (delayed ACK)
        sock.bind(("127.0.0.1", self._port))
        sock.listen(128)
        port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        app = create_app(self.catalog, self.store, self.engine, self.api_keys, self.max_page_size)
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                                timeout_graceful_shutdown=2, ws="none")
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name="composio-demo-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("demo API server failed to start")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- test and ops helpers (same as the /_demo routes) -------------------------------------
    def activate(self, account_id: str, status: str = "ACTIVE") -> bool:
        """Set a connected account's status; False if it does not exist."""
        return self.store.set_status(account_id, status) is not None

    def sessions(self) -> list[SessionRecord]:
        return self.store.sessions()

    @property
    def faults(self) -> Faults:
        return self.engine.faults

    def set_faults(self, faults: Faults | None = None, **knobs: object) -> Faults:
        """Replace the fault knobs (``Faults`` or keyword knobs merged over the current ones)."""
        if faults is None:
            faults = Faults.from_dict(self.engine.faults.to_dict() | knobs)
        self.engine.set(faults)
        return faults

    def mcp_url(self, session_id: str) -> str:
        return f"{self.base_url}/tool_router/{session_id}/mcp"


def launch(**server_options: object) -> DemoRun:
    """The demo launcher a front hands the context (``Context(demo=launch)``): start the embedded API
    on loopback, with its own key and a private ledger that disappears when ``stop`` is called."""
    import tempfile
    from pathlib import Path

    from tui.core.launch import DEMO_CACHE_ID, DemoRun

    options = {"auto_activate_after": 8.0} | server_options
    server = DemoServer(**options).start()  # type: ignore[arg-type]
    from tui.demo.logs import seed_demo  # the demo story starts with some activity

    seed_demo(server)
    tmp = tempfile.TemporaryDirectory(prefix="composio-tui-demo-")

    def stop() -> None:
        server.stop()
        tmp.cleanup()

    return DemoRun(origin=server.base_url, key=server.api_keys[0], cache_id=DEMO_CACHE_ID,
                   ledger_path=Path(tmp.name) / "ledger.sqlite3", stop=stop)
