"""Tool Router sessions, the one rule kept in one place: one session per end user, toolkits from
the catalog, the intent written to the ledger before the API call and reconciled after it.

Shared by the console and the scripting commands. Blocking: call from a worker or a thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace

from . import errors
from .errors import ApiError
from .models import ConnectedAccount, ConnectLink, SessionInfo, ToolkitConnection
from .states import ConnectionState, LedgerState
from .validation import check_slugs, check_user_id

GONE = LedgerState.GONE
DELETED = LedgerState.DELETED


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
           sleep: Callable[[float], None] = time.sleep, policy=None) -> SessionInfo:
    """A new session for exactly this user. Never reuses one: every call is a new session.

    ``retry(err, attempt)`` returns seconds to wait before another attempt, or None to give up;
    it is consulted only for answers that say nothing was created (429, 5xx).
    ``policy`` (tui.core.policy.Policy, already validated by tui.core.editing) travels with the create.
    """
    toolkits = list(toolkits)
    if policy is not None and not toolkits:  # policy: every toolkit but policy.exclude
        checked = replace(check(user_id, policy.exclude, known), toolkits=())
    else:
        checked = check(user_id, toolkits, known)
    gateway.require_writable("creating a session")  # a read-only profile: refused before the ledger row
    row = ledger.begin(checked.user_id, checked.toolkits, gateway.base_url, manage_connections)
    attempt = 0
    while True:
        attempt += 1
        try:
            info = gateway.create_session(checked.user_id, list(checked.toolkits),
                                          manage_connections=manage_connections,
                                          **({"policy": policy} if policy is not None else {}))
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


def outcome_unknown(err: ApiError) -> bool:
    """A timeout, a dropped connection, an unreadable 2xx or an SDK check after the create: the
    session may exist all the same (the one rule: ``ApiError.outcome_unknown``)."""
    return err.outcome_unknown


def _record_failure(ledger, row: int, err: ApiError) -> None:
    """A refusal is recorded as failed; an unknown outcome as "unknown" (never pending forever, never
    "failed" while the session may exist)."""
    if err.outcome_unknown:
        ledger.unknown(row, f"The session may exist at the API: {err.line()}")
    else:
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
    ledger.set_state(session_id, LedgerState.ACTIVE)
    return info


def delete(gateway, ledger, session_id: str) -> bool:
    """Delete remotely; True if the API deleted it now, False if it was already gone."""
    deleted = gateway.delete_session(session_id)
    if deleted:
        ledger.set_state(session_id, DELETED, "deleted from this console")
    else:
        ledger.set_state(session_id, GONE, "already deleted elsewhere (404 on delete)")
    return deleted


def _best(accounts: list[ConnectedAccount]) -> ConnectedAccount | None:
    """The account that decides a toolkit's state: an enabled ACTIVE one, else the newest."""
    if not accounts:
        return None
    active = [a for a in accounts if a.state == ConnectionState.ACTIVE and not a.is_disabled]
    pool = active or accounts
    return max(pool, key=lambda a: (a.updated_at or a.created_at, a.created_at))


def readiness(gateway, session: SessionInfo) -> list[ToolkitConnection]:
    """Each toolkit's state for the session's user.

    The connected accounts list (filtered by user and toolkits) is the source of truth; the session
    toolkits endpoint only names the toolkits and says which need no auth (it can report
    ``connected_account: null`` for a connected user, ComposioHQ/composio#3118)."""
    hints = gateway.session_toolkits(session.session_id, list(session.toolkits) or None)
    needs_auth = [h.slug for h in hints if h.state != ConnectionState.NO_AUTH]
    accounts = gateway.accounts(user_id=session.user_id, toolkits=needs_auth) if needs_auth else []
    by_toolkit: dict[str, list[ConnectedAccount]] = {}
    for account in accounts:
        if account.user_id in ("", session.user_id):
            by_toolkit.setdefault(account.toolkit, []).append(account)
    out = []
    for hint in hints:
        if hint.state == ConnectionState.NO_AUTH:
            out.append(hint)
            continue
        best = _best(by_toolkit.get(hint.slug, []))
        if best is None:
            out.append(ToolkitConnection(hint.slug, hint.name, ConnectionState.NOT_CONNECTED))
        else:
            out.append(ToolkitConnection(hint.slug, hint.name, best.state, best.id, best.status_reason,
                                         best.is_disabled))
    return out


