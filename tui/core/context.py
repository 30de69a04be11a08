"""What one run of composio-tui works with: settings, paths, the API origin, the key, the gateway.

Shared by the screen and the scripting commands so nothing is wired twice. Nothing here does I/O at
construction; the callers run the slow parts (demo server start, keyring lookup, API calls) in workers.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from . import redact
from .paths import Paths

if TYPE_CHECKING:
    from .config import Settings

DEMO_CACHE_ID = "demo"


@dataclass
class KeyInfo:
    """Where the key came from. ``describe`` is safe to show; the key itself never is."""

    key: str | None
    source: str  # env | keyring | memory | demo | none
    detail: str = ""
    backend: str = ""

    @property
    def short(self) -> str:
        """For the status line: "env", "keyring: SecretService", "this run only", "demo"."""
        if self.source == "keyring":
            return f"keyring: {self.backend}" if self.backend else "keyring"
        return {"memory": "this run only"}.get(self.source, self.source)

    @property
    def masked(self) -> str:
        return mask(self.key)

    def describe(self) -> str:
        if not self.key:
            return self.detail or "no API key"
        return f"{self.detail or self.source}, {self.masked}"

    def __repr__(self) -> str:
        return f"KeyInfo(source={self.source!r}, key={self.masked!r})"


def mask(key: str | None) -> str:
    """The last four characters only ("…wxyz"); "—" when there is no key."""
    return redact.mask(key) or "—"


class Context:
    """Settings load lazily (pydantic-settings costs ~0.3 s to import): the console paints its first
    frame first and reads them in its boot worker; commands read them at once."""

    def __init__(self, settings: Settings | None = None, paths: Paths | None = None, *, demo: bool = False,
                 overrides: dict[str, Any] | None = None) -> None:
        if paths is None:
            from .paths import default_paths

            paths = default_paths()
        self.paths = paths
        self.demo = demo
        self.overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        self.key = KeyInfo(None, "none")
        self._settings = settings
        self._base_url = ""
        self._gateway: Any = None
        self._ledger: Any = None
        self._demo_server: Any = None
        self._tmp: Any = None
        self._lock = threading.RLock()

    @property
    def settings(self) -> Settings:
        """Raises config.ConfigError for a bad config file or variable."""
        with self._lock:
            if self._settings is None:
                from .config import load

                self._settings, _ = load(self.paths, **self.overrides)
            return self._settings

    @property
    def settings_loaded(self) -> bool:
        return self._settings is not None

    @property
    def base_url(self) -> str:
        return self._base_url or self.settings.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._base_url = value

    @property
    def cache_id(self) -> str:
        return DEMO_CACHE_ID if self.demo else self.base_url

    @property
    def cache_dir(self) -> Path:
        return self.paths.catalog_cache

    @property
    def ledger_path(self) -> Path:
        return self._demo_dir() / "ledger.sqlite3" if self.demo else self.paths.ledger

    def _demo_dir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="composio-tui-demo-")
        return Path(self._tmp.name)

    # --- slow steps: call from a worker ---------------------------------------------------

    def start_demo(self, **server_options: Any) -> None:
        """Start the embedded API on loopback and use its own key (never the keyring)."""
        from ..demo import DEMO_API_KEY
        from ..demo.runner import DemoServer

        with self._lock:
            if self._demo_server is None:
                options = {"auto_activate_after": 8.0} | server_options
                self._demo_server = DemoServer(**options)
                self._demo_server.start()
                from ..demo.logs import seed_demo  # activity: the demo story starts with some

                seed_demo(self._demo_server)
            self.base_url = self._demo_server.base_url
            self.key = KeyInfo(DEMO_API_KEY, "demo", "demo key (embedded API)")
            self._drop_gateway()

    def resolve_key(self, deadline: float = 3.0) -> Any:
        """Environment, then a key held for this run, then the keyring; never prompts or hangs."""
        from . import secrets

        found = secrets.resolve_key(self.base_url, deadline=deadline)
        if found.key:
            self.use_key(KeyInfo(found.key, found.source, secrets.describe(found).rsplit(",", 1)[0], found.backend))
        return found

    def use_key(self, info: KeyInfo) -> None:
        with self._lock:
            self.key = info
            self._drop_gateway()

    def _drop_gateway(self) -> None:
        if self._gateway is not None:
            self._gateway.close()
            self._gateway = None

    @property
    def gateway(self) -> Any:
        from .gateway import Gateway

        with self._lock:
            if self._gateway is None:
                if not self.key.key:
                    from .errors import AUTH, ApiError

                    raise ApiError(AUTH, "No API key", hint="Run `composio-tui login` or set COMPOSIO_API_KEY")
                self._gateway = Gateway(self.base_url, self.key.key, timeout=self.settings.timeout,
                                        max_retries=self.settings.max_retries)
            return self._gateway

    @property
    def ledger(self) -> Any:
        from .ledger import Ledger

        with self._lock:
            if self._ledger is None:
                self._ledger = Ledger(self.ledger_path)
            return self._ledger

    def close(self) -> None:
        with self._lock:
            self._drop_gateway()
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
            if self._demo_server is not None:
                self._demo_server.stop()
                self._demo_server = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None
