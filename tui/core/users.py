"""End users and their connections: one place for what the operator asks about a user.

Rules kept here, for the console and the commands alike:
- a user is an exact, validated end-user id (``default`` and other shared placeholders are refused);
- a user view is the user's sessions in the ledger (this API origin) plus the user's connected
  accounts from the API (every page), joined by toolkit; the API's accounts list is the truth about
  connections, the ledger the truth about sessions made here;
- an action on an account named for a user refuses an account that belongs to someone else;
- a Connect link goes through the user's newest live session that enables the toolkit, else through an
  auth config (given, or the one of the user's earlier account for that toolkit); otherwise it is
  refused with the reason and the command that fixes it.

Textual-free and blocking: call from a worker or a thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import ApiError
from .ledger import Entry
from .models import ConnectedAccount, ConnectLink
from . import sessions as session_rules
from .sessions import InputError
from .states import AccountStatus, ConnectionState, ErrorKind, LedgerState, WaitOutcome
from .validation import check_user_id

BROKEN = frozenset({AccountStatus.FAILED, AccountStatus.EXPIRED, AccountStatus.INACTIVE, AccountStatus.REVOKED})
"""Statuses that need the operator (or the user) to act before the toolkit works again."""
LIVE_SESSION = frozenset({LedgerState.ACTIVE, LedgerState.PENDING, LedgerState.UNKNOWN})
"""Ledger states of a session that may still exist at the API."""


def check_user(user_id: str) -> str:
    """The user id, exactly as typed, or InputError with the one reason it cannot be used."""
    verdict = check_user_id(user_id)
    if not verdict.ok:
        raise InputError([verdict.error])
    return verdict.value


def is_broken(account: ConnectedAccount) -> bool:
    return account.status in BROKEN or account.is_disabled


def session_enables(entry: Entry, toolkit: str) -> bool:
    return toolkit in entry.toolkits


def user_sessions(ledger, user_id: str, base_url: str) -> list[Entry]:
    """The user's ledger rows for this API origin, newest first (``entries`` matches substrings)."""
    return [e for e in ledger.entries(user=user_id, base_url=base_url) if e.user_id == user_id]


@dataclass(frozen=True, slots=True)
class ToolkitRow:
    """One toolkit of a user: the sessions that enable it and the accounts connected for it."""

    toolkit: str
    session_ids: tuple[str, ...] = ()
    accounts: tuple[ConnectedAccount, ...] = ()

    @property
    def best(self) -> ConnectedAccount | None:
        """The account that decides readiness (the same rule as the readiness screen's)."""
        return session_rules._best(list(self.accounts))


