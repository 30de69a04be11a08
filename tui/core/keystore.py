"""Low-level keyring access: backend choice, a no-prompt state check, and a hard deadline.

Nothing here prompts, and nothing here may block the caller for longer than its deadline: every
call that can reach D-Bus runs in one daemon ``threading.Thread`` (never a Textual thread worker or
the default executor, whose threads are joined at exit). A thread stuck on a frozen daemon is left
behind and dies with the process. ``tui.core.secrets`` builds the user-facing API on top of this.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import TypeVar

import keyring.backend
import keyring.core
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.util import platform_

from tui.core.deadline import DeadlineExceeded, DeadlineRunner
from tui.core.states import KeyringState

SERVICE = "composio-tui"  # the keyring service name; the account is the API base URL

# States shared with tui.core.secrets (the enum's members under their short names).
OK = KeyringState.OK
MISSING = KeyringState.MISSING
NO_BUS = KeyringState.NO_BUS
NO_SECRET_SERVICE = KeyringState.NO_SECRET_SERVICE
LOCKED = KeyringState.LOCKED
NO_COLLECTION = KeyringState.NO_COLLECTION
NO_KEYRING = KeyringState.NO_KEYRING
MISCONFIGURED = KeyringState.MISCONFIGURED
TIMEOUT = KeyringState.TIMEOUT
NOT_SAVED = KeyringState.NOT_SAVED
NOT_DELETED = KeyringState.NOT_DELETED

AUTO = "auto"
IN_CODE = "set in code"
ENV_BACKEND = "PYTHON_KEYRING_BACKEND"

_BUILTIN_PREFIX = "keyring.backends."
_SECRET_SERVICE_MODULES = ("keyring.backends.SecretService", "keyring.backends.libsecret")

T = TypeVar("T")
KeyringTimeout = DeadlineExceeded


@dataclass(frozen=True)
class Choice:
    """The backend this process uses, where the choice came from, or why it failed to load."""

    backend: KeyringBackend | None
    name: str
    origin: str
    error: str = ""


@dataclass(frozen=True)
class Outcome:
    """What one keyring operation found. ``detail`` feeds the user-facing sentence."""

    state: KeyringState
    backend: str
    detail: str = ""
    key: str | None = field(default=None, repr=False)


def backend_name(backend: KeyringBackend) -> str:
    """Short display name: "SecretService", "fail", "null", or the class name otherwise."""
    cls = type(backend)
    if cls.__module__.startswith(_BUILTIN_PREFIX) and cls.__name__ == "Keyring":
        return cls.__module__.rsplit(".", 1)[1]
    return cls.__name__


def _is_auto_candidate(backend: KeyringBackend) -> bool:
    cls = type(backend)
    return cls.__module__.startswith(_BUILTIN_PREFIX) and cls.__name__ != "ChainerBackend"


def _error_text(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0].rstrip(".").replace(". ", "; ")
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text[:160]


def config_path() -> str:
    """Where keyring reads ``[backend] default-keyring=...``."""
    return str(platform_.config_root() / "keyringrc.cfg")


def _detect() -> Choice:
    """Honour PYTHON_KEYRING_BACKEND, then keyringrc.cfg; else the best built-in backend."""
    chosen = os.environ.get(ENV_BACKEND, "").strip()
    if chosen:
        try:
            backend = keyring.core.load_keyring(chosen)
        except Exception as exc:
            return Choice(None, "", ENV_BACKEND, f"{ENV_BACKEND}={chosen} ({_error_text(exc)})")
        return Choice(backend, backend_name(backend), ENV_BACKEND)
    try:
        backend = keyring.core.load_config()
    except Exception as exc:
        return Choice(None, "", config_path(), f"{config_path()} ({_error_text(exc)})")
    if backend is not None:
        return Choice(backend, backend_name(backend), config_path())
    # Built-in backends only: a third-party plugin (e.g. one that asks for a password with getpass)
    # must not take over silently. No chainer either, so no global keyring state is touched.
    best: KeyringBackend = fail.Keyring()
    best_priority = 0.0
    for candidate in keyring.backend.get_all_keyring():
        if not _is_auto_candidate(candidate):
            continue
        try:
            priority = float(candidate.priority)  # SecretService asks D-Bus again here
        except Exception:
            continue
        if priority > best_priority:
            best, best_priority = candidate, priority
    return Choice(best, backend_name(best), AUTO)


_choice: Choice | None = None
_choice_lock = threading.Lock()
_runner = DeadlineRunner("composio-tui-keyring")


def choose_backend() -> Choice:
    """The cached backend choice for this process (detected on first use; may touch D-Bus)."""
    global _choice
    with _choice_lock:
        if _choice is not None:
            return _choice
    choice = _detect()
    with _choice_lock:
        if _choice is None:
            _choice = choice
        return _choice


def set_backend(backend: KeyringBackend | None) -> None:
    """Force a backend (tests, or an explicit choice in code); ``None`` goes back to detection."""
    global _choice
    with _choice_lock:
        _choice = None if backend is None else Choice(backend, backend_name(backend), IN_CODE)


def reset() -> None:
    """Forget the cached backend, keyring's own detection cache, and any stuck calls (for tests)."""
    global _choice
    with _choice_lock:
        _choice = None
    try:
        keyring.backend.get_all_keyring.reset()
    except KeyError:  # nothing cached yet
        pass
    _runner.forget()


