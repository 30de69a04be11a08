"""Run a blocking call in a daemon thread and stop waiting for it after a deadline.

For calls that can block with no time limit (D-Bus to a frozen daemon, an unanswered prompt).
Never use a Textual thread worker or the default executor for those: their threads are joined at
exit, so one hung call keeps ``App.run()`` from returning. A daemon thread that never finishes is
simply left behind and dies with the process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """The call did not finish before its deadline (it may still be running in its thread)."""


class DeadlineRunner:
    """Runs calls with a deadline; while an earlier call is stuck, later ones wait on it instead
    of starting new threads, so a frozen service cannot pile up blocked threads."""

    def __init__(self, thread_name: str) -> None:
        self.thread_name = thread_name
        self._stuck: list[threading.Thread] = []
        self._lock = threading.Lock()

    def call(self, fn: Callable[[], T], deadline: float) -> T:
        end = time.monotonic() + max(0.0, deadline)
        with self._lock:
            self._stuck[:] = [t for t in self._stuck if t.is_alive()]
            earlier = list(self._stuck)
        for thread in earlier:
            thread.join(max(0.0, end - time.monotonic()))
            if thread.is_alive():
                raise DeadlineExceeded(f"an earlier call is still blocked after {deadline:g} s")
        box: dict[str, object] = {}

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed back to the caller below
                box["error"] = exc

        thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        thread.start()
        thread.join(max(0.0, end - time.monotonic()))
        if thread.is_alive():
            with self._lock:
                self._stuck.append(thread)
            raise DeadlineExceeded(f"call still blocked after {deadline:g} s")
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    def forget(self) -> None:
        """Stop waiting on stuck calls (their threads keep running until the process ends)."""
        with self._lock:
            self._stuck.clear()
