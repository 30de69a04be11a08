"""The session's tools: every tool the session exposes after its policy (toolkits, tool filters, tags),
so an operator can check that a policy did what they meant. enter opens a tool's schemas."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ..core import playground as pg
from ..core.errors import ApiError
from ..core.models import SessionInfo
from ..widgets.cells import cell
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from ..widgets.table import Table
from .guard import writes
from .tool_detail import OpensTools


class ToolsLoaded(Message):
    def __init__(self, tools: list[pg.SessionTool] | None, error: str = "") -> None:
        super().__init__()
        self.tools = tools
        self.error = error


class SessionToolsScreen(OpensTools, Screen[None]):
    BINDINGS = [
        Binding("x", "try_tool", "Try tool", id="tools.try", tooltip="Fill a form and run the highlighted tool"),
        Binding("r", "refresh", "Refresh", id="tools.refresh"),
        Binding("escape", "back", "Back", id="tools.back"),
    ]

    def __init__(self, info: SessionInfo) -> None:
        super().__init__()
        self.info = info
        self._details = {}
        self.tools: list[pg.SessionTool] = []

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(f"[b]Tools of session[/b] {escape(self.info.session_id)} for user "
                     f"[reverse] {escape(self.info.user_id)} [/reverse] [dim](after its policy)[/dim]",
                     id="tools-title")
        yield Table(id="tools-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Tool", "Toolkit", "Tags", "Description")
        table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(DataTable).loading = True
        self.load()

    @work(thread=True, exclusive=True, group="session-tools", exit_on_error=False, description="session tools")
    def load(self) -> None:
        try:
            tools = pg.session_tools(self.app.ctx.gateway, self.info.session_id)
        except ApiError as err:
            self.post_message(ToolsLoaded(None, err.line()))
            return
        self.post_message(ToolsLoaded(tools))

    def on_tools_loaded(self, message: ToolsLoaded) -> None:
        table = self.query_one(DataTable)
        table.loading = False
        if message.tools is None:
            self.query_one("#tools-title", Static).update(f"[$error]{escape(message.error)}[/]")
            return
        self.tools = message.tools
        table.clear()
        for t in self.tools:
            desc = t.description if len(t.description) <= 80 else t.description[:79] + "…"
            table.add_row(cell(t.slug), cell(t.toolkit), cell(", ".join(t.tags) or "—"), cell(desc), key=t.slug)
        kits = len({t.toolkit for t in self.tools})
        self.sub_title = f"{len(self.tools)} tools from {kits} toolkits"

    def current(self) -> pg.SessionTool | None:
        table = self.query_one(DataTable)
        if not self.tools or not (0 <= table.cursor_row < len(self.tools)):
            return None
        return self.tools[table.cursor_row]

    @on(DataTable.RowSelected, "#tools-table")
    def _open(self) -> None:
        tool = self.current()
        if tool is not None:
            self.open_tool(tool.slug)

    @writes("running a tool")
    def action_try_tool(self) -> None:
        tool = self.current()
        if tool is not None:
            self.open_tool(tool.slug, "try")

    def action_back(self) -> None:
        self.dismiss(None)
