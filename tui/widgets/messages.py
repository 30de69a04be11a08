"""Typed Textual messages: how workers and the core's announcements reach the screens.

The core is Textual-free and announces through plain subscriptions (``CatalogStore.subscribe``,
``Context.on_key_change``); a screen subscribes while it is mounted and turns each announcement into
one of these messages, posted to itself, so the app never calls a screen back.
"""

from __future__ import annotations

from textual.message import Message

from ..core.catalog_store import CatalogEvent
from ..core.keyinfo import KeyInfo
from ..core.states import LedgerState


class CatalogChanged(Message):
    """The store's current catalog changed (cached copy shown, or a refresh finished)."""

    def __init__(self, event: CatalogEvent) -> None:
        super().__init__()
        self.event = event


class CatalogWaiting(Message):
    """Something slow is under way; ``text`` says what the screen waits for."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CatalogProgress(Message):
    """A page of the catalog arrived."""

    def __init__(self, pages: int, count: int, total: int) -> None:
        super().__init__()
        self.pages, self.count, self.total = pages, count, total


class CatalogFailed(Message):
    """The catalog could not be loaded (or the boot before it failed); ``text`` is one line."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class KeyChanged(Message):
    """The API key of this run changed (login, demo start, a key found at boot)."""

    def __init__(self, key: KeyInfo) -> None:
        super().__init__()
        self.key = key


class SessionChanged(Message):
    """A session action finished: the ledger row of ``session_id`` is now ``state`` (None: unchanged)."""

    def __init__(self, session_id: str, state: LedgerState | None) -> None:
        super().__init__()
        self.session_id = session_id
        self.state = state


def catalog_message(event: CatalogEvent) -> Message:
    """The message for one store announcement."""
    from ..core.catalog_store import CatalogEventKind

    if event.kind == CatalogEventKind.CHANGED:
        return CatalogChanged(event)
    if event.kind == CatalogEventKind.PROGRESS:
        return CatalogProgress(event.pages, event.count, event.total)
    if event.kind == CatalogEventKind.WAITING:
        return CatalogWaiting(event.text)
    return CatalogFailed(event.text)
