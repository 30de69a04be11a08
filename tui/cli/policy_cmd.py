"""`sessions create` with a policy, `sessions update`, `sessions history`, `provision --template`:
thin callers of tui.core.editing. A create without policy flags is sessions_cmd's plain create."""

from __future__ import annotations

import argparse
from dataclasses import replace

from ..core import editing, policy as P, policy_spec as S, templates
from ..core.context import Context
from ..core.provision import Backoff
from .output import emit_list, emit_record, error, inert, say, stdout_tty
from .run import EXIT_OK, EXIT_USAGE, connect
from .toolkits_cmd import known_slugs

FLAG_NAMES = ("exclude_toolkit", "tools", "deny_tools", "read_only", "tags", "require_approval", "auth_config",
              "account", "callback_url", "sandbox", "guard", "prompt_injection_check", "template",
              "add_toolkit", "remove_toolkit")


def has_policy(args: argparse.Namespace) -> bool:
    if getattr(args, "sandbox", None) is not None:
        return True
    return any(getattr(args, name, None) not in (None, False, [], "") for name in FLAG_NAMES)


def spec_from_args(args: argparse.Namespace, *, toolkits: list[str] | None = None) -> S.Spec:
    """The flags as a Spec (malformed SLUG=… values are PolicyError sentences)."""
    return S.Spec(
        toolkits=toolkits, add_toolkits=[x.lower() for x in getattr(args, "add_toolkit", [])],
        remove_toolkits=[x.lower() for x in getattr(args, "remove_toolkit", [])],
        exclude=[x.lower() for x in args.exclude_toolkit],
        tools=S.pairs(args.tools, "--tools"), deny_tools=S.pairs(args.deny_tools, "--deny-tools"),
        read_only=args.read_only, tags=S.csv(args.tags), approvals=list(args.require_approval),
        auth_configs={k: v[0] for k, v in S.pairs(args.auth_config, "--auth-config", many=False).items() if v},
        accounts=S.pairs(getattr(args, "account", []), "--account"),
        callback_url=args.callback_url, sandbox=args.sandbox, guards=list(args.guard),
        prompt_injection=args.prompt_injection_check)


def resolve(ctx: Context, args: argparse.Namespace) -> tuple[P.Policy, frozenset[str], str]:
    """Template + flags -> (policy, catalog slugs, template name)."""
    flags = spec_from_args(args, toolkits=list(args.toolkit) if args.toolkit else None)
    name = getattr(args, "template", None) or ""
    spec = flags
    if name:
        found = templates.find(ctx.paths.config_file, name, ctx.gateway)
        spec = S.merge(found.spec, flags)
    if not spec.toolkits and not spec.exclude:
        raise P.PolicyError(["give --toolkit SLUG… (or --exclude-toolkit, or a --template with toolkits)"])
    slugs = [*(spec.toolkits or ()), *spec.exclude, *spec.tools, *spec.deny_tools, *spec.auth_configs,
             *spec.accounts]
    known = known_slugs(ctx, slugs)
    policy = S.apply(P.Policy(), spec, known)
    if getattr(args, "no_manage_connections", False):
        policy = replace(policy, manage_connections=False)
    return policy, known, name


def _record(info, policy: P.Policy, entry, template: str) -> dict:
    from .sessions_cmd import _info_row

    return _info_row(info, entry) | {"status": "created", "template": template or None, "config_version": 1,
                                     "policy": P.as_dict(policy)}


def cmd_create(ctx: Context, args: argparse.Namespace) -> int:
    from . import sessions_cmd

    if not has_policy(args):
        if not args.toolkit:
            error("the following arguments are required: --toolkit (or --template / --exclude-toolkit)")
            return EXIT_USAGE
        return sessions_cmd.cmd_create(ctx, args)
    if args.reuse:
        error("--reuse looks for a session with the same toolkits only; it cannot be combined with a policy.")
        return EXIT_USAGE
    connect(ctx)
    policy, known, template = resolve(ctx, args)
    retry = Backoff(max_attempts=3)
    info = editing.create(ctx.gateway, ctx.ledger, args.user, policy, known, retry=retry, sleep=retry.sleep)
    record = _record(info, policy, ctx.ledger.get(info.session_id), template)
    say(f"Created session {info.session_id} for user {inert(info.user_id)}"
        f"{f' from template {template}' if template else ''}.")
    if args.url_only:
        print(record["mcp_url"])
    else:
        emit_record(record, as_json=args.json, fields=sessions_cmd.SESSION_FIELDS)
    return EXIT_OK


