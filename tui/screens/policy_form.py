"""The new-session form's policy part: ctrl+o composes the policy (PolicyScreen), ctrl+t fills the
form from a template (the profile's ``default_template`` too, when the form opens), ctrl+g saves the
composed policy as a template, the summary line shows the effective policy per toolkit before ctrl+s, and a
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
        if found is not None:
            apply_template(form, found)

    form.app.push_screen(TemplatePickerScreen(), callback=done)


def apply_template(form, found, why: str = "") -> None:
    """Fill the form from a template (its toolkits, when it has some, replace the field's)."""
    try:
        policy = found.policy(form.known)
    except P.PolicyError as err:
        form.status(f"Template {found.name} not applied: " + " ".join(err.problems), error=True)
        return
    form.policy = policy
    if policy.toolkits:
        form.query_one("#toolkits", Input).value = ", ".join(policy.toolkits)
    form.query_one("#manage", Checkbox).value = policy.manage_connections
    show(form)
    form.status(f"Template {found.name} applied ({found.source}{why}).")


def default_template(form) -> None:
    """Issue 16: the profile's ``default_template`` fills the form as it opens, as ctrl+t would (looked
    up in a worker: it may be one of the project's session configs). The operator can change it all."""
    from ..core import templates

    app = form.app
    if not app.profiles_configured or app.ctx.demo or not app.ctx.profile.default_template:
        return
    profile = app.ctx.profile
    name, config = profile.default_template, app.ctx.paths.config_file

    def run() -> None:
        try:
            found = templates.find(config, name, None if name in templates.local(config) else app.ctx.gateway)
        except (P.PolicyError, ApiError) as err:
            text = " ".join(err.problems) if isinstance(err, P.PolicyError) else err.line()
            app.call_from_thread(form.status, f"Default template {name} of profile {profile.name} not applied: "
                                              f"{text}", True)
            return
        app.call_from_thread(_apply_default, form, found, profile.name)

    form.run_worker(run, thread=True, exclusive=True, group="default-template", exit_on_error=False,
                    description="default template")


def _apply_default(form, found, profile: str) -> None:
    if form.is_attached and form.policy is None:  # the operator may have picked a template meanwhile
        apply_template(form, found, f", the default of profile {profile}")


def composed(form, slugs: list[str] | None = None) -> P.Policy:
    """The policy the form would create now: its policy with the toolkits field and manage switch."""
    return replace(form.policy or P.Policy(), toolkits=tuple(_slugs(form) if slugs is None else slugs),
                   manage_connections=form.query_one("#manage", Checkbox).value)


def save_template(form) -> None:
    """ctrl+g: name the composed policy and write it as [templates.NAME] (``templates.store``, as the
    ``templates save`` command does); an existing name is replaced only after asking."""
    from ..core import templates
    from .confirm import ConfirmScreen
    from .policy import TemplateNameScreen

    policy = composed(form)
    config = form.app.ctx.paths.config_file

    def named(answer: tuple[str, str] | None) -> None:
        if answer is None:
            return
        name, description = answer
        try:
            taken = name in templates.local(config)
        except P.PolicyError as err:
            form.status("Template not saved: " + " ".join(err.problems), error=True)
            return
        if not taken:
            store(name, description)
            return
        form.app.push_screen(ConfirmScreen(f"Replace template {name}?", f"{config} already has [templates.{name}].",
                                           yes="Replace"),
                             lambda yes: store(name, description) if yes else form.status(
                                 f"Template {name} kept as it was; nothing saved."))

    def store(name: str, description: str) -> None:
        form.status(f"Checking and saving template {name}…")
        app, known = form.app, form.known

        def run() -> None:
            try:
                _, notes = templates.store(config, name, policy, gateway=app.ctx.gateway if known else None,
                                           known=known, description=description)
            except (P.PolicyError, ApiError) as err:
                text = " ".join(err.problems) if isinstance(err, P.PolicyError) else err.line()
                app.call_from_thread(form.status, f"Template {name} not saved: {text}", True)
                return
            except OSError as exc:
                app.call_from_thread(form.status, f"Template {name} not saved: {exc}", True)
                return
            extra = "".join(f" Note: {n}." for n in notes)
            app.call_from_thread(form.status, f"Saved template {name} to {config}.{extra}")

        form.run_worker(run, thread=True, exclusive=True, group="template", exit_on_error=False,
                        description="save template")

    form.app.push_screen(TemplateNameScreen(), callback=named)


def create_with_policy(form, user_id: str, slugs: list[str]) -> None:
    policy = composed(form, slugs)
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
