"""Try a tool: a form generated from its input schema, validated before sending, an explicit confirm
that names the user and the account it acts as, then the result as highlighted JSON with timing.

Rule: nothing runs without the confirm; a form that does not fit the schema is never sent.
"""

from __future__ import annotations

import json

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Select, Static, TextArea

from ..core import playground as pg
from ..core import schema as sch
from ..core import sessions
from ..core.errors import ApiError
from ..core.models import SessionInfo, ToolkitConnection
from ..core.sessions import InputError
from ..widgets.code import code
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip
from .confirm import ConfirmScreen
from .guard import writes

BOOL_OPTIONS = [("true", True), ("false", False)]


def took(seconds: float) -> str:
    """How long a call took, as the result line shows it (tests pin it)."""
    return f"{seconds * 1000:.0f} ms"


class AccountKnown(Message):
    def __init__(self, connection: ToolkitConnection | None, text: str = "") -> None:
        super().__init__()
        self.connection = connection
        self.text = text


class Executed(Message):
    def __init__(self, result: pg.Execution | None, text: str = "") -> None:
        super().__init__()
        self.result = result
        self.text = text


class TryToolScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="try.run", tooltip="Check the arguments, confirm, run", priority=True),
        Binding("ctrl+t", "toggle_json", "JSON/form", id="try.json",
                tooltip="Edit the arguments as JSON (for anything the form cannot express)", priority=True),
        Binding("ctrl+o", "copy_result", "Copy result", id="try.copy", tooltip="Copy the result JSON"),
        Binding("escape", "back", "Back", id="try.back"),
    ]

    def __init__(self, info: SessionInfo, detail: pg.ToolDetail) -> None:
        super().__init__()
        self.info = info
        self.detail = detail
        self.fields = sch.form_fields(detail.input_schema)
        self.leaves = sch.leaves(self.fields)
        self.json_mode = False
        self.connection: ToolkitConnection | None = None
        self.account_known = False
        self.result: pg.Execution | None = None
        self.running = False

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        d = self.detail
        yield Static(f"[b]Try {escape(d.slug)}[/b] ({escape(d.toolkit)}) for user "
                     f"[reverse] {escape(self.info.user_id)} [/reverse]  [dim]* required[/dim]", id="try-title")
        with VerticalScroll(id="try-form"):
            yield from self._compose_group(self.fields, 0)
            if not self.leaves:
                yield Static("[dim]This tool takes no arguments.[/dim]")
        yield TextArea("", id="try-json", language="json", show_line_numbers=False)
        yield Static("[dim]ctrl+r checks the arguments and asks before running.[/dim]", id="try-status")
        with VerticalScroll(id="try-result"):
            yield Static("", id="try-output")
        yield Footer()

    def _index(self, f: sch.Field) -> int:
        return self.leaves.index(f)

    def _compose_group(self, group, depth: int) -> ComposeResult:
        pad = "  " * depth
        for f in group:
            mark = "[$error]*[/]" if f.required else " "
            if f.kind == sch.FieldKind.OBJECT:
                yield Static(f"{pad}{mark}[b]{escape(f.name)}[/b] [$accent]object[/]"
                             + (f" [dim]{escape(f.description)}[/dim]" if f.description else ""), classes="try-group")
                yield from self._compose_group(f.children, depth + 1)
                continue
            hint = f.type_label + (" (comma-separated)" if f.kind == sch.FieldKind.ARRAY else "")
            hint = "JSON" if f.kind == sch.FieldKind.JSON else hint
            desc = f" [dim]{escape(f.description)}[/dim]" if f.description else ""
            yield Static(f"{pad}{mark}[b]{escape(f.dotted)}[/b] [$accent]{escape(hint)}[/]{desc}", classes="try-label")
            wid = f"field-{self._index(f)}"
            if f.kind == sch.FieldKind.ENUM:
                yield Select([(str(v), v) for v in f.enum], id=wid, allow_blank=True, prompt="(not set)",
                             classes="try-input")
            elif f.kind == sch.FieldKind.BOOLEAN:
                yield Select(BOOL_OPTIONS, id=wid, allow_blank=True, prompt="(not set)", classes="try-input")
            else:
                yield Input(placeholder=hint, id=wid, classes="try-input")

    def on_mount(self) -> None:
        self.query_one("#try-json").display = False
        self.query_one("#try-result").display = False
        first = self.query(".try-input")
        (first.first() if first else self.query_one("#try-form")).focus()
        self.load_account()

    # --- the account the tool acts as --------------------------------------------------------------

    @work(thread=True, exclusive=True, group="try-account", exit_on_error=False, description="account")
    def load_account(self) -> None:
        if self.detail.no_auth:
            self.post_message(AccountKnown(None, "no account (the tool needs no connection)"))
            return
        try:
            rows = sessions.readiness(self.app.ctx.gateway, self.info)
        except ApiError as err:
            self.post_message(AccountKnown(None, f"unknown ({err.line()})"))
            return
        match = next((r for r in rows if r.slug == self.detail.toolkit), None)
        self.post_message(AccountKnown(match))

    def on_account_known(self, message: AccountKnown) -> None:
        self.connection = message.connection
        self.account_known = True
        self._account_text = message.text

    def account_line(self) -> str:
        kit = self.detail.toolkit
        user = self.info.user_id
        if getattr(self, "_account_text", ""):
            return f"It acts for {user} with {self._account_text}."
        conn = self.connection
        if conn is None:
            return f"{kit} is not part of this session's connections for {user}; the API will refuse."
        if conn.ready and conn.connected_account_id:
            return f"It acts as {user} through their {kit} account {conn.connected_account_id} ({conn.state})."
        if conn.ready:
            return f"It acts for {user}; {kit} needs no account."
        return (f"{kit} is not connected for {user} ({conn.state}): the API will refuse it. "
                "Connect it first (l on the playground).")

    # --- arguments --------------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for i, f in enumerate(self.leaves):
            widget = self.query_one(f"#field-{i}")
            if isinstance(widget, Select):
                out[f.dotted] = None if widget.is_blank() else widget.value
                if f.kind == sch.FieldKind.ENUM and out[f.dotted] is not None:
                    value = out[f.dotted]
                    out[f.dotted] = value if isinstance(value, str) else json.dumps(value)
            else:
                out[f.dotted] = widget.value
        return out

    def arguments(self) -> sch.Built:
        if self.json_mode:
            built = sch.Built()
            try:
                built.arguments = sch.parse_arguments(self.query_one("#try-json", TextArea).text)
            except sch.FieldError as exc:
                built.problems.append(str(exc))
                return built
            built.problems = sch.validate(self.detail.input_schema, built.arguments)
            return built
        return sch.build(self.fields, self.values(), self.detail.input_schema)

    def action_toggle_json(self) -> None:
        area = self.query_one("#try-json", TextArea)
        if not self.json_mode:
            built = sch.build(self.fields, self.values(), {})  # carry what was typed, problems or not
            start = built.arguments or sch.example(self.detail.input_schema) or {}
            area.text = pg.pretty(start)
        self.json_mode = not self.json_mode
        self.query_one("#try-form").display = not self.json_mode
        area.display = self.json_mode
        (area if self.json_mode else self.query_one("#try-form")).focus()
        self.status("[dim]Editing the arguments as JSON (ctrl+t for the form).[/dim]" if self.json_mode
                    else "[dim]Back to the form; what you typed as JSON is not carried over.[/dim]")

    def status(self, markup: str) -> None:
        self.query_one("#try-status", Static).update(markup)

    # --- run --------------------------------------------------------------------------------------

    @writes("running a tool")
    def action_run(self) -> None:
        if self.running:
            return
        built = self.arguments()
        if built.problems:
            lines = "\n".join(f"• {escape(p)}" for p in built.problems)
            self.status(f"[$error]Not sent — fix these first:[/]\n{lines}")
            return
        self._pending = built.arguments
        args = pg.pretty(built.arguments)
        detail = (f"{self.account_line() if self.account_known else 'The account is still being looked up.'}\n"
                  f"Arguments: {args if len(args) < 400 else args[:400] + '…'}")
        self.app.push_screen(ConfirmScreen(f"Run {self.detail.slug} as user {self.info.user_id}?", detail,
                                           yes="Run it"), callback=self._confirmed)

    def _confirmed(self, ok: bool | None) -> None:
        if not ok:
            self.status("[dim]Not run.[/dim]")
            return
        self.running = True
        self.status(f"Running {escape(self.detail.slug)}…")
        self.execute(self._pending)

    @work(thread=True, exclusive=True, group="try-run", exit_on_error=False, description="execute")
    def execute(self, arguments: dict) -> None:
        try:
            result = pg.execute(self.app.ctx.gateway, self.info.session_id, self.detail, arguments)
        except ApiError as err:
            self.post_message(Executed(None, err.line()))
            return
        except InputError as err:
            self.post_message(Executed(None, " ".join(err.problems)))
            return
        self.post_message(Executed(result))

    def on_executed(self, message: Executed) -> None:
        self.running = False
        self.query_one("#try-result").display = True
        out = self.query_one("#try-output", Static)
        result = message.result
        if result is None:
            self.status(f"[$error]{escape(message.text)}[/]")
            out.update("")
            return
        self.result = result
        reason = (result.error or "the API gave no reason").rstrip(". ")
        line = f"{result.tool_slug} {result.result_type or 'failed'}: {reason}"
        timing = f" [dim]({took(result.seconds)}, log {escape(result.log_id)})[/dim]" if result.log_id else ""
        if result.ok:
            self.status(f"[$success]✓ {escape(result.tool_slug)} completed[/]{timing}")
        else:
            self.status(f"[$error]✗ {escape(line)}[/]{timing}")
        out.update(code(pg.pretty(result.data)))

    def action_copy_result(self) -> None:
        if self.result is None:
            self.notify("Nothing to copy yet: run the tool first.", timeout=3)
            return
        self.app.copy_text(pg.pretty(self.result.data), f"result of {self.result.tool_slug}")

    def action_back(self) -> None:
        self.dismiss(None)
