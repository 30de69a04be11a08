"""Outermost ASGI layer: request ids, fault injection and the ``x-api-key`` check."""

from __future__ import annotations

import asyncio
import json
import itertools
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.demo import faults as f
from tui.demo.shapes import error_body

MALFORMED_BODY = b'{"items": [{"slug": "github", "name": "Git'


def _is_mcp(path: str) -> bool:
    return path.startswith("/tool_router/")


async def send_json(send: Send, status: int, body: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


async def _drop(send: Send) -> None:
    """Close the connection without a response (uvicorn's transport when reachable)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
        transport.close()
        return
    # Fallback: promise a body and never send it; the server then closes the connection.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})


class Guard:
    def __init__(self, app: ASGIApp, engine: f.FaultEngine, api_keys: Collection[str]) -> None:
        self.app = app
        self.engine = engine
        self.api_keys = frozenset(api_keys)
        self._request_numbers = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_send = send
        request_id = f"req_demo_{next(self._request_numbers):06d}"  # deterministic, for snapshots
        scope.setdefault("state", {})["request_id"] = request_id
        rid_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), rid_header]}
            await raw_send(message)

        path = scope["path"]
        guarded = path.startswith("/api/v3.1") or _is_mcp(path)
        if guarded:
            decision = self.engine.decide(is_mcp=_is_mcp(path), method=scope.get("method", "GET"))
            if decision.remaining is not None:  # rate limit window (issue 10): Composio's headers
                limits = self.engine.faults
                rid_header_list = [rid_header, (b"x-ratelimit", str(limits.rate_limit_requests).encode()),
                                   (b"x-ratelimit-remaining", str(decision.remaining).encode()),
                                   (b"x-ratelimit-window-size", f"{limits.rate_limit_window:g}s".encode())]

                async def send_with_id(message: Message, extra=rid_header_list) -> None:
                    if message["type"] == "http.response.start":
                        message = {**message, "headers": [*message.get("headers", []), *extra]}
                    await raw_send(message)
            if decision.delay:
                await asyncio.sleep(decision.delay)
            if decision.action == f.DROP:
                await _drop(raw_send)
                return
            if decision.action == f.ERROR:
                status = self.engine.faults.error_status
                await send_json(send_with_id, status, error_body(
                    status, "Injected server error (demo fault)", "InternalServerError", request_id,
                    "Retry the request."))
                return
            if decision.action == f.RATE_LIMIT:
                retry = self.engine.faults.retry_after
                await send_json(send_with_id, 429, error_body(
                    429, "Rate limit exceeded (demo fault)", "RateLimitExceeded", request_id,
                    f"Wait {retry} s and retry."), [(b"retry-after", str(retry).encode())])
                return
            if decision.action == f.MALFORMED:
                await send_with_id({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(MALFORMED_BODY)).encode())]})
                await send_with_id({"type": "http.response.body", "body": MALFORMED_BODY})
                return
            key = dict(scope["headers"]).get(b"x-api-key", b"").decode("latin-1")
            if key not in self.api_keys:
                what = "Missing" if not key else "Invalid"
                await send_json(send_with_id, 401, error_body(
                    401, f"{what} API key", "Unauthorized", request_id,
                    "Send a valid project API key in the x-api-key header."))
                return
        await self.app(scope, receive, send_with_id)
