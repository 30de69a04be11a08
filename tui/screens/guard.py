"""The console's write guard: a read-only profile refuses a write before anything is asked (issue 16).

``@writes("deleting a session")`` on a screen's action or handler runs ``ComposioApp.writable`` first:
in a read-only profile the action says so in one notification naming the profile and does nothing
else — no confirm, no form, no worker, no request. Every console action that leads to a write (create,
update a policy, delete, link, enable/disable/re-auth, offboard, run a tool) carries it; the core's
``Gateway.require_writable`` stays the last line behind it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def writes(action: str) -> Callable[[F], F]:
    """Decorate a screen method that starts a write; ``action`` completes "so … is refused"."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            if not self.app.writable(action):
                return None
            return method(self, *args, **kwargs)

        guarded.writes = action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return wrap
