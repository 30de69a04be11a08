"""Activity: what each user's agent did, read from Composio's v3.1 tool-execution logs.

The rule: one query type (:class:`LogQuery`) turns an operator's scope (user, session, toolkit, tool,
status, since) into the API's ``filters`` and ``time_range``; every list walks pages through
:func:`tui.core.paging.pages`; a :class:`Follower` tails the newest logs and hands each log out
exactly once, oldest first, whatever the polls, pages and 429s in between. Textual-free and
blocking; the gateway does the I/O and turns its answers into :class:`LogEntry` / :class:`LogDetail`
with :func:`entry_from` / :func:`detail_from` (plain dicts in, never SDK types).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from .errors import ApiError
from .paging import Page, pages
from .sessions import InputError
from .states import ErrorKind, FollowState, LogStatus
from .validation import check_user_id

MAX_LIMIT = 100
"""The API's largest page (``limit`` 1–100)."""
DEFAULT_LIMIT = 50
FILTER_FIELDS = ("tool_slug", "toolkit_slug", "connected_account_id", "auth_config_id", "status", "user_id",
                 "session_id", "sandbox_id", "request_id", "log_id")
OPERATORS = ("==", "!=", "contains", "not_contains")


# --- what a log carries -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LogEntry:
    """One tool execution as the list endpoint returns it (``metadata`` and ``metrics`` kept whole)."""

    id: str
    timestamp: str
    """ISO 8601, UTC, as the API sent it."""
    at_ms: int
    """The same instant in epoch milliseconds (0 when the timestamp cannot be read)."""
    type: str = "tool.execution"
    status: LogStatus = LogStatus.SUCCESS
    level: str = "info"
    message: str = ""
    user_id: str = ""
    session_id: str = ""
    toolkit: str = ""
    tool: str = ""
    duration_ms: float | None = None
    request_id: str = ""
    connected_account_id: str = ""
    parent_id: str = ""
    parent_tool: str = ""
    metadata: dict = field(default_factory=dict, compare=False)
    metrics: dict = field(default_factory=dict, compare=False)

    @property
    def failed(self) -> bool:
        return self.status == LogStatus.FAILED

    def row(self) -> dict:
        """The JSON-friendly record the commands print (one line of JSON Lines)."""
        return {"id": self.id, "timestamp": self.timestamp, "user_id": self.user_id, "session_id": self.session_id,
                "toolkit": self.toolkit, "tool": self.tool, "status": str(self.status), "level": self.level,
                "duration_ms": self.duration_ms, "message": self.message, "request_id": self.request_id,
                "connected_account_id": self.connected_account_id,
                "parent": {"log_id": self.parent_id, "tool_slug": self.parent_tool} if self.parent_id else None}


@dataclass(frozen=True, slots=True)
class LogDetail:
    """One log with everything the detail endpoint adds: timings, context (session, trace, request ids),
    source and the raw ``data``. ``raw`` is the whole answer, for showing as JSON."""

    entry: LogEntry
    start_ms: float | None = None
    end_ms: float | None = None
    trace_id: str = ""
    source: dict = field(default_factory=dict, compare=False)
    data: dict = field(default_factory=dict, compare=False)
    raw: dict = field(default_factory=dict, compare=False)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _first(mapping: dict, *names: str) -> str:
    for name in names:
        if mapping.get(name):
            return _text(mapping[name])
    return ""


