"""``GET /api/v3.1/connected_accounts``: the connected accounts list with the client's filters and cursors.

Filters (``composio_client`` ``connected_accounts.list``): ``user_ids``, ``toolkit_slugs``, ``statuses``,
``auth_config_ids``, ``connected_account_ids`` (lists: comma-joined or repeated), ``account_type`` (demo accounts are all
PRIVATE, the default), ``order_by``
(created_at | updated_at), ``order_direction`` (asc | desc, default desc), ``cursor``, ``limit``.
Every filter given must match. Bodies are ``ConnectedAccountListResponse`` (contract-tested).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.demo import sessions as s
from tui.demo.shapes import ApiFailure, paginate, parse_limit
from tui.demo.state import STATUSES, Store

PATH = "/api/v3.1/connected_accounts"


def _many(request: Request, name: str) -> list[str]:
    out: list[str] = []
    for raw in request.query_params.getlist(name) + request.query_params.getlist(f"{name}[]"):
        out += [x.strip() for x in raw.split(",") if x.strip()]
    return out


def routes(store: Store) -> list[Route]:
    async def list_accounts(request: Request) -> Response:
        q = request.query_params
        problems = []
        statuses = [x.upper() for x in _many(request, "statuses")]
        if bad := [x for x in statuses if x not in STATUSES]:
            problems.append(f"statuses: Invalid enum value {', '.join(bad)}; expected {' | '.join(STATUSES)}")
        order_by = q.get("order_by") or "created_at"
        if order_by not in ("created_at", "updated_at"):
            problems.append("order_by: Invalid enum value; expected 'created_at' | 'updated_at'")
        direction = q.get("order_direction") or "desc"
        if direction not in ("asc", "desc"):
            problems.append("order_direction: Invalid enum value; expected 'asc' | 'desc'")
        account_type = q.get("account_type") or "PRIVATE"
        if account_type not in ("PRIVATE", "SHARED", "ALL"):
            problems.append("account_type: Invalid enum value; expected 'PRIVATE' | 'SHARED' | 'ALL'")
        if problems:
            raise ApiFailure(400, problems[0], "ValidationError", errors=problems)
        limit = parse_limit(q.get("limit"), 1, 1000)
        users = set(_many(request, "user_ids"))
        toolkits = {x.lower() for x in _many(request, "toolkit_slugs")}
        configs = set(_many(request, "auth_config_ids"))
        ids = set(_many(request, "connected_account_ids"))
        found = [] if account_type == "SHARED" else [a for a in store.accounts()
                 if (not users or a.user_id in users) and (not toolkits or a.toolkit in toolkits)
                 and (not statuses or a.status in statuses) and (not configs or a.auth_config_id in configs)
                 and (not ids or a.id in ids)]
        found.sort(key=lambda a: (getattr(a, order_by), a.started), reverse=direction == "desc")
        return JSONResponse(paginate(found, limit, q.get("cursor"), s.account_list_item))

    return [Route(PATH, list_accounts)]
