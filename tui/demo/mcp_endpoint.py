"""MCP Streamable HTTP at ``/tool_router/<session_id>/mcp``, built on the ``mcp`` package (2.x).

The ``mcp`` server import is slow (about a second), so it happens on the first MCP request, in a
worker thread, and the API keeps answering meanwhile. Requests are handled statelessly: every POST
is answered on its own (JSON responses), and the session is looked up per request.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Receive, Scope, Send

from tui.demo import logs as activity_logs
from tui.demo import meta_tools
from tui.demo import sessions as s
from tui.demo.data import DemoCatalog
from tui.demo.state import Store

SERVER_NAME = "Composio Tool Router (demo)"
SERVER_VERSION = "0.1.0-demo"


def _import_mcp() -> None:
    import mcp.server.lowlevel.server  # noqa: F401
    import mcp.server.streamable_http_manager  # noqa: F401


class McpEndpoint:
    """ASGI app for the per-session MCP URL; the session must exist (404 otherwise)."""

    def __init__(self, store: Store, catalog: DemoCatalog, not_found) -> None:
        self.store = store
        self.catalog = catalog
        self._not_found = not_found
        self._manager: Any = None
        self._lock: asyncio.Lock | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session_id = scope.get("path_params", {}).get("session_id", "")
        if self.store.session(session_id) is None:
            await self._not_found(scope, receive, send)
            return
        manager = await self._ensure_manager()
        await manager.handle_request(scope, receive, send)

    async def _ensure_manager(self) -> Any:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._manager is None:
                await asyncio.to_thread(_import_mcp)
                self._manager = self._build_manager()
                started = asyncio.Event()
                self._stop = asyncio.Event()
                self._task = asyncio.create_task(self._run_manager(started))
                await started.wait()
        return self._manager

    async def _run_manager(self, started: asyncio.Event) -> None:
        assert self._stop is not None
        async with self._manager.run():
            started.set()
            await self._stop.wait()

    async def aclose(self) -> None:
        """Stop the MCP session manager (called from the app's lifespan shutdown)."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            try:
                await asyncio.wait_for(self._task, 2.0)
            except (asyncio.TimeoutError, Exception):  # shutting down: nothing useful to report
                self._task.cancel()

    def _build_manager(self) -> Any:
        import mcp_types as types
        from mcp.server.lowlevel.server import Server
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
        from mcp.server.transport_security import TransportSecuritySettings

        def record_for(ctx: Any):
            request = getattr(ctx, "request", None)
            session_id = request.scope.get("path_params", {}).get("session_id", "") if request is not None else ""
            record = self.store.session(session_id)
            if record is None:
                raise ValueError("Session not found")
            return record, request

        async def list_tools(ctx: Any, params: Any) -> Any:
            record, _ = record_for(ctx)
            tools = []
            for name in record.tool_router_tools:
                description, schema = meta_tools.SCHEMAS[name]
                tools.append(types.Tool(name=name, description=description, input_schema=schema))
            return types.ListToolsResult(tools=tools)

        async def call_tool(ctx: Any, params: Any) -> Any:
            record, request = record_for(ctx)
            name, args = params.name, params.arguments or {}
            if name not in record.tool_router_tools:
                result = {"successful": False, "data": {}, "error": f"Unknown tool {name}"}
            elif name == s.SEARCH:
                result = meta_tools.search(record, self.catalog, args)
            elif name == s.SCHEMAS:
                result = meta_tools.tool_schemas(record, self.catalog, args)
            elif name == s.MANAGE:
                base = f"http://{request.headers.get('host', '127.0.0.1')}"
                result = meta_tools.manage_connections(record, self.catalog, self.store, args, base)
            else:
                result = meta_tools.not_available(name)
            activity_logs.record_mcp_call(self.store, self.catalog, record, name, args, result, request)
            return types.CallToolResult(
                content=[types.TextContent(text=json.dumps(result))],
                structured_content=result,
                is_error=not result["successful"],
            )

        server = Server(SERVER_NAME, version=SERVER_VERSION, on_list_tools=list_tools, on_call_tool=call_tool)
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
        return StreamableHTTPSessionManager(app=server, json_response=True, stateless=True, security_settings=security)
