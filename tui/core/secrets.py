"""Custody of the Composio API key: environment, OS keyring, or memory for this run only.

Order: ``COMPOSIO_API_KEY`` (the keyring is then never touched) > a key the user chose to hold in
memory for this run > the OS keyring (service ``composio-tui``, account = normalised API base URL)
> nothing, and the UI asks. Nothing here prompts, and nothing blocks longer than its deadline, so it
is safe on headless servers over SSH. The key is never logged, never shown in full (see
:func:`mask`), and never written anywhere but the keyring; there is no plaintext fallback.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from tui.core import keystore, keytext
from tui.core.redact import mask  # noqa: F401  (part of this module's API)
from tui.core.keystore import MISCONFIGURED, MISSING, NO_KEYRING, OK, SERVICE, TIMEOUT

ENV_VAR = "COMPOSIO_API_KEY"
from tui.core.origin import PRODUCTION_URL as DEFAULT_BASE_URL  # noqa: E402  (the one copy)
DEFAULT_DEADLINE = 3.0
INVALID_KEY = "invalid-key"

UNLOCK_COMMAND = keytext.UNLOCK_COMMAND


class SecretsError(Exception):
    """A key could not be stored, deleted or accepted; ``str(err)`` is one actionable sentence."""

    def __init__(self, message: str, state: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.state = state


@dataclass(frozen=True, repr=False)
class KeySource:
    """Where the key came from. ``repr``/``str`` show only :attr:`masked`, never the key."""

    key: str | None
    source: str  # "env" | "keyring" | "memory" | "none"
    backend: str = ""  # "SecretService", "fail", "null", ... or ""
    state: str = MISSING
    message: str = ""

    @property
    def masked(self) -> str:
        return mask(self.key)

    def __repr__(self) -> str:
        return (
            f"KeySource(source={self.source!r}, backend={self.backend!r}, state={self.state!r}, "
            f"key={self.masked!r}, message={self.message!r})"
        )


@dataclass(frozen=True)
class KeyringStatus:
    """The keyring's state without reading any key (for ``composio-tui info`` and the status line)."""

    state: str
    backend: str
    message: str


def describe(source: KeySource) -> str:
    """A short label for the status line, e.g. "from keyring (SecretService), …wxyz"."""
    if source.key is None:
        return "no key"
    if source.source == "env":
        return f"from {ENV_VAR}, {source.masked}"
    if source.source == "memory":
        return f"in memory for this run only (not stored), {source.masked}"
    return f"from keyring ({source.backend}), {source.masked}"


def normalize_base_url(base_url: str | None) -> str:
    """scheme://host[:port] in lower case, default port and path dropped; blank means production."""
    text = (base_url or "").strip() or DEFAULT_BASE_URL
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise ValueError(f"{text!r} is not an API base URL; use one like {DEFAULT_BASE_URL}.")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port in (None, default_port) else f"{scheme}://{host}:{port}"


def key_problem(key: object) -> str:
    """Why this cannot be an API key (a short clause), or "" if its shape is fine."""
    if not isinstance(key, str) or not key.strip():
        return "it is empty"
    if any(ch.isspace() for ch in key):
        return "it contains whitespace or a line break"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        return "it contains a control character such as NUL"
    try:
        key.encode("latin-1")
    except UnicodeEncodeError:
        return "it contains characters outside Latin-1 that HTTP headers cannot carry"
    return ""


def validate_key(key: str) -> str:
    """Return ``key`` unchanged or raise :class:`SecretsError` saying what is wrong with it."""
    problem = key_problem(key)
    if problem:
        raise SecretsError(
            f"That is not a usable API key because {problem}; paste only the key itself "
            "(project keys start with ak_).",
            INVALID_KEY,
        )
    return key


class RunKeys:
    """Keys held in memory for this run only, per base URL; never written anywhere."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def hold(self, base_url: str, key: str) -> KeySource:
        url = normalize_base_url(base_url)
        validate_key(key)
        with self._lock:
            self._keys[url] = key
        return _memory_source(key)

    def get(self, base_url: str) -> str | None:
        with self._lock:
            return self._keys.get(normalize_base_url(base_url))

    def forget(self, base_url: str | None = None) -> bool:
        """Drop one base URL's key (or all with ``None``); True if something was held."""
        with self._lock:
            if base_url is None:
                had = bool(self._keys)
                self._keys.clear()
                return had
            return self._keys.pop(normalize_base_url(base_url), None) is not None

    def __repr__(self) -> str:
        return f"RunKeys({len(self._keys)} held)"


run_keys = RunKeys()


