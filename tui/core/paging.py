"""The one way to walk a cursor-paged API list: every list in the product goes through ``pages``.

A server that repeats a cursor, or a list longer than ``max_pages``, stops the walk with one clear
:class:`ApiError` instead of looping forever. Textual-free and blocking; the fetch does the I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import ApiError
from .states import ErrorKind

T = TypeVar("T")

MAX_PAGES = 1_000


class Page(Generic[T]):
    """One page: its items and the cursor of the next one (``None`` or "" at the end)."""

    __slots__ = ("items", "next_cursor", "total")

    def __init__(self, items: list[T], next_cursor: str | None = None, total: int | None = None) -> None:
        self.items = items
        self.next_cursor = next_cursor or None
        self.total = total


def pages(fetch: Callable[[str | None], Page[T]], *, what: str = "list",
          max_pages: int = MAX_PAGES) -> Iterator[Page[T]]:
    """Yield pages from ``fetch(cursor)``, starting with ``cursor=None``, until there is no next cursor
    or a page comes back empty. Raises ApiError(BAD_RESPONSE) on a repeated cursor or too many pages."""
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(max_pages):
        page = fetch(cursor)
        yield page
        if not page.next_cursor or not page.items:
            return
        if page.next_cursor in seen or page.next_cursor == cursor:
            raise ApiError(ErrorKind.BAD_RESPONSE, f"The API repeated a page cursor while listing {what}",
                           hint="The list was cut short; try again, and report it if it persists")
        seen.add(page.next_cursor)
        cursor = page.next_cursor
    raise ApiError(ErrorKind.BAD_RESPONSE, f"The API sent more than {max_pages} pages while listing {what}",
                   hint="The list was cut short; narrow it with a filter")


def collect(fetch: Callable[[str | None], Page[T]], *, what: str = "list", max_pages: int = MAX_PAGES,
            limit: int | None = None) -> list[T]:
    """Every item of every page (at most ``limit`` items when given)."""
    out: list[T] = []
    for page in pages(fetch, what=what, max_pages=max_pages):
        out.extend(page.items)
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out
