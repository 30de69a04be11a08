"""The session screen's policy part (a mixin): the applied policy and config version as the API
reports them, ``p`` edits it in place (PATCH: same id and MCP URL), ``h`` opens the history."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..core import editing
from ..core import policy as P
from ..core.errors import ApiError
from .guard import writes

BINDINGS = [
    Binding("p", "edit_policy", "Edit policy", id="session.edit_policy",
            tooltip="Change toolkits or policy in place (same id and MCP URL)"),
    Binding("h", "history", "History", id="session.history", tooltip="Every config version with what changed"),
]


class PolicyLoaded(Message):
    def __init__(self, applied: P.Applied | None, error: str = "", edited: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.applied, self.error, self.edited = applied, error, edited


def dashboard(applied: P.Applied, shown_tools: tuple[str, ...] = ()) -> str:
    """The applied policy; the meta tools only when they differ from ``shown_tools`` (already on screen)."""
    p = applied.policy
    lines = [f"[b]Policy[/b]  config version {applied.config_version}"]
    for slug in p.toolkits:
        lines.append(f"  {escape(slug)}: {escape(P.kit_summary(p, slug))}")
    lines += [f"  {escape(line)}" for line in P.summary(p)]
    if applied.tool_router_tools and tuple(applied.tool_router_tools) != tuple(shown_tools):
        lines.append(f"  meta tools: {escape(', '.join(applied.tool_router_tools))}")
    return "\n".join(lines)


class PolicyDashboard:
    """Mixed into SessionScreen: needs ``self.info`` and a ``#session-policy`` Static."""

    applied: P.Applied | None = None

    def policy_applied(self, applied: P.Applied) -> None:
        """An edit in place went through (the host screen may refresh what depends on the toolkits)."""

    def policy_widget(self) -> Static:
        return Static("[dim]policy: loading…[/dim]", id="session-policy")

    def load_policy(self) -> None:
        self._fetch_policy()

    @work(thread=True, exclusive=True, group="policy", exit_on_error=False)
    def _fetch_policy(self) -> None:
        try:
            self.post_message(PolicyLoaded(editing.applied(self.app.ctx.gateway, self.info.session_id)))
        except ApiError as err:
            self.post_message(PolicyLoaded(None, err.line()))

    def on_policy_loaded(self, message: PolicyLoaded) -> None:  # by name: @on does not see a mixin's handlers
        widget = self.query_one("#session-policy", Static)
        if message.error:
            widget.update(f"[$error]{escape(message.error)}[/]")
            return
        self.applied = message.applied
        if message.applied is None:
            widget.update("[dim]policy: the API no longer knows this session[/dim]")
            return
        text = dashboard(message.applied, tuple(getattr(getattr(self, "info", None), "tool_router_tools", ())))
        if message.edited:
            text += "\n[$success]Applied:[/] " + escape("; ".join(message.edited))
            self.policy_applied(message.applied)
        widget.update(text)

    @writes("updating a session")
    def action_edit_policy(self) -> None:
        from .policy import PolicyScreen

        if self.applied is None:
            self.notify("The policy has not loaded yet.", severity="warning")
            return
        applied = self.applied

        def done(policy: P.Policy | None) -> None:
            if policy is not None:
                self.query_one("#session-policy", Static).update("[dim]applying…[/dim]")
                self._apply_policy(policy)

        self.app.push_screen(PolicyScreen(applied.policy, applied.user_id,
                                          f"Edit session {applied.session_id}"), callback=done)

    @work(thread=True, exclusive=True, group="policy", exit_on_error=False)
    def _apply_policy(self, policy: P.Policy) -> None:
        app = self.app
        known = app.index.slugs if app.index is not None else frozenset()
        try:
            edit = editing.update(app.ctx.gateway, app.ctx.ledger, self.info.session_id, lambda _: policy, known)
        except (ApiError, P.InputError) as err:
            text = " ".join(err.problems) if isinstance(err, P.InputError) else err.line()
            self.post_message(PolicyLoaded(self.applied, f"Not applied: {text}"))
            return
        self.post_message(PolicyLoaded(edit.after, edited=edit.lines))

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.info.session_id))
