"""Dispatch: the console itself, or one of the scripting commands through the handler table.

The table (:data:`HANDLERS`) names every command's function in code a reader (or an IDE) can follow:
``parser.py`` sets ``handler=(module, name)`` and the table maps that pair to a loader that imports
the module lazily (so ``--help`` and the console never load the commands they do not run). A new
command adds one row here and one ``set_defaults(handler=(module, name))`` in ``parser.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..core.context import Context
from ..core.errors import ConfigError
from ..core.paths import default_paths
from ..core.states import ErrorKind

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_API, EXIT_STORAGE = 0, 1, 2, 3, 4, 5, 6

Handler = Callable[[Context, argparse.Namespace], int]


# --- the handler table: one loader per command module, one row per command ---------------------

def _commands():
    from . import commands

    return commands


def _toolkits_cmd():
    from . import toolkits_cmd

    return toolkits_cmd


def _sessions_cmd():
    from . import sessions_cmd

    return sessions_cmd


def _profiles_cmd():
    from . import profiles_cmd

    return profiles_cmd


def _provision_cmd():
    from . import provision_cmd

    return provision_cmd


def _link_cmd():
    from . import link_cmd

    return link_cmd


def _playground_cmd():
    from . import playground_cmd

    return playground_cmd


def _logs_cmd():
    from . import logs_cmd

    return logs_cmd


def _users_cmd():
    from . import users_cmd

    return users_cmd


def _policy_cmd():
    from . import policy_cmd

    return policy_cmd


def _templates_cmd():
    from . import templates_cmd

    return templates_cmd


def _connections_cmd():
    from . import connections_cmd

    return connections_cmd


HANDLERS: dict[tuple[str, str], Callable[[], Handler]] = {
    ("commands", "cmd_info"): lambda: _commands().cmd_info,
    ("commands", "cmd_login"): lambda: _commands().cmd_login,
    ("commands", "cmd_logout"): lambda: _commands().cmd_logout,
    ("toolkits_cmd", "cmd_list"): lambda: _toolkits_cmd().cmd_list,
    ("toolkits_cmd", "cmd_search"): lambda: _toolkits_cmd().cmd_search,
    ("toolkits_cmd", "cmd_info"): lambda: _toolkits_cmd().cmd_info,
    ("toolkits_cmd", "cmd_categories"): lambda: _toolkits_cmd().cmd_categories,
    ("sessions_cmd", "cmd_create"): lambda: _sessions_cmd().cmd_create,
    ("sessions_cmd", "cmd_list"): lambda: _sessions_cmd().cmd_list,
    ("sessions_cmd", "cmd_show"): lambda: _sessions_cmd().cmd_show,
    ("sessions_cmd", "cmd_delete"): lambda: _sessions_cmd().cmd_delete,
    ("sessions_cmd", "cmd_verify"): lambda: _sessions_cmd().cmd_verify,
    ("sessions_cmd", "cmd_export"): lambda: _sessions_cmd().cmd_export,
    ("provision_cmd", "cmd_provision"): lambda: _provision_cmd().cmd_provision,
    ("link_cmd", "cmd_link"): lambda: _link_cmd().cmd_link,
    ("playground_cmd", "cmd_search"): lambda: _playground_cmd().cmd_search,
    ("playground_cmd", "cmd_tools"): lambda: _playground_cmd().cmd_tools,
    ("playground_cmd", "cmd_execute"): lambda: _playground_cmd().cmd_execute,
    ("playground_cmd", "cmd_tool_show"): lambda: _playground_cmd().cmd_tool_show,
    ("logs_cmd", "cmd_logs"): lambda: _logs_cmd().cmd_logs,
    ("logs_cmd", "cmd_show"): lambda: _logs_cmd().cmd_show,
    ("users_cmd", "cmd_list"): lambda: _users_cmd().cmd_list,
    ("users_cmd", "cmd_show"): lambda: _users_cmd().cmd_show,
    ("users_cmd", "cmd_offboard"): lambda: _users_cmd().cmd_offboard,
    ("policy_cmd", "cmd_update"): lambda: _policy_cmd().cmd_update,
    ("policy_cmd", "cmd_history"): lambda: _policy_cmd().cmd_history,
    ("templates_cmd", "cmd_list"): lambda: _templates_cmd().cmd_list,
    ("templates_cmd", "cmd_show"): lambda: _templates_cmd().cmd_show,
    ("templates_cmd", "cmd_save"): lambda: _templates_cmd().cmd_save,
    ("connections_cmd", "cmd_list"): lambda: _connections_cmd().cmd_list,
    ("connections_cmd", "cmd_link"): lambda: _connections_cmd().cmd_link,
    ("connections_cmd", "cmd_disable"): lambda: _connections_cmd().cmd_disable,
    ("connections_cmd", "cmd_enable"): lambda: _connections_cmd().cmd_enable,
    ("connections_cmd", "cmd_refresh"): lambda: _connections_cmd().cmd_refresh,
    ("connections_cmd", "cmd_delete"): lambda: _connections_cmd().cmd_delete,
    ("profiles_cmd", "cmd_list"): lambda: _profiles_cmd().cmd_list,
    ("profiles_cmd", "cmd_add"): lambda: _profiles_cmd().cmd_add,
    ("profiles_cmd", "cmd_remove"): lambda: _profiles_cmd().cmd_remove,
    ("profiles_cmd", "cmd_use"): lambda: _profiles_cmd().cmd_use,
}


def handler_for(args: argparse.Namespace) -> Handler:
    """The command's function: ``args.handler`` (set by the parser), else ``commands.cmd_<command>``."""
    key = getattr(args, "handler", None) or ("commands", "cmd_" + args.command.replace("-", "_"))
    loader = HANDLERS.get(tuple(key))  # type: ignore[arg-type]
    if loader is None:
        raise LookupError(f"no handler registered for {key!r}: add a row to tui.cli.run.HANDLERS")
    return loader()


