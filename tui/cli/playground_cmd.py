"""`sessions search|tools|execute` and `tools show`: the playground's flows for scripts.

Rule: every input is checked before any request (queries, JSON arguments, ``--yes``), then the
arguments against the tool's input schema before the execute request; a run never prompts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core import playground as pg
from ..core import schema as sch
from ..core.context import Context
from ..core.sessions import InputError
from .output import dumps, emit_list, error, inert, say, stdout_tty
from .run import EXIT_API, EXIT_OK, EXIT_USAGE, connect

TOOL_COLUMNS = [("slug", "TOOL"), ("toolkit", "TOOLKIT"), ("tags", "TAGS"), ("description", "DESCRIPTION")]


def _print_json(data: object) -> None:
    print(dumps(data, pretty=stdout_tty()), flush=True)


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    queries = pg.check_queries([args.query, *args.more])  # InputError -> exit 2, nothing sent
    connect(ctx)
    outcome = pg.search(ctx.gateway, args.session_id, queries)
    _print_json({"session_id": args.session_id} | pg.search_dict(outcome))
    for status in outcome.missing():
        say(f"{status.toolkit} not connected for this session's user — "
            f"`composio-tui sessions show {args.session_id}` lists connections; the console's l makes a link.")
    if outcome.error:
        say(f"note: {outcome.error}")
    return EXIT_OK


def cmd_tools(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    tools = pg.session_tools(ctx.gateway, args.session_id)
    rows = [{"slug": t.slug, "name": t.name, "toolkit": t.toolkit, "tags": list(t.tags),
             "description": t.description, "no_auth": t.no_auth} for t in tools]
    emit_list(rows, TOOL_COLUMNS, as_json=args.json, empty="The session exposes no tools.",
              shrink=("description", "tags"))
    return EXIT_OK


def _arguments_text(value: str) -> str:
    if not value.startswith("@"):
        return value
    path = Path(value[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([f"cannot read the arguments file {inert(str(path))}: {exc.strerror or exc}."]) from None
    except UnicodeDecodeError:
        raise InputError([f"the arguments file {inert(str(path))} is not UTF-8 text."]) from None


def cmd_execute(ctx: Context, args: argparse.Namespace) -> int:
    arguments = pg.read_arguments(_arguments_text(args.arguments))
    if not args.yes:
        error(f"not running {inert(args.tool_slug)}: it acts as the session's user on their connected account; "
              "pass --yes to run it (this command never asks).")
        return EXIT_USAGE
    connect(ctx)
    detail = pg.tool_detail(ctx.gateway, args.tool_slug)
    pg.check_arguments(detail, arguments)  # InputError -> exit 2 before the execute request
    result = pg.execute(ctx.gateway, args.session_id, detail, arguments)
    _print_json({"session_id": args.session_id} | result.as_dict())
    (say if result.ok else error)(result.line())
    return EXIT_OK if result.ok else EXIT_API


def cmd_tool_show(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    detail = pg.tool_detail(ctx.gateway, args.tool_slug)
    if args.tree:
        print(f"{detail.slug} ({detail.toolkit}) input:\n{sch.tree_text(detail.input_schema)}\n\noutput:\n"
              f"{sch.tree_text(detail.output_schema)}", flush=True)
    else:
        _print_json(detail.as_dict())
    return EXIT_OK
