"""Custody of the Composio API key: environment, OS keyring, or memory for this run only.

Order: ``COMPOSIO_API_KEY`` (the keyring is then never touched) > a key the user chose to hold in
memory for this run (a :class:`RunKeys` the context owns; there is no module-level store) > the OS
keyring (service ``composio-tui``, account = normalised API base URL) > nothing, and the UI asks.
Nothing here prompts, and nothing blocks longer than its deadline (a number of seconds, or one
:class:`~tui.core.deadline.Budget` shared by every keyring touch of a command), so it is safe on
headless servers over SSH. The key has one type, :class:`KeyInfo`; it is never logged, never shown
in full (``redact.mask``), and never written anywhere but the keyring; there is no plaintext fallback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tui.core import keystore, keytext
from tui.core.deadline import Budget
from tui.core.keyinfo import (  # noqa: F401  (part of this module's API)
    DEFAULT_BASE_URL,
    ENV_VAR,
    INVALID_KEY,
    NO_KEY,
    KeyInfo,
    RunKeys,
    SecretsError,
    _memory_source,
    key_problem,
    normalize_base_url,
    validate_key,
)
from tui.core.keystore import MISCONFIGURED, MISSING, NO_KEYRING, OK, SERVICE, TIMEOUT
from tui.core.redact import mask  # noqa: F401  (part of this module's API)
from tui.core.states import KeyringState, KeySource

DEFAULT_DEADLINE = 3.0

UNLOCK_COMMAND = keytext.UNLOCK_COMMAND

Deadline = float | Budget


@dataclass(frozen=True)
class KeyringStatus:
    """The keyring's state without reading any key (for ``composio-tui info`` and the status line)."""

    state: KeyringState
    backend: str
    message: str


def describe(source: KeyInfo) -> str:
    """A short label for the status line, e.g. "from keyring (SecretService), …wxyz"."""
    return source.describe()


def hold_key(base_url: str, key: str, memory: RunKeys) -> KeyInfo:
    """Use ``key`` for this run only (source "memory"); raises :class:`SecretsError` if malformed."""
    return memory.hold(base_url, key)


def _seconds(deadline: Deadline) -> tuple[float, float]:
    """(seconds left now, the whole deadline for messages)."""
    if isinstance(deadline, Budget):
        return deadline.left(), deadline.seconds
    return float(deadline), float(deadline)


def _run(op, deadline: Deadline) -> keystore.Outcome:
    """Run one keystore operation in the deadline thread; never raises."""
    left, _ = _seconds(deadline)
    if left <= 0:
        return keystore.Outcome(TIMEOUT, keystore.cached_name())
    try:
        return keystore.call_with_deadline(op, left)
    except keystore.KeyringTimeout:
        return keystore.Outcome(TIMEOUT, keystore.cached_name())
    except Exception as exc:
        return keystore.Outcome(NO_KEYRING, keystore.cached_name(), keystore.error_detail(exc))


def resolve_key(
    base_url: str | None,
    environ: Mapping[str, str] | None = None,
    deadline: Deadline = DEFAULT_DEADLINE,
    memory: RunKeys | None = None,
) -> KeyInfo:
    """Find the key for ``base_url``; never prompts, never raises, never waits past ``deadline``.

    ``COMPOSIO_API_KEY`` (read from ``environ``, default ``os.environ``) wins and the keyring is
    then not touched. A key held in ``memory`` (see :func:`hold_key`) comes next, then the keyring, after a
    no-prompt state check done in the same deadline thread as the read.
    """
    env = os.environ if environ is None else environ
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        problem = key_problem(from_env)
        if problem:
            message = f"{ENV_VAR} is set but is not a usable key because {problem}; fix or unset it."
            return KeyInfo(None, KeySource.ENV, state=MISCONFIGURED, message=message)
        message = f"Using the API key from {ENV_VAR}; the keyring is not consulted."
        return KeyInfo(from_env, KeySource.ENV, state=OK, message=message)
    try:
        url = normalize_base_url(base_url)
    except ValueError as exc:
        return KeyInfo(None, KeySource.NONE, state=MISCONFIGURED, message=str(exc))
    held = memory.get(url) if memory is not None else None
    if held:
        return _memory_source(held)
    outcome = _run(lambda: keystore.lookup(SERVICE, url), deadline)
    message = keytext.sentence(outcome.state, outcome.backend, outcome.detail, url, _seconds(deadline)[1])
    if outcome.state == OK and outcome.key:
        return KeyInfo(outcome.key, KeySource.KEYRING, backend=outcome.backend, state=OK, message=message)
    return KeyInfo(None, KeySource.NONE, backend=outcome.backend, state=outcome.state, message=message)


def store_key(
    base_url: str | None,
    key: str,
    deadline: Deadline = DEFAULT_DEADLINE,
    memory: RunKeys | None = None,
) -> KeyInfo:
    """Save ``key`` in the keyring for ``base_url``, read it back and compare.

    This does NOT check the key against the Composio API: the caller verifies it with the gateway
    first and stores only a key that worked. Raises :class:`SecretsError` (one actionable sentence)
    on any failure; never falls back to a file. On success a key held in memory for the same base
    URL is dropped, so later lookups report the keyring.
    """
    url = normalize_base_url(base_url)
    validate_key(key)
    outcome = _run(lambda: keystore.save(SERVICE, url, key), deadline)
    if outcome.state != OK:
        text = keytext.sentence(outcome.state, outcome.backend, outcome.detail, url, _seconds(deadline)[1])
        raise SecretsError(f"The API key was not saved: {text[0].lower()}{text[1:]}", outcome.state)
    if memory is not None:
        memory.forget(url)
    message = f"Saved the API key for {url} in the keyring ({outcome.backend})."
    return KeyInfo(key, KeySource.KEYRING, backend=outcome.backend, state=OK, message=message)


def delete_key(
    base_url: str | None,
    deadline: Deadline = DEFAULT_DEADLINE,
    memory: RunKeys | None = None,
) -> bool:
    """Delete the stored key for ``base_url`` (and any key held in memory for it).

    True if something was deleted; a missing item is not an error. Raises :class:`SecretsError`
    when the keyring cannot be reached, is locked, or times out, since the item may still exist.
    """
    url = normalize_base_url(base_url)
    forgot = memory.forget(url) if memory is not None else False
    outcome = _run(lambda: keystore.remove(SERVICE, url), deadline)
    if outcome.state == OK:
        return True
    if outcome.state == MISSING:
        return forgot
    text = keytext.sentence(outcome.state, outcome.backend, outcome.detail, url, _seconds(deadline)[1])
    raise SecretsError(f"The stored key was not deleted: {text[0].lower()}{text[1:]}", outcome.state)


def keyring_status(deadline: Deadline = DEFAULT_DEADLINE) -> KeyringStatus:
    """The keyring's state for ``composio-tui info`` and the status line; reads no key."""
    outcome = _run(keystore.status, deadline)
    if outcome.state == OK:
        checked = outcome.backend in ("SecretService", "libsecret")
        tail = "is available and unlocked" if checked else "is available"
        return KeyringStatus(OK, outcome.backend, f"The keyring ({outcome.backend}) {tail}.")
    message = keytext.sentence(outcome.state, outcome.backend, outcome.detail, "", _seconds(deadline)[1])
    return KeyringStatus(outcome.state, outcome.backend, message)


def use_backend(backend: keystore.KeyringBackend | None) -> None:
    """Force a keyring backend instance (tests); ``None`` returns to detection."""
    keystore.set_backend(backend)


def reset() -> None:
    """Forget the detected backend and stuck calls (for tests)."""
    keystore.reset()
