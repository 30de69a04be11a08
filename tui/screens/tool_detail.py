"""A tool's input and output schemas: as a readable tree or as highlighted JSON; copy either.

Also ``OpensTools``: the one way a screen fetches a tool's schemas (in a worker) and opens its detail
or its try form, used by the playground, the session's tools list and the catalog's detail pane.
"""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ..core import playground as pg
from ..core import schema as sch
from ..core.errors import ApiError
from ..core.models import SessionInfo
from ..core.sessions import InputError
from ..widgets.code import code, tree_markup
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from .guard import writes


class ToolLoaded(Message):
    """A worker fetched a tool's schemas; ``action`` is "detail" or "try"."""

    def __init__(self, detail: pg.ToolDetail, action: str) -> None:
        super().__init__()
        self.detail = detail
        self.action = action


class ToolFailed(Message):
    def __init__(self, slug: str, text: str) -> None:
        super().__init__()
        self.slug = slug
        self.text = text


class OpensTools:
    """Mixin for screens: ``open_tool(slug)`` fetches the schemas off the UI thread, then opens them.
    The screen may set ``info`` (a SessionInfo) so the detail offers "try it"."""

    info: SessionInfo | None = None
    _details: dict[str, pg.ToolDetail]

    def open_tool(self, slug: str, action: str = "detail") -> None:
        cache = getattr(self, "_details", None)
        if cache is None:
            cache = self._details = {}
        if slug in cache:
            self.post_message(ToolLoaded(cache[slug], action))  # type: ignore[attr-defined]
            return
        self.notify(f"Loading the schemas of {slug}…", timeout=2, markup=False)  # type: ignore[attr-defined]
        self._fetch_tool(slug, action)

    @work(thread=True, group="tool-detail", exit_on_error=False, description="tool schemas")
    def _fetch_tool(self, slug: str, action: str) -> None:
        try:
            detail = pg.tool_detail(self.app.ctx.gateway, slug)  # type: ignore[attr-defined]
        except ApiError as err:
            self.post_message(ToolFailed(slug, err.line()))  # type: ignore[attr-defined]
            return
        except InputError as err:
            self.post_message(ToolFailed(slug, " ".join(err.problems)))  # type: ignore[attr-defined]
            return
        self.post_message(ToolLoaded(detail, action))  # type: ignore[attr-defined]

    def on_tool_loaded(self, message: ToolLoaded) -> None:
        self._details[message.detail.slug] = message.detail
        if message.action == "try" and self.info is not None:
            from .try_tool import TryToolScreen

            self.app.push_screen(TryToolScreen(self.info, message.detail))  # type: ignore[attr-defined]
        else:
            self.app.push_screen(ToolDetailScreen(message.detail, self.info))  # type: ignore[attr-defined]

    def on_tool_failed(self, message: ToolFailed) -> None:
        self.notify(f"{message.slug}: {message.text}", severity="error", timeout=8,  # type: ignore[attr-defined]
                    markup=False)


class ToolDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("v", "toggle_view", "Tree/JSON", id="tool.view", tooltip="Show the schemas as a tree or as JSON"),
        Binding("c", "copy('input')", "Copy input", id="tool.copy_input", tooltip="Copy the input schema as shown"),
        Binding("o", "copy('output')", "Copy output", id="tool.copy_output", tooltip="Copy the output schema as shown"),
        Binding("x", "try_it", "Try it", id="tool.try", tooltip="Run the tool through the session (asks first)"),
        Binding("escape", "back", "Back", id="tool.back"),
    ]

    def __init__(self, detail: pg.ToolDetail, info: SessionInfo | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.info = info
        self.view = "tree"

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        d = self.detail
        kit = f"{d.toolkit_name or d.toolkit} ({d.toolkit})" if d.toolkit_name else d.toolkit
        tags = f"  [dim]{escape(', '.join(d.tags))}[/dim]" if d.tags else ""
        yield Static(f"[b]{escape(d.slug)}[/b]  {escape(kit)}{tags}\n[dim]{escape(d.description or d.name)}[/dim]",
                     id="tool-title")
        with VerticalScroll(id="tool-body"):
            yield Static("", id="tool-input")
            yield Static("", id="tool-output")
        yield Footer()

    def on_mount(self) -> None:
        self.render_view()
        self.query_one("#tool-body").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "try_it":
            return self.info is not None
        return True

    def text(self, which: str) -> str:
        schema = self.detail.input_schema if which == "input" else self.detail.output_schema
        return pg.pretty(schema) if self.view == "json" else sch.tree_text(schema)

    def render_view(self) -> None:
        d = self.detail
        title = "[b]Input[/b] [dim](* required)[/dim]" if self.view == "tree" else "[b]Input schema[/b]"
        out_title = "[b]Output[/b]" if self.view == "tree" else "[b]Output schema[/b]"
        if self.view == "tree":
            self.query_one("#tool-input", Static).update(f"{title}\n{tree_markup(d.input_schema)}")
            self.query_one("#tool-output", Static).update(f"\n{out_title}\n{tree_markup(d.output_schema)}")
        else:
            from textual.content import Content

            self.query_one("#tool-input", Static).update(
                Content.from_markup(title + "\n") + code(pg.pretty(d.input_schema)))
            self.query_one("#tool-output", Static).update(
                Content.from_markup("\n" + out_title + "\n") + code(pg.pretty(d.output_schema)))
        self.sub_title = "tree view (v for JSON)" if self.view == "tree" else "JSON view (v for the tree)"

    def action_toggle_view(self) -> None:
        self.view = "json" if self.view == "tree" else "tree"
        self.render_view()

    def action_copy(self, which: str) -> None:
        self.app.copy_text(self.text(which), f"{which} schema of {self.detail.slug} ({self.view})")

    @writes("running a tool")
    def action_try_it(self) -> None:
        if self.info is None:
            return
        from .try_tool import TryToolScreen

        self.app.push_screen(TryToolScreen(self.info, self.detail))

    def action_back(self) -> None:
        self.dismiss(None)
