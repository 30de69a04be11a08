"""Dispatch: the console itself, or one of the scripting commands."""

from __future__ import annotations

import argparse
import sys

from ..core.config import ConfigError, load
from ..core.context import Context
from ..core.paths import default_paths

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_API, EXIT_STORAGE = 0, 1, 2, 3, 4, 5, 6


def make_context(args: argparse.Namespace) -> Context:
    settings, paths = load(default_paths(args.config), base_url=args.base_url, theme=args.theme,
                           timeout=args.timeout)
    return Context(settings=settings, paths=paths, demo=bool(args.demo))


def dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        ctx = make_context(args)
    except ConfigError as exc:
        print(f"composio-tui: {exc}", file=sys.stderr)
        return EXIT_STORAGE
    if ctx.settings.debug_log:
        from ..core.debuglog import enable

        enable(ctx.paths.debug_log)
    if args.command is None:
        return run_console(ctx)
    from . import commands

    handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
    try:
        return handler(ctx, args)
    finally:
        ctx.close()


def run_console(ctx: Context) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("composio-tui: the console needs a terminal; use a subcommand (see --help) in scripts.",
              file=sys.stderr)
        return EXIT_USAGE
    from ..app import ComposioApp

    app = ComposioApp(ctx)
    app.run()
    return app.return_code or 0


def exit_code_for(err: Exception) -> int:
    """Map a core error to the documented exit codes."""
    from ..core import errors

    kind = getattr(err, "kind", "")
    if kind == errors.AUTH:
        return EXIT_AUTH
    if kind == errors.NOT_FOUND:
        return EXIT_NOT_FOUND
    if kind in (errors.BAD_REQUEST, errors.CONFIG):
        return EXIT_USAGE
    return EXIT_API
