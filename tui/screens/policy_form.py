"""The new-session form's policy part: ctrl+o composes the policy (PolicyScreen), ctrl+t fills the
form from a template, the summary line shows the effective policy per toolkit before ctrl+s, and a
create with a policy goes through tui.core.editing (validated against the API first)."""

from __future__ import annotations

from dataclasses import replace

from rich.markup import escape
from textual.widgets import Checkbox, Input, Static

from ..core import editing
from ..core import policy as P
from ..core.errors import ApiError


def _slugs(form) -> list[str]:
    from .new_session import parse_slugs

    return parse_slugs(form.query_one("#toolkits", Input).value)


def show(form) -> None:
    line = form.query_one("#policy-line", Static)
    policy = form.policy
    if policy is None:
        line.update("[dim]Policy: all tools, defaults (ctrl+o to scope it, ctrl+t for a template)[/dim]")
        return
    policy = replace(policy, toolkits=tuple(_slugs(form)))
    rows = [f"{escape(s)}: {escape(P.kit_summary(policy, s))}" for s in policy.toolkits]
    rows += [escape(x) for x in P.summary(policy)]
    line.update("[b]Policy[/b]  " + "\n  ".join(rows))


def edit(form) -> None:
    from .policy import PolicyScreen

    base = form.policy or P.Policy()
    base = replace(base, toolkits=tuple(_slugs(form)))
    user_id = form.query_one("#user-id", Input).value.strip()

    def done(policy: P.Policy | None) -> None:
        if policy is not None:
            form.policy = policy
            form.query_one("#toolkits", Input).value = ", ".join(policy.toolkits)
            show(form)

    form.app.push_screen(PolicyScreen(base, user_id), callback=done)


def template(form) -> None:
    from .policy import TemplatePickerScreen

    def done(found) -> None:
        if found is None:
            return
        known = form.known
        try:
            policy = found.policy(known)
        except P.PolicyError as err:
            form.status("Template not applied: " + " ".join(err.problems), error=True)
            return
        form.policy = policy
        if policy.toolkits:
            form.query_one("#toolkits", Input).value = ", ".join(policy.toolkits)
        form.query_one("#manage", Checkbox).value = policy.manage_connections
        show(form)
        form.status(f"Template {found.name} applied ({found.source}).")

    form.app.push_screen(TemplatePickerScreen(), callback=done)


def create_with_policy(form, user_id: str, slugs: list[str], manage: bool) -> None:
    policy = replace(form.policy, toolkits=tuple(slugs), manage_connections=manage)
    app = form.app
    known = form.known

    def run() -> None:
        try:
            info = editing.create(app.ctx.gateway, app.ctx.ledger, user_id, policy, known)
        except P.InputError as err:
            app.call_from_thread(form._failed, " ".join(err.problems))
            return
        except (ApiError, Exception) as err:  # the ledger can fail too
            app.call_from_thread(form._failed, err.line() if isinstance(err, ApiError) else str(err))
            return
        app.call_from_thread(form._created, info)

    form.run_worker(run, thread=True, exclusive=True, group="create", exit_on_error=False,
                    description="create session with policy")
