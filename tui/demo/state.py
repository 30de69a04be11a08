"""In-memory, thread-safe store of Tool Router sessions and connected accounts."""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

STATUSES = ("INITIALIZING", "INITIATED", "ACTIVE", "FAILED", "EXPIRED", "INACTIVE", "REVOKED")
# The reason production gives when an account enters a status (``status_reason``; see the client's docs).
REASONS = {
    "FAILED": "OAuth callback failed during token exchange",
    "EXPIRED": "Permanent auth error during token refresh",
    "INACTIVE": "Connection status updated by user",
    "REVOKED": "Revoked via user-initiated revoke endpoint",
}
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 12) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def iso_now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    session_id: str
    user_id: str
    toolkits: tuple[str, ...]
    """The toolkits the session can use, resolved against the catalog (usage order for deny/all)."""
    config: dict
    """The echoed ``config`` of the create response."""
    tool_router_tools: tuple[str, ...]
    manage_connections: bool
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    user_id: str
    toolkit: str
    status: str
    auth_scheme: str
    auth_config_id: str
    is_managed: bool
    link_token: str
    redirect_url: str
    created_at: str
    updated_at: str
    alias: str | None = None
    callback_url: str | None = None
    status_reason: str | None = None
    is_disabled: bool = False
    """Disabled accounts are INACTIVE (they can be enabled again)."""
    started: float = field(default=0.0, compare=False)
    """``time.monotonic()`` at creation, for ``auto_activate_after``."""


class Store:
    """Sessions and connected accounts; every method may be called from any thread."""

    def __init__(self, auto_activate_after: float | None = None, seed: int | None = None) -> None:
        self._rng = random.Random(seed) if seed is not None else None
        self._lock = threading.RLock()
        self._sessions: dict[str, SessionRecord] = {}
        self._accounts: dict[str, Account] = {}
        self._tokens: dict[str, str] = {}
        self.auto_activate_after = auto_activate_after

    def new_id(self, prefix: str, length: int = 12) -> str:
        """Random ids; with a seed (snapshots, benchmarks) the same sequence every run."""
        if self._rng is None:
            return new_id(prefix, length)
        with self._lock:
            return prefix + "".join(self._rng.choice(_ALPHABET) for _ in range(length))

    # -- sessions --------------------------------------------------------------------------
    def add_session(self, record: SessionRecord) -> SessionRecord:
        with self._lock:
            self._sessions[record.session_id] = record
        return record

    def session(self, session_id: str) -> SessionRecord | None:
        with self._lock:
            return self._sessions.get(session_id)

    def delete_session(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def sessions(self) -> list[SessionRecord]:
        with self._lock:
            return list(self._sessions.values())

    # -- connected accounts ------------------------------------------------------------------
    def create_account(
        self, user_id: str, toolkit: str, auth_scheme: str, is_managed: bool, link_base: str,
        alias: str | None = None, callback_url: str | None = None, status: str = "INITIATED",
    ) -> Account:
        now = iso_now()
        token = self.new_id("ln_", 16)
        account = Account(
            id=self.new_id("ca_"), user_id=user_id, toolkit=toolkit, status=status, auth_scheme=auth_scheme,
            auth_config_id=f"ac_demo_{toolkit}", is_managed=is_managed, link_token=token,
            redirect_url=f"{link_base}/link/{token}", created_at=now, updated_at=now, alias=alias,
            callback_url=callback_url, started=time.monotonic(), status_reason=REASONS.get(status),
            is_disabled=status == "INACTIVE",
        )
        with self._lock:
            self._accounts[account.id] = account
            self._tokens[token] = account.id
        return account

    def _refreshed(self, account: Account) -> Account:
        after = self.auto_activate_after
        if after is not None and account.status == "INITIATED" and time.monotonic() - account.started >= after:
            account = replace(account, status="ACTIVE", updated_at=iso_now())
            self._accounts[account.id] = account
        return account

    def account(self, account_id: str) -> Account | None:
        with self._lock:
            account = self._accounts.get(account_id)
            return self._refreshed(account) if account else None

    def account_by_token(self, token: str) -> Account | None:
        with self._lock:
            account_id = self._tokens.get(token)
            return self.account(account_id) if account_id else None

    def latest_account(self, user_id: str, toolkit: str) -> Account | None:
        """The user's newest account for ``toolkit``, preferring an ACTIVE one."""
        with self._lock:
            mine = [self._refreshed(a) for a in self._accounts.values() if a.user_id == user_id and a.toolkit == toolkit]
        if not mine:
            return None
        active = [a for a in mine if a.status == "ACTIVE"]
        return (active or mine)[-1]

    def set_status(self, account_id: str, status: str, reason: str | None = None) -> Account | None:
        """Move an account to ``status`` with production's reason for it (or ``reason``)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        with self._lock:
            account = self._accounts.get(account_id)
            if account is None:
                return None
            account = replace(account, status=status, updated_at=iso_now(),
                              status_reason=reason if reason is not None else REASONS.get(status),
                              is_disabled=status == "INACTIVE")
            self._accounts[account_id] = account
            return account

    def accounts(self) -> list[Account]:
        with self._lock:
            return [self._refreshed(a) for a in list(self._accounts.values())]

    # --- users and connections ---
    def delete_account(self, account_id: str) -> Account | None:
        """Remove an account (and its link token); the removed account, or None if unknown."""
        with self._lock:
            account = self._accounts.pop(account_id, None)
            if account is not None:
                self._tokens.pop(account.link_token, None)
            return account

    def restart_account(self, account_id: str) -> Account | None:
        """A refresh: the account is INITIATED again on its link, and the auto-activation clock restarts."""
        with self._lock:
            account = self._accounts.get(account_id)
            if account is None:
                return None
            account = replace(account, status="INITIATED", updated_at=iso_now(), started=time.monotonic(),
                              status_reason=None, is_disabled=False)
            self._accounts[account_id] = account
            return account
