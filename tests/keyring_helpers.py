"""Keyring backends for tests. None of them is ever auto-detected: their ``priority`` raises, so
keyring treats them as not viable, and they are only used when a test installs one explicitly."""

from __future__ import annotations

import threading

import keyring.errors
from keyring.backend import KeyringBackend
from keyring.compat import properties


class _TestOnly(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test-only keyring backend; never auto-detected")


class MemoryKeyring(_TestOnly):
    """A dict, recording every call as (method, service, username)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


class RaisingKeyring(_TestOnly):
    """Raises the given exception from every operation."""

    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc


class HangingKeyring(_TestOnly):
    """``get_password`` blocks until ``release`` is set, like a frozen Secret Service."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.entered += 1
        self.release.wait()
        return "ak_released_after_hang"

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait()

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait()