def secret_service_state(collection_path: str | None = None) -> KeyringState:
    """Check the Secret Service without ever prompting: OK, LOCKED or why it is unusable."""
    import secretstorage
    from secretstorage.exceptions import ItemNotFoundException, SecretServiceNotAvailableException

    try:
        conn = secretstorage.dbus_init()
    except SecretServiceNotAvailableException:
        return NO_BUS
    with closing(conn):
        try:
            if not secretstorage.check_service_availability(conn):
                return NO_SECRET_SERVICE
            if collection_path:
                collection = secretstorage.Collection(conn, collection_path)
            else:
                collection = secretstorage.Collection(conn)  # the "default" alias; never creates one
            return LOCKED if collection.is_locked() else OK
        except ItemNotFoundException:
            return NO_COLLECTION
        except SecretServiceNotAvailableException:
            return NO_SECRET_SERVICE


def bus_state() -> KeyringState:
    """Why auto-detection fell back to the fail backend: NO_BUS, NO_SECRET_SERVICE or NO_KEYRING."""
    if sys.platform in ("darwin", "win32"):
        return NO_KEYRING
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return NO_BUS
    try:
        import secretstorage
    except Exception:
        return NO_KEYRING
    try:
        conn = secretstorage.dbus_init()
    except Exception:
        return NO_BUS
    with closing(conn):
        try:
            available = secretstorage.check_service_availability(conn)
        except Exception:
            return NO_BUS
    return NO_KEYRING if available else NO_SECRET_SERVICE


def probe(choice: Choice) -> KeyringState:
    """The backend's state before any read or write; only the Secret Service is really checked."""
    if choice.error or choice.backend is None:
        return MISCONFIGURED
    name = type(choice.backend).__module__
    if isinstance(choice.backend, fail.Keyring):
        return bus_state() if choice.origin == AUTO else NO_KEYRING
    if choice.name == "null":
        return NO_KEYRING
    if name in _SECRET_SERVICE_MODULES:
        try:
            return secret_service_state(getattr(choice.backend, "preferred_collection", None))
        except Exception:
            return NO_SECRET_SERVICE
    return OK


def state_from_error(exc: BaseException) -> KeyringState:
    """Map an exception from a backend operation to a state."""
    if isinstance(exc, KeyringTimeout):
        return TIMEOUT
    if isinstance(exc, keyring.errors.KeyringLocked):
        return LOCKED
    if isinstance(exc, keyring.errors.InitError):
        return NO_COLLECTION
    try:
        from secretstorage.exceptions import SecretServiceNotAvailableException
    except Exception:  # pragma: no cover - secretstorage is a dependency
        return NO_KEYRING
    if isinstance(exc, SecretServiceNotAvailableException):
        return NO_SECRET_SERVICE
    return NO_KEYRING


def error_detail(exc: BaseException) -> str:
    """The exception type only: backend messages are not shown, so nothing secret can leak."""
    return type(exc).__name__


def call_with_deadline(fn: Callable[[], T], deadline: float) -> T:
    """Run ``fn`` in the keyring's daemon thread; raises :class:`KeyringTimeout` after ``deadline``."""
    return _runner.call(fn, deadline)


def cached_name() -> str:
    """The backend name if detection already finished, without touching anything."""
    choice = _choice
    return choice.name if choice is not None else ""


def _failed(choice: Choice, state: KeyringState) -> Outcome:
    return Outcome(state, choice.name, choice.error or choice.origin)


def status() -> Outcome:
    """Choose the backend and check its state; reads no key."""
    choice = choose_backend()
    return _failed(choice, probe(choice))


def lookup(service: str, account: str) -> Outcome:
    """State check, then ``get_password`` only if the check says it cannot prompt."""
    choice = choose_backend()
    state = probe(choice)
    if state != OK or choice.backend is None:
        return _failed(choice, state)
    try:
        key = choice.backend.get_password(service, account)
    except Exception as exc:
        return Outcome(state_from_error(exc), choice.name, error_detail(exc))
    return Outcome(OK if key else MISSING, choice.name, choice.origin, key or None)


def save(service: str, account: str, key: str) -> Outcome:
    """Write, read back and compare. The null backend is written to on purpose: the read-back
    mismatch is what reports it, the same way any backend that drops writes is caught."""
    choice = choose_backend()
    state = OK if choice.name == "null" and not choice.error else probe(choice)
    if state != OK or choice.backend is None:
        return _failed(choice, state)
    try:
        choice.backend.set_password(service, account, key)
        stored = choice.backend.get_password(service, account)
    except Exception as exc:
        return Outcome(state_from_error(exc), choice.name, error_detail(exc))
    if stored != key:
        return Outcome(NOT_SAVED, choice.name, choice.origin)
    return Outcome(OK, choice.name, choice.origin)


def remove(service: str, account: str) -> Outcome:
    """OK if an item was deleted (and is gone on read-back), MISSING if there was none."""
    choice = choose_backend()
    if choice.name == "null" and not choice.error:
        return Outcome(MISSING, choice.name, choice.origin)  # nothing can be stored there
    state = probe(choice)
    if state == NO_COLLECTION:
        return Outcome(MISSING, choice.name, choice.origin)
    if state != OK or choice.backend is None:
        return _failed(choice, state)
    backend = choice.backend
    try:
        if backend.get_password(service, account) is None:
            return Outcome(MISSING, choice.name, choice.origin)
        try:
            backend.delete_password(service, account)
        except keyring.errors.PasswordDeleteError:
            return Outcome(MISSING, choice.name, choice.origin)
        still = backend.get_password(service, account)
    except Exception as exc:
        return Outcome(state_from_error(exc), choice.name, error_detail(exc))
    if still is not None:
        return Outcome(NOT_DELETED, choice.name, choice.origin)
    return Outcome(OK, choice.name, choice.origin)
