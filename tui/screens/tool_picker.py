"""One toolkit's policy: a checklist of its tools with their tags (filter as you type, read-only
preset), its auth config (Composio-managed marked) and, once a user id is known, that user's
accounts for it. Returns a ToolkitPolicy; lookups run in workers and report with typed messages."""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from ..core.errors import ApiError
from ..core.policy import ToolkitPolicy
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip

READ_ONLY = "readOnlyHint"
MANAGED = ""  # the option id of "no pin: Composio-managed / the default auth config"


class Loaded(Message):
    """A lookup finished: ``what`` is tools | auth | accounts; ``items`` or ``error``."""

    def __init__(self, what: str, items: list, error: str = "") -> None:
        super().__init__()
        self.what, self.items, self.error = what, items, error


class ToolPickerScreen(Screen[ToolkitPolicy | None]):
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="tools.apply", tooltip="Keep these settings for the toolkit"),
        Binding("ctrl+r", "read_only", "Read-only", id="tools.read_only", tooltip="Only tools tagged readOnlyHint"),
        # priority: the filter Input has the focus most of the time and binds ctrl+a to "home" (the footer
        # now shows it, first: Textual lists a key where the focused widget's own binding of it stands)
        Binding("ctrl+a", "all_tools", "All tools", id="tools.all", priority=True,
                tooltip="All tools (also while typing in the filter)"),
        Binding("escape", "cancel", "Back", id="tools.cancel"),
    ]

    def __init__(self, slug: str, current: ToolkitPolicy, user_id: str = "") -> None:
        super().__init__()
        self.slug, self.current, self.user_id = slug, current, user_id
        self.tools: list = []  # core Tool objects
        self.chosen: set[str] = set()
        self.accounts: list = []

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        with VerticalScroll(id="picker"):
            yield Static(f"[b]Policy for {escape(self.slug)}[/b] — space ticks a tool, ctrl+r read-only preset",
                         id="picker-title")
            yield Input(placeholder="filter tools (type to narrow)", id="tool-filter")
            yield SelectionList[str](id="tool-picker")
            yield Static("", id="tool-count", classes="note")
            yield Static("Auth config", classes="label")
            yield OptionList(id="auth-picker")
            yield Static("Connected account" + (f" of {escape(self.user_id)}" if self.user_id else ""), classes="label")
            yield SelectionList[str](id="account-picker")
            yield Static("" if self.user_id else "[dim]Type a user id in the form to pick one of their accounts.[/dim]",
                         id="account-note", classes="note")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tool-filter", Input).focus()
        self.query_one("#auth-picker", OptionList).add_option(Option("loading auth configs…", id="_loading",
                                                                     disabled=True))
        self.fetch("tools")
        self.fetch("auth")
        if self.user_id:
            self.fetch("accounts")

    @work(thread=True, group="picker", exit_on_error=False)
    def fetch(self, what: str) -> None:
        gateway = self.app.ctx.gateway
        try:
            if what == "tools":
                items = gateway.tools(self.slug)
            elif what == "auth":
                items = gateway.auth_configs(self.slug)
            else:
                items = gateway.policy_accounts(user_id=self.user_id, toolkits=[self.slug])
        except ApiError as err:
            self.post_message(Loaded(what, [], err.line()))
            return
        self.post_message(Loaded(what, list(items)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "tools":
            self.tools = message.items
            cur = self.current
            slugs = [t.slug for t in self.tools]
            if cur.allow is not None:
                self.chosen = set(cur.allow)
            else:
                self.chosen = {s for s in slugs if s not in cur.deny}
            self._show_tools(message.error)
        elif message.what == "auth":
            picker = self.query_one("#auth-picker", OptionList)
            picker.clear_options()
            picker.add_option(Option("default (Composio-managed when the toolkit has it)", id=MANAGED))
            for c in message.items:
                label = f"{c.id}  {c.name}  · {'Composio-managed' if c.managed else 'custom'}"
                picker.add_option(Option(escape(label) + ("" if c.enabled else " (disabled)"), id=c.id,
                                         disabled=not c.enabled))
            ids = [MANAGED] + [c.id for c in message.items]
            picker.highlighted = ids.index(self.current.auth_config) if self.current.auth_config in ids else 0
            if message.error:
                picker.add_option(Option(escape(message.error), disabled=True))
        else:
            self.accounts = message.items
            picker = self.query_one("#account-picker", SelectionList)
            picker.clear_options()
            picker.add_options([Selection(f"{a.id}  {a.status}", a.id, a.id in self.current.accounts)
                                for a in self.accounts])
            note = message.error or ("" if self.accounts else f"{self.user_id} has no {self.slug} account yet.")
            self.query_one("#account-note", Static).update(escape(note))

    def _show_tools(self, error: str = "") -> None:
        needle = self.query_one("#tool-filter", Input).value.strip().casefold()
        picker = self.query_one("#tool-picker", SelectionList)
        picker.clear_options()
        shown = [t for t in self.tools if not needle or needle in f"{t.slug} {t.name} {' '.join(t.tags)}".casefold()]
        picker.add_options([Selection(f"{t.slug}  [dim]{escape(' '.join(t.tags) or '—')}[/dim]", t.slug,
                                      t.slug in self.chosen) for t in shown])
        total = len(self.tools)
        self.query_one("#tool-count", Static).update(
            escape(error) if error else f"{len(self.chosen & {t.slug for t in self.tools})} of {total} tools selected"
            + (f" · {len(shown)} shown" if needle else ""))

    @on(Input.Changed, "#tool-filter")
    def _filter(self) -> None:
        self._show_tools()

    @on(Input.Submitted, "#tool-filter")
    def _to_list(self) -> None:
        self.query_one("#tool-picker", SelectionList).focus()

    @on(SelectionList.SelectionToggled, "#tool-picker")
    def _toggled(self, event: SelectionList.SelectionToggled) -> None:
        value = event.selection.value
        self.chosen.symmetric_difference_update({value})
        self._show_count()

    def _show_count(self) -> None:
        total = len(self.tools)
        self.query_one("#tool-count", Static).update(f"{len(self.chosen)} of {total} tools selected")

    def action_read_only(self) -> None:
        self.chosen = {t.slug for t in self.tools if READ_ONLY in t.tags}
        self._show_tools()

    def action_all_tools(self) -> None:
        self.chosen = {t.slug for t in self.tools}
        self._show_tools()

    def result(self) -> ToolkitPolicy:
        cur = self.current
        slugs = [t.slug for t in self.tools]
        if not slugs or set(slugs) <= self.chosen:
            allow = cur.allow if not slugs else None
        else:
            allow = tuple(s for s in slugs if s in self.chosen)
        picker = self.query_one("#auth-picker", OptionList)
        option = picker.get_option_at_index(picker.highlighted) if picker.highlighted is not None else None
        auth = option.id if option is not None and option.id not in (None, "_loading") else cur.auth_config
        accounts = tuple(self.query_one("#account-picker", SelectionList).selected) if self.accounts else cur.accounts
        approval = tuple(t for t in cur.approval if allow is None or t in allow)
        return replace(cur, allow=allow, deny=() if self.tools else cur.deny, tags=() if self.tools else cur.tags,
                       approval=approval, auth_config=auth or "", accounts=accounts)

    def action_apply(self) -> None:
        self.dismiss(self.result())

    def action_cancel(self) -> None:
        self.dismiss(None)
