"""`sessions link ID TOOLKIT`: a Connect link for one toolkit of a session (issue 11.3).

Never piles up pending accounts: a link still waiting is printed again when the API shows it; one it
does not show is refused with a message unless ``--again`` asks for another. The flow is
``sessions.connect_link`` (the console calls the same function).
"""

from __future__ import annotations

import argparse

from ..core import sessions
from ..core.context import Context
from .output import emit_record, error, inert, say
from .run import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, connect


def cmd_link(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    info = sessions.refresh(ctx.gateway, ctx.ledger, args.session_id)
    if info is None:
        error(f"no session {inert(args.session_id)}: the API does not know it (404).")
        return EXIT_NOT_FOUND
    try:
        link = sessions.connect_link(ctx.gateway, info, args.toolkit, again=args.again)
    except sessions.LinkWaiting as waiting:
        error(f"{waiting} Pass --again to make another one.")
        return EXIT_USAGE
    if link.reused:
        say(f"Reusing the Connect link for {link.toolkit} made earlier (account {link.connected_account_id}, "
            "still waiting).")
    else:
        say(f"Connect link for {link.toolkit}; send it to {info.user_id}.")
    emit_record({"session_id": info.session_id, "user_id": info.user_id, "toolkit": link.toolkit,
                 "redirect_url": link.redirect_url, "connected_account_id": link.connected_account_id,
                 "reused": link.reused}, as_json=args.json)
    return EXIT_OK
