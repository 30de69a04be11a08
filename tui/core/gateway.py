"""The Composio gateway: the only module that imports ``composio`` / ``composio_client``.

Both are imported lazily, on the first call, so they never sit on the path to the first frame.
Every SDK failure leaves this module as an :class:`ApiError` with one actionable line.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

from . import errors
from .errors import ApiError
from .models import (
    Catalog,
    Category,
    ConnectedAccount,
    ConnectLink,
    SessionInfo,
    Tool,
    Toolkit,
    ToolkitConnection,
    ToolkitDetail,
)
from .catalog_read import CATEGORIES_PAGE, TOOLS_PAGE
from .origin import PRODUCTION_URL, key_refusal
from .paging import Page, collect, pages
from .states import AccountStatus, ConnectionState

CATALOG_PAGE = 200
SESSION_TOOLKITS_PAGE = 50
"""The session toolkits endpoint allows 1..50."""
ACCOUNTS_PAGE = 100

T = TypeVar("T")
log = logging.getLogger("tui.gateway")


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Read an optional field: response models accept missing fields, so read defensively."""
    value = obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)
    return default if value is None else value


def _toolkit(item: Any, rank: int) -> Toolkit:
    from .catalog_read import toolkit_of  # the one mapping, shared with the read path (helper `house`)

    return toolkit_of(item, rank)


def _slugs(cfg: Any, *names: str) -> tuple[str, ...]:
    for name in names:
        found = list(_field(cfg, name, []) or [])
        if found:
            return tuple(str(x) for x in found)
    return ()


def _session(resp: Any, user_id: str = "", *, tools: Any = None) -> SessionInfo:
    """A create or retrieve response (or the SDK session's ``config``) as a SessionInfo."""
    config = _field(resp, "config")
    toolkits_cfg = _field(config, "toolkits")
    # The API echoes {enabled: [...]} or {disabled: [...]}; requests (and older servers) say enable/disable.
    enabled = _slugs(toolkits_cfg, "enabled", "enable")
    excluded = () if enabled else _slugs(toolkits_cfg, "disabled", "disable")
    manage = _field(config, "manage_connections")
    manage_on = True if manage is None else bool(_field(manage, "enabled", _field(manage, "enable", True)))
    meta_tools = tools if tools is not None else _field(resp, "tool_router_tools", [])
    return SessionInfo(
        session_id=_field(resp, "session_id", ""),
        user_id=_field(config, "user_id", user_id) or user_id,
        mcp_url=_field(_field(resp, "mcp"), "url", ""),
        toolkits=enabled,
        tool_router_tools=tuple(str(t) for t in meta_tools),
        manage_connections=manage_on,
        excluded=excluded,
    )


def _status(value: Any) -> AccountStatus | None:
    return AccountStatus.parse(value)


def _hint_state(item: Any) -> ConnectionState:
    """The session toolkits endpoint's own word on a toolkit: only a hint (ComposioHQ/composio#3118)."""
    if _field(item, "is_no_auth", False):
        return ConnectionState.NO_AUTH
    account = _field(item, "connected_account")
    return ConnectionState.of(_status(_field(account, "status"))) if account is not None else ConnectionState.NOT_CONNECTED


def _redirect_url(state: Any) -> str:
    val = _field(state, "val")
    return str(_field(val, "redirect_url", "") or _field(val, "redirectUrl", "") or "")


def _account(item: Any) -> ConnectedAccount:
    return ConnectedAccount(
        id=str(item.id),
        toolkit=str(_field(_field(item, "toolkit"), "slug", "")),
        user_id=str(_field(item, "user_id", "")),
        status=_status(_field(item, "status")) or AccountStatus.FAILED,
        status_reason=str(_field(item, "status_reason", "")),
        is_disabled=bool(_field(item, "is_disabled", False)),
        auth_config_id=str(_field(_field(item, "auth_config"), "id", "")),
        created_at=str(_field(item, "created_at", "")),
        updated_at=str(_field(item, "updated_at", "")),
        redirect_url=_redirect_url(_field(item, "state")),
    )


