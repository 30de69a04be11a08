"""The catalog store: the one flow both fronts use for the toolkit catalog.

cached (the on-disk copy for this API) → is fresh (``catalog_max_age``) → refresh (fetch over the read
path, save, announce) → known slugs (for validating input, refreshing once when a slug is missing).
The store keeps the current catalog and its search index and announces every change to its
subscribers as a :class:`CatalogEvent` (the console turns them into Textual messages; the commands
ignore them). Blocking; the console calls it from workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from . import catalog as catalog_mod
from .catalog import CatalogIndex
from .errors import ApiError
from .models import Catalog
from .states import ErrorKind

if TYPE_CHECKING:
    from .context import Context


class CatalogEventKind(StrEnum):
    CHANGED = "changed"
    """A catalog (cached or fresh) is the current one."""
    WAITING = "waiting"
    """Something slow is under way; ``text`` says what."""
    PROGRESS = "progress"
    """A page arrived: ``pages``, ``count`` of ``total``."""
    FAILED = "failed"
    """The refresh (or the boot before it) failed; ``text`` is one line, ``error`` the ApiError if any."""


@dataclass(frozen=True)
class CatalogEvent:
    kind: CatalogEventKind
    text: str = ""
    pages: int = 0
    count: int = 0
    total: int = 0
    seconds: float = 0.0
    cache_error: str = ""
    error: ApiError | None = None


Listener = Callable[[CatalogEvent], None]


class CatalogStore:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.current = Catalog(base_url="")
        self.index: CatalogIndex | None = None
        self.refreshing = False
        self.offline = False
        self.last_cache_error = ""
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    # --- announcements ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` on every change (from whatever thread made it); returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def announce(self, event: CatalogEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)

    def waiting(self, text: str) -> None:
        self.announce(CatalogEvent(CatalogEventKind.WAITING, text))

    def fail(self, text: str, error: ApiError | None = None) -> None:
        self.announce(CatalogEvent(CatalogEventKind.FAILED, text, error=error))

    def _use(self, catalog: Catalog, **event: object) -> None:
        index = CatalogIndex(catalog.toolkits)
        with self._lock:
            self.current, self.index = catalog, index
        self.announce(CatalogEvent(CatalogEventKind.CHANGED, **event))  # type: ignore[arg-type]

    # --- the flow --------------------------------------------------------------------------

    retired = False
    """Set by ``Context.switch_profile``: this store belongs to a profile no longer in use."""

    def cached(self) -> Catalog | None:
        """The on-disk catalog for this API (made current when it has toolkits), or None."""
        cached = catalog_mod.load(self.ctx.cache_dir, self.ctx.cache_id)
        if cached is not None and cached.toolkits:
            self._use(cached)
        return cached

    def is_fresh(self, catalog: Catalog | None) -> bool:
        return (catalog is not None and bool(catalog.toolkits)
                and time.time() - catalog.fetched_at <= self.ctx.settings.catalog_max_age * 60)

    def refresh(self, cancelled: Callable[[], bool] | None = None) -> Catalog:
        """Fetch the whole catalog, save it, make it current; raises ApiError (announced as FAILED too)."""
        ctx = self.ctx
        self.refreshing = True
        started = time.monotonic()
        try:
            ctx.connect()
            self.waiting(f"Fetching the catalog from {'the demo API' if ctx.demo else ctx.base_url}…")

            def progress(pages: int, count: int, total: int) -> None:
                self.announce(CatalogEvent(CatalogEventKind.PROGRESS, pages=pages, count=count, total=total))

            catalog = ctx.read_catalog(progress=progress, cancelled=cancelled)
        except ApiError as err:
            self.refreshing = False
            self.offline = err.kind != ErrorKind.AUTH
            self.fail(err.line(), err)
            raise
        if self.retired:  # profile switched meanwhile (issue 16): never save or show it as the new one's
            self.refreshing = False
            return catalog
        catalog.base_url = ctx.cache_id
        cache_error = ""
        try:
            catalog_mod.save(catalog, ctx.cache_dir)
        except OSError as exc:
            cache_error = str(exc)
        self.refreshing = False
        self.offline = False
        self.last_cache_error = cache_error
        self._use(catalog, seconds=time.monotonic() - started, cache_error=cache_error,
                  count=len(catalog.toolkits))
        return catalog

    def get(self, refresh: bool = False) -> Catalog:
        """The cached catalog while fresh, otherwise fetched, cached and returned."""
        if not refresh:
            cached = self.cached()
            if self.is_fresh(cached):
                return cached  # type: ignore[return-value]
        return self.refresh()

    def known_slugs(self, slugs: list[str]) -> frozenset[str]:
        """Catalog slugs for validating ``slugs``; a cached catalog missing one of them is refreshed once."""
        known = frozenset(t.slug for t in self.get().toolkits)
        if not set(slugs) <= known:
            known = frozenset(t.slug for t in self.refresh().toolkits)
        return known
