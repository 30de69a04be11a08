"""The one key type (:class:`KeyInfo`), keys held for this run (:class:`RunKeys`) and the key rules.

Light on purpose (no ``keyring`` import): the context and the first frame use it; ``tui.core.secrets``
does the keyring work and re-exports these names.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from tui.core.origin import PRODUCTION_URL as DEFAULT_BASE_URL
from tui.core.redact import mask
from tui.core.states import KeyringState, KeySource

ENV_VAR = "COMPOSIO_API_KEY"
INVALID_KEY = "invalid-key"


class SecretsError(Exception):
    """A key could not be stored, deleted or accepted; ``str(err)`` is one actionable sentence."""

    def __init__(self, message: str, state: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.state = state


_LABELS = {KeySource.ENV: f"from {ENV_VAR}", KeySource.MEMORY: "in memory for this run only (not stored)",
           KeySource.DEMO: "demo key (embedded API)", KeySource.NONE: "no key"}


@dataclass(frozen=True, repr=False)
class KeyInfo:
    """The one key type: the key, where it came from, and what the keyring said.

    ``repr``/``str``/:meth:`describe` show only :attr:`masked`, never the key. ``detail`` overrides
    the computed label (e.g. "from COMPOSIO_API_KEY").
    """

    key: str | None
    source: KeySource = KeySource.NONE
    detail: str = ""
    backend: str = ""  # "SecretService", "fail", "null", ... or ""
    state: KeyringState = KeyringState.OK
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", KeySource(self.source))
        object.__setattr__(self, "state", KeyringState(self.state))

    @property
    def masked(self) -> str:
        return mask(self.key)

    @property
    def present(self) -> bool:
        """There is a key (for fronts, which never read the key itself)."""
        return bool(self.key)

    @property
    def label(self) -> str:
        """Where it came from, e.g. "from keyring (SecretService)"; never the key."""
        if self.detail:
            return self.detail
        if self.source == KeySource.KEYRING:
            return f"from keyring ({self.backend})" if self.backend else "from keyring"
        return _LABELS[self.source]

    @property
    def short(self) -> str:
        """For the status line: "env", "keyring: SecretService", "this run only", "demo"."""
        if self.source == KeySource.KEYRING:
            return f"keyring: {self.backend}" if self.backend else "keyring"
        return "this run only" if self.source == KeySource.MEMORY else str(self.source)

    def describe(self) -> str:
        """A short label for the status line, e.g. "from keyring (SecretService), …wxyz"."""
        return f"{self.label}, {self.masked}" if self.key else "no key"

    def __repr__(self) -> str:
        return (
            f"KeyInfo(source={self.source.value!r}, backend={self.backend!r}, state={self.state.value!r}, "
            f"key={self.masked!r}, message={self.message!r})"
        )

    __str__ = __repr__


NO_KEY = KeyInfo(None, KeySource.NONE, state=KeyringState.MISSING)


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
    """Keys held in memory for this run only, per base URL; never written anywhere. The context owns one."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def hold(self, base_url: str, key: str) -> KeyInfo:
        url = _slot(base_url)
        validate_key(key)
        with self._lock:
            self._keys[url] = key
        return _memory_source(key)

    def get(self, base_url: str) -> str | None:
        with self._lock:
            return self._keys.get(_slot(base_url))

    def forget(self, base_url: str | None = None) -> bool:
        """Drop one base URL's key (or all with ``None``); True if something was held."""
        with self._lock:
            if base_url is None:
                had = bool(self._keys)
                self._keys.clear()
                return had
            return self._keys.pop(_slot(base_url), None) is not None

    def __repr__(self) -> str:
        return f"RunKeys({len(self._keys)} held)"


def _slot(name: str) -> str:
    """A base URL (normalised), or a profile's account "profile:NAME" as is (see tui.core.profiles)."""
    return name if name.startswith("profile:") else normalize_base_url(name)


def _memory_source(key: str) -> KeyInfo:
    return KeyInfo(key, KeySource.MEMORY, state=KeyringState.OK,
                   message="Using the API key held in memory for this run only; it is not stored anywhere.")