def readiness_line(rows: Iterable[ToolkitConnection]) -> str:
    """``readiness`` in one line: "ready 2/3 · gmail needs connecting" (what is not ready, by state)."""
    rows = list(rows)
    groups: dict[tuple[str, str], list[str]] = {}
    for c in rows:
        state = ConnectionState(c.state)
        if c.ready:
            continue
        if state == ConnectionState.NOT_CONNECTED:
            verbs = ("needs connecting", "need connecting")
        elif state.pending:
            verbs = ("waits for the user", "wait for the user")
        elif state == ConnectionState.INACTIVE or c.is_disabled:
            verbs = ("is disabled", "are disabled")
        else:
            verbs = ("needs reconnecting", "need reconnecting")
        groups.setdefault(verbs, []).append(c.slug)
    parts = [f"ready {sum(1 for c in rows if c.ready)}/{len(rows)}"]
    for (one, many), slugs in groups.items():
        named = ", ".join(slugs[:3]) + (f" and {len(slugs) - 3} more" if len(slugs) > 3 else "")
        parts.append(f"{named} {one if len(slugs) == 1 else many}")
    return " · ".join(parts)


FRESH_LINK_S = 600.0
"""A pending account younger than this is a Connect link still waiting (the API expires initiations
that do not complete within 10 minutes)."""


def _age_s(stamp: str, now: float) -> float | None:
    from datetime import datetime

    try:
        return now - datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def waiting_link(gateway, session: SessionInfo, toolkit: str, *, now: Callable[[], float] = time.time
                 ) -> ConnectedAccount | None:
    """The user's fresh pending account for ``toolkit`` (a Connect link made earlier that still waits)."""
    pending = [a for a in gateway.accounts(user_id=session.user_id, toolkits=[toolkit])
               if a.state.pending and a.toolkit == toolkit and not a.is_disabled]
    at = now()
    fresh = [a for a in pending if (age := _age_s(a.created_at, at)) is None or age < FRESH_LINK_S]
    return max(fresh, key=lambda a: a.created_at) if fresh else None


class LinkWaiting(Exception):
    """A Connect link for this toolkit already waits and cannot be shown again; ask before another."""

    def __init__(self, account: ConnectedAccount, age_s: float | None) -> None:
        self.account = account
        self.age_s = age_s
        when = f" {age_s / 60:.0f} min ago" if age_s is not None and age_s >= 60 else " moments ago" if age_s is not None else ""
        super().__init__(f"A Connect link for {account.toolkit} made{when} is still waiting ({account.status}, "
                         f"account {account.id}); a new one would make a second pending account.")


def connect_link(gateway, session: SessionInfo, toolkit: str, *, again: bool = False,
                 now: Callable[[], float] = time.time) -> ConnectLink:
    """A Connect link for ``toolkit``; never piles up pending accounts without asking.

    A fresh pending account whose link the API shows is reused; one whose link it does not show
    raises LinkWaiting, unless ``again`` (the operator confirmed a new one)."""
    if not again:
        waiting = waiting_link(gateway, session, toolkit, now=now)
        if waiting is not None:
            if waiting.redirect_url:
                return ConnectLink(toolkit, waiting.redirect_url, waiting.id, reused=True)
            raise LinkWaiting(waiting, _age_s(waiting.created_at, now()))
    return gateway.create_link(session.session_id, toolkit)


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """How a wait for a Connect link ended: a connection state, or "TIMEOUT" / "CANCELLED"."""

    state: str
    reason: str = ""


def wait_active(gateway, link: ConnectLink, *, timeout: float = 300.0, interval: float = 2.0,
                cancelled: Callable[[], bool] = lambda: False,
                sleep: Callable[[float], None] = time.sleep) -> LinkOutcome:
    """Poll a connection until ACTIVE, a terminal state, cancellation or the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        account = gateway.account(link.connected_account_id)
        if account.state.terminal:
            return LinkOutcome(account.state, account.status_reason)
        if cancelled():
            return LinkOutcome("CANCELLED")
        if time.monotonic() >= deadline:
            return LinkOutcome("TIMEOUT")
        sleep(interval)
