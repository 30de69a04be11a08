"""`profiles list|add|remove|use`: the config file's ``[profiles.NAME]`` tables (see tui.core.profiles).

Data on stdout, messages on stderr; a key is never printed (only where it comes from and its last four)
and never written to the config file. Every rule lives in the core; this module only speaks.
"""

from __future__ import annotations

import argparse

from ..core import profile_keys, profiles
from ..core.context import Context
from .output import ask, emit_list, error, say, stdin_tty
from .run import EXIT_AUTH, EXIT_OK, EXIT_USAGE

COLUMNS = [("mark", ""), ("name", "PROFILE"), ("base_url", "BASE URL"), ("key", "KEY"), ("flags", "FLAGS")]


def rows(ctx: Context) -> list[dict]:
    """One row per profile (the implicit one when none are configured); keyring reads share one deadline."""
    known = ctx.profiles
    current = ctx.profile
    listed = list(known.profiles.values()) or [current]
    out = []
    for prof in listed:
        found = profile_keys.resolve(prof, known, deadline=ctx.keyring_budget, memory=ctx.run_keys)
        flags = [f for f, on in (("read-only", prof.read_only), ("production", prof.production),
                                 (f"key_env={prof.key_env}", bool(prof.key_env))) if on]
        default = prof.implicit or prof.name == known.default
        out.append({"mark": ("*" if prof.name == current.name else "") + ("d" if default else ""),
                    "name": prof.name, "label": prof.label, "base_url": prof.base_url,
                    "key": found.label if found.present else "none", "last4": found.masked if found.present else "",
                    "key_note": "" if found.present else found.message, "default": default,
                    "in_use": prof.name == current.name, "read_only": prof.read_only,
                    "production": prof.production, "colour": prof.colour, "key_env": prof.key_env,
                    "flags": ", ".join(flags)})
    return out


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    listed = rows(ctx)
    for row in listed:
        row["key"] = f"{row['key']}, {row['last4']}" if row["last4"] else row["key"]
    emit_list(listed, COLUMNS, as_json=args.json, shrink=("key",))
    if not ctx.profiles.profiles:
        say("No profiles configured; add one with `composio-tui profiles add NAME --base-url URL`.")
    else:
        say("* = in use for this run, d = the default (`profiles use NAME` changes it).")
    return EXIT_OK


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    prof = profiles.Profile(name=args.name, base_url=args.profile_url, label=args.label, colour=args.colour,
                            read_only=args.read_only, key_env=args.key_env, default_template=args.default_template)
    # validate like the reader does (colour, key_env), then append
    profiles.parse({"profiles": {args.name: {k: v for k, v in (
        ("base_url", args.profile_url), ("label", args.label), ("colour", args.colour),
        ("read_only", args.read_only), ("key_env", args.key_env), ("default_template", args.default_template))
        if v}}})
    known = profiles.add(ctx.paths.config_file, prof)
    added = known.get(args.name)
    say(f"Added profile {added.name} ({added.base_url}) to {ctx.paths.config_file}"
        + (" as the default" if known.default == added.name else "") + ".")
    say(f"Store its key with `composio-tui login --profile {added.name}`"
        + (f" or set {added.key_env}" if added.key_env else "") + ".")
    return EXIT_OK


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    known = ctx.profiles
    prof = known.get(args.name)
    if prof.name == ctx.profile.name:
        profiles.remove(ctx.paths.config_file, args.name, in_use=ctx.profile.name)  # raises: in use
    if not args.yes:
        if not stdin_tty():
            error(f"not removing profile {args.name}: stdin is not a terminal, so nobody can confirm; "
                  "pass --yes to remove without asking.")
            return EXIT_USAGE
        if not ask(f"Remove profile {prof.name} ({prof.base_url}) and its stored key?"):
            say("Nothing removed.")
            return EXIT_OK
    from ..core import secrets

    try:
        removed = profile_keys.delete(prof, known, deadline=ctx.keyring_budget, memory=ctx.run_keys)
    except secrets.SecretsError as exc:
        error(f"{exc} The profile was kept; run this again once the keyring is usable.")
        return EXIT_AUTH
    profiles.remove(ctx.paths.config_file, args.name, in_use=ctx.profile.name)
    say(f"Removed profile {prof.name}" + (" and its stored key." if removed else " (no key was stored)."))
    return EXIT_OK


def cmd_use(ctx: Context, args: argparse.Namespace) -> int:
    known = profiles.use(ctx.paths.config_file, args.name)
    say(f"Profile {args.name} ({known.get(args.name).base_url}) is now the default.")
    return EXIT_OK
