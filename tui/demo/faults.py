"""Fault knobs for the demo API: latency, 5xx errors, 429 bursts, malformed bodies and dropped connections.

Decisions come from a ``random.Random(seed)``, so the same seed and the same request order give the
same faults. Setting new knobs restarts the sequence from the seed.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from dataclasses import asdict, dataclass, fields

from tui.demo.state import STATUSES

# What a request gets, besides an optional delay.
PASS = "pass"
ERROR = "error"
RATE_LIMIT = "rate_limit"
MALFORMED = "malformed"
DROP = "drop"


@dataclass(frozen=True, slots=True)
class Faults:
    seed: int = 0
    latency: tuple[float, float] = (0.0, 0.0)
    """Delay range in seconds (uniform), applied before answering."""
    error_rate: float = 0.0
    """Share of requests answered with ``error_status`` and the error envelope."""
    error_status: int = 500
    rate_limit_rate: float = 0.0
    """Chance that a request starts a burst of ``rate_limit_burst`` 429 answers."""
    rate_limit_burst: int = 3
    retry_after: int = 1
    """Seconds sent in the ``retry-after`` header of a 429."""
    malformed_rate: float = 0.0
    """Share of requests answered 200 with a body that is not valid JSON."""
    drop_rate: float = 0.0
    """Share of requests whose connection is closed without any response."""
    include_mcp: bool = False
    """Also apply the knobs to the MCP endpoints (``/tool_router/<id>/mcp``)."""
    methods: str = ""
    """Apply the knobs only to requests with these HTTP methods (space-separated, e.g. ``"POST"``: the
    writes); empty: every method. With concurrent clients, which request draws which fault depends on
    arrival order; limiting the knobs to the requests under test keeps a test's faults on them."""
    # --- rate limit window (issue 10) ---
    rate_limit_requests: int = 0
    """A real limit: at most this many requests per ``rate_limit_window`` seconds (sliding, counted on
    arrival; 0 = off). Every answer carries ``x-ratelimit``/``-remaining``/``-window-size`` as Composio
    sends them; one over the limit gets 429 with ``retry-after: retry_after`` and is not processed."""
    rate_limit_window: float = 10.0
    # --- account knobs (fidelity, issue 11.8): every account status reachable through the real flow ---
    link_status: str = "INITIATED"
    """The status an account made by a Connect link request starts in."""
    authorize_status: str = "ACTIVE"
    """The status the demo link page's Authorize button gives the account (e.g. FAILED)."""
    hide_session_accounts: bool = False
    """The session toolkits endpoint answers ``connected_account: null`` even for a connected user, as
    production sometimes does (ComposioHQ/composio#3118)."""
    mcp_origin: str = ""
    """When set (e.g. ``http://127.0.0.2:8123``), sessions' MCP URLs use this origin instead of the API's:
    a session whose MCP endpoint is not on the API's origin (the SDK then raises MCPDestinationError)."""

    def __post_init__(self) -> None:
        lo, hi = (float(x) for x in self.latency)
        if lo < 0 or hi < lo:
            raise ValueError("latency must be (low, high) with 0 <= low <= high")
        object.__setattr__(self, "latency", (lo, hi))
        for name in ("error_rate", "rate_limit_rate", "malformed_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.error_rate + self.rate_limit_rate + self.malformed_rate + self.drop_rate > 1.0:
            raise ValueError("the fault rates must add up to at most 1")
        if self.rate_limit_requests < 0 or self.rate_limit_window <= 0:
            raise ValueError("rate_limit_requests >= 0 and rate_limit_window > 0 are required")
        if self.rate_limit_burst < 1 or self.retry_after < 0 or not 400 <= self.error_status <= 599:
            raise ValueError("rate_limit_burst >= 1, retry_after >= 0 and error_status 4xx/5xx are required")
        if self.mcp_origin and not self.mcp_origin.startswith(("http://", "https://")):
            raise ValueError("mcp_origin must be an http(s) origin such as http://127.0.0.2:8123")
        object.__setattr__(self, "mcp_origin", self.mcp_origin.rstrip("/"))
        for name in ("link_status", "authorize_status"):
            if getattr(self, name) not in STATUSES:
                raise ValueError(f"{name} must be one of {', '.join(STATUSES)}")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["latency"] = list(self.latency)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault knobs: {', '.join(sorted(unknown))}")
        values = dict(data)
        if "latency" in values:
            lat = values["latency"]
            values["latency"] = (float(lat), float(lat)) if isinstance(lat, (int, float)) else tuple(lat)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Decision:
    action: str = PASS
    delay: float = 0.0
    remaining: int | None = None
    """With a rate limit window: requests left in it (for the x-ratelimit-remaining header)."""


class FaultEngine:
    """Holds the current knobs and hands out one deterministic decision per request."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._rng = random.Random(self._faults.seed)
        self._burst_left = 0
        self._arrivals: collections.deque[float] = collections.deque()

    @property
    def faults(self) -> Faults:
        return self._faults

    def set(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)
            self._burst_left = 0
            self._arrivals.clear()

    def decide(self, is_mcp: bool = False, method: str = "GET") -> Decision:
        with self._lock:
            f = self._faults
            if (is_mcp and not f.include_mcp) or (f.methods and method.upper() not in f.methods.upper().split()):
                return Decision()
            lo, hi = f.latency
            delay = self._rng.uniform(lo, hi) if hi > 0 else 0.0
            window = self._window(f)
            if window is not None and window.action == RATE_LIMIT:
                return Decision(RATE_LIMIT, delay, 0)
            remaining = window.remaining if window is not None else None
            if self._burst_left > 0:
                self._burst_left -= 1
                return Decision(RATE_LIMIT, delay, remaining)
            roll = self._rng.random()
            for action, rate in ((ERROR, f.error_rate), (RATE_LIMIT, f.rate_limit_rate),
                                 (MALFORMED, f.malformed_rate), (DROP, f.drop_rate)):
                if roll < rate:
                    if action == RATE_LIMIT:
                        self._burst_left = f.rate_limit_burst - 1
                    return Decision(action, delay, remaining)
                roll -= rate
            return Decision(PASS, delay, remaining)

    # --- rate limit window (issue 10) ---
    def _window(self, f: Faults) -> Decision | None:
        """Count this arrival against the sliding window (lock held); None when there is no limit."""
        if f.rate_limit_requests <= 0:
            return None
        now = time.monotonic()
        while self._arrivals and self._arrivals[0] <= now - f.rate_limit_window:
            self._arrivals.popleft()
        if len(self._arrivals) >= f.rate_limit_requests:
            return Decision(RATE_LIMIT, 0.0, 0)
        self._arrivals.append(now)
        return Decision(PASS, 0.0, f.rate_limit_requests - len(self._arrivals))
