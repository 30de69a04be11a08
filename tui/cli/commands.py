"""Account commands: info, login, logout. Data on stdout, messages on stderr, never the full key."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..core.context import Context, LoginError
from ..core.states import KeepKey, LoginStep
from .run import EXIT_AUTH, EXIT_OK, EXIT_USAGE, exit_code_for


def say(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_info(ctx: Context, args: argparse.Namespace) -> int:
    from .. import __version__
    from ..core import secrets

    rows: list[tuple[str, str]] = [("version", __version__)]
    for label, path in ctx.paths.as_rows():
        note = "" if path.exists() else "  (not created yet)"
        rows.append((label, f"{path}{note}"))
    rows.append(("catalog cache", str(ctx.cache_dir)))
    from ..core.config import base_url_source

    prof = ctx.profile
    if ctx.demo:
        origin = "embedded demo API"
    elif prof.implicit:
        origin = base_url_source(ctx.paths, getattr(args, "base_url", None))
    else:
        origin = f"profile {prof.name}"
    rows.append(("profile", _profile_line(ctx)))
    rows.append(("base url", f"{ctx.base_url}  (from {origin})"))
    if ctx.demo:
        rows.append(("api key", "demo key of the embedded API; the keyring is not used"))
    else:
        found = ctx.resolve_key()  # this lookup and the status below share one keyring deadline
        rows.append(("api key", found.describe() if found.key else f"none — {found.message}"))
        if found.source == "env" and found.label.startswith("from COMPOSIO_API_KEY") and ctx.profiles.profiles:
            rows.append(("", "COMPOSIO_API_KEY overrides every profile's key while it is set"))
        rows.extend(_other_profiles(ctx))
        status = secrets.keyring_status(ctx.keyring_budget)
        rows.append(("keyring", f"{status.backend or 'none'}: {status.state} — {status.message}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return EXIT_OK


def _profile_line(ctx: Context) -> str:
    prof = ctx.profile
    if ctx.demo:
        return "demo (the embedded API)"
    if prof.implicit:
        return ("none configured (the base URL decides; `profiles add` creates one)" if not ctx.profiles.profiles
                else "none for this run (an explicit base URL was given)")
    how = "--profile" if ctx.profile_name else ("COMPOSIO_TUI_PROFILE" if _env_profile() else "the default")
    flags = [f for f, on in (("read-only", prof.read_only), ("production", prof.production)) if on]
    return f"{prof.title}  (from {how})" + (f"  [{', '.join(flags)}]" if flags else "")


def _env_profile() -> bool:
    import os

    return bool(os.environ.get("COMPOSIO_TUI_PROFILE", "").strip())


def _other_profiles(ctx: Context) -> list[tuple[str, str]]:
    """info explains, per profile, which key a run with it would use (one shared keyring deadline)."""
    from ..core import profile_keys

    out = []
    for prof in ctx.profiles.profiles.values():
        if prof.name == ctx.profile.name:
            continue
        found = profile_keys.resolve(prof, ctx.profiles, deadline=ctx.keyring_budget, memory=ctx.run_keys)
        out.append((f"profile {prof.name}", f"{prof.base_url}: {profile_keys.describe_source(found)}"))
    return out


def read_key() -> str | None:
    """Prompt without echo on a TTY; read stdin otherwise (like `gh auth login --with-token`)."""
    if sys.stdin is None:
        return None
    if sys.stdin.isatty():
        try:
            return getpass.getpass("Composio project API key (input hidden): ")
        except (EOFError, KeyboardInterrupt):
            return None
    return sys.stdin.readline()


def cmd_login(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.demo:
        say("composio-tui: demo mode uses its own key; there is nothing to log in to.")
        return EXIT_USAGE
    raw = read_key()
    keep = KeepKey.NOWHERE if args.check_only else KeepKey.KEYRING
    try:
        info, total = ctx.login(raw or "", keep, checking=lambda: say(f"Checking the key with {ctx.base_url} …"))
    except LoginError as exc:
        return _login_failed(exc)
    if args.check_only:
        say(f"The key works ({total:,} toolkits visible); not stored (--check-only).")
        return EXIT_OK
    whose = ctx.base_url if ctx.profile.implicit else f"profile {ctx.profile.name} ({ctx.base_url})"
    say(f"Stored in the keyring ({info.backend}) for {whose}, {info.masked}.")
    return EXIT_OK


def _login_failed(exc: LoginError) -> int:
    """The CLI's words for each login step; the flow is Context.login."""
    if exc.step == LoginStep.SHAPE:
        say(f"composio-tui: not a usable key: {exc.problem or 'no key was given'}.")
        return EXIT_USAGE
    if exc.step == LoginStep.REJECTED:
        say(f"composio-tui: the API rejected this key ({exc.error.status}); nothing was stored.")  # type: ignore[union-attr]
        return exit_code_for(exc.error)  # type: ignore[arg-type]
    if exc.step == LoginStep.UNCHECKED:
        say(f"composio-tui: could not check the key, so nothing was stored: {exc.error.line()}")  # type: ignore[union-attr]
        return exit_code_for(exc.error)  # type: ignore[arg-type]
    say(f"composio-tui: the key works but was not stored: {exc.problem}")
    return EXIT_AUTH


def cmd_logout(ctx: Context, args: argparse.Namespace) -> int:
    from ..core import profile_keys, secrets

    if ctx.demo:
        say("composio-tui: demo mode never stores a key; nothing to remove.")
        return EXIT_USAGE
    whose = ctx.base_url if ctx.profile.implicit else f"profile {ctx.profile.name} ({ctx.base_url})"
    try:
        removed = profile_keys.delete(ctx.profile, ctx.profiles, deadline=ctx.keyring_budget, memory=ctx.run_keys)
    except secrets.SecretsError as exc:
        say(f"composio-tui: {exc}")
        return EXIT_AUTH
    say(f"Removed the stored key for {whose}." if removed else f"No key was stored for {whose}.")
    return EXIT_OK