@dataclass(frozen=True, slots=True)
class UserView:
    user_id: str
    sessions: tuple[Entry, ...] = ()
    accounts: tuple[ConnectedAccount, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.sessions and not self.accounts

    @property
    def live_sessions(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.sessions if e.state in LIVE_SESSION)

    @property
    def broken(self) -> tuple[ConnectedAccount, ...]:
        return tuple(a for a in self.accounts if is_broken(a))

    def toolkits(self) -> list[ToolkitRow]:
        """Joined by toolkit: every toolkit a live session enables or an account is connected for."""
        names: dict[str, None] = {}
        for e in self.live_sessions:
            names.update(dict.fromkeys(e.toolkits))
        names.update(dict.fromkeys(a.toolkit for a in self.accounts))
        return [ToolkitRow(slug, tuple(e.session_id or "" for e in self.live_sessions if slug in e.toolkits),
                           tuple(a for a in self.accounts if a.toolkit == slug)) for slug in sorted(names)]


def unknown_user(user_id: str) -> ApiError:
    return ApiError(ErrorKind.NOT_FOUND, f"No sessions or accounts for user {user_id!r}: the ledger has no "
                    "session of theirs and the API no connected account",
                    hint="Check the spelling (ids are compared exactly); `composio-tui users list` shows "
                         "the known users")


def view(gateway, ledger, user_id: str, *, require: bool = True) -> UserView:
    """Sessions (ledger) + accounts (API, all pages). ``require``: an unknown user raises NOT_FOUND."""
    user_id = check_user(user_id)
    sessions = tuple(user_sessions(ledger, user_id, gateway.base_url))
    accounts = tuple(gateway.accounts(user_id=user_id))
    result = UserView(user_id, sessions, tuple(a for a in accounts if a.user_id == user_id))
    if require and result.empty:
        raise unknown_user(user_id)
    return result


@dataclass(slots=True)
class UserSummary:
    user_id: str
    sessions: int = 0
    """Live sessions in the ledger."""
    accounts: int = 0
    broken: int = 0
    in_ledger: bool = False

    def as_dict(self) -> dict:
        return {"user_id": self.user_id, "sessions": self.sessions, "accounts": self.accounts,
                "broken_accounts": self.broken, "in_ledger": self.in_ledger}


def known_users(gateway, ledger) -> Iterator[list[UserSummary]]:
    """Ledger users ∪ users the accounts list reports. Yields the growing list: first from the ledger alone,
    then once per page of accounts (so a screen can show users while the rest arrives)."""
    found: dict[str, UserSummary] = {}
    for e in ledger.entries(base_url=gateway.base_url):
        row = found.setdefault(e.user_id, UserSummary(e.user_id, in_ledger=True))
        row.sessions += e.state in LIVE_SESSION
    yield sorted_users(found)
    pages = gateway.account_pages() if hasattr(gateway, "account_pages") else iter([gateway.accounts()])
    for page in pages:
        for account in page:
            row = found.setdefault(account.user_id, UserSummary(account.user_id))
            row.accounts += 1
            row.broken += is_broken(account)
        yield sorted_users(found)


def sorted_users(found: dict[str, UserSummary]) -> list[UserSummary]:
    return sorted((UserSummary(**{k: getattr(u, k) for k in UserSummary.__slots__}) for u in found.values()),
                  key=lambda u: u.user_id.casefold())


def all_users(gateway, ledger) -> list[UserSummary]:
    last: list[UserSummary] = []
    for last in known_users(gateway, ledger):
        pass
    return last


# --- actions on one account ---------------------------------------------------------------------


def owned(gateway, account_id: str, user_id: str | None = None) -> ConnectedAccount:
    """Retrieve the account; with ``user_id``, refuse an account of another user (before any change)."""
    account = gateway.account(account_id)
    if user_id is not None and account.user_id != user_id:
        raise InputError([f"Connected account {account_id} belongs to another user, not {user_id!r}; "
                          "nothing was changed."])
    return account


def disable(gateway, account_id: str, user_id: str | None = None) -> ConnectedAccount:
    owned(gateway, account_id, user_id)
    gateway.set_account_enabled(account_id, False)
    return gateway.account(account_id)


def enable(gateway, account_id: str, user_id: str | None = None) -> ConnectedAccount:
    owned(gateway, account_id, user_id)
    gateway.set_account_enabled(account_id, True)
    return gateway.account(account_id)


@dataclass(frozen=True, slots=True)
class Refreshed:
    account: ConnectedAccount
    link: ConnectLink | None = None
    """A new Connect link when the account's scheme needs the user again (OAuth); None otherwise."""


def refresh(gateway, account_id: str, user_id: str | None = None) -> Refreshed:
    before = owned(gateway, account_id, user_id)
    link = gateway.refresh_account(account_id)
    after = gateway.account(account_id)
    if not link.redirect_url:
        return Refreshed(after)
    return Refreshed(after, ConnectLink(before.toolkit, link.redirect_url, account_id))


def delete(gateway, account_id: str, user_id: str | None = None) -> bool:
    """True if deleted now; False if the API had already lost it (only when no user scope is asked)."""
    if user_id is not None:
        owned(gateway, account_id, user_id)
    return gateway.delete_account(account_id)


# --- connect --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connect:
    """A Connect link for one user and toolkit, and the way it was made."""

    user_id: str
    link: ConnectLink
    via: str
    """"session trs_…" or "auth config ac_…"."""
    callback_url: str = ""

    def as_dict(self) -> dict:
        return {"user_id": self.user_id, "toolkit": self.link.toolkit, "redirect_url": self.link.redirect_url,
                "connected_account_id": self.link.connected_account_id, "via": self.via,
                "callback_url": self.callback_url or None}


def connect(gateway, ledger, user_id: str, toolkit: str, *, session_id: str | None = None,
            auth_config_id: str | None = None, callback_url: str | None = None) -> Connect:
    """A Connect link (see the module rule for which way). Raises InputError when there is no way."""
    user_id = check_user(user_id)
    callback = callback_url or ""
    if callback and not callback.startswith(("https://", "http://")):
        raise InputError([f"The callback URL {callback!r} is not an http(s) URL."])
    sessions = user_sessions(ledger, user_id, gateway.base_url)
    if session_id:
        entry = ledger.get(session_id)
        if entry is not None and entry.user_id != user_id:
            raise InputError([f"Session {session_id} belongs to another user, not {user_id!r}."])
        if entry is not None and entry.state not in LIVE_SESSION:
            raise InputError([f"Session {session_id} is {entry.state} in the ledger; pick a live session."])
        if entry is not None and not session_enables(entry, toolkit):
            raise InputError([f"Session {session_id} does not enable {toolkit!r} (it has "
                              f"{', '.join(entry.toolkits) or 'no toolkits'})."])
        link = gateway.session_connect_link(session_id, toolkit, callback or None)
        return Connect(user_id, link, f"session {session_id}", callback)
    if not auth_config_id:
        live = [e for e in sessions if e.state == LedgerState.ACTIVE and e.session_id and session_enables(e, toolkit)]
        if live:
            newest = live[0]
            link = gateway.session_connect_link(newest.session_id, toolkit, callback or None)
            return Connect(user_id, link, f"session {newest.session_id}", callback)
        earlier = [a for a in gateway.accounts(user_id=user_id, toolkits=[toolkit])
                   if a.user_id == user_id and a.toolkit == toolkit and a.auth_config_id]
        if earlier:
            auth_config_id = max(earlier, key=lambda a: a.created_at).auth_config_id
    if not auth_config_id:
        have = "; ".join(f"{e.session_id}: {', '.join(e.toolkits)}" for e in sessions
                         if e.state == LedgerState.ACTIVE and e.session_id) or "none"
        raise InputError([
            f"No session of {user_id!r} enables {toolkit!r} (their live sessions: {have}), and they have no "
            f"earlier {toolkit} account whose auth config could be reused. Create a session that includes it "
            f"(`composio-tui sessions create --user {user_id} --toolkit {toolkit}`) or pass --auth-config ac_…."])
    link = gateway.auth_config_link(user_id, auth_config_id, toolkit, callback or None)
    return Connect(user_id, link, f"auth config {auth_config_id}", callback)


@dataclass(frozen=True, slots=True)
class Waited:
    outcome: WaitOutcome
    status: str = ""
    """The account's last status seen ("" when none was read)."""
    reason: str = ""


def wait_active(gateway, account_id: str, *, timeout: float = 300.0, interval: float = 2.0,
                cancelled: Callable[[], bool] = lambda: False,
                sleep: Callable[[float], None] = time.sleep) -> Waited:
    """Poll until ACTIVE, another terminal status, cancellation or the timeout: the readiness screen's
    own wait (``sessions.wait_active``), told as a WaitOutcome."""
    ended = session_rules.wait_active(gateway, ConnectLink("", "", account_id), timeout=timeout, interval=interval,
                                 cancelled=cancelled, sleep=sleep)
    state = str(ended.state)
    if state == ConnectionState.ACTIVE:
        return Waited(WaitOutcome.ACTIVE, state, ended.reason)
    if state in (WaitOutcome.TIMEOUT, WaitOutcome.CANCELLED):
        last = "" if state == WaitOutcome.CANCELLED else str(gateway.account(account_id).status)
        return Waited(WaitOutcome(state), last)
    return Waited(WaitOutcome.ENDED, state, ended.reason)


def account_dict(a: ConnectedAccount) -> dict:
    return {"id": a.id, "user_id": a.user_id, "toolkit": a.toolkit, "status": str(a.status),
            "status_reason": a.status_reason or None, "is_disabled": a.is_disabled,
            "auth_config_id": a.auth_config_id, "created_at": a.created_at, "updated_at": a.updated_at,
            "broken": is_broken(a)}

