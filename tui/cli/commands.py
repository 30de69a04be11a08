"""Account commands: info, login, logout. Data on stdout, messages on stderr, never the full key."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..core.context import Context
from ..core.errors import AUTH, ApiError
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

    origin = "embedded demo API" if ctx.demo else base_url_source(ctx.paths, getattr(args, "base_url", None))
    rows.append(("base url", f"{ctx.base_url}  (from {origin})"))
    if ctx.demo:
        rows.append(("api key", "demo key of the embedded API; the keyring is not used"))
    else:
        found = secrets.resolve_key(ctx.base_url)
        rows.append(("api key", secrets.describe(found) if found.key else f"none — {found.message}"))
        status = secrets.keyring_status()
        rows.append(("keyring", f"{status.backend or 'none'}: {status.state} — {status.message}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return EXIT_OK


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
    from ..core import secrets
    from ..core.gateway import Gateway

    if ctx.demo:
        say("composio-tui: demo mode uses its own key; there is nothing to log in to.")
        return EXIT_USAGE
    raw = read_key()
    key = (raw or "").strip()
    problem = secrets.key_problem(key) if key else "no key was given"
    if problem:
        say(f"composio-tui: not a usable key: {problem}.")
        return EXIT_USAGE
    say(f"Checking the key with {ctx.base_url} …")
    try:
        total = Gateway(ctx.base_url, key, timeout=ctx.settings.timeout, max_retries=0).verify_key()
    except ApiError as err:
        if err.kind == AUTH:
            say(f"composio-tui: the API rejected this key ({err.status}); nothing was stored.")
        else:
            say(f"composio-tui: could not check the key, so nothing was stored: {err.line()}")
        return exit_code_for(err)
    if args.check_only:
        say(f"The key works ({total:,} toolkits visible); not stored (--check-only).")
        return EXIT_OK
    try:
        stored = secrets.store_key(ctx.base_url, key)
    except secrets.SecretsError as exc:
        say(f"composio-tui: the key works but was not stored: {exc}")
        return EXIT_AUTH
    say(f"Stored in the keyring ({stored.backend}) for {ctx.base_url}, {stored.masked}.")
    return EXIT_OK


def cmd_logout(ctx: Context, args: argparse.Namespace) -> int:
    from ..core import secrets

    if ctx.demo:
        say("composio-tui: demo mode never stores a key; nothing to remove.")
        return EXIT_USAGE
    try:
        removed = secrets.delete_key(ctx.base_url)
    except secrets.SecretsError as exc:
        say(f"composio-tui: {exc}")
        return EXIT_AUTH
    say(f"Removed the stored key for {ctx.base_url}." if removed else f"No key was stored for {ctx.base_url}.")
    return EXIT_OK
