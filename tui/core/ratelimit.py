"""Rate limits are normal operation: pace requests to the API's window and wait out its 429s.

One :class:`Pacer` per API origin, shared by every request the SDK makes (both clients of a gateway,
every worker thread). The SDK's HTTP client is a :class:`PacedClient` (an ``httpx.Client`` whose
``send`` asks the pacer first and tells it every answer), so no call site has to think about it:

- ``retry-after`` / ``retry-after-ms`` on a 429: nobody sends before then, and the request is sent again
  (a 429 means the server did nothing, so this is safe even for a session create);
- ``x-ratelimit-limit`` (or Composio's ``x-ratelimit``), ``x-ratelimit-window-size`` (``600s``) and
  ``x-ratelimit-remaining``: request starts are kept to ``limit`` per window, and with nothing
  remaining nobody sends until the window has room again;
- every wait is announced to the listeners (``listen``) as "waiting for the rate limit (N s)";
- one request gives up, returning the 429 to the SDK (an ``ApiError`` RATE_LIMITED), once it would
  wait more than ``max_wait`` seconds in total (the ``rate_limit_wait`` setting, ``--rate-limit-wait``).
"""

from __future__ import annotations

import collections
import email.utils
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

DEFAULT_MAX_WAIT = 300.0
MARGIN = 0.05
"""Seconds added to a window-derived wait: the server counts a request when it arrives, not when sent."""
DEFAULT_RETRY = 1.0
"""Seconds to wait after a 429 that names no time and no window."""
ANNOUNCE_STEP = 0.5
MAX_RESENDS = 50
"""429s one request may wait out (a server answering ``retry-after: 0`` forever must not spin forever)."""

Listener = Callable[[float, str], None]
_listeners: list[Listener] = []
_listeners_lock = threading.Lock()


def message(seconds: float) -> str:
    """The one wording, for the console and stderr alike."""
    return f"waiting for the rate limit ({max(1, round(seconds))} s)"


def listen(callback: Listener) -> Callable[[], None]:
    """Call ``callback(seconds, origin)`` whenever requests start waiting; returns the unsubscribe."""
    with _listeners_lock:
        _listeners.append(callback)

    def unsubscribe() -> None:
        with _listeners_lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return unsubscribe


def _announce(seconds: float, origin: str) -> None:
    with _listeners_lock:
        targets = list(_listeners)
    for callback in targets:
        try:
            callback(seconds, origin)
        except Exception:  # a listener's failure must never break a request
            pass


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    match = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m)?\s*$", value)
    if not match:
        return None
    number = float(match.group(1))
    unit = match.group(2) or ""
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the server asks for: ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date)."""
    ms = _number(headers.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000
    raw = headers.get("retry-after")
    seconds = _number(raw)
    if seconds is not None or raw is None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Pacer:
    """What one API origin allows, learnt from its answers; thread-safe."""

    def __init__(self, origin: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self.origin = origin
        self._clock = clock
        self._lock = threading.Lock()
        self._gate = 0.0  # nobody starts a request before this instant
        self._starts: collections.deque[float] = collections.deque(maxlen=10_000)
        self.limit: int | None = None
        self.window: float | None = None
        self.remaining: int | None = None
        self._announced_until = 0.0
        self.waits = 0
        self.waited = 0.0

    def reserve(self, patience: float = math.inf) -> float:
        """Book a start for one request; returns the seconds to wait before sending it.

        A request waits at most ``patience`` seconds: past that it is sent anyway (and the API answers
        429), so the start booked, and the wait announced, is the capped one, not the window's."""
        with self._lock:
            now = self._clock()
            start = max(now, self._gate)
            if self.limit and self.window and len(self._starts) >= self.limit:
                start = max(start, self._starts[-self.limit] + self.window + MARGIN)
            start = min(start, now + max(0.0, patience))
            self._starts.append(start)
            delay = start - now
            if delay > 0:
                self.waits += 1
                self.waited += delay
            announce = delay > 0 and start > self._announced_until + ANNOUNCE_STEP
            if announce:
                self._announced_until = start
        if announce:
            _announce(delay, self.origin)
        return delay

    def gate_delay(self) -> float:
        with self._lock:
            return max(0.0, self._gate - self._clock())

    def observe(self, response: httpx.Response) -> float | None:
        """Learn from an answer; for a 429, returns the seconds before the request may be sent again."""
        headers = response.headers
        limit = _number(headers.get("x-ratelimit-limit") or headers.get("x-ratelimit"))
        window = _number(headers.get("x-ratelimit-window-size") or headers.get("x-ratelimit-window"))
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        with self._lock:
            now = self._clock()
            if limit:
                self.limit = max(1, int(limit))
                self._starts = collections.deque(self._starts, maxlen=max(self.limit, 1))
            if window:
                self.window = window
            if remaining is not None:
                self.remaining = int(remaining)
            if remaining is not None and remaining <= 0 and response.status_code != 429:
                # The window is used up (others share it): hold new requests until it has room.
                if reset is not None and reset < 10 * 365 * 86400:
                    self._gate = max(self._gate, now + reset)
                elif self.window and self.limit:
                    self._gate = max(self._gate, now + self.window / self.limit)
            if response.status_code != 429:
                return None
            delay = retry_after(headers)
            if delay is None:
                delay = reset if reset is not None and reset < 86400 else (
                    self.window / self.limit if self.window and self.limit else DEFAULT_RETRY)
            self._gate = max(self._gate, now + delay)
            return delay


_pacers: dict[str, Pacer] = {}
_pacers_lock = threading.Lock()


def pacer_for(base_url: str) -> Pacer:
    """The one pacer of an API origin (kept across gateways: a new key does not reset the window)."""
    origin = base_url.rstrip("/")
    with _pacers_lock:
        if origin not in _pacers:
            _pacers[origin] = Pacer(origin)
        return _pacers[origin]


_tls: Any = None
_tls_lock = threading.Lock()


def shared_tls() -> Any:
    """The system's CA bundle, loaded once per process: httpx loads it again for every client (~35 ms,
    the larger part of a short command, which builds two or three clients)."""
    global _tls
    with _tls_lock:
        if _tls is None:
            _tls = httpx.create_ssl_context()
        return _tls


class PacedClient(httpx.Client):
    """The SDK's ``httpx.Client``: every ``send`` is paced and its 429s waited out (see the module)."""

    def __init__(self, pacer: Pacer, *, max_wait: float = DEFAULT_MAX_WAIT, **kwargs: Any) -> None:
        kwargs.setdefault("verify", shared_tls())
        super().__init__(**kwargs)
        self.pacer = pacer
        self.max_wait = max_wait

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        waited = 0.0
        for resend in range(MAX_RESENDS + 1):
            delay = self.pacer.reserve(self.max_wait - waited)  # out of patience: send, let the API say
            if delay > 0:
                time.sleep(delay)
                waited += delay
            response = super().send(request, **kwargs)
            again = self.pacer.observe(response)
            if again is None:
                return response
            if waited + again > self.max_wait or resend == MAX_RESENDS:
                return response  # the SDK turns it into one line: rate limited, retry in N s
            response.close()
        raise AssertionError("unreachable")  # pragma: no cover

def http_client(base_url: str, max_wait: float = DEFAULT_MAX_WAIT) -> PacedClient:
    """The client to hand the SDK (``Composio(http_client=...)``); timeouts stay per request."""
    return PacedClient(pacer_for(base_url), max_wait=max_wait)
