"""Verify an MCP URL the way an MCP client would: ``initialize`` then ``tools/list``.

Uses the real ``mcp`` client (2.x, Streamable HTTP over ``httpx2``). mcp 2.x reports HTTP failures as
JSON-RPC errors without the status, so an ``httpx2`` response hook records every status and content
type, and the diagnosis is built from those. Never includes header values (the API key) in its text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

AUTH = "wrong or missing API key (x-api-key)"
NOT_FOUND = "session not found — it was deleted or never existed"
NOT_MCP = "not an MCP endpoint"
REFUSED = "not sent"
"""Diagnosis prefix when the MCP URL is not on the API's origin: nothing was sent to it."""

# The mcp client logs failures itself; keep Python's last-resort stderr printer off a terminal UI.
logging.getLogger("mcp").addHandler(logging.NullHandler())


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    tools: tuple[str, ...] = ()
    server: str = ""
    diagnosis: str = ""
    seconds: float = 0.0


@dataclass(slots=True)
class _Seen:
    """What the HTTP layer saw for the POSTs the probe made."""

    statuses: list[int] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)


def _short(text: str, limit: int = 100) -> str:
    line = (text.strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _walk(exc: BaseException):
    """Yield ``exc`` and every exception nested in groups, causes and contexts."""
    stack, seen = [exc], set()
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.extend(getattr(e, "exceptions", ()) or ())
        stack.extend(x for x in (e.__cause__, e.__context__) if x is not None)


def _diagnose_http(seen: _Seen, url: str) -> str | None:
    for status, ctype in zip(seen.statuses, seen.content_types):
        if status in (401, 403):
            return f"{AUTH} (HTTP {status})"
        if status == 404:
            if "/tool_router/" in urlsplit(url).path:
                return f"{NOT_FOUND} (HTTP 404)"
            return "nothing at this URL (HTTP 404) — check the MCP URL"
        if status in (405, 406, 415):
            return f"{NOT_MCP} (HTTP {status}: the URL does not accept MCP requests)"
        if status == 429:
            return "rate limited by the server (HTTP 429) — wait and try again"
        if status >= 500:
            return f"server error (HTTP {status}) — try again later"
        if status >= 400:
            return f"the server refused the request (HTTP {status})"
        if 200 <= status < 300 and not ctype.startswith(("application/json", "text/event-stream")):
            return f"{NOT_MCP} (HTTP {status} answered with {ctype or 'no content type'})"
    return None


def _diagnose(exc: BaseException, seen: _Seen, url: str, timeout: float) -> str:
    import httpx2
    from mcp.shared.exceptions import MCPError

    found = list(_walk(exc))
    for e in found:
        if isinstance(e, (TimeoutError, asyncio.TimeoutError, httpx2.TimeoutException)):
            return f"timed out after {timeout:g} s — the server did not answer"
    for e in found:
        if isinstance(e, httpx2.ConnectError):
            parts = urlsplit(url)
            return f"connection refused — nothing is listening at {parts.hostname}:{parts.port or ''}".rstrip(":")
    if (http := _diagnose_http(seen, url)) is not None:
        return http
    for e in found:
        if isinstance(e, (httpx2.RemoteProtocolError, httpx2.ReadError)):
            return "the server closed the connection without answering"
        if isinstance(e, httpx2.TransportError):
            return f"network error: {type(e).__name__}"
    for e in found:
        if isinstance(e, MCPError):
            if e.code == -32700:
                return f"{NOT_MCP} (the reply is not JSON-RPC)"
            if e.code in (-32600, -32601):
                return f"{NOT_MCP} ({_short(e.message)})"
            return f"MCP error {e.code}: {_short(e.message)}"
    return _short(f"{type(exc).__name__}: {exc}")


async def verify(url: str, headers: dict[str, str], timeout: float = 10.0) -> ProbeResult:
    """Connect to ``url`` with ``headers``, run ``initialize`` and ``tools/list``; never raises."""
    started = time.monotonic()
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        return ProbeResult(False, diagnosis=f"not an http(s) URL: {url!r}")
    import httpx2
    from mcp.client.client import Client
    from mcp.client.streamable_http import streamable_http_client

    from .ratelimit import shared_tls

    seen = _Seen()

    async def on_response(response: httpx2.Response) -> None:
        if response.request.method == "POST":
            seen.statuses.append(response.status_code)
            seen.content_types.append(response.headers.get("content-type", "").lower())

    http = httpx2.AsyncClient(headers=dict(headers), timeout=httpx2.Timeout(timeout), verify=shared_tls(),
                              event_hooks={"response": [on_response]})
    try:
        async with http:
            async with asyncio.timeout(timeout):
                transport = streamable_http_client(url, http_client=http)
                async with Client(transport, mode="legacy", read_timeout_seconds=timeout, cache=None) as client:
                    listed = await client.list_tools()
                    info = client.server_info
        server = f"{info.name} {info.version or ''}".strip() if info else ""
        return ProbeResult(True, tuple(t.name for t in listed.tools), server, "ok",
                           time.monotonic() - started)
    except Exception as exc:  # every failure becomes a diagnosis
        return ProbeResult(False, diagnosis=_diagnose(exc, seen, url, timeout), seconds=time.monotonic() - started)


def verify_sync(url: str, headers: dict[str, str], timeout: float = 10.0) -> ProbeResult:
    """``verify`` for scripts and worker threads (runs its own event loop)."""
    return asyncio.run(verify(url, headers, timeout))


def verify_session(gateway, url: str, timeout: float = 10.0) -> ProbeResult:
    """``verify_sync`` with the gateway's MCP headers for ``url``. A URL off the API's origin is refused
    before any request (the key goes only to the API origin); the diagnosis names both origins."""
    from .errors import ApiError

    try:
        headers = gateway.mcp_headers(url)
    except ApiError as err:
        return ProbeResult(False, diagnosis=f"{REFUSED}: {err.message}")
    return verify_sync(url, headers, timeout)


def outcome_line(result: ProbeResult) -> str:
    """One line for a verify result: "✓ 5 tools (server)" or "✗ the diagnosis"."""
    if result.ok:
        return f"✓ {len(result.tools)} tools ({result.server or 'MCP server'})"
    return f"✗ {result.diagnosis}"


class VerifyLog:
    """The last verify result of each session in this run, so a screen opened again can show it.
    Thread-safe: workers record, the UI thread reads."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._last: dict[str, ProbeResult] = {}

    def verify(self, gateway, session_id: str, url: str, timeout: float = 10.0) -> ProbeResult:
        """``verify_session``, and the result kept as the session's last one. Blocking."""
        result = verify_session(gateway, url, timeout)
        self.record(session_id, result)
        return result

    def record(self, session_id: str, result: ProbeResult) -> None:
        with self._lock:
            self._last[session_id] = result

    def last(self, session_id: str) -> ProbeResult | None:
        with self._lock:
            return self._last.get(session_id)
