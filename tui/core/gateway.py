"""The Composio gateway: the only module that imports ``composio`` / ``composio_client``.

Both are imported lazily, on the first call, so they never sit on the path to the first frame.
Every SDK failure leaves this module as an :class:`ApiError` with one actionable line.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from . import errors
from .errors import ApiError
from .models import (
    ACTIVE,
    EXPIRED,
    FAILED,
    INITIATED,
    NO_AUTH,
    NOT_CONNECTED,
    Catalog,
    Category,
    ConnectLink,
    SessionInfo,
    Tool,
    Toolkit,
    ToolkitConnection,
)

PRODUCTION_URL = "https://backend.composio.dev"
CATALOG_PAGE = 200
SESSION_TOOLKITS_PAGE = 50

T = TypeVar("T")
log = logging.getLogger("tui.gateway")


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Read an optional field: response models accept missing fields, so read defensively."""
    value = getattr(obj, name, default)
    return default if value is None else value


def _toolkit(item: Any, rank: int) -> Toolkit:
    from .catalog_read import toolkit_of  # the one mapping, shared with the read path (helper `house`)

    return toolkit_of(item, rank)


def _session(resp: Any, user_id: str = "") -> SessionInfo:
    config = _field(resp, "config")
    toolkits_cfg = _field(config, "toolkits")
    slugs: list[str] = []
    if toolkits_cfg is not None:
        # The API echoes {enabled: [...]}; older servers and requests say {enable: [...]}.
        for name in ("enabled", "enable"):
            slugs = list(_field(toolkits_cfg, name, []) or [])
            if not slugs and isinstance(toolkits_cfg, dict):
                slugs = list(toolkits_cfg.get(name) or [])
            if slugs:
                break
    manage = _field(config, "manage_connections")
    enabled = True if manage is None else bool(_field(manage, "enabled", _field(manage, "enable", True)))
    return SessionInfo(
        session_id=resp.session_id,
        user_id=_field(config, "user_id", user_id) or user_id,
        mcp_url=_field(_field(resp, "mcp"), "url", ""),
        toolkits=tuple(slugs),
        tool_router_tools=tuple(_field(resp, "tool_router_tools", [])),
        manage_connections=enabled,
    )


def _connection_state(item: Any) -> str:
    if _field(item, "is_no_auth", False):
        return NO_AUTH
    account = _field(item, "connected_account")
    if account is None:
        return NOT_CONNECTED
    status = str(_field(account, "status", "")).upper()
    if status == ACTIVE:
        return ACTIVE
    if status in ("INITIATED", "INITIALIZING"):
        return INITIATED
    if status == EXPIRED:
        return EXPIRED
    if status in ("FAILED", "REVOKED", "INACTIVE"):
        return FAILED
    return NOT_CONNECTED


def translate(exc: BaseException, base_url: str = "") -> ApiError:
    """Turn any SDK or transport failure into an ApiError an operator can act on."""
    if isinstance(exc, ApiError):
        return exc
    import composio_client as cc

    where = base_url or "the Composio API"
    request_id = getattr(exc, "request_id", None)
    if isinstance(exc, cc.APIStatusError):
        details = exc.details or {}
        said = str(details.get("message") or "").strip()
        fix = str(details.get("suggested_fix") or "").strip()
        status = exc.status_code
        kw = {"status": status, "request_id": request_id}
        if status == 401:
            return ApiError(errors.AUTH, f"The API at {where} rejected the API key (401)",
                            hint="Run `composio-tui login` with a valid project key (ak_…) or fix COMPOSIO_API_KEY", **kw)
        if status == 403:
            return ApiError(errors.AUTH, f"The API key may not do this (403){': ' + said if said else ''}",
                            hint=fix or "Use a project key with session management permissions", **kw)
        if status == 404:
            return ApiError(errors.NOT_FOUND, said or "Not found (404)", hint=fix, **kw)
        if status == 429:
            retry = _seconds(exc.response.headers.get("retry-after", ""))
            wait = f"; retry in {retry:g} s" if retry is not None else ""
            return ApiError(errors.RATE_LIMITED, f"Rate limited by the API (429){wait}",
                            hint=fix or "Wait a moment and try again", retry_after=retry, **kw)
        if status >= 500:
            return ApiError(errors.SERVER, f"The API had an internal error ({status}){': ' + said if said else ''}",
                            hint=fix or "Try again shortly", **kw)
        return ApiError(errors.BAD_REQUEST, f"The API refused the request ({status}){': ' + said if said else ''}",
                        hint=fix, **kw)
    if isinstance(exc, cc.APITimeoutError):
        return ApiError(errors.TIMEOUT, f"{where} did not answer in time",
                        hint="Check the network or raise `timeout` in the config")
    if isinstance(exc, cc.APIConnectionError):
        return ApiError(errors.NETWORK, f"Cannot reach {where}",
                        hint="Check the network, COMPOSIO_BASE_URL or the `base_url` setting")
    if isinstance(exc, cc.APIResponseValidationError):
        return ApiError(errors.BAD_RESPONSE, f"{where} sent a response that is not a valid Composio reply",
                        status=getattr(exc, "status_code", None), request_id=request_id,
                        hint="Check that the base URL points at a Composio API")
    if isinstance(exc, ValueError) and "JSON" in type(exc).__name__ + str(exc):
        return ApiError(errors.BAD_RESPONSE, f"{where} sent an unreadable (non-JSON) body",
                        hint="Try again; if it persists, check the base URL")
    if isinstance(exc, cc.ComposioError):
        text = str(exc).split("\n", 1)[0]
        if "Refusing to send" in text:
            return ApiError(errors.CONFIG, f"Refusing to send the API key over plain http to {where}",
                            hint="Use an https:// base URL (http is allowed only on loopback)")
        return ApiError(errors.BAD_REQUEST, text or type(exc).__name__)
    return ApiError(errors.BAD_RESPONSE, f"Unexpected failure talking to {where}: {type(exc).__name__}",
                    hint="Try again; run with the debug log on and report it if it persists")


