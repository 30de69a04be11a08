"""The policy flags of `sessions create|update`, `provision` and `templates save`, read into the core's
policy (tui.core.policy_spec): shared by those commands, so no command module imports another."""

from __future__ import annotations

import argparse
from dataclasses import replace

from ..core import editing, policy as P, policy_spec as S, templates
from ..core.context import Context
from .output import say

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
    known = ctx.catalogs.known_slugs(slugs)
    policy = S.apply(P.Policy(), spec, known)
    if getattr(args, "no_manage_connections", False):
        policy = replace(policy, manage_connections=False)
    return policy, known, name


def show_fields(ctx: Context, session_id: str) -> dict:
    """What `sessions show` adds: the effective policy and config version as the API reports them."""
    applied = editing.applied(ctx.gateway, session_id)
    if applied is None:
        return {}
    return {"config_version": applied.config_version, "policy": P.as_dict(applied.policy)}


def provision_policy(ctx: Context, args: argparse.Namespace) -> P.Policy:
    """`provision` with policy flags or a template: the one policy every user's session gets (its tools
    and auth configs checked once); ``args.toolkit`` becomes the policy's toolkits."""
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
    return policy
