"""A session's policy, fast with the keyboard: the toolkits (one summary line each; enter opens the
tool picker), then switches for sandbox, read-only, approvals, guardrails (scoped to every toolkit or
the ticked ones) and the callback URL.
Returns the Policy; the caller validates and sends it (new session: create; session: PATCH).
Also: the template picker (local templates and the project's session configs)."""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Checkbox, Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from ..core import policy as P
from ..core import policy_spec as S
from ..core.errors import ApiError
from ..core.states import HookCheck, HookPhase
from ..widgets.footer import Footer
from ..widgets.profile_strip import ProfileStrip


def parse_list(text: str) -> list[str]:
    return [s.strip() for s in text.replace(" ", ",").split(",") if s.strip()]


class PolicyScreen(Screen[P.Policy | None]):
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="policy.apply", tooltip="Keep this policy"),
        Binding("escape", "cancel", "Back", id="policy.cancel"),
    ]

    def __init__(self, policy: P.Policy, user_id: str = "", title: str = "Session policy") -> None:
        super().__init__()
        self.policy = policy
        self.user_id = user_id
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield ProfileStrip()  # issue 16: the profile in use (hidden without profiles)
        p = self.policy
        with VerticalScroll(id="policy-form"):
            yield Static(f"[b]{escape(self.title_text)}[/b] — enter on a toolkit opens its tools, auth and account",
                         id="policy-title")
            yield Static("Toolkits", classes="label")
            yield Input(", ".join(p.toolkits), id="policy-toolkits")
            yield OptionList(id="policy-kits")
            yield Checkbox("Code sandbox (workbench and bash meta tools)", p.sandbox is not False, id="policy-sandbox")
            yield Checkbox("Read-only: only tools tagged readOnlyHint", S.READ_ONLY in p.tags, id="policy-read-only")
            yield Static("Require approval (toolkits, tools or tags)", classes="label")
            approvals = [*p.approval_toolkits, *(t for k in p.kits for t in k.approval), *p.approval_tags]
            yield Input(", ".join(approvals), placeholder="e.g. gmail, GITHUB_CREATE_AN_ISSUE, destructiveHint",
                        id="policy-approval")
            yield Static("Guardrail (block calls that match this sentence)", classes="label")
            conditions = [g.condition for g in p.guards if g.check == HookCheck.CONDITION]
            yield Input(conditions[0] if conditions else "", placeholder="e.g. Sending email outside example.org",
                        id="policy-guard")
            yield Checkbox("Prompt-injection check on results",
                           any(g.check == HookCheck.PROMPT_INJECTION for g in p.guards), id="policy-injection")
            yield Static("Guardrails apply to (space ticks a toolkit; none ticked: every toolkit)", classes="label")
            yield SelectionList[str](id="policy-guard-scope")
            yield Static("Callback URL (where the user lands after connecting)", classes="label")
            yield Input(p.callback_url, placeholder="https://app.example/connected", id="policy-callback")
            yield Static("", id="policy-problems", classes="note")
        yield Footer()

    def on_mount(self) -> None:
        edited = self.form_guards()
        self._scope_for: tuple[str, ...] | None = None
        self._show_scope(set(edited[0].toolkits) if edited else set())
        self._show_kits()
        self.query_one("#policy-kits", OptionList).focus()

    def form_guards(self) -> list[P.Guard]:
        """The guards this form edits: the first condition and the prompt-injection check."""
        conditions = [g for g in self.policy.guards if g.check == HookCheck.CONDITION][:1]
        return conditions + [g for g in self.policy.guards if g.check == HookCheck.PROMPT_INJECTION][:1]

    def _show_scope(self, ticked: set[str] | None = None) -> None:
        """One option per toolkit of the session, ticked when the guardrails are scoped to it."""
        slugs = tuple(dict.fromkeys(self.toolkits))
        if slugs == self._scope_for:
            return
        self._scope_for = slugs
        scope = self.query_one("#policy-guard-scope", SelectionList)
        ticked = set(scope.selected) if ticked is None else ticked
        scope.clear_options()
        scope.add_options([Selection(escape(slug), slug, slug in ticked) for slug in slugs])
        if slugs:
            scope.highlighted = 0

    @on(Input.Changed, "#policy-toolkits")
    def _toolkits_changed(self) -> None:
        self._show_scope()

    @on(SelectionList.SelectedChanged, "#policy-guard-scope")
    def _scope_changed(self) -> None:
        self._show_kits()

    @property
    def toolkits(self) -> list[str]:
        return parse_list(self.query_one("#policy-toolkits", Input).value)

    def _show_kits(self) -> None:
        kits = self.query_one("#policy-kits", OptionList)
        highlighted = kits.highlighted
        kits.clear_options()
        current = self.current()
        for slug in self.toolkits:
            kits.add_option(Option(f"{escape(slug)}  [dim]{escape(P.kit_summary(current, slug))}[/dim]", id=slug))
        if self.toolkits:
            kits.highlighted = min(highlighted or 0, len(self.toolkits) - 1)
        problems = P.static_problems(current)
        self.query_one("#policy-problems", Static).update(
            "[$error]" + escape(" ".join(problems)) + "[/]" if problems else "[$success]✓ no problem found so far[/]")

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self._show_kits()

    @on(OptionList.OptionSelected, "#policy-kits")
    def _open_kit(self, event: OptionList.OptionSelected) -> None:
        from .tool_picker import ToolPickerScreen

        slug = str(event.option.id)

        def done(kit: P.ToolkitPolicy | None) -> None:
            if kit is not None:
                self.policy = self.policy.with_kit(kit)
                self._show_kits()

        self.app.push_screen(ToolPickerScreen(slug, self.current().kit(slug), self.user_id), callback=done)

    def current(self) -> P.Policy:
        """The policy the form shows now (approvals naming no known tool are left to validation)."""
        toolkits = tuple(dict.fromkeys(self.toolkits))
        base = replace(self.policy, toolkits=toolkits,
                       kits=tuple(replace(k, approval=()) for k in self.policy.kits if k.slug in toolkits),
                       approval_toolkits=(), approval_tags=(),
                       sandbox=None if self.query_one("#policy-sandbox", Checkbox).value else False,
                       callback_url=self.query_one("#policy-callback", Input).value.strip())
        tags = [t for t in base.tags if t != S.READ_ONLY]
        if self.query_one("#policy-read-only", Checkbox).value:
            tags.insert(0, S.READ_ONLY)
        base = replace(base, tags=tuple(tags), kits=tuple(k for k in base.kits if not k.is_default))
        try:
            base = S.with_approvals(base, parse_list(self.query_one("#policy-approval", Input).value))
        except P.PolicyError:
            pass
        guards = [g for g in base.guards if g.check == HookCheck.CONDITION][1:]
        scope = tuple(s for s in toolkits if s in self.query_one("#policy-guard-scope", SelectionList).selected)
        condition = self.query_one("#policy-guard", Input).value.strip()
        if condition:
            guards.insert(0, P.Guard(condition=condition, id="guard-1", toolkits=scope))
        if self.query_one("#policy-injection", Checkbox).value:
            guards.append(P.Guard(check=HookCheck.PROMPT_INJECTION, phase=HookPhase.AFTER, toolkits=scope))
        return replace(base, guards=tuple(guards))

    def action_apply(self) -> None:
        try:
            S.with_approvals(replace(self.current(), approval_toolkits=()),
                             parse_list(self.query_one("#policy-approval", Input).value))
        except P.PolicyError as err:
            self.query_one("#policy-problems", Static).update("[$error]" + escape(" ".join(err.problems)) + "[/]")
            return
        self.dismiss(self.current())

    def action_cancel(self) -> None:
        self.dismiss(None)


