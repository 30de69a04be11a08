"""`sessions update` and `sessions history`: thin callers of tui.core.editing (a create with a policy is
sessions_cmd's, `provision --template` provision_cmd's; the flags are read by policy_input)."""

from __future__ import annotations

import argparse

from ..core import editing, policy as P, policy_spec as S
from ..core.context import Context
from .output import emit_list, emit_record, error, say, stdout_tty
from .policy_input import spec_from_args
from .run import EXIT_OK, EXIT_USAGE, connect


def cmd_update(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    spec = spec_from_args(args)
    if spec.empty:
        error("nothing to change: give --add-toolkit, --remove-toolkit or a policy flag (see --help).")
        return EXIT_USAGE
    slugs = [*spec.add_toolkits, *spec.exclude, *spec.tools, *spec.deny_tools, *spec.auth_configs, *spec.accounts]
    known = ctx.catalogs.known_slugs(slugs)

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
