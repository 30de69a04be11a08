"""`users list|show|offboard`: end users, what they have connected, and removing everything they had.

Thin callers of ``core.users`` and ``core.offboard``; offboarding asks for the user id to be typed again on
a terminal and needs --yes anywhere else.
"""

from __future__ import annotations

import argparse
import sys

from ..core import offboard, users
from ..core.context import Context
from .output import ACCOUNT_COLUMNS, emit_list, emit_record, error, inert, say, stdin_tty, stdout_tty
from .run import EXIT_API, EXIT_OK, EXIT_USAGE, connect

USER_COLUMNS = [("user_id", "USER"), ("sessions", "SESSIONS"), ("accounts", "ACCOUNTS"),
                ("broken_accounts", "BROKEN")]
SESSION_COLUMNS = [("session_id", "SESSION"), ("toolkits", "TOOLKITS"), ("state", "STATE"), ("created_at", "CREATED")]
ITEM_COLUMNS = [("kind", "KIND"), ("id", "ID"), ("label", "WHAT"), ("outcome", "OUTCOME"), ("note", "NOTE")]


def _journal_dir(ctx: Context):
    return ctx.ledger_path.parent


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    rows = [u.as_dict() for u in users.all_users(ctx.gateway, ctx.ledger)]
    emit_list(rows, USER_COLUMNS, as_json=args.json, shrink=("user_id",),
              empty="No users yet: no session in the ledger and no connected account at the API.")
    return EXIT_OK


def _session_row(e) -> dict:
    return {"session_id": e.session_id, "toolkits": list(e.toolkits), "state": e.state,
            "created_at": e.created_at, "updated_at": e.updated_at, "note": e.note}


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    users.check_user(args.user)
    connect(ctx)
    v = users.view(ctx.gateway, ctx.ledger, args.user)
    record = {"user_id": v.user_id, "sessions": [_session_row(e) for e in v.sessions],
              "accounts": [users.account_dict(a) for a in v.accounts],
              "toolkits": [{"toolkit": t.toolkit, "sessions": list(t.session_ids),
                            "status": str(t.best.status) if t.best else None,
                            "accounts": [a.id for a in t.accounts]} for t in v.toolkits()]}
    if stdout_tty() and not args.json:
        print(f"user {inert(v.user_id)}: {len(v.live_sessions)} live sessions, {len(v.accounts)} accounts, "
              f"{len(v.broken)} broken")
        print()
        emit_list(record["sessions"], SESSION_COLUMNS, as_json=False, empty="No sessions in the ledger.")
        print()
        emit_list(record["accounts"], ACCOUNT_COLUMNS, as_json=False, empty="No connected accounts.",
                  shrink=("status_reason",))
    else:
        emit_record(record, as_json=args.json)
    return EXIT_OK


def _emit_report(report: offboard.Report, as_json: bool) -> None:
    rows = [i.as_dict() | {"outcome": i.outcome.replace("_", " ") if stdout_tty() and not as_json else i.outcome}
            for i in report.items]
    if as_json or not stdout_tty():
        emit_record(report.as_dict(), as_json=as_json)
    else:
        emit_list(rows, ITEM_COLUMNS, as_json=False, shrink=("note", "label"))


def cmd_offboard(ctx: Context, args: argparse.Namespace) -> int:
    user_id = users.check_user(args.user)
    if not args.dry_run and not args.yes and not stdin_tty():
        error(f"not offboarding {inert(user_id)}: stdin is not a terminal, so nobody can confirm; run with "
              "--dry-run to see what would be removed, then with --yes.")
        return EXIT_USAGE
    connect(ctx)
    gw, ledger = ctx.gateway, ctx.ledger
    if args.dry_run or not args.yes:
        plan = offboard.plan(gw, ledger, user_id)
        say(f"Offboarding {inert(user_id)} removes {plan.count(offboard.SESSION)} sessions and "
            f"{plan.count(offboard.ACCOUNT)} connected accounts:")
        _emit_report(plan, args.json) if args.dry_run else _print_plan(plan)
        if args.dry_run:
            say("Dry run: nothing was removed.")
            return EXIT_OK
        print(f"Type the user id ({inert(user_id)}) to remove all of this: ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().rstrip("\n") != user_id:
            say("That is not the user id; nothing was removed.")
            return EXIT_OK
    report = offboard.run(gw, ledger, user_id, _journal_dir(ctx), progress=_progress if stdin_tty() else None)
    _emit_report(report, args.json)
    earlier = sum(1 for i in report.items if i.earlier)
    resumed = f" ({earlier} done by an earlier run)" if earlier else ""
    if report.done:
        say(f"Offboarded {inert(user_id)}: {report.count(offboard.SESSION)} sessions and "
            f"{report.count(offboard.ACCOUNT)} accounts removed{resumed}; the ledger marks the sessions deleted.")
        return EXIT_OK
    error(f"offboarding {inert(user_id)} is not complete: {len(report.failed)} items failed (listed above); "
          f"run the same command again to finish. Journal: {report.journal}")
    return EXIT_API


def _progress(item: offboard.Item) -> None:
    say(f"  {item.kind} {inert(item.id)}: {item.outcome}")


def _print_plan(plan: offboard.Report) -> None:
    for item in plan.items:
        say(f"  {item.kind:<8} {inert(item.id)}  {inert(item.label)}")
