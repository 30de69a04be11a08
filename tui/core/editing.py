"""The session flows with a policy, shared by the console and the commands: create with a policy,
edit a session in place (PATCH: same id, same MCP URL, the next config version), and its history.

Every check runs before any request to the session endpoints (``policy.validate``). Blocking: call
from a worker or a command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from . import policy as P
from . import sessions
from .errors import ApiError
from .models import SessionInfo
from .sessions import InputError, RetryPolicy, no_retry
from .validation import check_slugs, check_user_id


def check_user(user_id: str) -> str:
    verdict = check_user_id(user_id)
    if not verdict.ok:
        raise InputError([verdict.error])
    return verdict.value


def create(gateway, ledger, user_id: str, policy: P.Policy, known: Collection[str], *,
           retry: RetryPolicy = no_retry, sleep: Callable[[float], None] = time.sleep) -> SessionInfo:
    """Validate everything (user, slugs, the policy against the catalog and the API), then create."""
    problems = []
    verdict = check_user_id(user_id)
    if not verdict.ok:
        problems.append(verdict.error)
    if policy.toolkits or not policy.exclude:
        problems += check_slugs(list(policy.toolkits), known)
    else:
        problems += [p for p in check_slugs(list(policy.exclude), known)]
    problems += P.static_problems(policy)
    if problems:
        raise P.PolicyError(list(dict.fromkeys(problems)))
    P.validate(gateway, policy, verdict.value, known)
    return sessions.create(gateway, ledger, verdict.value, list(policy.toolkits), known,
                           manage_connections=policy.manage_connections, retry=retry, sleep=sleep, policy=policy)


@dataclass(frozen=True, slots=True)
class Edit:
    before: P.Applied
    after: P.Applied
    changes: dict
    lines: tuple[str, ...]


def plan(gateway, session_id: str, change: Callable[[P.Policy], P.Policy], known: Collection[str]
         ) -> tuple[P.Applied, P.Policy, dict]:
    """Retrieve the session, apply ``change`` to its policy and validate the result; nothing is sent."""
    before = gateway.session_policy(session_id)
    new = change(before.policy)
    problems = check_slugs(list(new.toolkits), known) if new.toolkits else []
    problems += P.static_problems(new)
    if problems:
        raise P.PolicyError(list(dict.fromkeys(problems)))
    P.validate(gateway, new, before.user_id, known)
    return before, new, P.patch_body(before.policy, new)


def update(gateway, ledger, session_id: str, change: Callable[[P.Policy], P.Policy],
           known: Collection[str]) -> Edit:
    """Edit in place with ``expected_config_version`` = the version just read (409 if it moved)."""
    before, new, body = plan(gateway, session_id, change, known)
    if not body:
        raise InputError([f"nothing to change: session {session_id} already has this policy"])
    after = gateway.update_session(session_id, body, expected_version=before.config_version)
    lines = tuple(P.change_lines(before.policy, new))
    if ledger is not None and ledger.get(session_id) is not None:
        ledger.record_version(session_id, after.config_version, "; ".join(lines))
    return Edit(before, after, body, lines)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    version: int
    created_at: str
    current: bool
    policy: P.Policy
    changes: tuple[str, ...]


def history(gateway, session_id: str) -> list[HistoryRow]:
    """Every config version, newest first, each with what changed from the one before."""
    versions = sorted(gateway.config_history(session_id), key=lambda v: v.version)
    rows: list[HistoryRow] = []
    previous: P.Policy | None = None
    for v in versions:
        changes = ("created",) if previous is None else tuple(P.change_lines(previous, v.policy)) or ("no change",)
        rows.append(HistoryRow(v.version, v.created_at, v.current, v.policy, changes))
        previous = v.policy
    return list(reversed(rows))


def applied(gateway, session_id: str) -> P.Applied | None:
    """The session's policy as the API reports it; None when the API does not know the session."""
    try:
        return gateway.session_policy(session_id)
    except ApiError as err:
        if err.kind == "not_found":
            return None
        raise