def epoch_ms(timestamp: str) -> int:
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def entry_from(item: dict) -> LogEntry:
    """A list item (or a detail body) as a LogEntry. The API documents ``metadata`` as an open object
    carrying tool, toolkit, user and account ids; both ``*_slug`` and bare spellings are read."""
    meta = dict(item.get("metadata") or {})
    metrics = dict(item.get("metrics") or {})
    context = item.get("context") or {}
    parent = item.get("parent") or {}
    timestamp = _text(item.get("timestamp"))
    duration = metrics.get("duration_ms", metrics.get("duration"))
    try:
        duration = float(duration) if duration is not None else None
        duration = int(duration) if duration is not None and duration.is_integer() else duration
    except (TypeError, ValueError):
        duration = None
    return LogEntry(
        id=_text(item.get("id")), timestamp=timestamp, at_ms=epoch_ms(timestamp),
        type=_text(item.get("type")) or "tool.execution", status=LogStatus.parse(item.get("status")),
        level=_text(item.get("level")) or "info", message=_text(item.get("message")),
        user_id=_first(meta, "user_id", "entity_id"),
        session_id=_first(meta, "session_id") or _text(context.get("session_id")),
        toolkit=_first(meta, "toolkit_slug", "toolkit"), tool=_first(meta, "tool_slug", "tool", "action"),
        duration_ms=duration, request_id=_first(meta, "request_id") or _text(context.get("request_id")),
        connected_account_id=_first(meta, "connected_account_id"),
        parent_id=_text(parent.get("log_id")), parent_tool=_text(parent.get("tool_slug")),
        metadata=meta, metrics=metrics)


def detail_from(body: dict) -> LogDetail:
    timings = {k: int(v) if isinstance(v, float) and v.is_integer() else v
               for k, v in (body.get("timings") or {}).items()}
    context = body.get("context") or {}
    if body.get("timings"):
        body = body | {"timings": timings}
    return LogDetail(entry=entry_from(body), start_ms=timings.get("start_time"), end_ms=timings.get("end_time"),
                     trace_id=_text(context.get("trace_id")), source=dict(body.get("source") or {}),
                     data=dict(body.get("data") or {}), raw=dict(body))


# --- asking for logs --------------------------------------------------------------------------

