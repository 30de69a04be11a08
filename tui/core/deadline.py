"""Run a blocking call in a daemon thread and stop waiting for it after a deadline.

For calls that can block with no time limit (D-Bus to a frozen daemon, an unanswered prompt).
Never use a Textual thread worker or the default executor for those: their threads are joined at
exit, so one hung call keeps ``App.run()`` from returning. A daemon thread that never finishes is
simply left behind and dies with the process.

Also here: :class:`Budget` (one deadline shared by several calls, e.g. every keyring touch of one
command) and :class:`DaemonExecutor` (the console's executor: worker threads nobody joins at exit).
"""

from __future__ import annotations

import concurrent.futures
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


class Budget:
    """One deadline shared by several calls: each gets what is left of it, never a fresh allowance.

    A command that touches the keyring three times waits at most ``seconds`` in all. The clock starts
    at the first :meth:`left` (the first touch), not when the budget is made.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self._end: float | None = None
        self._lock = threading.Lock()

    def left(self) -> float:
        with self._lock:
            now = time.monotonic()
            if self._end is None:
                self._end = now + self.seconds
            return max(0.0, self._end - now)

    def __repr__(self) -> str:
        return f"Budget({self.seconds:g} s)"


class DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """The event loop's default executor for the console: every job in its own daemon thread, and a
    shutdown that never waits. A worker stuck on a request that never answers is abandoned at exit
    (it dies with the process) instead of holding ``App.run()`` or the interpreter's exit hooks."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="composio-tui-worker")

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to whoever awaits the future
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=run, name="composio-tui-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


def call_quickly(fn: Callable[[], object], seconds: float) -> bool:
    """Run ``fn`` in a daemon thread and wait at most ``seconds``; True if it finished."""
    done = threading.Event()

    def run() -> None:
        try:
            fn()
        finally:
            done.set()

    threading.Thread(target=run, name="composio-tui-close", daemon=True).start()
    return done.wait(seconds)