def _sdk_error(exc: BaseException, where: str) -> ApiError | None:
    """The SDK's own exceptions (``composio.exceptions``): they do not derive from composio_client's."""
    try:
        from composio import exceptions as cx
    except Exception:  # pragma: no cover - broken install
        return None
    if not isinstance(exc, cx.ComposioError):
        return None
    text = str(exc).split("\n", 1)[0].strip()
    if isinstance(exc, cx.MCPDestinationError):
        return ApiError(errors.OUTCOME_UNKNOWN,
                        f"The API created the session, but its MCP URL's origin {exc.mcp_origin or '?'} is not "
                        f"the API origin {exc.api_origin or where}, so the SDK withheld the key and the session id",
                        hint="Do not create it again blindly; check the sessions at the API, and the base URL")
    if isinstance(exc, cx.SessionConfigConflictError):
        return ApiError(errors.CONFLICT, text or "The session changed since it was read (409)", status=409,
                        hint="Refresh the session and try again")
    if isinstance(exc, cx.ComposioSDKTimeoutError):
        return ApiError(errors.TIMEOUT, text or f"{where} did not answer in time",
                        hint="Check the network or raise `timeout` in the config")
    if isinstance(exc, (cx.InvalidParams, cx.ValidationError)):
        return ApiError(errors.BAD_REQUEST, f"The SDK refused the request before sending it: {text or type(exc).__name__}")
    return ApiError(errors.BAD_REQUEST, f"The SDK refused: {text or type(exc).__name__}")