_SINCE_RE = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float | None = None) -> int:
    """``15m``, ``2h``, ``1d`` (also ``30s``, ``1w``) before ``now``, or an ISO-8601 instant (UTC when it
    names no zone), as epoch milliseconds. Raises InputError with one sentence otherwise."""
    now = time.time() if now is None else now
    raw = (text or "").strip()
    if match := _SINCE_RE.match(raw):
        amount, unit = int(match.group(1)), match.group(2).lower()
        if amount <= 0:
            raise InputError([f"--since {raw!r} must be a positive amount of time, e.g. 15m, 2h or 1d."])
        return int((now - amount * _UNITS[unit]) * 1000)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError([f"--since {raw!r} is neither a duration (15m, 2h, 1d) nor an ISO-8601 time "
                          "(2025-01-31T12:00:00Z)."]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    at = int(moment.timestamp() * 1000)
    if at > now * 1000 + 60_000:
        raise InputError([f"--since {raw!r} is in the future; nothing has happened yet."])
    return at


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError([f"--limit must be between 1 and {MAX_LIMIT} (the API's largest page), not {limit}."])
    return limit


@dataclass(frozen=True, slots=True)
class LogQuery:
    """An operator's scope. Empty fields do not filter. ``since_ms``/``until_ms`` are epoch ms."""

    user: str = ""
    session: str = ""
    toolkit: str = ""
    tool: str = ""
    status: LogStatus | None = None
    since_ms: int | None = None
    until_ms: int | None = None
    limit: int = DEFAULT_LIMIT

    def filters(self) -> list[dict]:
        pairs = (("user_id", self.user), ("session_id", self.session), ("toolkit_slug", self.toolkit),
                 ("tool_slug", self.tool), ("status", str(self.status) if self.status else ""))
        return [{"field": name, "operator": "==", "value": value} for name, value in pairs if value]

    def time_range(self, now_ms: int | None = None) -> dict | None:
        if self.since_ms is None and self.until_ms is None:
            return None
        to = self.until_ms if self.until_ms is not None else (now_ms or int(time.time() * 1000)) + FUTURE_MS
        return {"from": self.since_ms or 0, "to": to}

    def scope(self) -> str:
        """In words, for "nothing found" lines: "user u1, toolkit github"."""
        parts = [f"{label} {value}" for label, value in (("user", self.user), ("session", self.session),
                 ("toolkit", self.toolkit), ("tool", self.tool), ("status", self.status or "")) if value]
        return ", ".join(parts) or "this project"


FUTURE_MS = 86_400_000
"""The API requires a ``to``; it reaches a day past this machine's clock, so a server clock that runs
ahead (or a slow local one) never hides a new log."""


def build_query(*, user: str = "", session: str = "", toolkit: str = "", tool: str = "", status: str = "",
                since: str = "", limit: int | None = None, now: float | None = None) -> LogQuery:
    """Check everything an operator typed at once; raises InputError listing every problem."""
    problems: list[str] = []
    if user:
        verdict = check_user_id(user)
        if not verdict.ok:
            problems.append(verdict.error)
    parsed_status = None
    if status:
        parsed_status = LogStatus.parse(status, strict=True)
        if parsed_status is None:
            problems.append(f"--status {status!r} is not a log status; use one of: "
                            f"{', '.join(s.value for s in LogStatus)}.")
    since_ms = None
    try:
        since_ms = parse_since(since, now) if since else None
    except InputError as err:
        problems.extend(err.problems)
    try:
        checked = check_limit(limit)
    except InputError as err:
        problems.extend(err.problems)
        checked = DEFAULT_LIMIT
    if problems:
        raise InputError(problems)
    return LogQuery(user=user, session=session.strip(), toolkit=toolkit.strip().lower(), tool=tool.strip().upper(),
                    status=parsed_status, since_ms=since_ms, limit=checked)


class LogSource(Protocol):
    """What the core needs from the gateway (``Gateway.log_page`` / ``Gateway.log_detail``)."""

    def log_page(self, *, filters: list[dict], time_range: dict | None, cursor: str | None,
                 limit: int) -> Page[LogEntry]: ...

    def log_detail(self, log_id: str) -> LogDetail: ...


def iter_pages(source: LogSource, query: LogQuery, *, time_range: dict | None = None,
               page_size: int | None = None) -> Iterator[Page[LogEntry]]:
    filters = query.filters()
    window = time_range if time_range is not None else query.time_range()
    size = min(page_size or query.limit, MAX_LIMIT)
    return pages(lambda cursor: source.log_page(filters=filters, time_range=window, cursor=cursor, limit=size),
                 what="tool-execution logs")


def search(source: LogSource, query: LogQuery) -> list[LogEntry]:
    """The newest ``query.limit`` logs in scope, newest first."""
    out: list[LogEntry] = []
    seen: set[str] = set()
    for page in iter_pages(source, query):
        for entry in page.items:
            if entry.id not in seen:
                seen.add(entry.id)
                out.append(entry)
        if len(out) >= query.limit:
            break
    return out[: query.limit]


def show(source: LogSource, log_id: str) -> LogDetail:
    log_id = (log_id or "").strip()
    if not log_id:
        raise InputError(["Give a log id (log_…) to show."])
    return source.log_detail(log_id)


# --- following ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Poll:
    """One poll's outcome: the new logs (oldest first), the follower's state, and when to poll next."""

    entries: tuple[LogEntry, ...]
    state: FollowState
    delay: float
    error: ApiError | None = None


@dataclass(slots=True)
class Backoff:
    """Poll again soon after news; stretch the wait while idle; honour a 429's retry-after."""

    base: float = 1.0
    idle_max: float = 5.0
    idle_factor: float = 1.5
    error_max: float = 30.0
    current: float = 1.0
    failures: int = 0

    def news(self) -> float:
        self.current, self.failures = self.base, 0
        return self.current

    def idle(self) -> float:
        self.failures = 0
        self.current = min(self.idle_max, max(self.base, self.current * self.idle_factor))
        return self.current

    def failed(self, retry_after: float | None = None) -> float:
        self.failures += 1
        if retry_after is not None and retry_after > 0:  # the server said when: exactly that (capped)
            return min(float(retry_after), 4 * self.error_max)
        return min(self.error_max, self.base * 2 ** self.failures)


class Follower:
    """Tails the logs in scope. Each poll asks for everything since the newest log seen (minus an
    ``overlap`` for logs that land late), walking every page newest first, drops ids already handed
    out, and returns the rest oldest first. Nothing is missed or repeated across polls, pages or
    failed polls: the watermark moves only after a poll succeeds."""

    def __init__(self, source: LogSource, query: LogQuery, *, overlap_ms: int = 10_000,
                 clock: Callable[[], float] = time.time, backoff: Backoff | None = None,
                 backlog: bool = True) -> None:
        self.source = source
        self.query = query
        self.overlap_ms = overlap_ms
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.backlog = backlog
        """First poll: hand out the newest ``query.limit`` logs (False: only what happens from now on)."""
        self.watermark: int | None = None
        self._seen: dict[str, int] = {}
        self._started = False
        self._floor = 0

    def _fresh(self, items: Iterable[LogEntry]) -> list[LogEntry]:
        out = []
        for entry in items:
            if entry.id in self._seen:
                continue
            self._seen[entry.id] = entry.at_ms
            out.append(entry)
        return out

    def _remember(self, fresh: list[LogEntry]) -> None:
        if fresh:
            newest = max(e.at_ms for e in fresh)
            self.watermark = newest if self.watermark is None else max(self.watermark, newest)
        if self.watermark is not None:  # forget ids that can no longer come back in a window
            horizon = self.watermark - 2 * self.overlap_ms
            self._seen = {k: at for k, at in self._seen.items() if at >= horizon}

    def _first(self) -> list[LogEntry]:
        """The newest ``query.limit`` logs; handed out (``backlog``) or only marked as seen. The
        watermark comes from the API's own timestamps, never from this machine's clock."""
        newest = search(self.source, self.query)
        if len(newest) >= self.query.limit:  # cut by the limit: older logs stay out of the tail too
            self._floor = min(e.at_ms for e in newest) + 1
        if not self.backlog:
            self._fresh(newest)
            self._remember(newest)
            newest = []
        self._started = True
        return newest

    def _since(self) -> list[LogEntry]:
        """Everything since the watermark (minus the overlap), every page of it, newest first."""
        lows = [self.query.since_ms or 0, self._floor]
        if self.watermark is not None:
            lows.append(self.watermark - self.overlap_ms)
        window = {"from": max(lows), "to": int(self.clock() * 1000) + FUTURE_MS}
        items: list[LogEntry] = []
        for page in iter_pages(self.source, self.query, time_range=window, page_size=MAX_LIMIT):
            items.extend(page.items)
        return items

    def poll(self) -> Poll:
        """One round trip (or a few pages). Never raises ApiError: failures come back in ``Poll.error``."""
        try:
            items = self._since() if self._started else self._first()
        except ApiError as err:
            rate_limited = err.kind == ErrorKind.RATE_LIMITED
            delay = self.backoff.failed(err.retry_after if rate_limited else None)
            state = FollowState.RATE_LIMITED if rate_limited else FollowState.FAILING
            return Poll((), state, delay, err)
        fresh = self._fresh(items)
        fresh.reverse()  # the API answers newest first; hand out oldest first, keeping its tie order
        fresh.sort(key=lambda e: e.at_ms)  # stable: late arrivals still go by time
        self._remember(fresh)
        delay = self.backoff.news() if fresh else self.backoff.idle()
        return Poll(tuple(fresh), FollowState.LIVE, delay)

    def run(self, on_poll: Callable[[Poll], None], stop: threading.Event) -> None:
        """Poll until ``stop`` is set; the wait between polls ends at once when it is."""
        while not stop.is_set():
            result = self.poll()
            if stop.is_set():
                return
            on_poll(result)
            stop.wait(result.delay)


def since_label(since_ms: int | None) -> str:
    if since_ms is None:
        return ""
    return datetime.fromtimestamp(since_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def clock_text(entry: LogEntry, *, with_date: bool = False) -> str:
    """``HH:MM:SS`` in UTC (with the date when asked), from the log's own timestamp."""
    if not entry.at_ms:
        return entry.timestamp or "—"
    moment = datetime.fromtimestamp(entry.at_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def duration_text(entry: LogEntry) -> str:
    ms = entry.duration_ms
    if ms is None:
        return "—"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


__all__ = ["LogEntry", "LogDetail", "LogQuery", "Follower", "Poll", "Backoff", "build_query", "parse_since",
           "search", "show", "entry_from", "detail_from", "MAX_LIMIT"]
