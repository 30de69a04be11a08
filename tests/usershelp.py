"""Helpers for the users and connections console tests: a populated demo API, and screen steps."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from apphelp import settle
from sessionhelp import screen_name, text, wait_until

# (user, toolkits of a session or None for an account made through an auth config, account statuses)
PEOPLE = (
    ("alice", ("github", "gmail"), {"github": "ACTIVE", "gmail": "EXPIRED"}),
    ("alice", ("slack",), {"slack": "INACTIVE"}),
    ("bob", ("github",), {"github": "ACTIVE"}),
    ("carol", None, {"notion": "FAILED"}),
)


def _populate(ctx, server) -> dict[tuple[str, str], str]:
    from tui.core import sessions

    gw, ledger = ctx.gateway, ctx.ledger
    known = frozenset(tk.slug for tk in server.catalog.toolkits)
    ids: dict[tuple[str, str], str] = {}
    for user, toolkits, statuses in PEOPLE:
        if toolkits:
            info = sessions.create(gw, ledger, user, list(toolkits), known)
        for slug, status in statuses.items():
            if toolkits:
                link = gw.session_connect_link(info.session_id, slug)
            else:
                link = gw.auth_config_link(user, f"ac_demo_{slug}", slug)
            server.activate(link.connected_account_id, status)
            ids[(user, slug)] = link.connected_account_id
    return ids


async def populate(pilot, server) -> dict[tuple[str, str], str]:
    """Sessions (core + ledger) and accounts (over HTTP) for alice, bob and carol; returns account ids."""
    return await asyncio.to_thread(_populate, pilot.app.ctx, server)


def table_rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_users(pilot) -> None:
    await pilot.press("u")
    await wait_until(pilot, lambda: screen_name(pilot.app) == "UsersScreen" and pilot.app.screen.loading_done,
                     what="the users list")
    await pilot.pause()


async def open_user(pilot, user_id: str) -> None:
    """From the users list: move to the user's row and press enter; wait for the view."""
    screen = pilot.app.screen
    row = [u.user_id for u in screen.shown].index(user_id)
    screen.query_one(DataTable).move_cursor(row=row)
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen_name(pilot.app) == "UserScreen" and pilot.app.screen.view is not None,
                     what="the user screen")
    await pilot.pause()


async def highlight(pilot, toolkit: str) -> None:
    screen = pilot.app.screen
    row = [t for t, _ in screen.rows].index(toolkit)
    screen.query_one("#user-accounts", DataTable).move_cursor(row=row)
    await settle(pilot)  # the highlight's messages (detail line, styles) have all been handled


def status_of(app, toolkit: str) -> str:
    return next(r[1] for r in table_rows(app, "#user-accounts") if r[0] == toolkit)


__all__ = ["populate", "table_rows", "open_users", "open_user", "highlight", "status_of", "text"]