def demo_launcher(**options):
    """The demo seam's launcher, imported only when it runs (the embedded API's imports are heavy and
    must stay off the path to the first frame)."""
    from ..demo.runner import launch

    return launch(**options)


def make_context(args: argparse.Namespace, *, lazy: bool = False) -> Context:
    """``lazy``: the console reads its settings after the first frame (see Context)."""
    overrides = {"base_url": args.base_url, "theme": args.theme, "timeout": args.timeout,
                 "rate_limit_wait": getattr(args, "rate_limit_wait", None)}
    profile = getattr(args, "profile", None) or getattr(args, "sub_profile", None)
    ctx = Context(paths=default_paths(args.config), demo=demo_launcher if args.demo else False, overrides=overrides,
                  profile=profile)
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
    from ..core.errors import ApiError
    from ..core.ledger import LedgerError
    from ..core.sessions import InputError

    from ..core import ratelimit

    unlisten = ratelimit.listen(lambda seconds, origin: print(f"composio-tui: {ratelimit.message(seconds)}…",
                                                              file=sys.stderr))
    handler = handler_for(args)
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
    """Kept for the command modules that call it; the flow itself is :meth:`Context.connect`."""
    ctx.connect()


def run_console(ctx: Context) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("composio-tui: the console needs a terminal; use a subcommand (see --help) in scripts.",
              file=sys.stderr)
        return EXIT_USAGE
    from ..app import ComposioApp

    app = ComposioApp(ctx)
    app.run()
    return app.return_code or 0


EXIT_FOR_KIND = {
    ErrorKind.AUTH: EXIT_AUTH,
    ErrorKind.NOT_FOUND: EXIT_NOT_FOUND,
    ErrorKind.BAD_REQUEST: EXIT_USAGE,
    ErrorKind.CONFIG: EXIT_USAGE,
}
"""Exit codes by error kind; every other kind is an API or network failure (5)."""


def exit_code_for(err: Exception) -> int:
    """Map a core error to the documented exit codes."""
    return EXIT_FOR_KIND.get(getattr(err, "kind", None), EXIT_API)