def hold_key(base_url: str, key: str) -> KeySource:
    """Use ``key`` for this run only (source "memory"); raises :class:`SecretsError` if malformed."""
    return run_keys.hold(base_url, key)


def _memory_source(key: str) -> KeySource:
    return KeySource(
        key, "memory", "", OK,
        "Using the API key held in memory for this run only; it is not stored anywhere.",
    )


def _run(op, deadline: float) -> keystore.Outcome:
    """Run one keystore operation in the deadline thread; never raises."""
    try:
        return keystore.call_with_deadline(op, deadline)
    except keystore.KeyringTimeout:
        return keystore.Outcome(TIMEOUT, keystore.cached_name())
    except Exception as exc:
        return keystore.Outcome(NO_KEYRING, keystore.cached_name(), keystore.error_detail(exc))


def resolve_key(
    base_url: str | None,
    environ: Mapping[str, str] | None = None,
    deadline: float = DEFAULT_DEADLINE,
    memory: RunKeys | None = None,
) -> KeySource:
    """Find the key for ``base_url``; never prompts, never raises, never waits past ``deadline``.

    ``COMPOSIO_API_KEY`` (read from ``environ``, default ``os.environ``) wins and the keyring is
    then not touched. A key held with :func:`hold_key` comes next, then the keyring, after a
    no-prompt state check done in the same deadline thread as the read.
    """
    env = os.environ if environ is None else environ
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        problem = key_problem(from_env)
        if problem:
            message = f"{ENV_VAR} is set but is not a usable key because {problem}; fix or unset it."
            return KeySource(None, "env", "", MISCONFIGURED, message)
        message = f"Using the API key from {ENV_VAR}; the keyring is not consulted."
        return KeySource(from_env, "env", "", OK, message)
    try:
        url = normalize_base_url(base_url)
    except ValueError as exc:
        return KeySource(None, "none", "", MISCONFIGURED, str(exc))
    held = (memory or run_keys).get(url)
    if held:
        return _memory_source(held)
    outcome = _run(lambda: keystore.lookup(SERVICE, url), deadline)
    message = keytext.sentence(outcome.state, outcome.backend, outcome.detail, url, deadline)
    if outcome.state == OK and outcome.key:
        return KeySource(outcome.key, "keyring", outcome.backend, OK, message)
    return KeySource(None, "none", outcome.backend, outcome.state, message)


def store_key(
    base_url: str | None,
    key: str,
    deadline: float = DEFAULT_DEADLINE,
    memory: RunKeys | None = None,
) -> KeySource:
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
        text = keytext.sentence(outcome.state, outcome.backend, outcome.detail, url, deadline)
        raise SecretsError(f"The API key was not saved: {text[0].lower()}{text[1:]}", outcome.state)
    (memory or run_keys).forget(url)
    message = f"Saved the API key for {url} in the keyring ({outcome.backend})."
    return KeySource(key, "keyring", outcome.backend, OK, message)


def delete_key(
    base_url: str | None,
    deadline: float = DEFAULT_DEADLINE,
    memory: RunKeys | None = None,
) -> bool:
    """Delete the stored key for ``base_url`` (and any key held in memory for it).

    True if something was deleted; a missing item is not an error. Raises :class:`SecretsError`
    when the keyring cannot be reached, is locked, or times out, since the item may still exist.
    """
    url = normalize_base_url(base_url)
    forgot = (memory or run_keys).forget(url)
    outcome = _run(lambda: keystore.remove(SERVICE, url), deadline)
    if outcome.state == OK:
        return True
    if outcome.state == MISSING:
        return forgot
    text = keytext.sentence(outcome.state, outcome.backend, outcome.detail, url, deadline)
    raise SecretsError(f"The stored key was not deleted: {text[0].lower()}{text[1:]}", outcome.state)


def keyring_status(deadline: float = DEFAULT_DEADLINE) -> KeyringStatus:
    """The keyring's state for ``composio-tui info`` and the status line; reads no key."""
    outcome = _run(keystore.status, deadline)
    if outcome.state == OK:
        checked = outcome.backend in ("SecretService", "libsecret")
        tail = "is available and unlocked" if checked else "is available"
        return KeyringStatus(OK, outcome.backend, f"The keyring ({outcome.backend}) {tail}.")
    message = keytext.sentence(outcome.state, outcome.backend, outcome.detail, "", deadline)
    return KeyringStatus(outcome.state, outcome.backend, message)


def use_backend(backend: keystore.KeyringBackend | None) -> None:
    """Force a keyring backend instance (tests); ``None`` returns to detection."""
    keystore.set_backend(backend)


def reset() -> None:
    """Forget the detected backend, stuck calls and keys held in memory (for tests)."""
    keystore.reset()
    run_keys.forget()