def translate(exc: BaseException, base_url: str = "") -> ApiError:
    """Turn any SDK or transport failure into an ApiError an operator can act on."""
    if isinstance(exc, ApiError):
        return exc
    import composio_client as cc

    where = base_url or "the Composio API"
    request_id = getattr(exc, "request_id", None)
    if isinstance(exc, cc.APIStatusError):
        return errors.from_status(exc.status_code, exc.details or {}, where=where, request_id=request_id,
                                  retry_after=exc.response.headers.get("retry-after"))
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
    if (sdk := _sdk_error(exc, where)) is not None:
        return sdk
    return ApiError(errors.BAD_RESPONSE, f"Unexpected failure talking to {where}: {type(exc).__name__}",
                    hint="Try again; run with the debug log on and report it if it persists")


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
    """A thread-safe facade over the Composio SDK for one base URL and one key.

    The SDK objects stay inside: callers get plain dataclasses from ``tui.core.models``.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 15.0, max_retries: int = 1) -> None:
        self.base_url = (base_url or PRODUCTION_URL).rstrip("/")
        self._key = api_key
        from .debuglog import redact

        redact(api_key)
        self.timeout = timeout
        self.max_retries = max_retries
        self._sdk: Any = None
        self._creator_sdk: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the key
        return f"Gateway(base_url={self.base_url!r})"

    def _build(self, max_retries: int) -> Any:
        try:
            from composio import Composio
        except Exception as exc:  # pragma: no cover - broken install
            raise ApiError(errors.CONFIG, f"The composio SDK cannot be imported ({exc})") from exc
        from .ratelimit import DEFAULT_MAX_WAIT, http_client  # one pacer per origin for every request

        try:
            return Composio(api_key=self._key, base_url=self.base_url, timeout=self.timeout,
                            max_retries=max_retries, allow_tracking=False,
                            http_client=http_client(self.base_url, getattr(self, "rate_limit_wait", DEFAULT_MAX_WAIT)))
        except Exception as exc:
            raise translate(exc, self.base_url) from exc

    def _composio(self) -> Any:
        with self._lock:
            if self._sdk is None:
                self._sdk = self._build(self.max_retries)
            return self._sdk

    def _creator(self) -> Any:
        """A zero-retry SDK for session creation: a blind retry after a lost answer would make a
        second session the ledger never hears of. Callers decide about retries (see sessions.create)."""
        with self._lock:
            if self._creator_sdk is None:
                self._creator_sdk = self._build(0)
            return self._creator_sdk

    def _client(self) -> Any:
        return self._composio().client

    # --- catalog -------------------------------------------------------------------------

    @_api
    def toolkit_page(self, *, cursor: str | None = None, limit: int = CATALOG_PAGE, search: str | None = None,
                     category: str | None = None, sort_by: str = "usage", offset: int = 0
                     ) -> tuple[list[Toolkit], str | None, int]:
        from composio_client import omit

        resp = self._client().toolkits.list(
            cursor=cursor or omit, limit=limit, search=search or omit, category=category or omit,
            sort_by=sort_by,
        )
        items = [_toolkit(it, offset + i) for i, it in enumerate(_field(resp, "items", []))]
        return items, _field(resp, "next_cursor"), int(_field(resp, "total_items", len(items)))

    def iter_toolkits(self, *, page_size: int = CATALOG_PAGE, search: str | None = None,
                      category: str | None = None) -> Iterator[tuple[list[Toolkit], int]]:
        """Yield (new toolkits of the page, total_items) through every page (``paging.pages``)."""
        seen: set[str] = set()
        offset = 0

        def fetch(cursor: str | None) -> Page[Toolkit]:
            nonlocal offset
            items, next_cursor, total = self.toolkit_page(cursor=cursor, limit=page_size, search=search,
                                                          category=category, offset=offset)
            offset += len(items)
            return Page(items, next_cursor, total)

        for page in pages(fetch, what="toolkits"):
            fresh = [t for t in page.items if t.slug not in seen]
            seen.update(t.slug for t in fresh)
            yield fresh, int(page.total or 0)

    @_api
    def categories(self) -> list[Category]:
        """Every toolkit category, through every page (the client method takes no cursor: sent as a query)."""

        def fetch(cursor: str | None) -> Page[Category]:
            query = {"limit": CATEGORIES_PAGE, **({"cursor": cursor} if cursor else {})}
            resp = self._client().toolkits.retrieve_categories(extra_query=query)
            items = [Category(id=str(c.id), name=str(_field(c, "name", c.id))) for c in _field(resp, "items", [])]
            return Page(items, _field(resp, "next_cursor"))

        out: dict[str, Category] = {}
        for cat in collect(fetch, what="toolkit categories"):
            out.setdefault(cat.id, cat)
        return list(out.values())

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
    def toolkit_detail(self, slug: str) -> ToolkitDetail:
        """Fields of the detail endpoint the list lacks (managed auth modes, available versions)."""
        from .catalog_read import detail_of  # the one mapping, shared with the read path

        return detail_of(self._client().toolkits.retrieve(slug), slug)

    @_api
    def tools(self, slug: str, *, limit: int = TOOLS_PAGE) -> list[Tool]:
        from composio_client import omit

        from .catalog_read import tool_of  # the one mapping, shared with the read path

        def fetch(cursor: str | None) -> Page[Tool]:
            resp = self._client().tools.list(toolkit_slug=slug, limit=limit, cursor=cursor or omit)
            return Page([tool_of(t) for t in _field(resp, "items", [])], _field(resp, "next_cursor"))

        return collect(fetch, what=f"the tools of {slug}")

    @_api
    def verify_key(self) -> int:
        """One-item toolkit list: proves the key works. Returns the catalog size."""
        resp = self._client().toolkits.list(limit=1)
        return int(_field(resp, "total_items", 0))

    # --- Tool Router sessions -------------------------------------------------------------

    @_api
    def create_session(self, user_id: str, toolkits: list[str], *, manage_connections: bool = True,
                       policy: Any = None) -> SessionInfo:
        """Create through the SDK (``mcp=True``: it refuses a foreign MCP origin, after the create).

        The SDK's session object drops the meta tools, so the session is read back once; if that read
        fails the created session is still returned (its meta tools then unknown). ``policy`` (a
        tui.core.policy.Policy) adds the rest of the session's settings."""
        self.require_writable("creating a session")
        extra = _policy_kwargs(policy)
        session = self._creator().create(user_id=user_id, **({"toolkits": list(toolkits),
                                         "manage_connections": manage_connections} | extra), mcp=True)
        info = _session({"session_id": session.session_id, "config": getattr(session, "config", None),
                         "mcp": {"url": session.mcp.url}}, user_id)
        try:
            back = _session(self._client().tool_router.session.retrieve(session.session_id), user_id)
        except Exception as exc:  # the create succeeded: never turn it into a failure
            log.debug("read-back after create failed: %s", translate(exc, self.base_url).line())
            back = None
        return SessionInfo(
            session_id=info.session_id,
            user_id=info.user_id or user_id,
            mcp_url=info.mcp_url,
            toolkits=info.toolkits or (back.toolkits if back else ()) or (tuple(toolkits) if not info.excluded else ()),
            tool_router_tools=back.tool_router_tools if back else info.tool_router_tools,
            manage_connections=info.manage_connections if getattr(session, "config", None) else manage_connections,
            excluded=info.excluded or (back.excluded if back else ()),
        )

    @_api
    def retrieve_session(self, session_id: str) -> SessionInfo:
        return _session(self._client().tool_router.session.retrieve(session_id))

    @_api
    def delete_session(self, session_id: str) -> bool:
        """Delete remotely. Returns False when the API says it was already gone (404)."""
        self.require_writable("deleting a session")
        return self._deleted(lambda: self._client().tool_router.session.delete(session_id))

    def _deleted(self, delete: Callable[[], Any]) -> bool:
        """Run a DELETE: True when it deleted now, False when the API says it was already gone (404)."""
        try:
            delete()
        except Exception as exc:
            err = translate(exc, self.base_url)
            if err.kind == errors.NOT_FOUND:
                return False
            raise err from exc
        return True

    @_api
    def session_toolkits(self, session_id: str, toolkits: list[str] | None = None) -> list[ToolkitConnection]:
        """The session's toolkits with the endpoint's connection hint (not the source of truth: see
        ``accounts``)."""
        from composio_client import omit

        def fetch(cursor: str | None) -> Page[ToolkitConnection]:
            resp = self._client().tool_router.session.toolkits(
                session_id, limit=SESSION_TOOLKITS_PAGE, cursor=cursor or omit,
                toolkits=list(toolkits) if toolkits else omit,
            )
            items = []
            for item in _field(resp, "items", []):
                account = _field(item, "connected_account")
                items.append(ToolkitConnection(slug=item.slug, name=_field(item, "name", item.slug),
                                               state=_hint_state(item),
                                               connected_account_id=_field(account, "id", "") if account else ""))
            return Page(items, _field(resp, "next_cursor"))

        return collect(fetch, what="the session's toolkits")

    @_api
    def create_link(self, session_id: str, toolkit: str) -> ConnectLink:
        self.require_writable("creating a Connect link")
        resp = self._client().tool_router.session.link(session_id, toolkit=toolkit)
        return ConnectLink(toolkit=toolkit, redirect_url=resp.redirect_url,
                           connected_account_id=_field(resp, "connected_account_id", ""))

    @_api
    def account(self, connected_account_id: str) -> ConnectedAccount:
        return _account(self._client().connected_accounts.retrieve(connected_account_id))

    def account_status(self, connected_account_id: str) -> ConnectionState:
        return self.account(connected_account_id).state

    def close(self) -> None:
        """Close the SDK's HTTP connections (keep-alive sockets would outlive the gateway)."""
        with self._lock:
            for sdk in (self._sdk, self._creator_sdk):
                client = getattr(getattr(sdk, "_client", None), "_client", None) if sdk is not None else None
                try:
                    client.close() if client is not None and hasattr(client, "close") else None
                except Exception:  # closing is best effort
                    pass
            self._sdk = self._creator_sdk = None

    def mcp_headers(self, mcp_url: str) -> dict[str, str]:
        """Exactly the headers an MCP client sends to ``mcp_url`` (the key: handle with care).

        The key goes only to the API's own origin (as the SDK does); any other origin raises
        ApiError(CONFIG) naming both origins, never the key."""
        refusal = key_refusal(mcp_url, self.base_url)
        if refusal:
            raise ApiError(errors.CONFIG, refusal, hint="Check the session's MCP URL and the base URL")
        return {"x-api-key": self._key}

    def warm(self) -> None:
        """Import and build both SDK clients now (seconds), in the calling thread: the SDK keeps
        ``allow_tracking=False`` in a ContextVar of the thread that built it, and workers started from
        a copy of this thread's context inherit it."""
        self._composio()
        self._creator()

    # --- connected accounts ------------------------------------------------------------------

    @_api
    def accounts(self, *, user_id: str | None = None, toolkits: Collection[str] | None = None,
                 statuses: Collection[AccountStatus] | None = None,
                 auth_config_ids: Collection[str] | None = None) -> list[ConnectedAccount]:
        """Connected accounts matching every filter given, through every page (newest first)."""
        from composio_client import omit

        def fetch(cursor: str | None) -> Page[ConnectedAccount]:
            resp = self._client().connected_accounts.list(
                user_ids=[user_id] if user_id else omit,
                toolkit_slugs=list(toolkits) if toolkits else omit,
                statuses=[AccountStatus(s).value for s in statuses] if statuses else omit,
                auth_config_ids=list(auth_config_ids) if auth_config_ids else omit,
                cursor=cursor or omit, limit=ACCOUNTS_PAGE,
                order_by="created_at", order_direction="desc",
            )
            return Page([_account(it) for it in _field(resp, "items", [])], _field(resp, "next_cursor"))

        return collect(fetch, what="connected accounts")
    # --- playground (issue 14: search, session tools, tool schemas, execute) -----------------------

    @_api
    def playground_search(self, session_id: str, queries: list[str]) -> Any:
        """``POST …/session/{id}/search`` with one ``use_case`` per query -> playground.SearchOutcome."""
        from .playground import QueryResult, SearchOutcome, ToolkitStatus, ToolSchema

        resp = self._client().tool_router.session.search(session_id, queries=[{"use_case": q} for q in queries])
        results = tuple(QueryResult(
            index=int(_field(r, "index", i + 1)), use_case=str(_field(r, "use_case", "")),
            primary=tuple(_field(r, "primary_tool_slugs", [])), related=tuple(_field(r, "related_tool_slugs", [])),
            toolkits=tuple(_field(r, "toolkits", [])), difficulty=str(_field(r, "difficulty", "")),
            plan_steps=tuple(_field(r, "recommended_plan_steps", [])), pitfalls=tuple(_field(r, "known_pitfalls", [])),
            guidance=str(_field(r, "execution_guidance", "")), error=str(_field(r, "error", "")),
        ) for i, r in enumerate(_field(resp, "results", [])))
        schemas = {slug: ToolSchema(slug=str(_field(s, "tool_slug", slug)), toolkit=str(_field(s, "toolkit", "")),
                                    description=str(_field(s, "description", "")),
                                    input_schema=_field(s, "input_schema"), output_schema=_field(s, "output_schema"),
                                    has_full_schema=bool(_field(s, "has_full_schema", False)))
                   for slug, s in (_field(resp, "tool_schemas", {}) or {}).items()}
        statuses = {str(s.toolkit): ToolkitStatus(toolkit=str(s.toolkit), description=str(_field(s, "description", "")),
                                                  connected=bool(_field(s, "has_active_connection", False)),
                                                  message=str(_field(s, "status_message", "")))
                    for s in _field(resp, "toolkit_connection_statuses", [])}
        info = _field(resp, "time_info")
        return SearchOutcome(results=results, schemas=schemas, statuses=statuses,
                             next_steps=tuple(_field(resp, "next_steps_guidance", [])),
                             time_info=str(_field(info, "current_time_utc", "")), error=str(_field(resp, "error", "")))

    @_api
    def playground_tools_page(self, session_id: str, *, cursor: str | None = None, limit: int = 200) -> Any:
        """One page of ``GET …/session/{id}/tools`` -> paging.Page[playground.SessionTool]."""
        from composio_client import omit

        from .paging import Page
        from .playground import SessionTool

        resp = self._client().tool_router.session.tools(session_id, limit=limit, cursor=cursor or omit)
        items = [SessionTool(slug=t.slug, name=str(_field(t, "name", t.slug)),
                             toolkit=str(_field(_field(t, "toolkit"), "slug", "")),
                             toolkit_name=str(_field(_field(t, "toolkit"), "name", "")),
                             description=str(_field(t, "description", "")), tags=tuple(_field(t, "tags", [])),
                             no_auth=bool(_field(t, "no_auth", False)))
                 for t in _field(resp, "items", [])]
        return Page(items, _field(resp, "next_cursor"), int(_field(resp, "total_items", len(items))))

    @_api
    def playground_tool(self, tool_slug: str) -> Any:
        """``GET /tools/{slug}`` -> playground.ToolDetail (input and output JSON schemas)."""
        from .playground import ToolDetail

        t = self._client().tools.retrieve(tool_slug)
        kit = _field(t, "toolkit")
        return ToolDetail(slug=t.slug, name=str(_field(t, "name", t.slug)), toolkit=str(_field(kit, "slug", "")),
                          toolkit_name=str(_field(kit, "name", "")), description=str(_field(t, "description", "")),
                          input_schema=dict(_field(t, "input_parameters", {}) or {}),
                          output_schema=dict(_field(t, "output_parameters", {}) or {}),
                          tags=tuple(_field(t, "tags", [])), scopes=tuple(_field(t, "scopes", [])),
                          no_auth=bool(_field(t, "no_auth", False)), version=str(_field(t, "version", "")))

    def _execution(self, tool_slug: str, resp: Any) -> Any:
        from .playground import Execution

        kind = str(_field(resp, "result_type", "") or "")
        if kind == "input_required":
            asks = [str(_field(r, "message", "")) for r in (_field(resp, "input_requests", {}) or {}).values()]
            return Execution(tool_slug, False, kind, error="; ".join(a for a in asks if a) or "input required")
        error = str(_field(resp, "error", "") or "")
        ok = kind == "completed" or (not kind and not error)
        return Execution(tool_slug, ok, kind or ("completed" if ok else "failed"),
                         data=dict(_field(resp, "data", {}) or {}), error=error, log_id=str(_field(resp, "log_id", "")))

    @_api
    def playground_execute(self, session_id: str, tool_slug: str, arguments: dict[str, Any]) -> Any:
        """``POST …/session/{id}/execute`` on the zero-retry client (a write) -> playground.Execution."""
        self.require_writable("running a tool")
        resp = self._creator().client.tool_router.session.execute(session_id, tool_slug=tool_slug, arguments=arguments)
        return self._execution(tool_slug, resp)

    @_api
    def playground_execute_meta(self, session_id: str, slug: str, arguments: dict[str, Any]) -> Any:
        """``POST …/session/{id}/execute_meta`` (a ``COMPOSIO_*`` meta tool) -> playground.Execution."""
        self.require_writable("running a meta tool")
        resp = self._creator().client.tool_router.session.execute_meta(session_id, slug=slug, arguments=arguments)
        return self._execution(slug, resp)

    # --- end playground ----------------------------------------------------------------------------

    # --- activity ---------------------------------------------------------------------------
    # Tool-execution logs (v3.1 logs API); the shapes and every rule about them live in core/activity.py.

    @_api
    def log_page(self, *, filters: list[dict], time_range: dict | None = None, cursor: str | None = None,
                 limit: int = 50) -> Any:
        """One page of ``POST /api/v3.1/logs/tool_execution``, newest first: ``Page[LogEntry]``."""
        from composio_client import omit

        from .activity import entry_from
        from .paging import Page

        resp = self._client().logs.create_tool_execution(
            limit=limit, cursor=cursor or omit, filters=filters, time_range=time_range or omit)
        items = [entry_from(log.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)) for log in _field(resp, "logs", [])]
        return Page(items, _field(resp, "next_cursor"))

    @_api
    def log_detail(self, log_id: str) -> Any:
        """``GET /api/v3.1/logs/tool_execution/{id}``: a ``LogDetail`` (timings, context, source, data)."""
        from .activity import detail_from

        resp = self._client().logs.retrieve_tool_execution(log_id)
        return detail_from(resp.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False))


    # --- users and connections ---

    def account_pages(self) -> Iterator[list[ConnectedAccount]]:
        """Every connected account of the project, one page at a time (for a list that fills as it goes)."""
        from composio_client import omit

        def fetch(cursor: str | None) -> Page[ConnectedAccount]:
            resp = self._call(lambda: self._client().connected_accounts.list(
                cursor=cursor or omit, limit=ACCOUNTS_PAGE, order_by="created_at", order_direction="desc"))
            return Page([_account(it) for it in _field(resp, "items", [])], _field(resp, "next_cursor"))

        for page in pages(fetch, what="connected accounts"):
            yield page.items

    def _call(self, thunk: Callable[[], T]) -> T:
        """One SDK call outside ``@_api`` (inside a generator): its failure becomes an ApiError."""
        _no_telemetry()
        try:
            return thunk()
        except Exception as exc:
            raise translate(exc, self.base_url) from exc

    @_api
    def delete_account(self, account_id: str) -> bool:
        """Delete a connected account. False when the API says it was already gone (404)."""
        self.require_writable("deleting a connected account")
        return self._deleted(lambda: self._client().connected_accounts.delete(account_id))

    @_api
    def set_account_enabled(self, account_id: str, enabled: bool) -> None:
        """Enable (back to usable) or disable (INACTIVE) a connected account."""
        self.require_writable("enabling or disabling a connected account")
        self._client().connected_accounts.update_status(account_id, enabled=enabled)

    @_api
    def refresh_account(self, account_id: str) -> ConnectLink:
        """Re-authenticate an account: a new Connect link when the scheme redirects, else none ("")."""
        self.require_writable("refreshing a connected account")
        resp = self._client().connected_accounts.refresh(account_id)
        return ConnectLink(toolkit="", redirect_url=str(_field(resp, "redirect_url", "")),
                           connected_account_id=str(_field(resp, "id", account_id)))

    @_api
    def session_connect_link(self, session_id: str, toolkit: str, callback_url: str | None = None) -> ConnectLink:
        """A Connect link through a session that enables ``toolkit`` (returns to ``callback_url``)."""
        self.require_writable("creating a Connect link")
        from composio_client import omit

        resp = self._client().tool_router.session.link(session_id, toolkit=toolkit, callback_url=callback_url or omit)
        return ConnectLink(toolkit=toolkit, redirect_url=resp.redirect_url,
                           connected_account_id=_field(resp, "connected_account_id", ""))

    @_api
    def auth_config_link(self, user_id: str, auth_config_id: str, toolkit: str,
                         callback_url: str | None = None) -> ConnectLink:
        """A Connect link through an auth config (``connected_accounts/link``) for one user."""
        self.require_writable("creating a Connect link")
        from composio_client import omit

        resp = self._client().link.create(user_id=user_id, auth_config_id=auth_config_id,
                                       callback_url=callback_url or omit)
        return ConnectLink(toolkit=toolkit, redirect_url=resp.redirect_url,
                           connected_account_id=resp.connected_account_id)

    # --- policy ---------------------------------------------------------------------------
    # Session policy (tui.core.policy): auth configs, the user's accounts, retrieve/update/history
    # of a session's config and the project's saved session configs. Returns tui.core.policy types.

    @_api
    def auth_configs(self, toolkit: str | None = None) -> list:
        from composio_client import omit

        from .paging import Page, collect
        from .policy import AuthConfig

        def fetch(cursor: str | None) -> Page:
            resp = self._client().auth_configs.list(toolkit_slug=toolkit or omit, cursor=cursor or omit,
                                                 limit=100, show_disabled=True)
            items = [AuthConfig(id=c.id, toolkit=str(_field(_field(c, "toolkit"), "slug", "")),
                                name=_field(c, "name", c.id), auth_scheme=str(_field(c, "auth_scheme", "")),
                                managed=bool(_field(c, "is_composio_managed", False)),
                                enabled=str(_field(c, "status", "ENABLED")).upper() == "ENABLED",
                                connections=int(_field(c, "no_of_connections", 0)))
                     for c in _field(resp, "items", [])]
            return Page(items, _field(resp, "next_cursor"))

        return collect(fetch, what="auth configs")

    def policy_accounts(self, *, user_id: str, toolkits: list[str] | None = None) -> list:
        """The user's connected accounts as the policy checks see them (from ``accounts``)."""
        from .policy import Account

        return [Account(id=a.id, user_id=a.user_id, toolkit=a.toolkit, status=a.status.value,
                        auth_config_id=a.auth_config_id, disabled=a.is_disabled)
                for a in self.accounts(user_id=user_id, toolkits=toolkits)]

    @_api
    def session_policy(self, session_id: str) -> Any:
        return _applied(self._client().tool_router.session.retrieve(session_id))

    @_api
    def update_session(self, session_id: str, changes: dict, *, expected_version: int | None = None) -> Any:
        """PATCH through ``ToolRouterSession.update``; ``changes`` is ``policy.patch_body(old, new)``.
        A stale ``expected_version`` is a CONFLICT ApiError (409), never retried."""
        self.require_writable("updating a session")
        from composio.exceptions import SessionConfigConflictError

        sdk = self._composio()
        session = (getattr(sdk, "sessions", None) or sdk.tool_router).use(session_id)
        try:
            session.update(**changes, expected_config_version=expected_version or False)
        except SessionConfigConflictError as exc:
            raise ApiError(errors.CONFLICT, f"Session {session_id} changed since version {expected_version}",
                           status=409, hint="Look at the session again and re-apply the change") from exc
        return _applied(self._client().tool_router.session.retrieve(session_id))

    @_api
    def config_history(self, session_id: str) -> list:
        from composio_client import omit

        from .paging import Page, collect
        from .policy import ConfigVersion, from_config

        def fetch(cursor: str | None) -> Page:
            resp = self._client().tool_router.session.config_history(session_id, cursor=cursor or omit, limit=100)
            items = [ConfigVersion(version=int(i.version), created_at=str(_field(i, "created_at", "")),
                                   current=bool(_field(i, "is_current", False)),
                                   policy=from_config(i.config.model_dump(mode="json", exclude_none=True)))
                     for i in _field(resp, "items", [])]
            return Page(items, _field(resp, "next_cursor"))

        return collect(fetch, what="config history")

    @_api
    def session_configs(self) -> list:
        from composio_client import omit

        from .paging import Page, collect
        from .policy import SessionConfigSummary

        def fetch(cursor: str | None) -> Page:
            resp = self._client().session_configs.list(cursor=cursor or omit, limit=100)
            items = [SessionConfigSummary(id=c.id, name=str(_field(c, "name", c.id)),
                                          archived=bool(_field(c, "archived", False)))
                     for c in _field(resp, "items", [])]
            return Page(items, _field(resp, "next_cursor"))

        return collect(fetch, what="session configs")

    @_api
    def session_config(self, config_id: str) -> Any:
        from .policy import SessionConfigSummary, from_config

        c = self._client().session_configs.retrieve(config_id)
        config = _field(c, "config")
        dumped = config.model_dump(mode="json", exclude_none=True) if hasattr(config, "model_dump") else dict(config or {})
        return SessionConfigSummary(id=c.id, name=str(_field(c, "name", c.id)),
                                    description=str(_field(c, "description", "") or ""),
                                    archived=bool(_field(c, "archived", False)), policy=from_config(dumped))

    # --- profiles (issue 16) ---
    guard: Callable[[str], None] | None = None
    """Set by the context: ``Context.require_writable`` (a read-only profile raises before any request)."""

    def require_writable(self, action: str) -> None:
        """Every write method calls this first; new write methods must too (see tui.core.profiles)."""
        if self.guard is not None:
            self.guard(action)


def _policy_kwargs(policy: Any) -> dict:
    if policy is None:
        return {}
    from .policy import create_kwargs

    return create_kwargs(policy)


def _applied(resp: Any) -> Any:
    from .policy import Applied, from_config

    config = _field(resp, "config")
    dumped = config.model_dump(mode="json", exclude_none=True) if hasattr(config, "model_dump") else dict(config or {})
    return Applied(session_id=resp.session_id, user_id=str(dumped.get("user_id", "")),
                   mcp_url=_field(_field(resp, "mcp"), "url", ""), config_version=int(_field(resp, "config_version", 1)),
                   policy=from_config(dumped), tool_router_tools=tuple(_field(resp, "tool_router_tools", [])),
                   config=dumped)

