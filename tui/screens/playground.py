"""The playground: ask a session in plain words, as its agent would, and see what the agent would find.

Per query: primary and related tools (toolkit, one-line description, the toolkit's connection for
this user), the plan steps and pitfalls when the API has them, and what is missing ("slack not
connected — press l for a link"). Searches run in a worker (typing never waits); several tasks are
separated with ``;``; results stream in one query at a time and a slow search can be cancelled (esc).
"""

from __future__ import annotations

import time

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ..core import playground as pg
from ..core.errors import ApiError
from ..core.models import SessionInfo
from ..core.sessions import InputError
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from .guard import writes
from .readiness import ReadinessScreen
from .tool_detail import OpensTools

EXAMPLE = "star the repo and tell the team on Slack"


def took(seconds: float) -> str:
    """How long the search took, as the status line shows it (tests pin it)."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


class SearchProgress(Message):
    """The outcome so far: one more query answered."""

    def __init__(self, outcome: pg.SearchOutcome, total: int) -> None:
        super().__init__()
        self.outcome = outcome
        self.total = total


class SearchEnded(Message):
    def __init__(self, outcome: pg.SearchOutcome | None, error: str = "", cancelled: bool = False) -> None:
        super().__init__()
        self.outcome = outcome
        self.error = error
        self.cancelled = cancelled


class LinkScreen(ReadinessScreen):
    """The readiness screen, opened on one toolkit, making its Connect link right away (the same flow)."""

    def __init__(self, info: SessionInfo, toolkit: str) -> None:
        super().__init__(info)
        self.wanted = toolkit

    def _show(self, rows) -> None:
        super()._show(rows)
        slug, self.wanted = self.wanted, ""
        slugs = [r.slug for r in rows]
        if slug and slug in slugs:
            from textual.widgets import DataTable

            self.query_one(DataTable).move_cursor(row=slugs.index(slug))
            self.action_link()


class PlaygroundScreen(OpensTools, Screen[None]):
    BINDINGS = [
        Binding("l", "link", "Connect link", id="playground.link",
                tooltip="A Connect link for the missing toolkit (of the highlighted tool, else the first)"),
        Binding("x", "try_tool", "Try tool", id="playground.try", tooltip="Fill a form and run the highlighted tool"),
        Binding("s", "session_tools", "Session tools", id="playground.tools",
                tooltip="Every tool the session exposes after its policy"),
        Binding("slash", "focus_task", "Task", id="playground.task", tooltip="Type another task"),
        Binding("escape", "cancel_or_back", "Cancel/Back", id="playground.back"),
    ]

    def __init__(self, info: SessionInfo) -> None:
        super().__init__()
        self.info = info
        self._details = {}
        self.outcome: pg.SearchOutcome | None = None
        self.searching = False
        self.started = 0.0
        self.answered = 0
        self.total = 0
        self.last_queries: list[str] = []
        self.linked = False
        self.rows: list[tuple[str, int, str]] = []  # (kind, query index, slug) per option

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        yield Static(f"[b]Playground[/b] — ask as the agent would · session {escape(self.info.session_id)} for "
                     f"user [reverse] {escape(self.info.user_id)} [/reverse]", id="pg-title")
        yield Input(placeholder=f"A task in plain words, e.g. {EXAMPLE} (several: separate with ;)", id="pg-task")
        yield Static("[dim]Type a task and press enter. The search runs as the session's agent would run it.[/dim]",
                     id="pg-status")
        with Horizontal(id="pg-body"):
            yield OptionList(id="pg-results")
            with VerticalScroll(id="pg-side"):
                yield Static("", id="pg-report")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pg-task", Input).focus()
        self.ticker = self.set_interval(0.2, self._tick, pause=True)

    def on_screen_resume(self) -> None:
        if self.linked and self.last_queries and not self.searching:
            self.linked = False
            self.start_search(self.last_queries)  # connection states may have changed

    # --- search ---------------------------------------------------------------------------------

    @on(Input.Submitted, "#pg-task")
    def _submitted(self, event: Input.Submitted) -> None:
        queries = pg.split_tasks(event.value)
        try:
            queries = pg.check_queries(queries)
        except InputError as err:
            self.status("[$error]" + escape(" ".join(err.problems)) + "[/]")
            return
        self.start_search(queries)

    def start_search(self, queries: list[str]) -> None:
        self.workers.cancel_group(self, "pg-search")
        self.last_queries = queries
        self.searching = True
        self.started = time.monotonic()
        self.answered, self.total = 0, len(queries)
        self.outcome = None
        self.query_one("#pg-results", OptionList).clear_options()
        self.query_one("#pg-report", Static).update("")
        self._tick()
        self.ticker.resume()
        self.search(queries)

    @work(thread=True, exclusive=True, group="pg-search", exit_on_error=False, description="playground search")
    def search(self, queries: list[str]) -> None:
        worker = get_current_worker()
        try:
            outcome = pg.search(self.app.ctx.gateway, self.info.session_id, queries,
                                on_result=lambda o: None if worker.is_cancelled
                                else self.post_message(SearchProgress(o, len(queries))),
                                cancelled=lambda: worker.is_cancelled)
        except ApiError as err:
            if not worker.is_cancelled:
                self.post_message(SearchEnded(None, err.line()))
            return
        except InputError as err:
            self.post_message(SearchEnded(None, " ".join(err.problems)))
            return
        if not worker.is_cancelled:
            self.post_message(SearchEnded(outcome))

    def _tick(self) -> None:
        if not self.searching:
            return
        elapsed = time.monotonic() - self.started
        self.status(f"Searching… {self.answered}/{self.total} answered · {elapsed:.1f} s [dim](esc cancels; "
                    "you can keep typing)[/dim]")

    def on_search_progress(self, message: SearchProgress) -> None:
        if not self.searching:
            return
        self.answered = len(message.outcome.results)
        self.show(message.outcome)
        self._tick()

    def on_search_ended(self, message: SearchEnded) -> None:
        self.searching = False
        self.ticker.pause()
        if message.outcome is None:
            self.status(f"[$error]{escape(message.error)}[/]")
            return
        self.show(message.outcome)
        o = message.outcome
        tools = len({s for r in o.results for s in r.primary + r.related})
        missing = o.missing()
        gap = (f" · [$warning]{len(missing)} toolkit{'s' if len(missing) != 1 else ''} to connect[/]"
               if missing else " · every toolkit is ready")
        self.status(f"{len(o.results)} quer{'ies' if len(o.results) != 1 else 'y'} · {tools} tools · "
                    f"{took(o.seconds)}{gap}")
        results = self.query_one("#pg-results", OptionList)
        if results.option_count:
            results.focus()

    def status(self, markup: str) -> None:
        self.query_one("#pg-status", Static).update(markup)

    def action_cancel_or_back(self) -> None:
        if self.searching:
            self.workers.cancel_group(self, "pg-search")
            self.searching = False
            self.ticker.pause()
            self.status(f"[$warning]Search cancelled after {self.answered}/{self.total} queries.[/]")
            return
        self.workers.cancel_group(self, "pg-search")
        self.dismiss(None)

    # --- results --------------------------------------------------------------------------------

    def state_text(self, toolkit: str) -> str:
        status = self.outcome.statuses.get(toolkit) if self.outcome else None
        if status is None:
            return "[dim]? unknown[/dim]"
        return "[$success]● connected[/]" if status.connected else "[$warning]○ not connected[/]"

    def show(self, outcome: pg.SearchOutcome) -> None:
        self.outcome = outcome
        results = self.query_one("#pg-results", OptionList)
        keep = results.highlighted
        results.clear_options()
        self.rows = []
        options: list[Option] = []
        width = results.size.width or (self.app.size.width // 2)
        for r in outcome.results:
            options.append(Option(f"[b $accent]{r.index}. {escape(r.use_case)}[/]", disabled=True))
            self.rows.append(("query", r.index, ""))
            if r.error:
                options.append(Option(f"  [$error]{escape(r.error)}[/]", disabled=True))
                self.rows.append(("note", r.index, ""))
            if not r.primary and not r.related:
                options.append(Option("  [dim]no matching tool in this session[/dim]", disabled=True))
                self.rows.append(("note", r.index, ""))
            for kind, slugs in (("primary", r.primary), ("related", r.related)):
                for slug in slugs:
                    schema = outcome.schemas.get(slug)
                    kit = outcome.toolkit_of(slug)
                    mark = "▶" if kind == "primary" else "·"
                    desc = (schema.description if schema else "") or ""
                    room = width - len(kit) - 26  # one line: toolkit, state, description (the side pane has it all)
                    desc = "" if room < 10 else desc if len(desc) <= room else desc[: room - 1] + "…"
                    options.append(Option(f"{mark} [b]{escape(slug)}[/b]\n    {escape(kit)} {self.state_text(kit)}"
                                          f"  [dim]{escape(desc)}[/dim]", id=f"{r.index}:{slug}"))
                    self.rows.append((kind, r.index, slug))
        results.add_options(options)
        if keep is not None and keep < len(options) and not options[keep].disabled:
            results.highlighted = keep
        else:
            first = next((i for i, o in enumerate(options) if not o.disabled), None)
            results.highlighted = first
        self.report()

    def current(self) -> tuple[int, str]:
        """(query index, tool slug) of the highlighted row; slug "" on a heading."""
        index = self.query_one("#pg-results", OptionList).highlighted
        if index is None or not (0 <= index < len(self.rows)):
            return (self.outcome.results[0].index if self.outcome and self.outcome.results else 0), ""
        _, query, slug = self.rows[index]
        return query, slug

    @on(OptionList.OptionHighlighted, "#pg-results")
    def _highlighted(self) -> None:
        self.report()

    @on(OptionList.OptionSelected, "#pg-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        _, slug = self.current()
        if slug:
            self.open_tool(slug)

    def report(self) -> None:
        o = self.outcome
        target = self.query_one("#pg-report", Static)
        if o is None:
            target.update("")
            return
        query, slug = self.current()
        r = next((r for r in o.results if r.index == query), None)
        lines: list[str] = []
        missing = o.missing()
        for m in missing:
            lines.append(f"[$warning]{escape(m.toolkit)} not connected — press l for a link[/]")
        if missing:
            lines.append("")
        if slug:
            schema = o.schemas.get(slug)
            kit = o.toolkit_of(slug)
            lines.append(f"[b]{escape(slug)}[/b]")
            lines.append(f"{escape(kit)} {self.state_text(kit)}")
            if schema and schema.description:
                lines.append(f"[dim]{escape(schema.description)}[/dim]")
            lines.append("[dim]enter: schemas · x: try it[/dim]")
            lines.append("")
        if r is not None:
            if r.difficulty:
                lines.append(f"[b]Difficulty[/b] {escape(r.difficulty)}")
            if r.plan_steps:
                lines.append("[b]Plan[/b]")
                lines += [f"{i}. {escape(step)}" for i, step in enumerate(r.plan_steps, 1)]
            if r.pitfalls:
                lines.append("[b]Pitfalls[/b]")
                lines += [f"• {escape(p)}" for p in r.pitfalls]
            if r.guidance:
                lines.append(f"[dim]{escape(r.guidance)}[/dim]")
        target.update("\n".join(lines))

    # --- actions --------------------------------------------------------------------------------

    def action_focus_task(self) -> None:
        self.query_one("#pg-task", Input).focus()

    @writes("creating a Connect link")
    def action_link(self) -> None:
        if self.outcome is None:
            self.notify("Search first: the results say which toolkits are missing.", timeout=3)
            return
        missing = [m.toolkit for m in self.outcome.missing()]
        _, slug = self.current()
        kit = self.outcome.toolkit_of(slug) if slug else ""
        target = kit if kit in missing else (missing[0] if missing else "")
        if not target:
            self.notify("Every toolkit these results need is connected.", timeout=3)
            return
        self.linked = True
        self.app.push_screen(LinkScreen(self.info, target))

    @writes("running a tool")
    def action_try_tool(self) -> None:
        _, slug = self.current()
        if not slug:
            self.notify("Highlight a tool first.", timeout=3)
            return
        self.open_tool(slug, "try")

    def action_session_tools(self) -> None:
        from .session_tools import SessionToolsScreen

        self.app.push_screen(SessionToolsScreen(self.info))
