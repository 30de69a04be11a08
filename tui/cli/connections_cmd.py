"""`connections list|link|disable|enable|refresh|delete`: one user's connected accounts, one line at a time.

Thin callers of ``core.users``. ``--user`` on an action scopes it: an account of another user is refused.
`link --wait` exits 0 once the account is ACTIVE and 5 with the final status otherwise.
"""

from __future__ import annotations

import argparse
import sys

from ..core import users
from ..core.context import Context
from ..core.qr import qr_lines
from ..core.states import AccountStatus, WaitOutcome
from .output import ACCOUNT_COLUMNS, ask, emit_list, emit_record, error, inert, say, stdin_tty, stdout_tty
from .run import EXIT_API, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, connect

LIST_COLUMNS = [("id", "ACCOUNT"), ("user_id", "USER")] + ACCOUNT_COLUMNS[1:]


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    if args.user:
        users.check_user(args.user)
    connect(ctx)
    found = ctx.gateway.accounts(user_id=args.user or None, toolkits=args.toolkit or None,
                                 statuses=args.status or None)
    rows = [users.account_dict(a) for a in found]
    emit_list(rows, LIST_COLUMNS, as_json=args.json, shrink=("status_reason", "user_id"),
              empty="No connected accounts match.")
    return EXIT_OK


def cmd_link(ctx: Context, args: argparse.Namespace) -> int:
    users.check_user(args.user)
    connect(ctx)
    made = users.connect(ctx.gateway, ctx.ledger, args.user, args.toolkit, session_id=args.session,
                         auth_config_id=args.auth_config, callback_url=args.callback_url)
    url = made.link.redirect_url
    say(f"Connect link for {inert(args.toolkit)} of user {inert(args.user)} (through {made.via}):")
    if stdout_tty() and not args.json:
        print(url)
        print("\n".join(qr_lines(url)))
        if made.callback_url:
            say(f"After connecting, the user returns to {inert(made.callback_url)}.")
    else:
        emit_record(made.as_dict(), as_json=args.json)
    if args.wait is None:
        return EXIT_OK
    say(f"Waiting up to {args.wait:g} s for the account to turn ACTIVE…")
    waited = users.wait_active(ctx.gateway, made.link.connected_account_id, timeout=args.wait,
                               interval=min(2.0, max(0.2, args.wait / 20)))
    if waited.outcome == WaitOutcome.ACTIVE:
        say(f"✓ {args.toolkit} is connected for {inert(args.user)} (ACTIVE).")
        return EXIT_OK
    reason = f" ({waited.reason})" if waited.reason else ""
    if waited.outcome == WaitOutcome.TIMEOUT:
        error(f"no connection after {args.wait:g} s: the account is still {waited.status}{reason}; "
              "the link stays valid.")
    else:
        error(f"the account ended {waited.status}{reason}; create a new link.")
    return EXIT_API


def _show(account, as_json: bool) -> None:
    emit_record(users.account_dict(account), as_json=as_json,
                fields=[("id", "account"), ("user_id", "user"), ("toolkit", "toolkit"), ("status", "status"),
                        ("status_reason", "reason"), ("auth_config_id", "auth config"), ("updated_at", "updated")])


def cmd_disable(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    account = users.disable(ctx.gateway, args.account_id, args.user)
    say(f"Disabled {args.account_id} ({account.toolkit} of {inert(account.user_id)}): now {account.status}.")
    _show(account, args.json)
    return EXIT_OK


def cmd_enable(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    account = users.enable(ctx.gateway, args.account_id, args.user)
    say(f"Enabled {args.account_id} ({account.toolkit} of {inert(account.user_id)}): now {account.status}.")
    _show(account, args.json)
    return EXIT_OK


def cmd_refresh(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    done = users.refresh(ctx.gateway, args.account_id, args.user)
    account = done.account
    say(f"Refreshed {args.account_id} ({account.toolkit} of {inert(account.user_id)}): now {account.status}.")
    if done.link is not None:
        say("The user must reconnect through this link:")
        if stdout_tty() and not args.json:
            print(done.link.redirect_url)
        record = users.account_dict(account) | {"redirect_url": done.link.redirect_url}
        if args.json or not stdout_tty():
            emit_record(record, as_json=args.json)
        return EXIT_OK
    _show(account, args.json)
    return EXIT_OK if account.status == AccountStatus.ACTIVE else EXIT_API


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes and not stdin_tty():
        error(f"not deleting {inert(args.account_id)}: stdin is not a terminal, so nobody can confirm; "
              "pass --yes to delete without asking.")
        return EXIT_USAGE
    connect(ctx)
    account = users.owned(ctx.gateway, args.account_id, args.user)
    if not args.yes and not ask(f"Delete the {account.toolkit} account {args.account_id} of user "
                                f"{inert(account.user_id)}? Their agents lose this connection."):
        say("Nothing deleted.")
        return EXIT_OK
    if not users.delete(ctx.gateway, args.account_id):
        error(f"connected account {inert(args.account_id)} was already gone (404).")
        return EXIT_NOT_FOUND
    say(f"Deleted the {account.toolkit} account {args.account_id} of {inert(account.user_id)}.")
    if args.json or not stdout_tty():
        emit_record({"id": args.account_id, "user_id": account.user_id, "toolkit": account.toolkit,
                     "deleted": True}, as_json=args.json)
    sys.stdout.flush()
    return EXIT_OK
