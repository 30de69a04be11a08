"""Session actions shared by the session screen and the sessions list: copy, refresh, delete.

One implementation, mixed into both screens. Each worker announces its result with a
:class:`~tui.widgets.messages.SessionChanged` message posted to the screen that asked; the screen
decides how to show it (update its facts, reload its table).
"""

from __future__ import annotations

from textual import work

from ..core import sessions
from ..core.errors import ApiError
from ..core.models import SessionInfo
from ..core.states import LedgerState
from ..widgets.messages import SessionChanged

FINISHED = (LedgerState.DELETED, LedgerState.GONE)


class SessionActions:
    """Mix into a Screen: ``copy_session_url``, ``refresh_session``, ``delete_session``."""

    def copy_session_url(self, info: SessionInfo, what: str = "MCP URL") -> None:
        if info.mcp_url:
            self.app.copy_text(info.mcp_url, what)  # type: ignore[attr-defined]

    def delete_session(self, info: SessionInfo, state: str = LedgerState.ACTIVE) -> None:
        """Ask, then delete remotely; a SessionChanged(DELETED or GONE) follows."""
        from .confirm import ConfirmScreen

        if state in FINISHED:  # asking again would send a request and turn "deleted" into "gone"
            self.notify(f"This session is already {state}.", severity="warning", markup=False)  # type: ignore[attr-defined]
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self._delete_worker(info)

        self.app.push_screen(ConfirmScreen(  # type: ignore[attr-defined]
            f"Delete the session of {info.user_id}?",
            f"{info.session_id} stops working for every client that uses it. This cannot be undone.",
            yes="Delete"), callback=answered)

    @work(thread=True, group="delete", exit_on_error=False, description="delete session")
    def _delete_worker(self, info: SessionInfo) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            deleted = sessions.delete(ctx.gateway, ctx.ledger, info.session_id)
        except ApiError as err:
            self.app.call_from_thread(self.notify, f"Not deleted: {err.line()}", severity="error", markup=False)  # type: ignore[attr-defined]
            return
        state = LedgerState.DELETED if deleted else LedgerState.GONE
        text = (f"Deleted the session of {info.user_id}." if deleted else
                f"The session of {info.user_id} was already deleted elsewhere; marked gone.")
        self.app.call_from_thread(self.notify, text, markup=False)  # type: ignore[attr-defined]
        self.post_message(SessionChanged(info.session_id, state))  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="sessions-refresh", exit_on_error=False, description="refresh session")
    def refresh_session(self, session_id: str, user_id: str) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            info = sessions.refresh(ctx.gateway, ctx.ledger, session_id)
        except ApiError as err:
            self.app.call_from_thread(self.notify, err.line(), severity="error", markup=False)  # type: ignore[attr-defined]
            return
        if info is None:
            text, severity = f"Session of {user_id} was deleted elsewhere (404): marked gone.", "warning"
            state = LedgerState.GONE
        else:
            text, severity = f"Session of {user_id} is live: {', '.join(info.toolkits) or 'all toolkits'}.", "information"
            state = LedgerState.ACTIVE
        self.app.call_from_thread(self.notify, text, severity=severity, markup=False)  # type: ignore[attr-defined]
        self.post_message(SessionChanged(session_id, state))  # type: ignore[attr-defined]
