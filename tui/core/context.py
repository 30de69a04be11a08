"""What one run of composio-tui works with: settings, paths, the API origin, the key, the gateway.

Shared by the console and the scripting commands so nothing is wired twice; the shared flows live
here: :meth:`Context.connect` (a usable key, or the demo API), :meth:`Context.login` (verify → store →
read back → one :class:`KeyInfo`), the catalog store (:attr:`Context.catalogs`) and the export
(:meth:`Context.export_text`, the one place besides the gateway that reads the raw key). The demo
comes in through one seam (a launcher, see ``tui.core.launch``); this module never imports it.
Nothing here does I/O at construction; the callers run the slow parts in workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .deadline import Budget
from .errors import ApiError
from .launch import DEMO_CACHE_ID, DemoLauncher, DemoRun
from .paths import Paths
from .keyinfo import NO_KEY, KeyInfo, RunKeys
from .states import ErrorKind, KeepKey, KeyringState, KeySource, LoginStep

if TYPE_CHECKING:
    from .catalog_store import CatalogStore
    from .config import Settings
    from .models import Catalog

__all__ = ["DEMO_CACHE_ID", "Context", "KeyInfo", "LoginError", "NoKey"]

KEYRING_DEADLINE = 3.0
"""Seconds every keyring touch of one command (or one console flow) shares, in all."""


class NoKey(ApiError):
    """No usable key (exit 3). ``found`` says what the lookup saw, for a front to explain it."""

    def __init__(self, found: KeyInfo, base_url: str, login: str = "composio-tui login") -> None:
        self.found = found
        if found.source == KeySource.ENV or found.state in (KeyringState.LOCKED, KeyringState.TIMEOUT):
            # set but unusable, or a keyring that may hold the key but is locked or frozen: say exactly that
            super().__init__(ErrorKind.AUTH, found.message.rstrip("."))
        else:
            super().__init__(ErrorKind.AUTH, f"No API key for {base_url}; set COMPOSIO_API_KEY or run "
                                             f"`{login}`")


class LoginError(Exception):
    """A login step failed; nothing was stored. ``step`` says which, ``problem``/``error`` why."""

    def __init__(self, step: LoginStep, problem: str = "", error: Exception | None = None) -> None:
        super().__init__(problem or str(error))
        self.step = step
        self.problem = problem
        self.error = error


class Context:
    """Settings load lazily (pydantic-settings costs ~0.3 s to import): the console paints its first
    frame first and reads them in its boot worker; commands read them at once."""

    def __init__(self, settings: Settings | None = None, paths: Paths | None = None, *,
                 demo: bool | DemoLauncher = False, overrides: dict[str, Any] | None = None,
                 profile: str | None = None) -> None:
        if paths is None:
            from .paths import default_paths

            paths = default_paths()
        self.paths = paths
        self.demo = bool(demo)
        self.demo_launcher: DemoLauncher | None = demo if callable(demo) else None
        self.overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        self.key: KeyInfo = NO_KEY
        self.run_keys = RunKeys()
        self.keyring_budget = Budget(KEYRING_DEADLINE)
        self._settings = settings
        self._base_url = ""
        self._gateway: Any = None
        self._ledger: Any = None
        self._demo_run: DemoRun | None = None
        self._catalogs: CatalogStore | None = None
        self._key_listeners: list[Callable[[KeyInfo], None]] = []
        self._lock = threading.RLock()
        self._demo_lock = threading.Lock()
        self.profile_name = profile  # --profile; else COMPOSIO_TUI_PROFILE, else the default (see profiles)
        self._profiles: Any = None
        self._profile: Any = None
        self._verify_log: Any = None

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
        return self._base_url or self.profile.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._base_url = value

    @property
    def cache_id(self) -> str:
        """The catalog cache's id: the API origin, or the demo run's (known before it starts)."""
        if not self.demo:
            return self.base_url
        return self._demo_run.cache_id if self._demo_run is not None else DEMO_CACHE_ID

    @property
    def cache_dir(self) -> Path:
        """One catalog cache per configured profile (the implicit profile keeps the old place)."""
        if self.demo or self.profile.implicit:
            return self.paths.catalog_cache
        return self.paths.catalog_cache / "profiles" / self.profile.name

    @property
    def ledger_path(self) -> Path:
        if self.demo:
            return self.start_demo().ledger_path
        return self.paths.ledger

    @property
    def catalogs(self) -> CatalogStore:
        """The catalog store of this run (cached / fresh / refresh / known slugs)."""
        with self._lock:
            if self._catalogs is None:
                from .catalog_store import CatalogStore

                self._catalogs = CatalogStore(self)
            return self._catalogs

    # --- the key ------------------------------------------------------------------------------

    def on_key_change(self, listener: Callable[[KeyInfo], None]) -> Callable[[], None]:
        """Call ``listener(key)`` whenever the key of this run changes; returns the unsubscribe."""
        with self._lock:
            self._key_listeners.append(listener)
        return lambda: self._key_listeners.remove(listener) if listener in self._key_listeners else None

    def use_key(self, info: KeyInfo) -> None:
        with self._lock:
            self.key = info
            self._drop_gateway()
            listeners = list(self._key_listeners)
        for listener in listeners:
            listener(info)

    def resolve_key(self) -> KeyInfo:
        """Environment, then a key held for this run, then the keyring; never prompts or hangs
        (every keyring touch of this context shares :attr:`keyring_budget`)."""
        from . import profile_keys, secrets

        if self.profile.implicit:
            found = secrets.resolve_key(self.base_url, deadline=self.keyring_budget, memory=self.run_keys)
        else:
            found = profile_keys.resolve(self.profile, self.profiles, deadline=self.keyring_budget,
                                         memory=self.run_keys)
        if found.key:
            self.use_key(found)
        return found

    def connect(self) -> KeyInfo:
        """Make :attr:`gateway` usable: the embedded API with demo mode, else a key that never prompts.

        Raises :class:`NoKey` (an AUTH ApiError, exit 3) with one sentence when there is no key.
        """
        if self.demo:
            self.start_demo()
            return self.key
        if self.key.key:
            return self.key
        found = self.resolve_key()
        if found.key:
            return found
        if self.profile.implicit:
            raise NoKey(found, self.base_url)
        raise NoKey(found, f"profile {self.profile.name} ({self.base_url})",
                    f"composio-tui login --profile {self.profile.name}")

    def login(self, key: str, keep: KeepKey, *, checking: Callable[[], None] | None = None) -> tuple[KeyInfo, int]:
        """Verify ``key`` with the API, then keep it (keyring with read-back, or memory) and use it.

        Returns the key and how many toolkits it sees; raises :class:`LoginError`. Nothing is stored
        unless the API accepted the key. One keyring deadline for the whole login. ``checking()`` runs
        once the key's shape is fine, just before the API is asked (for a front's "checking…").
        """
        from . import profile_keys, secrets
        from .catalog_read import CatalogReader

        key = (key or "").strip()
        problem = secrets.key_problem(key) if key else ""
        if not key or problem:
            raise LoginError(LoginStep.SHAPE, problem)
        if checking is not None:
            checking()
        try:
            with CatalogReader(self.base_url, key, timeout=self.settings.timeout, max_retries=0,
                               rate_limit_wait=self.settings.rate_limit_wait) as reader:
                total = reader.verify_key()
        except ApiError as err:
            raise LoginError(LoginStep.REJECTED if err.kind == ErrorKind.AUTH else LoginStep.UNCHECKED,
                             error=err) from err
        if keep == KeepKey.NOWHERE:
            return KeyInfo(key, KeySource.NONE), total
        try:
            if not self.demo and not self.profile.implicit:
                info = (profile_keys.store(self.profile, key, deadline=Budget(KEYRING_DEADLINE), memory=self.run_keys)
                        if keep == KeepKey.KEYRING else profile_keys.hold(self.profile, key, self.run_keys))
            elif keep == KeepKey.KEYRING:
                info = secrets.store_key(self.base_url, key, deadline=Budget(KEYRING_DEADLINE),
                                         memory=self.run_keys)
            else:
                info = secrets.hold_key(self.base_url, key, self.run_keys)
        except secrets.SecretsError as exc:
            raise LoginError(LoginStep.NOT_STORED, str(exc), exc) from exc
        self.use_key(info)
        return info, total

    def export_text(self, fmt: str, url: str, key_mode: str, *, server_name: str = "composio",
                    reveal: bool = True) -> str:
        """An exported client config; the raw key goes in only with ``key_mode`` "literal" (and is
        shown masked unless ``reveal``)."""
        from . import export

        key = self.key.key if key_mode == "literal" else None
        body = export.render(fmt, url, key_mode=key_mode, key=key, server_name=server_name, api_url=self.base_url)
        return body if reveal else export.masked(body, self.key.key)

    # --- the demo seam --------------------------------------------------------------------------

    def start_demo(self, **options: Any) -> DemoRun:
        """Start the embedded API (through the launcher a front gave) and use its own key.

        Its own lock: the launch takes a while, and the screen reads the context meanwhile."""
        with self._demo_lock:  # never held while taking self._lock (no lock-order deadlock)
            started = self._demo_run is None
            if started:
                if self.demo_launcher is None:
                    raise ApiError(ErrorKind.CONFIG, "Demo mode was asked for but no demo launcher was given")
                self._demo_run = self.demo_launcher(**options)
            run = self._demo_run
        if started:
            self.base_url = run.origin
            self.use_key(KeyInfo(run.key, KeySource.DEMO))
        return run

    # --- the API ----------------------------------------------------------------------------

    def read_catalog(self, progress: Callable[[int, int, int], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> Catalog:
        """The whole catalog over the read-only path (no SDK import); see ``catalog_read``."""
        from .catalog_read import CatalogReader

        key = self.connect().key or ""
        with CatalogReader(self.base_url, key, timeout=self.settings.timeout,
                           max_retries=self.settings.max_retries, cancelled=cancelled,
                           rate_limit_wait=self.settings.rate_limit_wait) as reader:
            return reader.catalog(page_size=self.settings.page_size, progress=progress)

    def reader(self) -> Any:
        """A read-only catalog client (toolkit tools and detail too) for this run's origin and key; no SDK.
        Use it with ``with``."""
        from .catalog_read import CatalogReader

        key = self.connect().key or ""
        return CatalogReader(self.base_url, key, timeout=self.settings.timeout, max_retries=self.settings.max_retries)

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
                    raise ApiError(ErrorKind.AUTH, "No API key",
                                   hint="Run `composio-tui login` or set COMPOSIO_API_KEY")
                self._gateway = Gateway(self.base_url, self.key.key, timeout=self.settings.timeout,
                                        max_retries=self.settings.max_retries)
                self._gateway.rate_limit_wait = self.settings.rate_limit_wait  # read by Gateway._build
                self._gateway.guard = self.require_writable
            return self._gateway

    @property
    def ledger(self) -> Any:
        from .ledger import Ledger

        with self._lock:
            if self._ledger is None:
                self._ledger = Ledger(self.ledger_path, profile=self.ledger_profile,
                                      legacy=self.demo or self.profile.implicit or self.profiles.legacy_owner(self.profile))
            return self._ledger

    @property
    def verify_log(self) -> Any:
        """The last verify result of each session in this run (a ``probe.VerifyLog``)."""
        from .probe import VerifyLog

        with self._lock:
            if self._verify_log is None:
                self._verify_log = VerifyLog()
            return self._verify_log

    def close(self) -> None:
        with self._lock:
            self._drop_gateway()
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
            if self._demo_run is not None:
                self._demo_run.stop()
                self._demo_run = None

    # --- profiles (issue 16; see tui.core.profiles) ------------------------------------------------

    @property
    def profiles(self) -> Any:
        """The configured profiles (a ``ProfileSet``); raises ``ProfileError`` for a bad table."""
        from . import profiles

        with self._lock:
            if self._profiles is None:
                self._profiles = profiles.read(self.paths.config_file)
            return self._profiles

    @property
    def profile(self) -> Any:
        """The ``Profile`` of this run (``--profile`` > COMPOSIO_TUI_PROFILE > explicit base URL > default)."""
        from . import profiles

        with self._lock:
            if self._profile is None:
                if self.demo:
                    self._profile = profiles.Profile("demo", self._base_url or self.settings.base_url,
                                                     implicit=True)
                    return self._profile
                from .config import base_url_source

                if self.profile_name and self.overrides.get("base_url"):
                    raise profiles.ProfileError(f"--base-url and --profile {self.profile_name} both name an API; "
                                                "give only one (the profile has its own base URL)")
                explicit = base_url_source(self.paths, self.overrides.get("base_url")) in (
                    "--base-url", "COMPOSIO_TUI_BASE_URL", "COMPOSIO_BASE_URL")
                self._profile = profiles.choose(self.profiles, self.settings.base_url, name=self.profile_name,
                                                explicit_url=explicit and not self.profile_name)
            return self._profile

    @property
    def ledger_profile(self) -> str:
        """The profile name rows are recorded and listed under ("" = the pre-profile, per-origin view)."""
        return "" if self.demo or self.profile.implicit else self.profile.name

    def require_writable(self, action: str, hint: str = "") -> None:
        """The one check every write flow calls first: a read-only profile refuses ``action`` (``hint``:
        what the front suggests instead; the commands' default is ``--profile``)."""
        from .profiles import ReadOnlyProfile

        if not self.demo and self.profile.read_only:
            raise ReadOnlyProfile(self.profile.name, action, hint)

    def switch_profile(self, name: str) -> Any:
        """Use profile ``name`` from now on: the old profile's gateway, key, catalog store and ledger
        view are dropped (a front cancels its workers first). Raises ``ProfileError`` for a bad name."""
        from . import profiles

        with self._lock:
            self._profiles = None
            chosen = profiles.choose(self.profiles, self.settings.base_url, name=name)
            self.profile_name = name
            self._profile = chosen
            self._base_url = ""
            if self._catalogs is not None:
                self._catalogs.retired = True
            self._catalogs = None
            self.keyring_budget = Budget(KEYRING_DEADLINE)
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
        self.use_key(NO_KEY)
        return chosen
