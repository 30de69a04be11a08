"""Tool Router sessions, the one rule kept in one place: one session per end user, toolkits from
the catalog, the intent written to the ledger before the API call and reconciled after it.

Shared by the console and the scripting commands. Blocking: call from a worker or a thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from . import errors
from .errors import ApiError
from .models import ACTIVE, EXPIRED, FAILED, ConnectLink, SessionInfo, ToolkitConnection
from .validation import check_slugs, check_user_id

GONE = "gone"
DELETED = "deleted"


class InputError(ValueError):
    """The operator's input cannot be sent; ``problems`` lists one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Checked:
    user_id: str
    toolkits: tuple[str, ...]
    warning: str = ""


def check(user_id: str, toolkits: Iterable[str], known: Collection[str]) -> Checked:
    """Validate before any request; raises InputError with every problem found."""
    slugs = list(toolkits)
    verdict = check_user_id(user_id)
    problems = [] if verdict.ok else [verdict.error]
    problems += check_slugs(slugs, known)
    if problems:
        raise InputError(problems)
    return Checked(verdict.value, tuple(slugs), verdict.warning)


RetryPolicy = Callable[[ApiError, int], "float | None"]


def no_retry(err: ApiError, attempt: int) -> float | None:
    return None


def create(gateway, ledger, user_id: str, toolkits: Iterable[str], known: Collection[str], *,
           manage_connections: bool = True, retry: RetryPolicy = no_retry,
           sleep: Callable[[float], None] = time.sleep) -> SessionInfo:
    """A new session for exactly this user. Never reuses one: every call is a new session.

    ``retry(err, attempt)`` returns seconds to wait before another attempt, or None to give up;
    it is consulted only for answers that say nothing was created (429, 5xx).
    """
    checked = check(user_id, toolkits, known)
    gateway.require_writable("creating a session")  # a read-only profile: refused before the ledger row
    row = ledger.begin(checked.user_id, checked.toolkits, gateway.base_url, manage_connections)
    attempt = 0
    while True:
        attempt += 1
        try:
            info = gateway.create_session(checked.user_id, list(checked.toolkits),
                                          manage_connections=manage_connections)
            break
        except ApiError as err:
            delay = retry(err, attempt) if err.kind in (errors.RATE_LIMITED, errors.SERVER) else None
            if delay is None:
                _record_failure(ledger, row, err)
                raise
            sleep(delay)
    if info.user_id != checked.user_id:  # the API must answer for the user we asked for
        ledger.fail(row, f"API answered for user {info.user_id!r} instead of {checked.user_id!r}")
        raise ApiError(errors.BAD_RESPONSE, "The API created a session for a different user than asked")
    ledger.complete(row, info)
    return info


UNKNOWN_OUTCOME = (errors.TIMEOUT, errors.NETWORK, errors.BAD_RESPONSE)


def outcome_unknown(err: ApiError) -> bool:
    """A timeout, a dropped connection or an unreadable 2xx: the session may exist all the same."""
    return err.kind in UNKNOWN_OUTCOME


def _record_failure(ledger, row: int, err: ApiError) -> None:
    """A refusal is recorded as failed. An unknown outcome leaves the row pending, and
    ``reconcile_stale`` later marks it "unknown", rather than pretending nothing was created."""
    if not outcome_unknown(err):
        ledger.fail(row, err.line())


def refresh(gateway, ledger, session_id: str) -> SessionInfo | None:
    """Retrieve from the API. A 404 marks the ledger row 'gone' (deleted elsewhere) and returns None."""
    try:
        info = gateway.retrieve_session(session_id)
    except ApiError as err:
        if err.kind == errors.NOT_FOUND:
            ledger.set_state(session_id, GONE, "the API no longer knows this session (404)")
            return None
        raise
    ledger.set_state(session_id, "active")
    return info


def delete(gateway, ledger, session_id: str) -> bool:
    """Delete remotely; True if the API deleted it now, False if it was already gone."""
    deleted = gateway.delete_session(session_id)
    if deleted:
        ledger.set_state(session_id, DELETED, "deleted from this console")
    else:
        ledger.set_state(session_id, GONE, "already deleted elsewhere (404 on delete)")
    return deleted


def readiness(gateway, session: SessionInfo) -> list[ToolkitConnection]:
    return gateway.session_toolkits(session.session_id, list(session.toolkits) or None)


def wait_active(gateway, link: ConnectLink, *, timeout: float = 300.0, interval: float = 2.0,
                cancelled: Callable[[], bool] = lambda: False,
                sleep: Callable[[float], None] = time.sleep) -> str:
    """Poll a connection until ACTIVE, a terminal state, cancellation or the timeout.

    Returns the last state seen, or "TIMEOUT" / "CANCELLED".
    """
    deadline = time.monotonic() + timeout
    while True:
        state = gateway.account_status(link.connected_account_id)
        if state in (ACTIVE, FAILED, EXPIRED):
            return state
        if cancelled():
            return "CANCELLED"
        if time.monotonic() >= deadline:
            return "TIMEOUT"
        sleep(interval)
