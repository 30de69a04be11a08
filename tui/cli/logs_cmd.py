"""`logs [filters] [--follow]` and `logs show ID`: the console's Activity screen, one line per execution.

Every rule (filters, --since, --limit, paging, following) is the core's (tui/core/activity.py); this
module only prints: a table on a terminal, JSON Lines when piped (and always with --follow --json).
"""

from __future__ import annotations

import argparse
import sys
import threading

from ..core import activity
from ..core.activity import Follower, LogDetail, LogEntry, LogQuery, Poll
from ..core.context import Context
from ..core.states import FollowState
from .output import cell, dumps, emit_list, emit_record, inert, say, stdout_tty
from .run import EXIT_OK, connect

COLUMNS = [("time", "TIME (UTC)"), ("user_id", "USER"), ("toolkit", "TOOLKIT"), ("tool", "TOOL"),
           ("status", "STATUS"), ("duration", "DURATION"), ("id", "LOG"), ("message", "MESSAGE")]
# --follow prints line by line, so its columns have fixed widths (the message takes what is left).
FOLLOW_WIDTHS = {"time": 19, "user_id": 16, "toolkit": 12, "tool": 30, "status": 7, "duration": 8, "id": 16}
DETAIL_FIELDS = [("id", "log"), ("timestamp", "time"), ("status", "status"), ("level", "level"),
                 ("user_id", "user"), ("session_id", "session"), ("toolkit", "toolkit"), ("tool", "tool"),
                 ("duration_ms", "duration ms"), ("message", "message"), ("request_id", "request id"),
                 ("trace_id", "trace id"), ("parent", "parent call"), ("connected_account_id", "account"),
                 ("source", "source"), ("timings", "timings")]


def _query(args: argparse.Namespace) -> LogQuery:
    return activity.build_query(user=args.user or "", session=args.session or "", toolkit=args.toolkit or "",
                                tool=args.tool or "", status=args.status or "", since=args.since or "",
                                limit=args.limit)


def _table_row(entry: LogEntry) -> dict:
    return entry.row() | {"time": activity.clock_text(entry, with_date=True), "duration": activity.duration_text(entry)}


def _nothing(query: LogQuery) -> str:
    since = f" since {activity.since_label(query.since_ms)}" if query.since_ms is not None else ""
    unknown = ""
    if query.user or query.session:
        unknown = (" An unknown user or session has no activity, so check the ID"
                   f"{' (user IDs are case-sensitive)' if query.user else ''}.")
    return f"No tool executions for {query.scope()}{since}.{unknown}"


def cmd_logs(ctx: Context, args: argparse.Namespace) -> int:
    query = _query(args)  # every input problem at once, before any request
    connect(ctx)
    if args.follow:
        return _follow(ctx, query, as_json=args.json or not stdout_tty())
    entries = activity.search(ctx.gateway, query)
    if not entries:
        say(_nothing(query))
        if args.json:
            print("[]")
        return EXIT_OK
    emit_list([_table_row(e) if stdout_tty() and not args.json else e.row() for e in entries], COLUMNS,
              as_json=args.json, shrink=("message", "tool", "user_id"))
    return EXIT_OK


def _line(entry: LogEntry) -> str:
    row = _table_row(entry)
    parts = []
    for key, _ in COLUMNS:
        if key == "message":
            continue
        width = FOLLOW_WIDTHS[key]
        text = cell(row.get(key))
        parts.append((text if len(text) <= width else text[: width - 1] + "…").ljust(width))
    failed = "!" if entry.failed else " "
    return failed + " " + "  ".join(parts) + "  " + cell(row.get("message"))


def _follow(ctx: Context, query: LogQuery, *, as_json: bool) -> int:
    """Print the newest logs, then each new one as it lands, until ctrl+c (run_command: exit 130)."""
    follower = Follower(ctx.gateway, query)
    last_state = [FollowState.LIVE]
    printed = [0]
    if not as_json:
        heads = [head.ljust(FOLLOW_WIDTHS[key]) for key, head in COLUMNS if key != "message"]
        print("  " + "  ".join(heads) + "  MESSAGE", flush=True)
    say(f"Following tool executions for {query.scope()} (ctrl+c to stop)…")

    def on_poll(poll: Poll) -> None:
        for entry in poll.entries:
            print(dumps(entry.row()) if as_json else _line(entry))
            printed[0] += 1
        sys.stdout.flush()
        if poll.state != last_state[0]:
            if poll.error is not None:
                say(f"still following; next try in {poll.delay:g} s: {poll.error.line()}")
            else:
                say("back to live.")
            last_state[0] = poll.state

    follower.run(on_poll, threading.Event())
    return EXIT_OK  # pragma: no cover - run() returns only when stopped


def _detail_record(detail: LogDetail) -> dict:
    entry = detail.entry
    return entry.row() | {"timestamp": entry.timestamp, "trace_id": detail.trace_id,
                          "timings": {"start_time": detail.start_ms, "end_time": detail.end_ms},
                          "source": detail.source, "metadata": entry.metadata, "metrics": entry.metrics,
                          "data": detail.data}


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    detail = activity.show(ctx.gateway, args.log_id)
    if args.json or not stdout_tty():
        emit_record(detail.raw, as_json=True)
        return EXIT_OK
    record = _detail_record(detail)
    record["parent"] = (f"{record['parent']['tool_slug']} ({record['parent']['log_id']})"
                        if record.get("parent") else None)
    record["source"] = ", ".join(f"{k} {v}" for k, v in detail.source.items() if v) or None
    record["timings"] = (f"{detail.start_ms:.0f} → {detail.end_ms:.0f} ms since epoch"
                         if detail.start_ms is not None and detail.end_ms is not None else None)
    emit_record(record, as_json=False, fields=DETAIL_FIELDS)
    for name in ("metrics", "metadata", "data"):
        value = record.get(name)
        if value:
            print(f"\n{name}:")
            print(inert(dumps(value, pretty=True)).replace("\\u000a", "\n"))
    return EXIT_OK
