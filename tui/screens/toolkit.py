"""A toolkit's details as a screen of their own, for terminals too narrow for the side pane."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from ..core.errors import ApiError
from ..core.models import Toolkit
from ..widgets.toolkit_detail import ToolkitDetail


class ToolkitScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="toolkit.close")]

    def __init__(self, toolkit: Toolkit, extra: dict | None = None, tools: list | None = None) -> None:
        super().__init__()
        self.toolkit = toolkit
        self.extra = extra
        self.tools = tools

    def compose(self) -> ComposeResult:
        yield ToolkitDetail(id="toolkit-detail")

    def on_mount(self) -> None:
        detail = self.query_one(ToolkitDetail)
        detail.show(self.toolkit, self.extra)
        if self.tools is not None:
            detail.show_tools(self.toolkit.slug, self.tools)
        else:
            self.load(self.toolkit.slug)

    @work(thread=True, exclusive=True, group="toolkit-detail", exit_on_error=False, description="toolkit tools")
    def load(self, slug: str) -> None:
        detail = self.query_one(ToolkitDetail)
        try:
            with self.app.ctx.reader() as reader:  # the read path: browsing never loads the SDK
                tools = reader.tools(slug)
        except ApiError as err:
            self.app.call_from_thread(detail.show_tools, slug, None, err.line())
            return
        self.app.call_from_thread(detail.show_tools, slug, tools)
