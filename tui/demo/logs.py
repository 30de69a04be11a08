"""Demo tool-execution logs: the v3.1 logs endpoints and the log store every execution records into.

Rule: whatever runs a tool in the demo (an MCP ``tools/call``, the session ``execute`` endpoint, a
seed) calls :func:`record_execution` once per execution; the two endpoints only read the store.

- ``POST /api/v3.1/logs/tool_execution``: ``limit`` 1–100 (default 20), ``cursor``, ``filters``
  ``[{field, operator, value}]`` (AND-combined), ``time_range`` ``{from, to}`` in epoch ms; newest
  first; the cursor is a keyset (``before`` the last log of the page), so logs recorded between two
  pages never shift, repeat or hide one. Bodies are checked strictly, as production does: any problem
  is a 400 with the generic message ``Invalid request body`` and one line per problem in ``errors``.
- ``GET /api/v3.1/logs/tool_execution/{id}``: the log with ``timings``, ``context``, ``source``, ``data``.
- ``POST /_demo/logs``: record one execution (body: :func:`record_execution`'s keyword arguments);
  ``POST /_demo/logs/seed``: the deterministic sample story (``{"now_ms": …}`` optional);
  ``DELETE /_demo/logs``: forget every log.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import zlib
from bisect import insort
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.demo.data import DemoCatalog
from tui.demo.shapes import ApiFailure, error_body
from tui.demo.state import SessionRecord, Store

API = "/api/v3.1"
LOG_TYPE = "tool.execution"
FIELDS = ("tool_slug", "toolkit_slug", "connected_account_id", "auth_config_id", "status", "user_id",
          "session_id", "sandbox_id", "request_id", "log_id")
OPERATORS = ("==", "!=", "contains", "not_contains")
STATUSES = ("success", "failed")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
BODY_KEYS = ("limit", "cursor", "filters", "time_range")
META_TOOLKIT = "composio"
"""The toolkit the Tool Router's meta tools (COMPOSIO_SEARCH_TOOLS, …) are logged under."""


def iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class LogStore:
    """Logs kept in time order (ties: recording order); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: list[tuple[int, int, str]] = []  # (at_ms, seq, id), ascending
        self._by_id: dict[str, dict] = {}
        self._seq = 0

    def add(self, detail: dict, at_ms: int) -> None:
        with self._lock:
            self._seq += 1
            insort(self._keys, (at_ms, self._seq, detail["id"]))
            self._by_id[detail["id"]] = detail

    def get(self, log_id: str) -> dict | None:
        with self._lock:
            return self._by_id.get(log_id)

    def newest_first(self) -> list[tuple[tuple[int, int], dict]]:
        with self._lock:
            return [((at, seq), self._by_id[log_id]) for at, seq, log_id in reversed(self._keys)]

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._by_id.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)


_STORES_LOCK = threading.Lock()


def logs_of(store: Store) -> LogStore:
    """The log store that belongs to a demo ``Store`` (made on first use)."""
    with _STORES_LOCK:
        logs = store.__dict__.get("_activity_logs")
        if logs is None:
            logs = store.__dict__["_activity_logs"] = LogStore()
        return logs


def plausible_duration(*parts: object) -> int:
    """A stable, believable duration in ms for an execution the demo did not really run."""
    roll = zlib.crc32("|".join(str(p) for p in parts).encode()) % 1000
    return 60 + roll if roll < 800 else 400 + roll * 2  # mostly 60–860 ms, now and then ~2 s


def record_execution(
    store: Store,
    *,
    user_id: str,
    tool: str,
    toolkit: str = "",
    session_id: str = "",
    status: str = "success",
    duration_ms: float | None = None,
    message: str = "",
    request_id: str = "",
    connected_account_id: str = "",
    auth_config_id: str = "",
    arguments: dict | None = None,
    response: Any = None,
    parent: dict | None = None,
    source: dict | None = None,
    at_ms: int | None = None,
    log_id: str = "",
    metrics: dict | None = None,
) -> str:
    """Record one tool execution and return its log id (``log_…``; the execute response's ``log_id``).

    ``status`` is "success" or "failed"; ``toolkit`` defaults to the tool slug's prefix in lower case;
    ``duration_ms`` defaults to a plausible value; ``at_ms`` (epoch ms, default now) is when it finished;
    ``parent`` is ``{"log_id", "tool_slug"}`` of the calling meta tool (multi-execute), if any;
    ``log_id`` keeps an id already handed out (the execute response's); ``metrics`` adds figures.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    tool = tool.strip().upper()
    toolkit = (toolkit or tool.split("_", 1)[0]).strip().lower()
    at_ms = int(time.time() * 1000) if at_ms is None else int(at_ms)
    duration = float(duration_ms) if duration_ms is not None else float(plausible_duration(tool, request_id, at_ms))
    log_id = log_id or store.new_id("log_")
    failed = status == "failed"
    message = message or (f"{tool} failed" if failed else f"{tool} executed successfully")
    metadata = {"user_id": user_id, "toolkit_slug": toolkit, "tool_slug": tool,
                "credential_source": "connected_account" if connected_account_id else "no_auth"}
    for name, value in (("session_id", session_id), ("connected_account_id", connected_account_id),
                        ("auth_config_id", auth_config_id), ("request_id", request_id)):
        if value:
            metadata[name] = value
    trace = "trc_" + format(zlib.crc32(f"{request_id or log_id}".encode()), "08x")
    detail = {
        "id": log_id, "timestamp": iso(at_ms), "type": LOG_TYPE, "status": status,
        "level": "error" if failed else "info", "message": message, "metadata": metadata,
        "metrics": {"duration_ms": round(duration), "response_size_bytes": len(json.dumps(response, default=str))
                    if response is not None else 0, **(metrics or {})},
        "parent": dict(parent) if parent else None,
        "timings": {"start_time": at_ms - round(duration), "end_time": at_ms},
        "context": {"session_id": session_id or None, "trace_id": trace, "request_id": request_id or None},
        "source": dict(source or {"host": "composio-tui demo", "framework": "tool_router", "language": "python"}),
        "data": {"arguments": dict(arguments or {}), "response": response},
    }
    logs_of(store).add(detail, at_ms)
    return log_id


def record_entry(store: Store, entry: dict) -> str:
    """``record_execution`` for the session ``execute`` endpoint's entry dict (tui/demo/playground.py):
    ``tool_slug``, ``toolkit``, ``user_id``, ``session_id``, ``connected_account_id`` (or None),
    ``status`` as the execute ``result_type`` (completed = success, anything else = failed),
    ``duration_ms``, ``message`` ("ok" when nothing went wrong), ``log_id``, ``arguments_bytes``."""
    ok = str(entry.get("status", "")).lower() in ("completed", "success")
    message = str(entry.get("message") or "")
    tool = str(entry.get("tool_slug") or entry.get("tool") or "")
    # A real execution takes the network round trip the demo skips: never log the in-memory 0.1 ms.
    duration = entry.get("duration_ms")
    duration = None if duration is None or float(duration) < 20 else duration
    extra = {k: entry[k] for k in ("arguments_bytes",) if entry.get(k) is not None}
    return record_execution(
        store, user_id=str(entry.get("user_id") or ""), tool=tool, toolkit=str(entry.get("toolkit") or ""),
        session_id=str(entry.get("session_id") or ""), status="success" if ok else "failed",
        duration_ms=duration, message="" if message == "ok" else (f"{tool.upper()} failed: {message}"
                                                                   if not ok and message else message),
        request_id=str(entry.get("request_id") or ""),
        connected_account_id=str(entry.get("connected_account_id") or ""),
        arguments=entry.get("arguments") if isinstance(entry.get("arguments"), dict) else None,
        response=entry.get("response"), log_id=str(entry.get("log_id") or ""), metrics=extra)


def _toolkit_of(catalog: DemoCatalog, tool: str) -> str:
    for tk in catalog.toolkits:
        if any(t.slug == tool for t in tk.tools):
            return tk.slug
    return tool.split("_", 1)[0].lower()


def record_mcp_call(store: Store, catalog: DemoCatalog, record: SessionRecord, name: str, args: dict,
                    result: dict, request: Any = None) -> str:
    """Log an MCP ``tools/call`` (a meta tool, under toolkit ``composio``); a multi-execute also logs each
    tool it was asked to run, with the meta tool's log as ``parent``. Never fails the call itself."""
    try:
        return _record_mcp_call(store, catalog, record, name, args, result, request)
    except Exception:  # a logging bug must not break the agent's call
        return ""


def _record_mcp_call(store: Store, catalog: DemoCatalog, record: SessionRecord, name: str, args: dict,
                     result: dict, request: Any) -> str:
    scope = getattr(request, "scope", None) or {}
    request_id = str(scope.get("state", {}).get("request_id", ""))
    ok = bool(result.get("successful"))
    error = str(result.get("error") or "")
    source = {"host": "mcp", "framework": "tool_router", "language": "mcp"}
    parent_id = record_execution(
        store, user_id=record.user_id, tool=name, toolkit=META_TOOLKIT, session_id=record.session_id,
        status="success" if ok else "failed", message=f"{name} failed: {error}" if not ok and error else "",
        request_id=request_id, arguments=args, response=result.get("data"), source=source)
    inner = args.get("tools") if name == "COMPOSIO_MULTI_EXECUTE_TOOL" else None
    for item in inner if isinstance(inner, list) else []:
        slug = str(item.get("tool_slug", "")).upper() if isinstance(item, dict) else ""
        if not slug:
            continue
        kit = _toolkit_of(catalog, slug)
        account = store.latest_account(record.user_id, kit)
        record_execution(
            store, user_id=record.user_id, tool=slug, toolkit=kit, session_id=record.session_id,
            status="success" if ok else "failed", message=f"{slug} failed: {error}" if not ok and error else "",
            request_id=request_id, connected_account_id=account.id if account else "",
            arguments=item.get("arguments") if isinstance(item.get("arguments"), dict) else {},
            parent={"log_id": parent_id, "tool_slug": name}, source=source)
    return parent_id


# --- the sample story --------------------------------------------------------------------------

SAMPLE_NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: the seed's clock when none is given
_SAMPLE = [  # (seconds before now, user, tool, status, message, session)
    (3300, "user_8c1f", "GITHUB_LIST_PULL_REQUESTS", "success", "", "trs_sample_8c1f"),
    (2940, "user_8c1f", "GITHUB_CREATE_AN_ISSUE", "success", "", "trs_sample_8c1f"),
    (2400, "user_3a9d", "SLACK_SEND_MESSAGE", "success", "", "trs_sample_3a9d"),
    (1800, "user_8c1f", "GMAIL_SEND_EMAIL", "failed", "GMAIL_SEND_EMAIL failed: invalid recipient", "trs_sample_8c1f"),
    (1200, "user_3a9d", "SLACK_SEND_MESSAGE", "failed", "SLACK_SEND_MESSAGE failed: channel_not_found",
     "trs_sample_3a9d"),
    (600, "user_5e27", "HACKERNEWS_GET_TOP_STORIES", "success", "", "trs_sample_5e27"),
    (300, "user_8c1f", "GMAIL_SEND_EMAIL", "success", "", "trs_sample_8c1f"),
    (120, "user_5e27", "GITHUB_LIST_PULL_REQUESTS", "success", "", "trs_sample_5e27"),
]


def seed_sample(store: Store, catalog: DemoCatalog | None = None, now_ms: int | None = None) -> list[str]:
    """Record the sample story (three users, eight executions, two failures) ending at ``now_ms``
    (default :data:`SAMPLE_NOW_MS`; ``--demo`` passes the current time). Fixed ids; a second call adds
    nothing. Returns the ids recorded."""
    now_ms = SAMPLE_NOW_MS if now_ms is None else int(now_ms)
    out = []
    for i, (before, user, tool, status, message, session) in enumerate(_SAMPLE):
        if logs_of(store).get(f"log_sample{i + 1:04d}") is not None:  # seeded already: once is the story
            continue
        kit = _toolkit_of(catalog, tool) if catalog is not None else tool.split("_", 1)[0].lower()
        if catalog is not None and kit in catalog.by_slug and catalog.by_slug[kit].tools and \
                not any(t.slug == tool for t in catalog.by_slug[kit].tools):
            tool = catalog.by_slug[kit].tools[0].slug  # slugs come from the catalog being served
        out.append(record_execution(
            store, user_id=user, tool=tool, toolkit=kit, session_id=session, status=status, message=message,
            request_id=f"req_sample_{i + 1:04d}", connected_account_id="" if kit == "hackernews" else f"ca_sample_{user[-4:]}",
            arguments={"sample": True}, at_ms=now_ms - before * 1000, log_id=f"log_sample{i + 1:04d}",
            response={"successful": status == "success"}))
    return out


def seed_demo(server: Any) -> list[str]:
    """``--demo``: the sample story, ending now (a running ``DemoServer``)."""
    return seed_sample(server.store, server.catalog, int(time.time() * 1000))


# --- the endpoints -------------------------------------------------------------------------------

def encode_cursor(key: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": list(key)}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    raw = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    at, seq = raw["before"]
    return int(at), int(seq)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_body(body: object) -> tuple[int, tuple[int, int] | None, list[dict], tuple[float, float] | None]:
    """Validate a search body; raises LogBodyError listing every problem."""
    problems: list[str] = []
    if not isinstance(body, dict):
        raise LogBodyError(["body: must be a JSON object"])
    for key in body:
        if key not in BODY_KEYS:
            problems.append(f"{key}: unknown field (allowed: {', '.join(BODY_KEYS)})")
    limit = body.get("limit", DEFAULT_LIMIT)
    if limit is None:
        limit = DEFAULT_LIMIT
    if not _number(limit) or limit != int(limit):
        problems.append("limit: must be a whole number")
        limit = DEFAULT_LIMIT
    elif not 1 <= limit <= MAX_LIMIT:
        problems.append(f"limit: must be between 1 and {MAX_LIMIT}")
    cursor = body.get("cursor")
    key = None
    if cursor is not None:
        try:
            key = decode_cursor(cursor) if isinstance(cursor, str) else None
        except (ValueError, KeyError, TypeError, binascii.Error):
            key = None
        if key is None:
            problems.append("cursor: not a cursor this API issued (pass next_cursor back unchanged)")
    filters = body.get("filters") or []
    if not isinstance(filters, list):
        problems.append("filters: must be a list")
        filters = []
    for i, f in enumerate(filters):
        if not isinstance(f, dict):
            problems.append(f"filters[{i}]: must be an object with field, operator and value")
            continue
        for extra in sorted(set(f) - {"field", "operator", "value"}):
            problems.append(f"filters[{i}].{extra}: unknown field")
        if f.get("field") not in FIELDS:
            problems.append(f"filters[{i}].field: must be one of {', '.join(FIELDS)}")
        if f.get("operator") not in OPERATORS:
            problems.append(f"filters[{i}].operator: must be one of {', '.join(OPERATORS)}")
        if not isinstance(f.get("value"), str):
            problems.append(f"filters[{i}].value: must be a string")
    window = body.get("time_range")
    span = None
    if window is not None:
        if not isinstance(window, dict) or not _number(window.get("from")) or not _number(window.get("to")):
            problems.append("time_range: must be {from, to} in epoch milliseconds")
        elif set(window) - {"from", "to"}:
            problems.append(f"time_range.{sorted(set(window) - {'from', 'to'})[0]}: unknown field")
        elif window["from"] > window["to"]:
            problems.append("time_range: from must not be after to")
        else:
            span = (float(window["from"]), float(window["to"]))
    if problems:
        raise LogBodyError(problems)
    return int(limit), key, filters, span


class LogBodyError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _value(log: dict, name: str) -> str:
    if name == "log_id":
        return log["id"]
    if name == "status":
        return log["status"]
    value = log["metadata"].get(name)
    if value is None and name in ("session_id", "request_id"):
        value = log["context"].get(name)
    return "" if value is None else str(value)


def _passes(log: dict, filters: list[dict]) -> bool:
    for f in filters:
        have, want, op = _value(log, f["field"]), f["value"], f["operator"]
        if op == "==" and have != want or op == "!=" and have == want:
            return False
        if op == "contains" and want.casefold() not in have.casefold():
            return False
        if op == "not_contains" and want.casefold() in have.casefold():
            return False
    return True


def list_item(detail: dict) -> dict:
    """A list item: the detail without what only the detail endpoint carries."""
    return {k: v for k, v in detail.items() if k not in ("timings", "context", "source", "data")}


def search(store: Store, body: object) -> dict:
    limit, before, filters, span = check_body(body)
    items, next_cursor, last = [], None, None
    for key, log in logs_of(store).newest_first():
        if before is not None and key >= before:
            continue
        if span is not None and not span[0] <= key[0] <= span[1]:
            continue
        if not _passes(log, filters):
            continue
        if len(items) == limit and last is not None:
            next_cursor = encode_cursor(last)
            break
        items.append(list_item(log))
        last = key
    return {"logs": items, "next_cursor": next_cursor}


def routes(catalog: DemoCatalog, store: Store) -> list[Route]:
    """The logs routes, for ``tui/demo/server.py``'s route list."""

    def invalid(request: Request, problems: list[str]) -> Response:
        body = error_body(400, "Invalid request body", "ValidationError", request.scope.get("state", {})
                          .get("request_id", ""), "Fix the fields listed in errors.")
        body["error"]["errors"] = problems
        return JSONResponse(body, status_code=400)

    async def json_body(request: Request) -> object:
        try:
            return json.loads(await request.body() or b"{}")
        except ValueError:
            raise LogBodyError(["body: not valid JSON"]) from None

    async def list_logs(request: Request) -> Response:
        try:
            return JSONResponse(search(store, await json_body(request)))
        except LogBodyError as exc:
            return invalid(request, exc.problems)

    async def get_log(request: Request) -> Response:
        log = logs_of(store).get(request.path_params["log_id"])
        if log is None:
            raise ApiFailure(404, "Log not found", "Log_NotFound", "Check the log id (log_…) from the logs list.")
        return JSONResponse(log)

    async def demo_record(request: Request) -> Response:
        if request.method == "DELETE":
            logs_of(store).clear()
            return JSONResponse({"cleared": True})
        try:
            body = await json_body(request)
            if not isinstance(body, dict):
                raise TypeError("body must be an object")
            log_id = record_execution(store, **body)
        except (LogBodyError, TypeError, ValueError) as exc:
            raise ApiFailure(400, f"Cannot record: {exc}", "ValidationError") from None
        return JSONResponse({"id": log_id}, status_code=201)

    async def demo_seed(request: Request) -> Response:
        try:
            body = await json_body(request)
        except LogBodyError:
            body = {}
        now_ms = body.get("now_ms") if isinstance(body, dict) else None
        return JSONResponse({"ids": seed_sample(store, catalog, now_ms)}, status_code=201)

    return [
        Route(f"{API}/logs/tool_execution", list_logs, methods=["POST"]),
        Route(f"{API}/logs/tool_execution/{{log_id}}", get_log),
        Route("/_demo/logs", demo_record, methods=["POST", "DELETE"]),
        Route("/_demo/logs/seed", demo_seed, methods=["POST"]),
    ]