def cmd_update(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    spec = spec_from_args(args)
    if spec.empty:
        error("nothing to change: give --add-toolkit, --remove-toolkit or a policy flag (see --help).")
        return EXIT_USAGE
    slugs = [*spec.add_toolkits, *spec.exclude, *spec.tools, *spec.deny_tools, *spec.auth_configs, *spec.accounts]
    known = known_slugs(ctx, slugs)

    def change(current: P.Policy) -> P.Policy:
        return S.apply(current, spec, known)

    if args.dry_run:
        before, new, body = editing.plan(ctx.gateway, args.session_id, change, known)
        emit_record({"session_id": args.session_id, "config_version": before.config_version, "patch": body,
                     "changes": P.change_lines(before.policy, new), "policy": P.as_dict(new)}, as_json=True)
        say("Dry run: nothing was sent.")
        return EXIT_OK
    edit = editing.update(ctx.gateway, ctx.ledger, args.session_id, change, known)
    after = edit.after
    say(f"Updated session {after.session_id}: config version {edit.before.config_version} → "
        f"{after.config_version}; the MCP URL is unchanged.")
    record = {"session_id": after.session_id, "user_id": after.user_id, "mcp_url": after.mcp_url,
              "config_version": after.config_version, "previous_version": edit.before.config_version,
              "changes": list(edit.lines), "tool_router_tools": list(after.tool_router_tools),
              "policy": P.as_dict(after.policy)}
    emit_record(record, as_json=args.json, fields=[("session_id", "session"), ("mcp_url", "MCP URL"),
                                                   ("config_version", "config version"), ("changes", "changes")])
    return EXIT_OK


def cmd_history(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    rows = editing.history(ctx.gateway, args.session_id)
    data = [{"version": r.version, "created_at": r.created_at, "current": r.current, "changes": list(r.changes),
             "policy": P.as_dict(r.policy)} for r in rows]
    if args.json or not stdout_tty():  # one JSON array, or JSON Lines in a pipe
        emit_list(data, [], as_json=args.json)
        return EXIT_OK
    emit_list([{"version": f"{r['version']}{' *' if r['current'] else ''}", "created_at": r["created_at"],
                "changes": "; ".join(r["changes"])} for r in data],
              [("version", "VERSION"), ("created_at", "CREATED"), ("changes", "CHANGES")], as_json=False,
              shrink=("changes",))
    return EXIT_OK


def show_fields(ctx: Context, session_id: str) -> dict:
    """What `sessions show` adds: the effective policy and config version as the API reports them."""
    applied = editing.applied(ctx.gateway, session_id)
    if applied is None:
        return {}
    return {"config_version": applied.config_version, "policy": P.as_dict(applied.policy)}


def cmd_provision(ctx: Context, args: argparse.Namespace) -> int:
    from . import provision_cmd

    if not has_policy(args):
        if not args.toolkit:
            error("the following arguments are required: --toolkit (or --template)")
            return EXIT_USAGE
        return provision_cmd.cmd_provision(ctx, args)
    connect(ctx)
    policy, known, template = resolve(ctx, args)
    problems = P.static_problems(policy)
    if problems:
        raise P.PolicyError(problems)
    if not policy.toolkits:
        raise P.PolicyError(["provision needs the toolkits listed (--toolkit or a template with toolkits)"])
    P.validate(ctx.gateway, policy, "", known)  # tools and auth configs: the same for every user
    args.toolkit = list(policy.toolkits)
    if template:
        say(f"Template {template}: {', '.join(policy.toolkits) or 'all but ' + ', '.join(policy.exclude)}.")
    return provision_cmd.cmd_provision(ctx, args, session_policy=policy)
