"""Dispatch: the console itself, or one of the scripting commands."""

from __future__ import annotations

import argparse
import sys

from ..core.context import Context
from ..core.errors import ConfigError
from ..core.paths import default_paths

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_API, EXIT_STORAGE = 0, 1, 2, 3, 4, 5, 6


def make_context(args: argparse.Namespace, *, lazy: bool = False) -> Context:
    """``lazy``: the console reads its settings after the first frame (see Context)."""
    overrides = {"base_url": args.base_url, "theme": args.theme, "timeout": args.timeout,
                 "rate_limit_wait": getattr(args, "rate_limit_wait", None)}
    ctx = Context(paths=default_paths(args.config), demo=bool(args.demo), overrides=overrides)
    if not lazy:
        ctx.settings  # noqa: B018 - raises ConfigError now, before any work
    return ctx


def dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    console = args.command is None
    try:
        ctx = make_context(args, lazy=console)
    except ConfigError as exc:
        print(f"composio-tui: {exc}", file=sys.stderr)
        return EXIT_STORAGE
    if console:
        return run_console(ctx)
    if ctx.settings.debug_log:
        from ..core.debuglog import enable

        enable(ctx.paths.debug_log)
    try:
        return run_command(ctx, args)
    finally:
        ctx.close()
        # The SDK's thousands of pydantic models make the collector's passes at interpreter exit take
        # about a second; everything left is freed by reference counting or by the OS anyway.
        import gc

        gc.freeze()


def run_command(ctx: Context, args: argparse.Namespace) -> int:
    """Call the command's handler; map the core's errors to one stderr line and an exit code."""
    import importlib

    from ..core.errors import ApiError
    from ..core.ledger import LedgerError
    from ..core.sessions import InputError

    from ..core import ratelimit

    unlisten = ratelimit.listen(lambda seconds, origin: print(f"composio-tui: {ratelimit.message(seconds)}…",
                                                              file=sys.stderr))
    module, name = getattr(args, "handler", None) or ("commands", "cmd_" + args.command.replace("-", "_"))
    handler = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    try:
        return handler(ctx, args)
    except ApiError as err:
        print(f"composio-tui: {err.line()}", file=sys.stderr)
        return exit_code_for(err)
    except InputError as err:
        for problem in err.problems:
            print(f"composio-tui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except LedgerError as err:
        print(f"composio-tui: {err}", file=sys.stderr)
        return EXIT_STORAGE
    except BrokenPipeError:  # e.g. `| head`: the reader left, which is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("composio-tui: interrupted.", file=sys.stderr)
        return 130
    finally:
        unlisten()


def connect(ctx: Context) -> None:
    """Make ``ctx.gateway`` usable: the embedded API with --demo, else a key that never prompts.

    Raises an AUTH ApiError (exit 3) with one sentence when there is no key.
    """
    from ..core.errors import AUTH, ApiError

    if ctx.demo:
        ctx.start_demo()
        return
    if ctx.key.key:
        return
    found = ctx.resolve_key()
    if found.key:
        return
    if found.source == "env":  # set but unusable: the sentence says what is wrong with it
        raise ApiError(AUTH, found.message.rstrip("."))
    raise ApiError(AUTH, f"No API key for {ctx.base_url}; set COMPOSIO_API_KEY or run `composio-tui login`")


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