class TemplatesLoaded(Message):
    def __init__(self, items: list, error: str = "") -> None:
        super().__init__()
        self.items, self.error = items, error


class TemplatePickerScreen(ModalScreen["object | None"]):
    """Pick a template: the local ones at once, the project's session configs when they arrive."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="templates.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="template-box"):
            yield Static("[b]Apply a template[/b] — enter fills the form", id="template-title")
            yield OptionList(id="template-list")
            yield Static("", id="template-note", classes="note")
        yield Footer()

    def on_mount(self) -> None:
        from ..core import templates

        self.local: dict = {}
        try:
            self.local = templates.local(self.app.ctx.paths.config_file)
        except P.PolicyError as err:
            self.query_one("#template-note", Static).update(escape(" ".join(err.problems)))
        picker = self.query_one("#template-list", OptionList)
        for name, t in self.local.items():
            picker.add_option(Option(f"{escape(name)}  [dim]local · {escape(t.description or '')}[/dim]", id=f"l:{name}"))
        picker.focus()
        self.fetch()

    @work(thread=True, exclusive=True, group="templates", exit_on_error=False)
    def fetch(self) -> None:
        from ..core import templates

        try:
            self.post_message(TemplatesLoaded(templates.project(self.app.ctx.gateway)))
        except ApiError as err:
            self.post_message(TemplatesLoaded([], err.line()))

    @on(TemplatesLoaded)
    def _loaded(self, message: TemplatesLoaded) -> None:
        picker = self.query_one("#template-list", OptionList)
        for t in message.items:
            picker.add_option(Option(f"{escape(t.name)}  [dim]project · {escape(t.id)}[/dim]", id=f"p:{t.name}"))
        if picker.highlighted is None and picker.option_count:
            picker.highlighted = 0
        if message.error:
            self.query_one("#template-note", Static).update(escape(message.error))

    @on(OptionList.OptionSelected, "#template-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        kind, name = str(event.option.id).split(":", 1)
        if kind == "l":
            self.dismiss(self.local[name])
        else:
            self.resolve(name)

    @work(thread=True, exclusive=True, group="templates", exit_on_error=False)
    def resolve(self, name: str) -> None:
        from ..core import templates

        app = self.app
        try:
            found = templates.find(app.ctx.paths.config_file, name, app.ctx.gateway)
        except (ApiError, P.PolicyError) as err:
            self.post_message(TemplatesLoaded([], str(err)))
            return
        app.call_from_thread(self.dismiss, found)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TemplateNameScreen(ModalScreen["tuple[str, str] | None"]):
    """Name the form's policy as a template: returns (name, description); a bad name is refused here."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="template_name.cancel")]

    AUTO_FOCUS = "#template-name"  # declarative: a quit while the screen mounts finds nothing to query

    def compose(self) -> ComposeResult:
        with Vertical(id="template-box"):
            yield Static("[b]Save the policy as a template[/b] — written to the config file as [templates.NAME]; "
                         "connected accounts are never saved", id="template-title")
            yield Static("Name", classes="label")
            yield Input(placeholder="e.g. support (letters, digits, - and _)", id="template-name")
            yield Static("Description (optional)", classes="label")
            yield Input(placeholder="e.g. support agents, read-only", id="template-description")
            yield Static("[dim]enter saves · esc cancels[/dim]", id="template-note", classes="note")
        yield Footer()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        from ..core import templates

        name = self.query_one("#template-name", Input).value.strip()
        if why := templates.name_problem(name):
            self.query_one("#template-note", Static).update(f"[$error]{escape(why)}[/]")
            self.query_one("#template-name", Input).focus()
            return
        self.dismiss((name, self.query_one("#template-description", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