def _seconds(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def _no_telemetry() -> None:
    """The SDK keeps ``allow_tracking`` in a ContextVar set only in the thread that built the client;
    calls from worker threads would otherwise queue telemetry. Set it off in every calling context."""
    try:
        from composio.core.models.base import allow_tracking
    except Exception:  # pragma: no cover - SDK layout changed: construction still passes False
        return
    allow_tracking.set(False)


def _api(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(self: "Gateway", *args: Any, **kwargs: Any) -> T:
        started = time.monotonic()
        _no_telemetry()
        try:
            result = method(self, *args, **kwargs)
        except Exception as exc:  # every SDK/transport failure becomes one line
            err = exc if isinstance(exc, ApiError) else translate(exc, self.base_url)
            log.debug("%s failed after %.0f ms: %s", method.__name__, (time.monotonic() - started) * 1000, err.line())
            if err is exc:
                raise
            raise err from exc
        log.debug("%s ok in %.0f ms", method.__name__, (time.monotonic() - started) * 1000)
        return result
    return wrapper


class Gateway:
    """A thread-safe facade over the Composio SDK for one base URL and one key."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 15.0, max_retries: int = 1) -> None:
        self.base_url = (base_url or PRODUCTION_URL).rstrip("/")
        self._key = api_key
        from .debuglog import redact

        redact(api_key)
        self.timeout = timeout
        self.max_retries = max_retries
        self._sdk: Any = None
        self._creator: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the key
        return f"Gateway(base_url={self.base_url!r})"

    def _build(self, max_retries: int) -> Any:
        try:
            from composio import Composio
        except Exception as exc:  # pragma: no cover - broken install
            raise ApiError(errors.CONFIG, f"The composio SDK cannot be imported ({exc})") from exc
        try:
            return Composio(api_key=self._key, base_url=self.base_url, timeout=self.timeout,
                            max_retries=max_retries, allow_tracking=False)
        except Exception as exc:
            raise translate(exc, self.base_url) from exc

    @property
    def sdk(self) -> Any:
        with self._lock:
            if self._sdk is None:
                self._sdk = self._build(self.max_retries)
            return self._sdk

    @property
    def creator(self) -> Any:
        """A zero-retry SDK for session creation: a blind retry after a lost answer would make a
        second session the ledger never hears of. Callers decide about retries (see sessions.create)."""
        with self._lock:
            if self._creator is None:
                self._creator = self._build(0)
            return self._creator

    @property
    def client(self) -> Any:
        return self.sdk.client

    # --- catalog -------------------------------------------------------------------------

    @_api
    def toolkit_page(self, *, cursor: str | None = None, limit: int = CATALOG_PAGE, search: str | None = None,
                     category: str | None = None, sort_by: str = "usage", offset: int = 0
                     ) -> tuple[list[Toolkit], str | None, int]:
        from composio_client import omit

        resp = self.client.toolkits.list(
            cursor=cursor or omit, limit=limit, search=search or omit, category=category or omit,
            sort_by=sort_by,
        )
        items = [_toolkit(it, offset + i) for i, it in enumerate(_field(resp, "items", []))]
        return items, _field(resp, "next_cursor"), int(_field(resp, "total_items", len(items)))

    def iter_toolkits(self, *, page_size: int = CATALOG_PAGE, search: str | None = None,
                      category: str | None = None) -> Iterator[tuple[list[Toolkit], int]]:
        """Yield (page, total_items) following ``next_cursor`` to the end."""
        cursor: str | None = None
        seen: set[str] = set()
        offset = 0
        while True:
            items, cursor, total = self.toolkit_page(cursor=cursor, limit=page_size, search=search,
                                                     category=category, offset=offset)
            fresh = [t for t in items if t.slug not in seen]
            seen.update(t.slug for t in fresh)
            offset += len(items)
            yield fresh, total
            if not cursor or not items:
                return

    @_api
    def categories(self) -> list[Category]:
        resp = self.client.toolkits.retrieve_categories()
        return [Category(id=str(c.id), name=str(_field(c, "name", c.id))) for c in _field(resp, "items", [])]

    def fetch_catalog(self, *, page_size: int = CATALOG_PAGE,
                      progress: Callable[[int, int], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> Catalog:
        toolkits: list[Toolkit] = []
        for page, total in self.iter_toolkits(page_size=page_size):
            toolkits.extend(page)
            if progress:
                progress(len(toolkits), total)
            if cancelled and cancelled():
                break
        return Catalog(toolkits=toolkits, categories=self.categories(), fetched_at=time.time(),
                       base_url=self.base_url)

    @_api
    def toolkit_detail(self, slug: str) -> dict[str, Any]:
        """Fields of the detail endpoint the list lacks (managed auth modes, available versions)."""
        from .catalog_read import detail_of  # the one mapping, shared with the read path (helper `house`)

        return detail_of(self.client.toolkits.retrieve(slug))

    @_api
    def tools(self, slug: str, *, limit: int = 200) -> list[Tool]:
        from composio_client import omit

        out: list[Tool] = []
        cursor: str | None = None
        while True:
            resp = self.client.tools.list(toolkit_slug=slug, limit=limit, cursor=cursor or omit)
            from .catalog_read import tool_of  # the one mapping, shared with the read path (helper `house`)

            out.extend(tool_of(t) for t in _field(resp, "items", []))
            cursor = _field(resp, "next_cursor")
            if not cursor or not _field(resp, "items", []):
                return out

    @_api
    def verify_key(self) -> int:
        """One-item toolkit list: proves the key works. Returns the catalog size."""
        resp = self.client.toolkits.list(limit=1)
        return int(_field(resp, "total_items", 0))

    # --- Tool Router sessions -------------------------------------------------------------

    @_api
    def create_session(self, user_id: str, toolkits: list[str], *, manage_connections: bool = True) -> SessionInfo:
        self.require_writable("creating a session")
        session = self.creator.create(user_id=user_id, toolkits=list(toolkits),
                                  manage_connections=manage_connections, mcp=True)
        return SessionInfo(
            session_id=session.session_id,
            user_id=user_id,
            mcp_url=session.mcp.url,
            toolkits=tuple(toolkits),
            tool_router_tools=tuple(getattr(session, "tool_router_tools", None) or ()),
            manage_connections=manage_connections,
        )

    @_api
    def retrieve_session(self, session_id: str) -> SessionInfo:
        return _session(self.client.tool_router.session.retrieve(session_id))

    @_api
    def delete_session(self, session_id: str) -> bool:
        """Delete remotely. Returns False when the API says it was already gone (404)."""
        self.require_writable("deleting a session")
        try:
            self.client.tool_router.session.delete(session_id)
        except Exception as exc:
            err = translate(exc, self.base_url)
            if err.kind == errors.NOT_FOUND:
                return False
            raise err from exc
        return True

    @_api
    def session_toolkits(self, session_id: str, toolkits: list[str] | None = None) -> list[ToolkitConnection]:
        from composio_client import omit

        out: list[ToolkitConnection] = []
        cursor: str | None = None
        while True:
            resp = self.client.tool_router.session.toolkits(
                session_id, limit=SESSION_TOOLKITS_PAGE, cursor=cursor or omit,
                toolkits=list(toolkits) if toolkits else omit,
            )
            for item in _field(resp, "items", []):
                account = _field(item, "connected_account")
                out.append(ToolkitConnection(slug=item.slug, name=_field(item, "name", item.slug),
                                             state=_connection_state(item),
                                             connected_account_id=_field(account, "id", "") if account else ""))
            cursor = _field(resp, "next_cursor")
            if not cursor or not _field(resp, "items", []):
                return out

    @_api
    def create_link(self, session_id: str, toolkit: str) -> ConnectLink:
        self.require_writable("creating a Connect link")
        resp = self.client.tool_router.session.link(session_id, toolkit=toolkit)
        return ConnectLink(toolkit=toolkit, redirect_url=resp.redirect_url,
                           connected_account_id=_field(resp, "connected_account_id", ""))

    @_api
    def account_status(self, connected_account_id: str) -> str:
        resp = self.client.connected_accounts.retrieve(connected_account_id)
        status = str(_field(resp, "status", "")).upper()
        return {"INITIALIZING": INITIATED, "REVOKED": FAILED, "INACTIVE": FAILED}.get(status, status) or FAILED

    def close(self) -> None:
        """Close the SDK's HTTP connections (keep-alive sockets would outlive the gateway)."""
        with self._lock:
            for sdk in (self._sdk, self._creator):
                client = getattr(getattr(sdk, "_client", None), "_client", None) if sdk is not None else None
                try:
                    client.close() if client is not None and hasattr(client, "close") else None
                except Exception:  # closing is best effort
                    pass
            self._sdk = self._creator = None

    def mcp_headers(self) -> dict[str, str]:
        """Exactly the headers an exported client config carries (the key: handle with care)."""
        return {"x-api-key": self._key}

    # --- profiles (issue 16) ---
    guard: Callable[[str], None] | None = None
    """Set by the context: ``Context.require_writable`` (a read-only profile raises before any request)."""

    def require_writable(self, action: str) -> None:
        """Every write method calls this first; new write methods must too (see tui.core.profiles)."""
        if self.guard is not None:
            self.guard(action)
